import click
from flask.cli import AppGroup
from sqlalchemy import select

from fund.calls.models import Call, Fund
from fund.calls.operations import (
    CallError,
    create_call,
    create_joint_call,
    extend_deadline,
    publish_call,
)
from fund.core.formatting import format_datetime, format_nok, parse_local
from fund.extensions import db
from fund.plan.loader import find_plan
from fund.plan.models import PlanVersion

call_cli = AppGroup("call", help="Utlysninger: opprett, list og forleng fristen.")


class LocalTime(click.ParamType):
    name = "YYYY-MM-DD HH:MM"

    def convert(self, value, param, ctx):
        try:
            return parse_local(value)
        except ValueError:
            self.fail(f"{value!r}: bruk formatet ÅÅÅÅ-MM-DD TT:MM (norsk tid)", param, ctx)


def _plan(period: str | None) -> PlanVersion:
    plan = find_plan(period, with_tree=False)
    if plan is None:
        raise click.ClickException("Fant ingen handlingsplan. Kjør «flask plan load» først.")
    return plan


@call_cli.command("create")
@click.option("--fund", "fund_name", type=click.Choice(["naeringsfond", "klimafond", "joint"]),
              required=True, help="joint: felles utlysning (to utlysninger, felles datoer).")
@click.option("--year", type=int, required=True)
@click.option("--title", required=True)
@click.option("--opens", type=LocalTime(), required=True, help="Norsk tid.")
@click.option("--closes", type=LocalTime(), required=True, help="Norsk tid.")
@click.option("--budget", type=click.IntRange(min=0), required=True, help="Hele kroner.")
@click.option("--klima-budget", type=click.IntRange(min=0), help="Klimafondets del (joint).")
@click.option("--max-grant", type=click.IntRange(min=0), required=True)
@click.option("--max-share", type=click.IntRange(1, 100), default=50, show_default=True)
@click.option("--plan", "period", help="Planperiode, f.eks. 2022-2024. Standard: den nyeste.")
@click.option("--publish", is_flag=True, help="Publiser straks (ellers et utkast).")
def create_command(fund_name, year, title, opens, closes, budget, klima_budget, max_grant,
                   max_share, period, publish):
    """Create a call (or a joint call) with the default criteria for its fund: a draft,
    unless --publish."""
    fields = dict(year=year, title=title, opens_at=opens, closes_at=closes,
                  max_grant=max_grant, max_share_percent=max_share, plan=_plan(period))
    try:
        if fund_name == "joint":
            if klima_budget is None:
                raise click.UsageError("--klima-budget trengs for en felles utlysning.")
            calls = create_joint_call(budgets={Fund.NAERINGSFOND: budget,
                                               Fund.KLIMAFOND: klima_budget}, **fields)
        else:
            calls = [create_call(fund=Fund(fund_name), budget=budget, **fields)]
        if publish:
            publish_call(calls[0])
    except CallError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    for call in calls:
        state = "publisert" if publish else "utkast, ikke publisert"
        click.echo(f"Opprettet utlysning {call.id} ({state}): {call.title}")


@call_cli.command("list")
def list_command():
    """List every call with its state and deadline."""
    calls = db.session.execute(select(Call).order_by(Call.year, Call.opens_at, Call.id)).scalars()
    for call in calls:
        click.echo(f"{call.id}\t{call.fund.value}\t{call.year}\t{call.state.value}\t"
                   f"frist {format_datetime(call.closes_at)}\t{format_nok(call.budget)}\t"
                   f"{call.title}")


@call_cli.command("extend")
@click.argument("call_id", type=int)
@click.option("--closes", type=LocalTime(), required=True, help="Ny frist, norsk tid.")
def extend_command(call_id, closes):
    """Move a call's deadline later (a joint call moves together)."""
    call = db.session.get(Call, call_id)
    if call is None:
        raise click.ClickException(f"Fant ingen utlysning med id {call_id}.")
    try:
        calls = extend_deadline(call, closes)
    except CallError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    for each in calls:
        click.echo(f"Utlysning {each.id}: ny frist {format_datetime(each.closes_at)}")
