"""API of workflows (read, enrol, unenrol, enrolment state) and playbooks."""

from ninja import Router

router = Router(tags=["Automation"])
