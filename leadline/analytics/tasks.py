"""Imported by the scheduler: registers the analytics room's periodic work."""

from leadline.analytics import clv_jobs  # noqa: F401
