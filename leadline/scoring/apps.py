from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "leadline.scoring"
    label = "scoring"
    verbose_name = "Scoring"
