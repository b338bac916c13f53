"""``flask demo``: demo users, organisations, calls, applications and case handling, so
every role can be tried. Each domain loads its own part (``fund/<domain>/demo.py``); this
top layer runs them in layer order."""

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
from fund.extensions import db
from fund.grants.demo import demo_grants
from fund.plan.demo import demo_plan, demo_priorities
from fund.reports.demo import demo_context
from fund.review.demo import demo_decided_call, demo_reviews

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
    demo_draft_call(plan, created)
    return created


@click.command("demo")
@with_appcontext
def demo_command():
    """Load demo users, organisations and an open call (idempotent)."""
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
    click.echo(f"Alle demobrukere har passordet {DEMO_PASSWORD}")
