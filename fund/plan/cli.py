import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from fund.extensions import db
from fund.plan.loader import DATA_DIR, PlanFileError, PlanInUse, export_plan, find_plan
from fund.plan.models import PlanVersion
from fund.plan.operations import load_path

plan_cli = AppGroup("plan", short_help="Handlingsplanen: last inn og eksporter.")


@plan_cli.command("load")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def load_command(path):
    """Load a plan file (YAML) and publish it. Loading the same file twice changes
    nothing. (A plan uploaded at /plan/admin is a draft until published there.)"""
    path = path or DATA_DIR / current_app.config["PLAN_DEFAULT_FILE"]
    try:
        plan, changed = load_path(path)
    except PlanInUse as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    except (OSError, UnicodeDecodeError, PlanFileError) as exc:
        db.session.rollback()
        raise click.ClickException(f"Kunne ikke lese {path}: {exc}") from exc
    db.session.commit()
    measures = sum(len(s.measures) for a in plan.areas for s in a.strategies)
    state = "lastet inn" if changed else "uendret"
    click.echo(f"Handlingsplan {plan.period}: {state} ({len(plan.areas)} innsatsområder, "
               f"{measures} tiltak).")


@plan_cli.command("export")
@click.option("--period", help="Planperioden, f.eks. 2022-2024. Standard: den nyeste.")
def export_command(period):
    """Print the loaded plan as JSON."""
    plan = find_plan(period, drafts=bool(period))
    if plan is None:
        raise click.ClickException("Ingen handlingsplan er lastet inn.")
    click.echo(json.dumps(export_plan(plan), ensure_ascii=False, indent=2))


@plan_cli.command("list")
def list_command():
    """List the loaded plan versions."""
    for plan in db.session.execute(select(PlanVersion).order_by(PlanVersion.period)).scalars():
        state = "utkast" if plan.is_draft else "publisert"
        click.echo(f"{plan.period}\t{plan.title}\t{state}")
