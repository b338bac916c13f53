"""The report's figures beyond the plan tree (issue 11, LAW.md §5): the spread across the
municipality, the leverage, and the fund itself as a measure (1B-3/2B-3).

The same filter as the plan-coverage report (``CoverageFilter`` over the calls of one plan
version), and the same counting: an application is one of the calls' received
applications (``coverage._applications``), a grant is a current decision granting money (a
lapsed grant is still a grant), a funded project is a grant that has not lapsed. Every
figure is SQL aggregation; the whole of ``extras`` is six queries, whatever the number of
applications."""

import csv
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from fund.applications.models import Application, FinancingKind, FinancingLine
from fund.auth.models import Organisation
from fund.calls.models import Call, Fund
from fund.decisions.models import Decision
from fund.extensions import db
from fund.plan.models import PlanVersion
from fund.reports.coverage import CoverageFilter, _applications, _calls, _int

POSTCODE_FILE = Path(__file__).parent / "data" / "postnummer.csv"

#: The place of a postcode outside the table (outside the municipality, or none given),
#: as the data says it; ``PlaceFigures.label`` gives it in the reader's language.
UNKNOWN_PLACE = "Utenfor kommunen eller ukjent"

#: KDD's primærkategorier for new and for established firms.
KDD_NEW, KDD_ESTABLISHED = "1310", "1110"


@cache
def postcode_places() -> dict[str, str]:
    """Postcode → place, from ``data/postnummer.csv`` (``#`` lines are comments)."""
    with POSTCODE_FILE.open(encoding="utf-8") as handle:
        rows = csv.reader((line for line in handle if line.strip()
                           and not line.startswith("#")), delimiter=";")
        next(rows)  # the header
        return {postcode.strip(): place.strip() for postcode, place in rows}


def places() -> list[str]:
    """The places of the table, in its order, each once."""
    return list(dict.fromkeys(postcode_places().values()))


# --- What the queries return ---


@dataclass(frozen=True)
class PlaceFigures:
    """One place's applications and grants. ``place`` None is outside the municipality or
    unknown (``UNKNOWN_PLACE``)."""

    place: str | None
    received: int = 0
    grants: int = 0
    granted: int = 0

    @property
    def label(self) -> str:
        """The place's name, or «Utenfor kommunen eller ukjent» in the reader's language
        (on the page and in every file)."""
        return self.place if self.place is not None else _("Utenfor kommunen eller ukjent")


@dataclass(frozen=True)
class FirmGroup:
    """Grants to new firms (KDD 1310), established firms (1110) or others (any other or no
    category) on the current decision."""

    grants: int = 0
    granted: int = 0


@dataclass(frozen=True)
class Leverage:
    """What the funded projects (granted, not lapsed) bring with them."""

    #: Funded projects and the kroner granted to them.
    projects: int = 0
    granted: int = 0
    #: Their other financing («utløst kapital»), per kind and in total.
    financing: dict[FinancingKind, int] = field(default_factory=dict)
    #: Funded projects that name partners (cooperation projects).
    cooperation: int = 0
    new_firms: FirmGroup = field(default_factory=FirmGroup)
    established_firms: FirmGroup = field(default_factory=FirmGroup)
    other_firms: FirmGroup = field(default_factory=FirmGroup)

    @property
    def other_financing(self) -> int:
        return sum(self.financing.values())

    @property
    def per_krone(self) -> Decimal | None:
        """Other financing per krone granted; None when nothing is granted."""
        if not self.granted:
            return None
        return Decimal(self.other_financing) / Decimal(self.granted)


@dataclass(frozen=True)
class FundYear:
    """One fund in one year: whether a call was held, and its size."""

    year: int
    fund: Fund
    calls: int = 0  #: the number of calls held (0: no call that year)
    joint: bool = False  #: a joint næringsfond/klimafond call
    budget: int = 0
    received: int = 0  #: applications received (withdrawn ones excluded)

    @property
    def held(self) -> bool:
        return self.calls > 0


@dataclass(frozen=True)
class YearSize:
    """The size of the funds together in one year: the sum of the calls' budgets."""

    year: int
    budget: int


@dataclass
class Extras:
    filter: CoverageFilter
    places: list[PlaceFigures]
    leverage: Leverage
    fund_years: list[FundYear]

    @property
    def sizes(self) -> list[YearSize]:
        """The fund's size over the years (every fund in the filter together)."""
        totals: dict[int, int] = {}
        for row in self.fund_years:
            totals[row.year] = totals.get(row.year, 0) + row.budget
        return [YearSize(year, budget) for year, budget in sorted(totals.items())]


# --- The queries ---


def _stripped(text):
    """The text without leading and trailing white space, newlines and tabs included (SQL
    ``trim`` takes only blanks, and portably no other characters)."""
    for white in ("\n", "\r", "\t"):
        text = func.replace(text, white, " ")
    return func.trim(text)


