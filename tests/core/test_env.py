"""The typed environment readers stop start-up with a message that names the variable."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from leadline.core.env import env_bool, env_choice, env_int, env_list, env_str, env_url


def test_it_reads_booleans_in_the_usual_spellings():
    assert env_bool("FLAG", environ={"FLAG": "Yes"}) is True
    assert env_bool("FLAG", environ={"FLAG": " on "}) is True
    assert env_bool("FLAG", environ={"FLAG": "0"}) is False
    assert env_bool("FLAG", True, environ={}) is True


def test_it_rejects_a_boolean_it_cannot_read_naming_the_variable():
    with pytest.raises(ImproperlyConfigured, match=r"LEADLINE_DEBUG must be a boolean.*'maybe'"):
        env_bool("LEADLINE_DEBUG", environ={"LEADLINE_DEBUG": "maybe"})


def test_it_reads_whole_numbers_and_falls_back_to_the_default_when_empty():
    assert env_int("LEADLINE_MAX_BODY_BYTES", 10, environ={"LEADLINE_MAX_BODY_BYTES": " 4096 "}) == 4096
    assert env_int("LEADLINE_MAX_BODY_BYTES", 10, environ={"LEADLINE_MAX_BODY_BYTES": ""}) == 10


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("lots", "LEADLINE_MAX_BODY_BYTES must be a whole number, got 'lots'"),
        ("2.5", "LEADLINE_MAX_BODY_BYTES must be a whole number"),
        ("12", "LEADLINE_MAX_BODY_BYTES must be at least 1024, got 12"),
        ("99999999", "LEADLINE_MAX_BODY_BYTES must be at most 1000000, got 99999999"),
    ],
)
def test_it_rejects_numbers_that_are_not_numbers_or_out_of_range(raw, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        env_int(
            "LEADLINE_MAX_BODY_BYTES",
            2048,
            minimum=1024,
            maximum=1_000_000,
            environ={"LEADLINE_MAX_BODY_BYTES": raw},
        )


def test_it_accepts_a_choice_in_any_case():
    assert env_choice("LEADLINE_TASKS", ("db", "immediate"), "db", environ={"LEADLINE_TASKS": "DB"}) == "db"
    assert env_choice("LEADLINE_TASKS", ("db", "immediate"), "db", environ={}) == "db"


def test_it_rejects_an_unknown_choice_listing_the_allowed_ones():
    with pytest.raises(
        ImproperlyConfigured, match="LEADLINE_TASKS must be one of db, immediate; got 'celery'"
    ):
        env_choice("LEADLINE_TASKS", ("db", "immediate"), "db", environ={"LEADLINE_TASKS": "celery"})


def test_it_splits_lists_on_commas_and_drops_blanks():
    environ = {"LEADLINE_ALLOWED_HOSTS": " crm.example.com, ,leads.example.com "}
    assert env_list("LEADLINE_ALLOWED_HOSTS", ["x"], environ=environ) == [
        "crm.example.com",
        "leads.example.com",
    ]
    assert env_list("LEADLINE_ALLOWED_HOSTS", ["x"], environ={}) == ["x"]


def test_it_trims_plain_strings():
    assert env_str("LEADLINE_FROM_EMAIL", environ={"LEADLINE_FROM_EMAIL": "  a@b.test\n"}) == "a@b.test"


def test_it_accepts_urls_with_an_allowed_scheme():
    schemes = ("postgres", "sqlite")
    url = "postgres://leadline:secret@db.internal:5432/leadline"
    assert env_url("DATABASE_URL", "", schemes=schemes, environ={"DATABASE_URL": url}) == url
    assert (
        env_url("DATABASE_URL", "", schemes=schemes, environ={"DATABASE_URL": "sqlite:///x.db"})
        == "sqlite:///x.db"
    )
    assert env_url("DATABASE_URL", "", schemes=schemes, environ={}) == ""


def test_it_accepts_a_redis_unix_socket_without_a_host():
    url = "unix:///run/redis/redis.sock?db=0"
    assert env_url("REDIS_URL", "", schemes=("redis", "unix"), environ={"REDIS_URL": url}) == url


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("mysql://db/leadline", "DATABASE_URL must start with one of postgres://, sqlite://; got 'mysql'"),
        ("db.internal:5432", "DATABASE_URL must start with one of"),
        ("just words", "DATABASE_URL must start with one of .*; got 'no scheme'"),
        ("postgres:///leadline", "DATABASE_URL must name a host"),
        ("postgres://db.internal:port/leadline", "DATABASE_URL has an invalid port"),
        ("postgres://db.internal:99999/leadline", "DATABASE_URL has an invalid port"),
    ],
)
def test_it_rejects_urls_it_cannot_use_naming_the_variable(raw, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        env_url("DATABASE_URL", "", schemes=("postgres", "sqlite"), environ={"DATABASE_URL": raw})


def test_it_rejects_a_unix_socket_url_without_a_path():
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL must name a socket path"):
        env_url("REDIS_URL", "", schemes=("redis", "unix"), environ={"REDIS_URL": "unix://"})
