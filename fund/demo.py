"""``flask demo``: demo users, organisations, calls, applications and case handling, so
every role can be tried. Each domain loads its own part (``fund/<domain>/demo.py``); this
top layer runs them in layer order."""

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from fund.applications.demo import demo_applications, demo_expiring_draft
from fund.auth.demo import (
    DEMO_PASSWORD,
    DemoRefused,
    demo_organisations,
    demo_users,
    refuse_real_users,
)
from fund.calls.demo import demo_draft_call, demo_open_call
from fund.decisions.demo import demo_decisions
from fund.demo_bulk import BulkRefused, generate
from fund.extensions import db
from fund.grants.demo import demo_grants
from fund.plan.demo import demo_plan, demo_priorities
from fund.reports.demo import demo_context
from fund.review.demo import demo_decided_call, demo_export, demo_reviews

__all__ = ["DEMO_PASSWORD", "DemoRefused", "demo_command", "load_demo"]


def load_demo() -> list[str]:
    """Create what is missing; return what was created. Refuses a database with real users."""
    refuse_real_users()
    created: list[str] = []
    plan = demo_plan(created)
    demo_priorities(plan, created)
    users = demo_users(created)
    demo_organisations(users, created)
    call = demo_open_call(plan, created)
    created += demo_applications(call, users)
    created += demo_reviews(users)
    created += demo_decided_call(plan, users)
    created += demo_expiring_draft(users)
    created += demo_decisions(users)
    created += demo_grants(users)
    created += demo_context(users)
    created += demo_export(users)
    demo_draft_call(plan, created)
    return created


@click.command("demo")
@click.option("--applications", "applications", type=click.IntRange(min=0), default=0,
              help="Legg i tillegg inn så mange genererte søknader (ytelsestesting).")
@click.option("--seed", type=int, default=1, help="Startverdi for de genererte dataene.")
@click.option("--rush", type=click.IntRange(min=0), default=0,
              help="Så mange søkere med hvert sitt ferdige utkast i den åpne utlysningen.")
@with_appcontext
def demo_command(applications: int, seed: int, rush: int):
    """Load demo users, organisations and an open call (idempotent); with
    ``--applications N``, then N generated applications (once)."""
    try:
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            created = load_demo()
    except DemoRefused as exc:
        raise click.ClickException(f"Avbrutt: {exc}.") from exc
    db.session.commit()
    if created:
        click.echo("Demodata lagt inn: " + ", ".join(created))
    else:
        click.echo("Demodata finnes allerede; ingenting endret.")
    if applications or rush:
        _generate(applications, seed, rush)
    click.echo(f"Alle demobrukere har passordet {DEMO_PASSWORD}")


def _generate(applications: int, seed: int, rush: int) -> None:
    """The generated applications (``fund.demo_bulk``), committed, with the time taken."""
    start = time.perf_counter()
    try:
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            counts = generate(applications, seed=seed, rush=rush)
    except BulkRefused as exc:
        db.session.rollback()
        raise click.ClickException(f"Avbrutt: {exc}; kjør mot en tom database.") from exc
    db.session.commit()
    click.echo(f"Genererte {applications} søknader og {rush} hasteutkast på "
               f"{time.perf_counter() - start:.1f} s: "
               + ", ".join(f"{name} {n}" for name, n in counts.items()))
