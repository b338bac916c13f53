"""The yearly evaluation of the næringsstrategi (issue 11, LAW.md §5.2): a before/after
table per call year, the share of the fund per innsatsområde against the political
priority, and the funded firms by industry (hovedmål 2).

The same filter as the plan-coverage report (``CoverageFilter`` over the calls of one plan
version), and the same counting (``coverage._applications``): received excludes withdrawn
applications, a grant is a current decision granting money (a lapsed grant is still a
grant), a funded project is a grant that has not lapsed; expected effects are from the
funded projects' applications, realised effects from approved final reports, never added
together. A call's year is the year of its applications. Every figure is SQL aggregation;
``evaluation`` is seven queries, whatever the number of applications.

Beside the figures from the system, the table per year shows the figures from outside it
that a fondsforvalter entered by hand (``ContextFigure``: NHO Kommune-NM, SSB), with their
sources; they are context for the kommune as a whole, never counted from applications."""

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, literal_column, or_, select, union_all

from fund.auth.models import Organisation
from fund.calls.models import Call, Fund
from fund.extensions import db
from fund.plan.models import Area, PlanVersion
from fund.reports.coverage import (
    _AREA,
    _TOTAL,
    CoverageFilter,
    Effects,
    ExpectedEffects,
    Figures,
    RealisedEffects,
    _applications,
    _calls,
    _decimal,
    _int,
    _levels,
)
from fund.reports.labels import CONTEXT_KIND_LABELS
from fund.reports.models import ContextFigure, ContextKind, as_number

SECTIONS_FILE = Path(__file__).parent / "data" / "sn2007.csv"

#: The target of strategy 5C-1: at least this many cooperations with a university or
#: other place of education per year.
TARGET_5C1 = 1


@cache
def sections() -> dict[str, str]:
    """SN2007 næringshovedområde (A–U) → its Norwegian name, in order."""
    return {letter: name for letter, _first, _last, name in _section_rows()}


@cache
def division_sections() -> dict[str, str]:
    """The næring (first two digits of a næringskode, ``"01"``–``"99"``) → its
    næringshovedområde; divisions SN2007 does not use are left out."""
    return {f"{division:02d}": letter for letter, first, last, _name in _section_rows()
            for division in range(int(first), int(last) + 1)}


@cache
def _section_rows() -> tuple[tuple[str, str, str, str], ...]:
    with SECTIONS_FILE.open(encoding="utf-8") as handle:
        rows = csv.reader((line for line in handle if line.strip()
                           and not line.startswith("#")), delimiter=";")
        next(rows)  # the header
        return tuple(tuple(cell.strip() for cell in row) for row in rows)


# --- What the queries return ---


@dataclass(frozen=True)
class YearRow:
    """One call year: the calls held, and the figures and effects over every received
    application of those calls (with a confirmed measure or not)."""

    year: int
    calls: int = 0  #: the number of calls held that year (0: none)
    funds: tuple[Fund, ...] = ()  #: the funds with a call that year, in Fund order
    #: As coverage's ``all_applications``; ``budget`` is the sum of the year's calls.
    figures: Figures = field(default_factory=Figures)
    effects: Effects = field(default_factory=Effects)
    #: Funded projects whose application or approved final report names education
    #: partners (a university, university college or fagskole): what counts towards 5C-1.
    education_cooperations: int = 0

    @property
    def held(self) -> bool:
        return self.calls > 0

    @property
    def target_5c1_met(self) -> bool:
        """5C-1: at least one cooperation with a place of education this year."""
        return self.education_cooperations >= TARGET_5C1


