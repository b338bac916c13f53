"""An open call, and a draft call only the manager sees, for the demo (``flask demo``)."""

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from fund.calls.models import Call, Fund
from fund.calls.operations import create_call, publish_call
from fund.core.types import utcnow
from fund.extensions import db


def oslo_day(moment, hour, minute):
    """The given Oslo wall-clock time on the day of ``moment``, in UTC."""
    local = moment.astimezone(ZoneInfo("Europe/Oslo"))
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(UTC)


def demo_open_call(plan, created: list[str]) -> Call:
    now = utcnow()
    call = db.session.execute(
        select(Call).where(Call.published_at.is_not(None), Call.opens_at <= now,
                           Call.closes_at > now).limit(1)).scalar()
    if call is None:
        year = now.year + 1
        call = create_call(
            fund=Fund.NAERINGSFOND, year=year, title=f"Næringsfondet {year}",
            description="Tilskudd til utviklingsprosjekter som gir bærekraftig vekst og nye "
                        "arbeidsplasser i Lillestrøm.",
            opens_at=oslo_day(now - timedelta(days=1), 8, 0),
            closes_at=oslo_day(now + timedelta(days=60), 23, 59),
            budget=2_000_000, max_grant=200_000, max_share_percent=50, plan=plan)
        publish_call(call)
        created.append(call.title)
    return call


def demo_draft_call(plan, created: list[str]) -> Call:
    """A klimafond call the manager is preparing: a draft, not on the front page."""
    call = db.session.execute(select(Call).where(Call.published_at.is_(None)).limit(1)).scalar()
    if call is None:
        now = utcnow()
        year = now.year + 1
        call = create_call(
            fund=Fund.KLIMAFOND, year=year, title=f"Klimafondet {year}",
            description="Tilskudd til klimatiltak i bedrifter og organisasjoner i Lillestrøm. "
                        "Under arbeid.",
            opens_at=oslo_day(now + timedelta(days=90), 8, 0),
            closes_at=oslo_day(now + timedelta(days=150), 23, 59),
            budget=500_000, max_grant=150_000, max_share_percent=50, plan=plan)
        created.append(f"{call.title} (utkast)")
    return call
