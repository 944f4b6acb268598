"""The `leadline` console script: run the product, its parts, and operator chores."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

import click

DEFAULT_PORT = 8000


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadline.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as error:
        raise click.ClickException(f"Configuration error: {error}") from None


def _manage(*arguments: str, **options: Any) -> None:
    _setup_django()
    from django.core.management import call_command

    call_command(*arguments, **options)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="leadline")
def main() -> None:
    """Leadline: marketing and sales on one line."""


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
def manage(arguments: Sequence[str]) -> None:
    """Run any Django management command."""
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["leadline manage", *arguments])


@main.command()
def migrate() -> None:
    """Create or upgrade the database tables."""
    _manage("migrate", "--no-input", verbosity=1)


@main.command()
@click.option("--email", required=True, help="The admin's email address (their login).")
@click.option("--password", required=True, help="At least 10 characters.")
def createadmin(email: str, password: str) -> None:
    """Create an admin account, or reset the password of an existing one."""
    _setup_django()
    from django.core.exceptions import ValidationError

    from leadline.accounts.services import admin_create_or_update

    try:
        user, created = admin_create_or_update(email=email, password=password)
    except ValidationError as error:
        raise click.ClickException("; ".join(error.messages)) from None
    click.echo(f"{'Created' if created else 'Updated'} admin {user.email}")


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--user", "email", required=True, help="Email of the user the token acts as.")
@click.option("--name", default="Command-line token", show_default=True)
@click.option("--scope", "scopes", multiple=True, help="Repeat for several; default: all scopes.")
def token_create(email: str, name: str, scopes: tuple[str, ...]) -> None:
    """Create an API token and print it once."""
    _setup_django()
    from django.core.exceptions import ValidationError

    from leadline.accounts.models import User
    from leadline.accounts.services import api_token_create

    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise click.ClickException(f"No active user with email {email!r}.")
    try:
        _token, secret = api_token_create(user=user, name=name, scopes=list(scopes) or None)
    except ValidationError as error:
        raise click.ClickException("; ".join(error.messages)) from None
    click.echo(secret)
    click.echo("Store it now: it is shown once and kept only as a hash.", err=True)


def _serve_command(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        "4",
        "--backpressure",
        "16",
        "--log-level",
        "warning",
        "leadline.wsgi:application",
    ]


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Run the web server (granian, WSGI)."""
    _setup_django()
    os.execv(sys.executable, _serve_command(host, port, workers))  # noqa: S606 - fixed argv, no shell


@main.command()
@click.option("--queue", default="default", show_default=True)
def worker(queue: str) -> None:
    """Run a background worker that executes queued tasks."""
    _setup_django()
    from django.conf import settings

    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        raise click.ClickException("LEADLINE_TASKS is not 'db': there is no queue for a worker to read.")
    _manage("db_worker", "--queue-name", queue, "--interval", "0.5")


@main.command()
@click.option("--once", is_flag=True, help="Run a single tick and exit.")
def scheduler(once: bool) -> None:
    """Run the scheduler: periodic ticks and due jobs."""
    _setup_django()
    from leadline.core.scheduler import run_forever, tick

    if once:
        tick()
    else:
        run_forever()


@main.command()
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--no-seed", is_flag=True, help="Skip seeding the demo workspace.")
def demo(port: int, host: str, no_seed: bool) -> None:
    """Migrate, seed the demo workspace once, and run web + worker + scheduler together."""
    # Links in emails and the tracking snippet must point at the port the demo really listens on.
    browser_host = "localhost" if host in {"127.0.0.1", "0.0.0.0"} else host  # noqa: S104
    os.environ.setdefault("LEADLINE_BASE_URL", f"http://{browser_host}:{port}")
    _setup_django()
    from django.core.management import call_command

    from leadline.analytics.demo import seed_analytics_demo
    from leadline.analytics.value_demo import seed_lifetime_value
    from leadline.automation.demo import seed_automation_demo
    from leadline.core.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, seed_demo
    from leadline.forms.demo import seed_forms_demo
    from leadline.mail.demo import seed_mail_demo
    from leadline.mail.demo_campaigns import seed_campaigns_demo
    from leadline.mail.demo_subscriptions import seed_subscription_types_demo
    from leadline.sales.demo import seed_handoff_demo
    from leadline.sales.demo_deals import seed_deals_demo
    from leadline.sales.demo_meetings import seed_meetings_demo
    from leadline.sales.demo_orders import seed_orders_demo
    from leadline.sales.demo_tasks import seed_tasks_demo
    from leadline.scoring.demo import seed_scoring_demo
    from leadline.segments.demo import seed_segments_demo
    from leadline.testimonials.demo import seed_testimonials_demo
    from leadline.tracking.demo import seed_tracking_demo

    click.echo("Preparing the database…")
    call_command("migrate", "--no-input", verbosity=0)
    if not no_seed:
        seed_demo(echo=click.echo)
        seed_tracking_demo(echo=click.echo)
        seed_forms_demo(echo=click.echo)
        seed_scoring_demo(echo=click.echo)
        seed_handoff_demo(echo=click.echo)
        # Orders before deals (deal lines use the demo products); tasks after deals (they link to them).
        seed_orders_demo(echo=click.echo)
        seed_deals_demo(echo=click.echo)
        seed_meetings_demo(echo=click.echo)
        seed_tasks_demo(echo=click.echo)
        seed_mail_demo(echo=click.echo)
        seed_subscription_types_demo(echo=click.echo)
        seed_testimonials_demo(echo=click.echo)
        seed_segments_demo(echo=click.echo)
        # Campaigns go to the demo lists; automation and the numbers read everything before them.
        seed_campaigns_demo(echo=click.echo)
        seed_automation_demo(echo=click.echo)
        seed_lifetime_value(echo=click.echo)
        seed_analytics_demo(echo=click.echo)

    commands = {
        "web": _serve_command(host, port, 1),
        "worker": [sys.executable, "-m", "leadline.cli", "worker"],
        "scheduler": [sys.executable, "-m", "leadline.cli", "scheduler"],
    }
    children: dict[str, subprocess.Popen[bytes]] = {}
    for name, command in commands.items():
        children[name] = subprocess.Popen(command, start_new_session=True)  # noqa: S603

    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    click.echo("")
    click.secho(f"  Leadline is running at http://{browser_host}:{port}/", fg="green", bold=True)
    click.echo(f"  Sign in as {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}")
    click.echo("  Emails land in the in-app outbox (Settings → Outbox) unless EMAIL_URL is set.")
    click.echo("  Press Ctrl-C to stop.")
    click.echo("")

    exit_code = 0
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                click.secho(f"The {name} process stopped (exit {child.returncode}); shutting down.", fg="red")
                exit_code = 1
                stopping = True
                break
        time.sleep(0.3)

    click.echo("Stopping…")
    for child in children.values():
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    click.echo("Stopped.")
    sys.exit(exit_code)


def register_plugins() -> None:
    """Commands contributed by domain apps (import, export, bench)."""
    from leadline.contacts.cli import export_group, import_group
    from leadline.sales.orders_cli import import_orders_command

    import_group.add_command(import_orders_command)
    main.add_command(import_group)
    main.add_command(export_group)
    from leadline.core.bench import bench

    main.add_command(bench)


register_plugins()

if __name__ == "__main__":
    main()
