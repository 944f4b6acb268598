"""The `leadline` console script, run as an operator runs it: in a child process, against a
throwaway SQLite database in a temporary data directory."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from leadline.core.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD
from tests.core.leadline_cli import child_environment, leadline_executable, run_leadline

STRONG_PASSWORD = "plum-orchard-lantern-42"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("leadline-cli")
    result = run_leadline(directory, "migrate")
    assert result.returncode == 0, result.stderr
    return directory


def python_in_django(data_dir: Path, code: str) -> str:
    """Evaluate `code` with Django set up on the CLI's database and return what it printed."""
    result = run_leadline(data_dir, "manage", "shell", "--no-imports", "-c", code)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_it_migrates_a_new_database_and_is_a_no_op_the_second_time(tmp_path):
    first = run_leadline(tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    assert "Applying accounts.0001_initial" in first.stdout
    assert (tmp_path / "leadline.sqlite3").exists()

    second = run_leadline(tmp_path, "migrate")
    assert second.returncode == 0, second.stderr
    assert "No migrations to apply" in second.stdout


def test_it_creates_an_admin_then_updates_the_password(data_dir):
    created = run_leadline(
        data_dir, "createadmin", "--email", "Owner@Example.com", "--password", STRONG_PASSWORD
    )
    assert created.returncode == 0, created.stderr
    assert "Created admin owner@example.com" in created.stdout

    updated = run_leadline(
        data_dir, "createadmin", "--email", "owner@example.com", "--password", "new-" + STRONG_PASSWORD
    )
    assert updated.returncode == 0, updated.stderr
    assert "Updated admin owner@example.com" in updated.stdout

    check = python_in_django(
        data_dir,
        "from leadline.accounts.models import User; u = User.objects.get(email='owner@example.com'); "
        f"print(User.objects.filter(email='owner@example.com').count(), u.is_admin, "
        f"u.check_password('new-{STRONG_PASSWORD}'), u.check_password('{STRONG_PASSWORD}'))",
    )
    assert check == "1 True True False"


def test_it_rejects_a_weak_password_clearly_and_keeps_the_old_one(data_dir):
    email = "keeper@example.com"
    assert (
        run_leadline(data_dir, "createadmin", "--email", email, "--password", STRONG_PASSWORD).returncode == 0
    )

    for password, message in [
        ("short", "This password is too short. It must contain at least 10 characters."),
        ("password123", "This password is too common."),
    ]:
        result = run_leadline(data_dir, "createadmin", "--email", email, "--password", password)
        assert result.returncode != 0
        assert message in result.stderr
        assert "Traceback" not in result.stderr

    still = python_in_django(
        data_dir,
        f"from leadline.accounts.models import User; print(User.objects.get(email='{email}')"
        f".check_password('{STRONG_PASSWORD}'))",
    )
    assert still == "True"


def test_it_rejects_an_email_that_is_not_one(data_dir):
    result = run_leadline(data_dir, "createadmin", "--email", "not-an-email", "--password", STRONG_PASSWORD)
    assert result.returncode != 0
    assert "'not-an-email' is not a valid email address." in result.stderr


def test_it_prints_a_new_token_once_and_the_token_authenticates(data_dir):
    email = "api-owner@example.com"
    assert (
        run_leadline(data_dir, "createadmin", "--email", email, "--password", STRONG_PASSWORD).returncode == 0
    )

    result = run_leadline(data_dir, "token", "create", "--user", email, "--scope", "contacts:read")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, "stdout carries the token alone, so scripts can capture it"
    secret = lines[0]
    assert secret.startswith("ll_")
    assert "shown once" in result.stderr
    found = python_in_django(
        data_dir,
        "import json; from leadline.accounts.services import api_token_authenticate; "
        f"t = api_token_authenticate('{secret}'); "
        "print(json.dumps({'user': t.user.email, 'scopes': t.scopes}) if t else 'none')",
    )
    assert json.loads(found) == {"user": email, "scopes": ["contacts:read"]}
    stored = python_in_django(
        data_dir,
        f"from leadline.accounts.models import ApiToken; print(ApiToken.objects.filter(digest='{secret}').count())",
    )
    assert stored == "0", "only a digest of the secret is stored"


def test_it_refuses_a_token_for_an_unknown_user(data_dir):
    result = run_leadline(data_dir, "token", "create", "--user", "nobody@example.com")
    assert result.returncode != 0
    assert "No active user with email 'nobody@example.com'." in result.stderr
    assert result.stdout == ""


def test_it_refuses_a_token_with_an_unknown_scope(data_dir):
    email = "scoped@example.com"
    assert (
        run_leadline(data_dir, "createadmin", "--email", email, "--password", STRONG_PASSWORD).returncode == 0
    )
    result = run_leadline(data_dir, "token", "create", "--user", email, "--scope", "everything")
    assert result.returncode != 0
    assert "Unknown scope(s): everything." in result.stderr
    assert result.stdout == ""


# --- leadline demo ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def descendants(root: int) -> set[int]:
    """Every process below `root`, read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces and parentheses; fields after the last ")" are fixed.
        fields = stat.rsplit(")", 1)[1].split()
        parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = [root]
    while frontier:
        current = frontier.pop()
        for pid, parent in parents.items():
            if parent == current and pid not in found:
                found.add(pid)
                frontier.append(pid)
    return found


def is_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def get_health(port: int) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
        return None


def wait_for(condition, *, seconds: float, what: str, process: subprocess.Popen[bytes], log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if process.poll() is not None:
            pytest.fail(f"leadline demo exited ({process.returncode}) before {what}:\n{log.read_text()}")
        time.sleep(0.5)
    pytest.fail(f"timed out after {seconds}s waiting for {what}:\n{log.read_text()}")


def test_it_runs_the_demo_and_stops_every_part_on_ctrl_c(tmp_path):
    port = free_port()
    log = tmp_path / "demo.log"
    environment = child_environment(tmp_path / "data", LEADLINE_SCHEDULER_TICK_SECONDS="1")
    children: set[int] = set()
    with log.open("wb") as output:
        demo = subprocess.Popen(
            [*leadline_executable(), "demo", "--port", str(port)],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        health = wait_for(
            lambda: get_health(port), seconds=180, what="/healthz to answer", process=demo, log=log
        )
        assert health["database"]["status"] == "ok"

        health = wait_for(
            lambda: (h := get_health(port)) and h["worker"]["status"] == "ok" and h,
            seconds=60,
            what="the worker to report in",
            process=demo,
            log=log,
        )
        assert health["scheduler"]["status"] == "ok"

        printed = log.read_text()
        assert f"Leadline is running at http://localhost:{port}/" in printed
        assert f"Sign in as {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}" in printed

        children = descendants(demo.pid)
        assert len(children) >= 3, "web, worker and scheduler run as child processes"

        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=30) == 0, log.read_text()

        leftovers = {pid for pid in children if is_alive(pid)}
        assert leftovers == set(), f"processes left running after Ctrl-C: {leftovers}"
        assert "Stopped." in log.read_text()
        assert get_health(port) is None, "the web server no longer answers"
    finally:
        if demo.poll() is None:
            children |= descendants(demo.pid)
            demo.kill()
            demo.wait(timeout=10)
        for pid in children:
            if is_alive(pid):
                os.kill(pid, signal.SIGKILL)
