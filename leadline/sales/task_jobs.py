"""Periodic work of tasks: reminders of tasks that are due soon."""
