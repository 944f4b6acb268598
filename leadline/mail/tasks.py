"""Imported by the scheduler: registers the mail room's periodic work."""

from leadline.mail import bounce_jobs, campaign_jobs, domain_jobs, sending_jobs  # noqa: F401