def _place_of(postcode):
    """The place of a postcode column as an SQL CASE over the table (NULL: unknown)."""
    return case(postcode_places(), value=func.trim(postcode), else_=None)


def place_figures(plan: PlanVersion, flt: CoverageFilter | None = None) -> list[PlaceFigures]:
    """Applications and grants per place of the organisation's business address: every
    place of the table in its order (zeros included), then «outside or unknown». One
    query."""
    flt = flt or CoverageFilter()
    apps = _applications(plan.id, flt)
    place = _place_of(Organisation.postcode).label("place")
    found = {row.place: PlaceFigures(place=row.place, received=_int(row.received),
                                     grants=_int(row.grants), granted=_int(row.granted))
             for row in db.session.execute(
                 select(place, func.sum(apps.c.received).label("received"),
                        func.sum(apps.c.is_grant).label("grants"),
                        func.sum(apps.c.granted).label("granted"))
                 .select_from(apps)
                 .join(Organisation, Organisation.id == apps.c.organisation_id)
                 .group_by(place))}
    return [found.get(name, PlaceFigures(place=name)) for name in [*places(), None]]


def leverage(plan: PlanVersion, flt: CoverageFilter | None = None) -> Leverage:
    """Other financing per krone granted, cooperation projects, and new against
    established firms. Three queries."""
    flt = flt or CoverageFilter()
    apps = _applications(plan.id, flt)
    financing = {kind: _int(amount) for kind, amount in db.session.execute(
        select(FinancingLine.kind, func.sum(FinancingLine.amount))
        .join(apps, apps.c.id == FinancingLine.application_id)
        .where(apps.c.funded == 1)
        .group_by(FinancingLine.kind))}
    projects, granted, cooperation = db.session.execute(
        select(func.count(), func.sum(apps.c.granted),
               func.sum(case((func.length(_stripped(Application.partners)) > 0, 1), else_=0)))
        .select_from(apps)
        .join(Application, Application.id == apps.c.id)
        .where(apps.c.funded == 1)).one()
    group = case((Decision.kdd_category == KDD_NEW, KDD_NEW),
                 (Decision.kdd_category == KDD_ESTABLISHED, KDD_ESTABLISHED),
                 else_="").label("firm")
    firms = {row.firm: FirmGroup(grants=_int(row.grants), granted=_int(row.granted))
             for row in db.session.execute(
                 select(group, func.count().label("grants"),
                        func.sum(apps.c.granted).label("granted"))
                 .select_from(apps)
                 .join(Decision, and_(Decision.application_id == apps.c.id,
                                      Decision.replaced_at.is_(None)))
                 .where(apps.c.is_grant == 1)
                 .group_by(group))}
    return Leverage(projects=_int(projects), granted=_int(granted), financing=financing,
                    cooperation=_int(cooperation),
                    new_firms=firms.get(KDD_NEW, FirmGroup()),
                    established_firms=firms.get(KDD_ESTABLISHED, FirmGroup()),
                    other_firms=firms.get("", FirmGroup()))


def fund_years(plan: PlanVersion, flt: CoverageFilter | None = None) -> list[FundYear]:
    """Per year and fund (every fund, or the filter's): the calls held, whether one was
    joint, the budget and the applications received. The years are the filter's, else
    every year from the first call to the last, so a year without a call shows. Two
    queries."""
    flt = flt or CoverageFilter()
    calls = {(row.year, row.fund): row for row in db.session.execute(
        select(Call.year, Call.fund, func.count().label("calls"),
               func.max(case((Call.joint_key.is_not(None), 1), else_=0)).label("joint"),
               func.sum(Call.budget).label("budget"))
        .where(Call.id.in_(_calls(plan.id, flt)))
        .group_by(Call.year, Call.fund))}
    apps = _applications(plan.id, flt)
    received = {(year, fund): _int(count) for year, fund, count in db.session.execute(
        select(Call.year, Call.fund, func.sum(apps.c.received))
        .select_from(apps)
        .join(Call, Call.id == apps.c.call_id)
        .group_by(Call.year, Call.fund))}
    if flt.years is not None:
        years = sorted(set(flt.years))
    elif calls:
        first, last = min(y for y, _ in calls), max(y for y, _ in calls)
        years = list(range(first, last + 1))
    else:
        years = []
    funds = [flt.fund] if flt.fund is not None else list(Fund)
    rows = []
    for year in years:
        for fund in funds:
            row = calls.get((year, fund))
            rows.append(FundYear(
                year=year, fund=fund, calls=_int(row.calls) if row else 0,
                joint=bool(row and row.joint), budget=_int(row.budget) if row else 0,
                received=received.get((year, fund), 0)))
    return rows


def extras(plan: PlanVersion, flt: CoverageFilter | None = None) -> Extras:
    """Everything beyond the plan tree, for one plan version and filter. Six queries."""
    flt = flt or CoverageFilter()
    return Extras(filter=flt, places=place_figures(plan, flt), leverage=leverage(plan, flt),
                  fund_years=fund_years(plan, flt))
