"""Periodic work of meetings: reminders to guests before their meeting."""
