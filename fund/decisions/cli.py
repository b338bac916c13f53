"""Command-line work of the decisions domain (run from cron, or by an admin)."""

from datetime import date
from decimal import Decimal, InvalidOperation

import click
from flask.cli import AppGroup

from fund.core.formatting import format_date
from fund.decisions.models import DecisionError
from fund.decisions.operations import set_rate
from fund.decisions.queries import all_rates
from fund.extensions import db
from fund.mail.operations import deliver_due

decisions_cli = AppGroup("decisions", help="Vedtak: valutakurser, brev og foreløpige svar.")


# --- Exchange rates -------------------------------------------------------------

rate_cli = AppGroup("rate", help="NOK/EUR-kurser for bagatellmessig støtte (ingen henting "
                                 "fra nettet).")
decisions_cli.add_command(rate_cli)


class Day(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r}: bruk formatet ÅÅÅÅ-MM-DD", param, ctx)


class Rate(click.ParamType):
    name = "KURS"

    def convert(self, value, param, ctx):
        try:
            rate = Decimal(str(value).replace(",", "."))
        except InvalidOperation:
            self.fail(f"{value!r}: skriv kursen som et tall, f.eks. 11.6235", param, ctx)
        if not rate.is_finite() or rate <= 0 or rate >= 1_000_000 or \
                rate != rate.quantize(Decimal("0.0001")):
            self.fail(f"{value!r}: en kurs over null med høyst fire desimaler", param, ctx)
        return rate


@rate_cli.command("add")
@click.argument("rate_date", type=Day())
@click.argument("nok_per_eur", type=Rate())
@click.option("--source", default="", help="Hvor kursen kommer fra, f.eks. «Norges Bank».")
def rate_add_command(rate_date, nok_per_eur, source):
    """Add the NOK/EUR rate of a date (or correct it, if the date has one)."""
    existed = any(rate.rate_date == rate_date for rate in all_rates())
    try:
        set_rate(rate_date, nok_per_eur, source, None)
    except DecisionError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{'Rettet' if existed else 'Lagt inn'}: {rate_date.isoformat()} "
               f"{nok_per_eur} kroner per euro" + (f" ({source})" if source else ""))


@rate_cli.command("list")
def rate_list_command():
    """List the rates, newest first."""
    rates = all_rates()
    if not rates:
        click.echo("Ingen kurser lagt inn.")
    for rate in rates:
        click.echo(f"{rate.rate_date.isoformat()}  {rate.nok_per_eur}  {rate.source}  "
                   f"({format_date(rate.entered_at)})")


# --- Provisional replies and letters --------------------------------------------


@decisions_cli.command("provisional-replies")
def provisional_replies_command():
    """Send a foreløpig svar, once, to each case undecided a month after submission
    (fvl § 11a tredje ledd). Run daily from cron."""
    from fund.core.pdf import DocumentFailed
    from fund.decisions.operations import send_provisional_replies
    try:
        letters = send_provisional_replies()
    except DocumentFailed as exc:  # none is sent (and no letter file kept); cron runs again
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    deliver_due([mail.id for letter in letters for mail in letter.notices])
    click.echo(f"{len(letters)} foreløpige svar sendt.")
