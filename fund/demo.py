"""``flask demo``: demo users, organisations and an open call, so every role can be tried."""

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from fund.audit.operations import record
from fund.auth.models import Membership, Organisation, Role, User
from fund.calls.models import Call, Fund
from fund.calls.operations import create_call
from fund.core.types import utcnow
from fund.extensions import db
from fund.plan.loader import DATA_DIR, load_plan, read_plan_file
from fund.plan.models import PlanVersion

DEMO_PASSWORD = "fond-demo-2026"

DEMO_USERS = [
    ("soker@demo.no", "Siri Søker", Role.APPLICANT),
    ("soker2@demo.no", "Sander Søker", Role.APPLICANT),
    ("saksbehandler@demo.no", "Sara Saksbehandler", Role.CASEWORKER),
    ("saksbehandler2@demo.no", "Sverre Saksbehandler", Role.CASEWORKER),
    ("leder@demo.no", "Lene Fondsforvalter", Role.MANAGER),
    ("admin@demo.no", "Adam Administrator", Role.ADMIN),
]

DEMO_ORGANISATIONS = [
    # orgnr, name, form, members, address
    ("912345688", "Kjeller Grønn Energi AS", "AS", ["soker@demo.no"],
     ("Gunnar Randers vei 24", "2007", "Kjeller")),
    ("912345696", "Sørumsand Smak SA", "SA", ["soker2@demo.no"],
     ("Fabrikkveien 3", "1920", "Sørumsand")),
]


def _oslo_day(moment, hour, minute):
    """The given Oslo wall-clock time on the day of ``moment``, in UTC."""
    local = moment.astimezone(ZoneInfo("Europe/Oslo"))
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(UTC)


class DemoRefused(Exception):
    pass


def load_demo() -> list[str]:
    """Create what is missing; return what was created. Refuses a database with real users."""
    real = db.session.execute(select(User.email).where(User.is_demo.is_(False)).limit(1)).first()
    if real is not None:
        raise DemoRefused(f"databasen har ekte brukere (f.eks. {real[0]}); demodata lastes ikke")
    created = []
    plan = db.session.execute(select(PlanVersion).order_by(PlanVersion.id).limit(1)).scalar()
    if plan is None:
        plan, _ = load_plan(read_plan_file(DATA_DIR / "handlingsplan-2022-2024.yaml"))
        created.append(f"handlingsplan {plan.period}")

    users = {}
    for email, name, role in DEMO_USERS:
        user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            user = User(email=email, name=name, role=role, is_demo=True,
                        email_verified_at=utcnow())
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            db.session.flush()
            record("user.created", user, source="demo", role=role.value)
            created.append(email)
        users[email] = user

    for orgnr, name, form, members, (address, postcode, city) in DEMO_ORGANISATIONS:
        org = db.session.execute(
            select(Organisation).where(Organisation.orgnr == orgnr)).scalar_one_or_none()
        if org is None:
            org = Organisation(orgnr=orgnr, name=name, org_form=form, address=address,
                               postcode=postcode, city=city, municipality_number="3205",
                               bank_account="12345678903", vat_registered=True,
                               memberships=[Membership(user=users[m]) for m in members])
            db.session.add(org)
            record("organisation.created", org, source="demo", orgnr=orgnr)
            created.append(name)

    now = utcnow()
    has_open = db.session.execute(
        select(Call.id).where(Call.opens_at <= now, Call.closes_at > now).limit(1)).first()
    if has_open is None:
        year = now.year + 1
        call = create_call(
            fund=Fund.NAERINGSFOND, year=year, title=f"Næringsfondet {year}",
            description="Tilskudd til utviklingsprosjekter som gir bærekraftig vekst og nye "
                        "arbeidsplasser i Lillestrøm.",
            opens_at=_oslo_day(now - timedelta(days=1), 8, 0),
            closes_at=_oslo_day(now + timedelta(days=60), 23, 59),
            budget=2_000_000, max_grant=200_000, max_share_percent=50, plan=plan)
        created.append(call.title)
    return created


@click.command("demo")
@with_appcontext
def demo_command():
    """Load demo users, organisations and an open call (idempotent)."""
    try:
        created = load_demo()
    except DemoRefused as exc:
        raise click.ClickException(f"Avbrutt: {exc}.") from exc
    db.session.commit()
    if created:
        click.echo("Demodata lagt inn: " + ", ".join(created))
    else:
        click.echo("Demodata finnes allerede; ingenting endret.")
    click.echo(f"Alle demobrukere har passordet {DEMO_PASSWORD}")