@dataclass(frozen=True)
class AreaShare:
    """The kroner granted in one year (None: all the years together) to projects with a
    confirmed measure in one innsatsområde, each project once, against the area's
    political priority. Shares need not add up to 100 %: a project can be in several
    areas."""

    year: int | None
    area_id: int
    code: str
    title: str
    granted: int = 0
    #: Granted that year to every project with a confirmed measure of the plan, each once.
    total_granted: int = 0
    #: The political priority (percent of the fund); None: not set.
    priority_percent: int | None = None

    @property
    def share(self) -> Decimal | None:
        """Granted as a share (0–1) of the year's total; None when nothing was granted."""
        if not self.total_granted:
            return None
        return Decimal(self.granted) / Decimal(self.total_granted)

    @property
    def share_percent(self) -> Decimal | None:
        """The share in percent, to one decimal."""
        share = self.share
        if share is None:
            return None
        return (share * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def difference_points(self) -> Decimal | None:
        """The share less the priority, in percentage points (positive: more than
        prioritised); None without a share or a priority."""
        if self.share_percent is None or self.priority_percent is None:
            return None
        return self.share_percent - self.priority_percent


@dataclass(frozen=True)
class IndustryRow:
    """Applications and grants by the organisation's næringshovedområde (SN2007), after
    the first two digits of its næringskode. ``section`` None: no or an unknown code."""

    section: str | None
    name: str | None
    received: int = 0
    grants: int = 0
    granted: int = 0


@dataclass(frozen=True)
class ContextValue:
    """A figure from outside the system for one year, as entered, with its source."""

    year: int
    #: A whole number (a rank, a count) or a percent to one decimal.
    value: int | Decimal
    source: str
    note: str = ""


@dataclass(frozen=True)
class ContextRow:
    """One kind of figure from outside the system, per year of the table."""

    kind: ContextKind
    #: Per year of the evaluation's table, in its order: the figure, or None (not entered).
    values: tuple[ContextValue | None, ...] = ()

    @property
    def label(self) -> str:
        return str(CONTEXT_KIND_LABELS[self.kind])

    @property
    def is_percent(self) -> bool:
        return not self.kind.whole

    @property
    def entered(self) -> list[ContextValue]:
        return [value for value in self.values if value is not None]

    @property
    def sources(self) -> list[str]:
        """The different sources of the row, in year order."""
        return list(dict.fromkeys(value.source for value in self.entered))


@dataclass(frozen=True)
class Evaluation:
    plan_id: int
    plan_period: str
    filter: CoverageFilter
    #: The filter's years, else every year from the first call to the last (a year
    #: without a call is a row too).
    years: list[YearRow]
    #: Per year (in order, then None for all the years together) per area (plan order).
    area_shares: list[AreaShare]
    #: Sections with applications, A–U, then unknown (if any).
    industries: list[IndustryRow]
    #: The figures from outside the system, one row per kind (``ContextKind`` order) over
    #: the years of ``years``; empty without years.
    context: list[ContextRow] = field(default_factory=list)

    @property
    def shares_by_year(self) -> list[tuple[int | None, list[AreaShare]]]:
        """The area shares grouped by year, in the order of ``area_shares``."""
        groups: dict[int | None, list[AreaShare]] = {}
        for share in self.area_shares:
            groups.setdefault(share.year, []).append(share)
        return list(groups.items())

    @property
    def priorities_set(self) -> bool:
        return any(share.priority_percent is not None for share in self.area_shares)

    @property
    def context_entered(self) -> bool:
        return any(row.entered for row in self.context)

    @property
    def context_notes(self) -> list[tuple[ContextRow, ContextValue]]:
        """The figures from outside the system that have a note, by kind, then year."""
        return [(row, value) for row in self.context for value in row.entered if value.note]

    @property
    def method(self) -> list[str]:
        """``method_text()``, for the templates that get only the evaluation."""
        return method_text()


# --- The queries ---


def _years(flt: CoverageFilter, call_years) -> list[int]:
    if flt.years is not None:
        return sorted(set(flt.years))
    if not call_years:
        return []
    return list(range(min(call_years), max(call_years) + 1))


def _year_figures(apps):
    """Per call year, the sums of the application rows (figures and effects)."""
    a = apps.c
    education = case((and_(a.funded == 1, or_(a.exp_education == 1, a.real_education == 1)),
                      1), else_=0)
    return (select(
        Call.year,
        func.sum(a.received), func.sum(a.withdrawn), func.sum(a.is_grant), func.sum(a.rejection),
        func.sum(a.applied), func.sum(a.granted), func.sum(a.paid), func.sum(a.lapsed),
        func.sum(a.funded), func.sum(a.exp_knowledge_jobs), func.sum(a.exp_other_jobs),
        func.sum(a.exp_co2e), func.sum(a.exp_education), func.sum(a.exp_international),
        func.sum(a.has_report), func.sum(a.real_knowledge_jobs), func.sum(a.real_other_jobs),
        func.sum(a.real_co2e), func.sum(a.real_education), func.sum(a.real_international),
        func.sum(a.real_in), func.sum(a.real_nfr), func.sum(a.real_eu), func.sum(a.real_other),
        func.sum(education))
        .select_from(apps)
        .join(Call, Call.id == a.call_id)
        .group_by(Call.year))


def _year_methods(apps):
    a = apps.c
    return (select(Call.year, a.exp_method, a.real_method).distinct()
            .select_from(apps)
            .join(Call, Call.id == a.call_id)
            .where(or_(a.exp_method != "", a.real_method != "")))


def _effects(sums, methods: tuple[set[str], set[str]]) -> Effects:
    (funded, k_jobs, o_jobs, co2e, education, international, reports, r_k_jobs, r_o_jobs,
     r_co2e, r_education, r_international, r_in, r_nfr, r_eu, r_other) = sums
    expected_methods, realised_methods = methods
    return Effects(
        expected=ExpectedEffects(
            projects=_int(funded), knowledge_jobs=_int(k_jobs), other_jobs=_int(o_jobs),
            co2e_tonnes=_decimal(co2e), co2e_methods=tuple(sorted(expected_methods)),
            education_partners=_int(education), international=_int(international)),
        realised=RealisedEffects(
            reports=_int(reports), knowledge_jobs=_int(r_k_jobs), other_jobs=_int(r_o_jobs),
            co2e_tonnes=_decimal(r_co2e), co2e_methods=tuple(sorted(realised_methods)),
            education_partners=_int(r_education), international=_int(r_international),
            funding_innovasjon_norge=_int(r_in), funding_forskningsradet=_int(r_nfr),
            funding_eu=_int(r_eu), funding_other=_int(r_other)))


def year_rows(plan: PlanVersion, flt: CoverageFilter | None = None) -> list[YearRow]:
    """The before/after table: one row per call year. Three queries."""
    flt = flt or CoverageFilter()
    calls: dict[int, dict[Fund, tuple[int, int]]] = {}
    for year, fund, count, budget in db.session.execute(
            select(Call.year, Call.fund, func.count(), func.sum(Call.budget))
            .where(Call.id.in_(_calls(plan.id, flt)))
            .group_by(Call.year, Call.fund)):
        calls.setdefault(year, {})[fund] = (_int(count), _int(budget))

    apps = _applications(plan.id, flt)
    sums = {row[0]: row[1:] for row in db.session.execute(_year_figures(apps))}
    methods: dict[int, tuple[set[str], set[str]]] = {}
    for year, expected, realised in db.session.execute(_year_methods(apps)):
        found = methods.setdefault(year, (set(), set()))
        if expected:
            found[0].add(expected)
        if realised:
            found[1].add(realised)

    rows = []
    for year in _years(flt, calls):
        held = calls.get(year, {})
        budget = sum(b for _count, b in held.values())
        v = sums.get(year)
        rows.append(YearRow(
            year=year, calls=sum(c for c, _b in held.values()),
            funds=tuple(fund for fund in Fund if fund in held),
            figures=Figures(*(_int(x) for x in v[:8]), budget=budget) if v
            else Figures(budget=budget),
            effects=_effects(v[8:24], methods.get(year, (set(), set()))) if v else Effects(),
            education_cooperations=_int(v[24]) if v else 0))
    return rows


def area_shares(plan: PlanVersion, flt: CoverageFilter | None = None,
                years: Sequence[int] | None = None) -> list[AreaShare]:
    """Per year and innsatsområde, the kroner granted to projects with a confirmed measure
    in the area (each project once per area), against the year's total for projects with
    a confirmed measure, and the area's political priority; then the same for all the
    years together. ``years``: the rows' years (default: the years of the filter's calls,
    as ``year_rows``). Two queries (three without ``years``)."""
    flt = flt or CoverageFilter()
    areas = db.session.execute(
        select(Area.id, Area.code, Area.title, Area.priority_percent)
        .where(Area.plan_id == plan.id).order_by(Area.position)).all()
    apps, confirmed = _levels(plan.id, flt)
    c = confirmed.c
    in_area = select(c.area_id.label("node"), c.application_id).distinct().subquery()
    in_plan = select(c.application_id).distinct().subquery()
    year_of = (select(apps.c.id, apps.c.granted, Call.year)
               .join(Call, Call.id == apps.c.call_id).subquery())
    granted: dict[tuple[int, int, int], int] = {}
    for year, level, node, amount in db.session.execute(union_all(
            select(year_of.c.year, literal_column(str(_AREA)), in_area.c.node,
                   func.sum(year_of.c.granted))
            .select_from(in_area).join(year_of, year_of.c.id == in_area.c.application_id)
            .group_by(year_of.c.year, in_area.c.node),
            select(year_of.c.year, literal_column(str(_TOTAL)), literal_column("0"),
                   func.sum(year_of.c.granted))
            .select_from(in_plan).join(year_of, year_of.c.id == in_plan.c.application_id)
            .group_by(year_of.c.year))):
        granted[(int(year), int(level), int(node))] = _int(amount)
    if years is None:
        years = _years(flt, set(db.session.execute(
            select(Call.year).where(Call.id.in_(_calls(plan.id, flt)))).scalars()))

    def granted_in(in_years, level: int, node: int) -> int:
        return sum(granted.get((year, level, node), 0) for year in in_years)

    result = []
    for year in [*years, None]:
        in_years = years if year is None else [year]
        total = granted_in(in_years, _TOTAL, 0)
        result += [AreaShare(year=year, area_id=area.id, code=area.code, title=area.title,
                             granted=granted_in(in_years, _AREA, area.id), total_granted=total,
                             priority_percent=area.priority_percent) for area in areas]
    return result


def _section_of(industry_code):
    """The næringshovedområde of an industry-code column as an SQL CASE (NULL: none or
    unknown)."""
    return case(division_sections(), value=func.substr(func.trim(industry_code), 1, 2),
                else_=None)


def industries(plan: PlanVersion, flt: CoverageFilter | None = None) -> list[IndustryRow]:
    """Applications received and grants by the organisation's næringshovedområde (hovedmål
    2: «fremtidsrettede næringer»): the sections with applications, A–U, then unknown.
    One query."""
    flt = flt or CoverageFilter()
    apps = _applications(plan.id, flt)
    section = _section_of(Organisation.industry_code).label("section")
    found = {row.section: row for row in db.session.execute(
        select(section, func.sum(apps.c.received).label("received"),
               func.sum(apps.c.is_grant).label("grants"),
               func.sum(apps.c.granted).label("granted"))
        .select_from(apps)
        .join(Organisation, Organisation.id == apps.c.organisation_id)
        .group_by(section))}
    names = sections()
    return [IndustryRow(section=letter, name=names.get(letter) if letter else None,
                        received=_int(row.received), grants=_int(row.grants),
                        granted=_int(row.granted))
            for letter in [*names, None] if (row := found.get(letter)) is not None]


def context_rows(years: Sequence[int]) -> list[ContextRow]:
    """The figures entered by hand for ``years``, one row per kind, a value (or None) per
    year in the order given. One query (none without years)."""
    if not years:
        return []
    found = {(row.year, row.kind): ContextValue(year=row.year,
                                                value=as_number(row.kind, row.value),
                                                source=row.source, note=row.note)
             for row in db.session.execute(
                 select(ContextFigure.year, ContextFigure.kind, ContextFigure.value,
                        ContextFigure.source, ContextFigure.note)
                 .where(ContextFigure.year.in_(list(years))))}
    return [ContextRow(kind=kind, values=tuple(found.get((year, kind)) for year in years))
            for kind in ContextKind]


def evaluation(plan: PlanVersion, flt: CoverageFilter | None = None) -> Evaluation:
    """The yearly evaluation of ``plan`` for the calls in ``flt``. Seven queries."""
    flt = flt or CoverageFilter()
    years = year_rows(plan, flt)
    numbers = [row.year for row in years]
    return Evaluation(plan_id=plan.id, plan_period=plan.period, filter=flt, years=years,
                      area_shares=area_shares(plan, flt, numbers),
                      industries=industries(plan, flt), context=context_rows(numbers))


# --- The method, in words ---


def method_text() -> list[str]:
    """What «bekreftet tiltak» means and how the evaluation is counted, for the page and
    the files."""
    return [
        _("«Bekreftet tiltak» er tiltakene i handlingsplanen som saksbehandler, etter å ha "
          "vurdert søknaden, har bekreftet at prosjektet bidrar til. Det søkeren selv har "
          "krysset av for, teller ikke."),
        _("Tabellen per år teller alle mottatte søknader til årets utlysninger, med eller "
          "uten bekreftet tiltak. Året er utlysningens år. Mottatt er søknader som ikke er "
          "trukket; trukne søknader telles bare som trukket."),
        _("Tilsagn er gjeldende vedtak om tilskudd; et bortfalt tilsagn er fortsatt et "
          "tilsagn, og beløpet står også under bortfalt. Avslag er gjeldende avslag og "
          "avvisninger. Utbetalt er utbetalt minus tilbakebetalt."),
        _("Forventede effekter er fra søknadene i prosjektene som har fått tilskudd som ikke "
          "har falt bort; realiserte effekter er fra godkjente sluttrapporter. De to legges "
          "aldri sammen."),
        _("Målet i 5C-1, minst ett samarbeid med universitet eller annen "
          "utdanningsinstitusjon hvert år, regnes som nådd når minst ett prosjekt som har "
          "fått tilskudd det året, har utdanningspartnere etter søknaden eller den godkjente "
          "sluttrapporten."),
        _("Andelen av fondet per innsatsområde er beløpet innvilget til prosjekter med "
          "bekreftet tiltak i innsatsområdet, delt på beløpet innvilget til alle prosjekter "
          "med bekreftet tiltak samme år. Et prosjekt telles én gang i hvert innsatsområde "
          "det bidrar til, men kan bidra til flere, så andelene summerer seg ikke "
          "nødvendigvis til 100 %."),
        _("Politisk prioritering er andelen av fondet politikerne vil at skal gå til "
          "innsatsområdet. Differansen er andelen minus prioriteringen, i prosentpoeng."),
        _("Næringen er organisasjonens næringshovedområde i Standard for "
          "næringsgruppering (SN2007), etter de to første sifrene i næringskoden fra "
          "Enhetsregisteret. Organisasjoner uten gyldig næringskode står som ukjent."),
        _("Tallene «utenfor systemet» gjelder kommunen som helhet: plasseringen i NHO "
          "Kommune-NM og SSBs tall for Lillestrøm (kommune 3205). Fondsforvalteren "
          "registrerer dem for hånd med kilden; de er kontekst, ikke regnet ut fra "
          "søknadene, og sier ikke hva fondet alene har ført til."),
    ]
