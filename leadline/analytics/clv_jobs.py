"""Periodic lifetime-value refit (registered with @periodic when imported by analytics.tasks)."""
