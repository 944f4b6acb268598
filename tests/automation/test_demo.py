"""The demo seed installs the playbooks once."""

from __future__ import annotations

from typing import Any

from leadline.automation.demo import seed_automation_demo
from leadline.automation.models import Workflow


def test_it_seeds_the_demo_workflows_once(sender: Any) -> None:
    lines: list[str] = []
    seed_automation_demo(lines.append)
    seed_automation_demo(lines.append)
    assert len(lines) == 1
    assert Workflow.objects.filter(status="active").count() == 2
    assert Workflow.objects.filter(status="draft").count() == 3
