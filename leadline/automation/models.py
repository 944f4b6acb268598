"""Workflows and sequences: triggers, waits, branches, actions, enrolments and playbooks."""
