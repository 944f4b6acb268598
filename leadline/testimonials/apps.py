from django.apps import AppConfig


class TestimonialsConfig(AppConfig):
    name = "leadline.testimonials"
    label = "testimonials"
    verbose_name = "Testimonials"
