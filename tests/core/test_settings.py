"""Start-up with a bad configuration value stops with a message naming the variable."""

from __future__ import annotations

import pytest

from tests.core.leadline_cli import run_leadline


def test_it_starts_with_no_configuration_at_all(tmp_path):
    result = run_leadline(tmp_path, "manage", "check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    assert (tmp_path / "secret_key").exists(), "a secret key is generated once into the data directory"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "mysql://db.internal/leadline", "DATABASE_URL must start with one of"),
        ("DATABASE_URL", "postgres://", "DATABASE_URL must name a host"),
        ("DATABASE_URL", "postgres://db.internal:port/leadline", "DATABASE_URL has an invalid port"),
        ("EMAIL_URL", "imap://mail.example.com", "EMAIL_URL must start with smtp://"),
        ("EMAIL_URL", "smtp://mail.example.com:twentyfive", "EMAIL_URL has an invalid port"),
        ("LEADLINE_TASKS", "celery", "LEADLINE_TASKS must be one of db, immediate; got 'celery'"),
        ("REDIS_URL", "http://cache.internal", "REDIS_URL must start with one of"),
        ("LEADLINE_DEBUG", "sometimes", "LEADLINE_DEBUG must be a boolean"),
        ("LEADLINE_SECRET_KEY", "too-short", "LEADLINE_SECRET_KEY must be at least 32 characters"),
        ("LEADLINE_BASE_URL", "ftp://crm.example.com", "LEADLINE_BASE_URL must start with one of"),
        ("LEADLINE_MAX_BODY_BYTES", "a lot", "LEADLINE_MAX_BODY_BYTES must be a whole number"),
        ("LEADLINE_SCHEDULER_TICK_SECONDS", "0", "LEADLINE_SCHEDULER_TICK_SECONDS must be at least 1"),
        ("LEADLINE_LOG_LEVEL", "loud", "LEADLINE_LOG_LEVEL must be one of"),
    ],
)
def test_it_refuses_to_start_with_a_bad_value_naming_the_variable(tmp_path, variable, value, message):
    result = run_leadline(tmp_path, "manage", "check", **{variable: value})
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr, "an operator gets one clear line, not a stack trace"
