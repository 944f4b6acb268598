"""The step tree of a workflow version and the ways of walking it.

A version's steps are a list of step nodes `{"key", "type", "config", "branches"}`. Branching steps
(if/else, A/B split) hold one list of steps per branch (`{"yes": [...], "no": [...]}`); when a branch
runs out, the flow continues after the branching step. Keys are short random strings fixed when a
step is added, so that editing a live workflow can tell which steps still exist.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

BRANCHES: dict[str, tuple[str, ...]] = {"branch": ("yes", "no"), "split": ("a", "b")}
BRANCH_LABELS = {"yes": "Yes", "no": "No", "a": "Path A", "b": "Path B"}
MAX_STEPS = 200


def new_key() -> str:
    return secrets.token_hex(4)


@dataclass(frozen=True)
class Located:
    """A step and where it sits: the list that holds it and the chain of branching steps above it."""

    step: dict[str, Any]
    siblings: list[dict[str, Any]]
    index: int
    parents: tuple[tuple[dict[str, Any], list[dict[str, Any]], int], ...]


def walk(steps: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every step, depth first, in reading order."""
    for step in steps:
        yield step
        for name in BRANCHES.get(step.get("type", ""), ()):
            yield from walk(step.get("branches", {}).get(name, []))


def keys(steps: list[dict[str, Any]]) -> list[str]:
    return [step["key"] for step in walk(steps)]


def locate(steps: list[dict[str, Any]], key: str) -> Located | None:
    def search(
        items: list[dict[str, Any]], parents: tuple[tuple[dict[str, Any], list[dict[str, Any]], int], ...]
    ) -> Located | None:
        for index, step in enumerate(items):
            if step.get("key") == key:
                return Located(step=step, siblings=items, index=index, parents=parents)
            for name in BRANCHES.get(step.get("type", ""), ()):
                found = search(step.get("branches", {}).get(name, []), (*parents, (step, items, index)))
                if found is not None:
                    return found
        return None

    return search(steps, ())


def find(steps: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    located = locate(steps, key)
    return located.step if located else None


def first_key(steps: list[dict[str, Any]]) -> str | None:
    return steps[0]["key"] if steps else None


def next_key(steps: list[dict[str, Any]], key: str) -> str | None:
    """The step after `key` when it does not branch: its next sibling, or the step after the
    branching step that holds it (climbing as far as needed). None at the end of the workflow."""
    located = locate(steps, key)
    if located is None:
        return None
    if located.index + 1 < len(located.siblings):
        return str(located.siblings[located.index + 1]["key"])
    for _parent, holder, index in reversed(located.parents):
        if index + 1 < len(holder):
            return str(holder[index + 1]["key"])
    return None


def branch_key(steps: list[dict[str, Any]], key: str, branch: str) -> str | None:
    """The first step of `branch` of the branching step `key`, or the step after it when empty."""
    step = find(steps, key)
    if step is None:
        return None
    items = step.get("branches", {}).get(branch, [])
    if items:
        return str(items[0]["key"])
    return next_key(steps, key)


def successor_in(old_steps: list[dict[str, Any]], new_steps: list[dict[str, Any]], key: str) -> str | None:
    """Where an enrolment at `key` goes when a new version no longer has that step: the first step
    after it (in the old version's order, following the first branch) that the new version still has."""
    wanted = set(keys(new_steps))
    current: str | None = key
    seen: set[str] = set()
    while current is not None and current not in seen:
        seen.add(current)
        step = find(old_steps, current)
        if step is None:
            return first_key(new_steps) if current == key else None
        branches = BRANCHES.get(step.get("type", ""), ())
        current = branch_key(old_steps, current, branches[0]) if branches else next_key(old_steps, current)
        if current is not None and current in wanted:
            return current
    return None


def insert(
    steps: list[dict[str, Any]], step: dict[str, Any], *, after: str | None, branch: str | None = None
) -> list[dict[str, Any]]:
    """A copy of `steps` with `step` placed after the step `after` (or, with `branch`, first in that
    branch of the branching step `after`; with neither, first in the workflow)."""
    import copy

    tree = copy.deepcopy(steps)
    if after is None:
        tree.insert(0, step)
        return tree
    located = locate(tree, after)
    if located is None:
        raise KeyError(after)
    if branch:
        if branch not in BRANCHES.get(located.step.get("type", ""), ()):
            raise KeyError(branch)
        located.step.setdefault("branches", {}).setdefault(branch, []).insert(0, step)
    else:
        located.siblings.insert(located.index + 1, step)
    return tree


def replace(
    steps: list[dict[str, Any]], key: str, config: dict[str, Any], title: str
) -> list[dict[str, Any]]:
    import copy

    tree = copy.deepcopy(steps)
    located = locate(tree, key)
    if located is None:
        raise KeyError(key)
    located.step["config"] = config
    located.step["title"] = title
    return tree


def remove(steps: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """A copy without the step `key` (and, for a branching step, everything in its branches)."""
    import copy

    tree = copy.deepcopy(steps)
    located = locate(tree, key)
    if located is None:
        raise KeyError(key)
    del located.siblings[located.index]
    return tree


def count(steps: list[dict[str, Any]]) -> int:
    return sum(1 for _ in walk(steps))
