"""Periodic work of the mail room (registered with @periodic when imported by mail.tasks)."""
