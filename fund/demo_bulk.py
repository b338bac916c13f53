"""``flask demo --applications N``: N realistic applications on top of the demo, fast, for
the benchmark (``bench/``) and for trying the pages at a municipality's scale.

Ten calls over five years in both funds (four rounds decided, two of them archived; this
year's næringsfond under review, the biggest call with a fifth of the applications; next
year's klimafond open), N/50 organisations with N/25 applicants, and for each application
what its state implies: the plan fit, the budget lines, the submission with its snapshot
and eligibility warnings, assessments with criterion scores, conflict declarations and
assignments, confirmed measures, the vedtak with its letter, and the grant with its
payments and final report. ``--rush K`` adds K applicants each with one complete draft in
the open call, for the deadline rush.

The calls are made by ``fund.calls.operations.create_call`` (with their criteria); the
rest is written without ORM objects: rows as dicts with ids given here, sent with
PostgreSQL's COPY, or on SQLite with Core ``insert()`` executemany, in one transaction.
Application numbers are reserved from ``case_number_counters`` (``fund.core.sql.increment``),
so the next real submission continues the sequence. Deterministic for a given seed (the
dates follow the clock). No audit entries or outbox mail are made.
"""

import enum
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from itertools import combinations
from operator import itemgetter
from types import SimpleNamespace

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Integer,
    Numeric,
    String,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from werkzeug.security import generate_password_hash

from fund.applications.demo import DEMO_TEXT
from fund.applications.models import (
    Application,
    ApplicationMeasure,
    ApplicationSDG,
    ApplicationState,
    CaseNumberCounter,
    ClimateCategory,
    CostCategory,
    CostLine,
    EligibilityWarning,
    FinancingKind,
    FinancingLine,
    InfoRequest,
    Submission,
    application_strategies,
)
from fund.applications.operations import snapshot
from fund.applications.rules import EligibilityRule
from fund.auth.demo import DEMO_PASSWORD
from fund.auth.models import Membership, Organisation, User, Verification
from fund.calls.models import Call, Fund
from fund.calls.operations import create_call
from fund.core.roles import Role
from fund.core.sql import increment
from fund.core.types import utcnow
from fund.decisions.models import (
    Appeal,
    AppealState,
    Decision,
    DecisionBody,
    DecisionKind,
    DecisionMeeting,
    Letter,
    LetterKind,
    StateAidBasis,
)
from fund.extensions import db
from fund.grants.models import (
    AuthorityCheck,
    FinalReport,
    FinalReportState,
    Grant,
    GrantState,
    PaymentRequest,
    PaymentState,
    Recovery,
    RecoveryGround,
    RecoveryState,
    Repayment,
)
from fund.plan.models import Area, Measure, PlanVersion, Strategy
from fund.reports.freshness import mark_changed
from fund.review import figures
from fund.review.models import (
    Assessment,
    AssessmentState,
    Assignment,
    ConfirmedMeasure,
    ConflictDeclaration,
    CriterionScoreRow,
    Outcome,
)
from fund.review.scoring import CriterionScore, Recommendation, to_stored, weighted_total

#: The applicant whose organisation has 1.2 % of the applications (the dashboard benchmark).
MANY_EMAIL = "soker-mange@demo.no"
MANY_SHARE = 0.012
CHUNK = 20_000
#: The share of the applications that reached the caseworkers (not drafts), about.
STAFF_VISIBLE = 0.37


class Phase(enum.StrEnum):
    """Where a generated call is in its life."""

    ARCHIVED = "archived"  #: decided, followed up, archived
    DECIDED = "decided"  #: decided; grants being followed up
    REVIEW = "review"  #: closed, the caseworkers assess
    OPEN = "open"  #: open for applications (drafts, a few sent)


#: The generated calls: fund, years back from now (0: this year; -1: next), phase, share
#: of the applications, and of those the share sent in (the rest are drafts).
CALLS = [
    (Fund.NAERINGSFOND, 4, Phase.ARCHIVED, 0.06, 0.43),
    (Fund.KLIMAFOND, 4, Phase.ARCHIVED, 0.04, 0.43),
    (Fund.NAERINGSFOND, 3, Phase.DECIDED, 0.08, 0.43),
    (Fund.KLIMAFOND, 3, Phase.DECIDED, 0.06, 0.43),
    (Fund.NAERINGSFOND, 2, Phase.DECIDED, 0.10, 0.43),
    (Fund.KLIMAFOND, 2, Phase.DECIDED, 0.08, 0.43),
    (Fund.NAERINGSFOND, 1, Phase.DECIDED, 0.12, 0.43),
    (Fund.KLIMAFOND, 1, Phase.DECIDED, 0.10, 0.43),
    (Fund.NAERINGSFOND, 0, Phase.REVIEW, 0.20, 0.43),
    (Fund.KLIMAFOND, -1, Phase.OPEN, 0.16, 0.05),
]


class BulkRefused(Exception):
    """The generator will not run (already run on this database)."""


@dataclass
class CallInfo:
    """A generated call and what its applications need from it."""

    call: Call
    phase: Phase
    share: float
    sent_share: float
    prefix: str
    criteria: list[tuple[int, int]]  #: (id, weight)
    #: Score patterns: (scores per criterion, weighted total).
    patterns: list[tuple[list[int], Decimal]] = field(default_factory=list)
    meeting_id: int | None = None
    template: dict | None = None  #: the snapshot every submission to it is made from
    sent: int = 0  #: applications sent in so far
    granted: int = 0  #: the sum granted, for the budget
    applied: int = 0

    def __post_init__(self):  # read once: the ORM's attribute access is slow in a loop
        self.id, self.fund = self.call.id, self.call.fund
        self.opens, self.closes = self.call.opens_at, self.call.closes_at

    @property
    def decided(self) -> bool:
        return self.phase in (Phase.ARCHIVED, Phase.DECIDED)


@dataclass
class Org:
    id: int
    members: list[int]
    snapshot: dict  #: the organisation as a submission's snapshot has it


class Ids:
    """The next free id of each table, read once; the rows get their ids from here."""

    def __init__(self):
        self._next: dict[str, int] = {}

    def __call__(self, model) -> int:
        table = model.__table__
        if table.name not in self._next:
            self._next[table.name] = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
        value = self._next[table.name]
        self._next[table.name] = value + 1
        return value


class Rows(dict):
    """The rows to write, by model (a ``Table`` for association tables)."""

    def add(self, model, **row) -> dict:
        self.setdefault(model, []).append(row)
        return row


# --- The entry point ---


def generate(total: int, seed: int = 1, rush: int = 0) -> dict[str, int]:
    """Add ``total`` applications (and ``rush`` rush applicants) to a database holding the
    demo (``fund.demo.load_demo``); return the rows written per table. The caller commits.
    Raises ``BulkRefused`` if it was run on this database before."""
    if db.session.scalar(select(User.id).where(User.email == MANY_EMAIL)) is not None:
        raise BulkRefused(f"det finnes allerede genererte søknader ({MANY_EMAIL})")
    rnd = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    gen = Generator(rnd, now, total)
    gen.calls()
    gen.people(rush)
    for index in range(total):
        gen.application(index)
    gen.rush_drafts()
    gen.reserve_case_numbers()
    write(gen.rows)
    gen.finish_calls()
    # written past the ORM: the ranking's stored figures are made here
    figures.rebuild(db.session.connection())
    finish()
    mark_changed()  # COPY goes around the ORM, whose flushes mark the report's changes
    return {_name(model): len(rows) for model, rows in gen.rows.items()}


def _name(model) -> str:
    return getattr(model, "__tablename__", None) or model.name


class Generator:
    """Builds the rows; one method per kind of thing, called in order by ``generate``."""

    def __init__(self, rnd: random.Random, now: datetime, total: int):
        self.rnd, self.now, self.total = rnd, now, total
        self.rows = Rows()
        self.ids = Ids()
        self.plan = db.session.scalar(select(PlanVersion).order_by(PlanVersion.id))
        #: the measures applicants may choose, as plain rows (ORM attributes are slow)
        self.measures = db.session.execute(
            select(Measure.id, Measure.strategy_id, Measure.code, Measure.text)
            .join(Strategy, Strategy.id == Measure.strategy_id)
            .join(Area, Area.id == Strategy.area_id)
            .where(Area.plan_id == self.plan.id, Measure.open_to_applicants.is_(True))
            .order_by(Measure.id)).all()
        #: every set of one, two or three of them (choosing one is cheaper than sampling),
        #: and the strategies of each set
        self.measure_sets = {k: list(combinations(self.measures, k)) for k in (1, 2, 3)}
        self.strategies_of = {chosen: sorted({m.strategy_id for m in chosen})
                              for sets in self.measure_sets.values() for chosen in sets}
        demo = {u.email: u.id for u in db.session.scalars(select(User).where(
            User.email.in_(["leder@demo.no", "saksbehandler@demo.no",
                            "saksbehandler2@demo.no"])))}
        self.manager = demo["leder@demo.no"]
        self.sara = demo["saksbehandler@demo.no"]
        self.caseworkers = [self.sara, demo["saksbehandler2@demo.no"]]
        #: computed once: pbkdf2 with few rounds, so a thousand logins in the rush are cheap
        self.password_hash = generate_password_hash(DEMO_PASSWORD, method="pbkdf2:sha256:1000")
        #: the plan's strategies as a snapshot names them, by id
        self.strategies = {s.id: {"code": s.code, "title": s.title}
                           for s in db.session.scalars(select(Strategy))}
        self.infos: list[CallInfo] = []
        self.orgs: list[Org] = []
        self.rush: list[Org] = []
        #: every how many applications are ``soker-mange``'s (at least six of them)
        self.many_every = max(1, min(round(1 / MANY_SHARE), total // 6))
        self.numbers: dict[str, int] = {}  #: case numbers given per prefix
        self.bases: dict[str, int] = {}  #: the counter's value before

    # --- Calls ---

    def calls(self) -> None:
        """The ten calls, with their criteria; dates relative to now."""
        for fund, back, phase, share, sent in CALLS:
            opens = self.now - timedelta(days=365 * back + 300) if back > 0 else \
                self.now - timedelta(days=180 if phase == Phase.REVIEW else 30)
            closes = opens + timedelta(days=60) if back >= 0 else \
                self.now + timedelta(days=180)
            year = closes.year if back >= 0 else self.now.year + 1
            name = "Næringsfondet" if fund == Fund.NAERINGSFOND else "Klimafondet"
            call = create_call(
                fund=fund, year=year, title=f"{name} {year} (generert)",
                description="Generert utlysning for ytelsestesting.",
                opens_at=opens, closes_at=closes, budget=5_000_000, max_grant=500_000,
                max_share_percent=50, plan=self.plan,
                expected_decision_on=(closes + timedelta(days=75)).date())
            call.published_at = opens - timedelta(days=14)
            if phase in (Phase.ARCHIVED, Phase.DECIDED):
                call.review_closed_at = closes + timedelta(days=50)
            if phase == Phase.ARCHIVED:
                call.archived_at = closes + timedelta(days=700)
            db.session.flush()
            info = CallInfo(call, phase, share, sent,
                            f"{'KF' if fund == Fund.KLIMAFOND else 'NF'}-{year}-",
                            [(c.id, c.weight) for c in call.criteria])
            info.patterns = self._score_patterns(info.criteria)
            if info.decided:
                info.meeting_id = self.ids(DecisionMeeting)
                self.rows.add(DecisionMeeting, id=info.meeting_id, call_id=call.id,
                              body=DecisionBody.FORMANNSKAPET,
                              meeting_date=(closes + timedelta(days=60)).date(),
                              political_case_number=f"PS {10 + len(self.infos)}/{year % 100:02d}",
                              recorded_by_id=self.manager, recorded_at=closes
                              + timedelta(days=61))
            self.infos.append(info)

    def _score_patterns(self, criteria) -> list[tuple[list[int], Decimal]]:
        patterns = []
        for _ in range(40):
            quality = self.rnd.randint(0, 5)
            scores = [min(5, max(0, quality + self.rnd.randint(-1, 1))) for _ in criteria]
            total = to_stored(weighted_total([CriterionScore(weight=w, score=s)
                                              for (_, w), s in zip(criteria, scores,
                                                                   strict=True)]))
            patterns.append((scores, total))
        return patterns

    def finish_calls(self) -> None:
        """Each call's budget from what was applied for and granted."""
        for info in self.infos:
            budget = info.granted if info.decided else info.applied // 4
            db.session.execute(update(Call).where(Call.id == info.call.id)
                               .values(budget=max(budget, 1_000_000)))

    # --- Organisations and people ---

    def people(self, rush: int) -> None:
        """N/50 organisations with two applicants each (N/25); the first applicant is
        ``soker-mange``. Caseworkers beyond the demo's two at large N. Rush applicants
        with an organisation each."""
        total = self.total
        for k in range(max(0, total // 12_500)):
            self.caseworkers.append(self._user(f"saksbehandler-{k + 1:02d}@demo.no",
                                               f"Saksbehandler {k + 1}", Role.CASEWORKER))
        orgnrs = _orgnrs()
        for k in range(max(2, total // 50)):
            org = self._organisation(next(orgnrs), k)
            for m in range(2):
                email = MANY_EMAIL if k == 0 and m == 0 else \
                    f"soker-{2 * k + m + 1:05d}@demo.no"
                self._member(org, self._user(email, _person(self.rnd), Role.APPLICANT), m == 0)
            self.orgs.append(org)
        for k in range(rush):
            org = self._organisation(next(orgnrs), len(self.orgs) + k)
            self._member(org, self._user(f"rush{k + 1:04d}@demo.no", _person(self.rnd),
                                         Role.APPLICANT), True)
            self.rush.append(org)

    def _user(self, email: str, name: str, role: Role) -> int:
        user_id = self.ids(User)
        self.rows.add(User, id=user_id, email=email, name=name, role=role,
                      password_hash=self.password_hash, email_verified_at=self.now,
                      is_demo=True, created_at=self.now)
        return user_id

    def _organisation(self, orgnr: str, k: int) -> Org:
        rnd = self.rnd
        place, postcode = rnd.choice(PLACES)
        name = f"{rnd.choice(NAME_FIRST)} {rnd.choice(NAME_TRADE)} {rnd.choice(['AS', 'AS', 'SA'])}"
        row = self.rows.add(
            Organisation, id=self.ids(Organisation), orgnr=orgnr, name=name,
            org_form=name.rsplit(" ", 1)[1], industry_code=rnd.choice(INDUSTRIES),
            address=f"{rnd.choice(STREETS)} {rnd.randint(1, 80)}", postcode=postcode,
            city=place, municipality_number="3205", bank_account="12345678903",
            vat_registered=k % 5 != 0, founded_on=date(rnd.randint(1970, 2023), 1, 1)
            + timedelta(days=rnd.randint(0, 364)), created_at=self.now,
            verified_at=self.now if k % 3 else None, verified_how=None,
            verified_by_id=self.sara if k % 3 else None)
        if row["verified_at"] is not None:
            row["verified_how"] = Verification.STAFF
            row["verification_note"] = "Kontrollert mot Enhetsregisteret (generert)."
        keys = ("orgnr", "name", "org_form", "address", "postcode", "city",
                "municipality_number", "bank_account", "vat_registered")
        return Org(row["id"], [], {key: row[key] for key in keys})

    def _member(self, org: Org, user_id: int, responsible: bool) -> None:
        self.rows.add(Membership, id=self.ids(Membership), user_id=user_id,
                      organisation_id=org.id, responsible=responsible, created_at=self.now)
        org.members.append(user_id)

    # --- Applications ---

    def _pick_call(self, index: int) -> CallInfo:
        """Calls by their share, spread over the index (deterministic)."""
        point = (index + 0.5) / self.total
        for info in self.infos:
            if point < info.share:
                return info
            point -= info.share
        return self.infos[-1]

    def application(self, index: int) -> None:
        """One application and everything its state implies."""
        rnd = self.rnd
        info = self._pick_call(index)
        org = self.orgs[0] if index % self.many_every == 0 else \
            self.orgs[1 + rnd.randrange(len(self.orgs) - 1)]
        sent = rnd.random() < info.sent_share
        state = self._state(info) if sent else ApplicationState.DRAFT
        complete = sent or rnd.random() < 0.7
        app = self._application_row(info, org, state, complete)
        app_id = app["id"]
        measures = self._plan_rows(app_id, complete)
        if complete:
            self._budget_rows(app_id, app["amount_applied"])
        if not sent:
            return
        info.applied += app["amount_applied"]
        submission_id = self._submission_rows(info, org, app, measures)
        if state == ApplicationState.INFO_REQUESTED:
            self.rows.add(InfoRequest, id=self.ids(InfoRequest), application_id=app_id,
                          requested_by_id=self.sara, requested_at=self.now - timedelta(days=3),
                          message="Send oss et oppdatert budsjett med tilbud fra leverandøren.",
                          answer_by=(self.now + timedelta(days=14)).date())
        assessors = self._review_rows(info, app, measures)
        if info.decided:
            self._decision_rows(info, org, app, assessors, submission_id)

    def _state(self, info: CallInfo) -> ApplicationState:
        """Of the applications sent to a call, one in 25 is withdrawn (the first among
        them), and under review one in 17 awaits information (the second)."""
        info.sent += 1
        if info.sent % 25 == 1:
            return ApplicationState.WITHDRAWN
        if info.phase == Phase.REVIEW and info.sent % 17 == 2:
            return ApplicationState.INFO_REQUESTED
        return ApplicationState.SUBMITTED

    def _application_row(self, info: CallInfo, org: Org, state: ApplicationState,
                         complete: bool) -> dict:
        rnd = self.rnd
        app_id = self.ids(Application)
        window = (min(info.closes, self.now) - info.opens).total_seconds()
        moment = info.opens + timedelta(seconds=int(window * (0.2 + 0.8 * rnd.random())))
        user_id = org.members[app_id % len(org.members)]
        title = f"{rnd.choice(TITLE_VERBS)} {rnd.choice(TITLE_OBJECTS)}"
        climate = info.fund == Fund.KLIMAFOND
        row = {**_application_base(complete, climate), "id": app_id, "call_id": info.id,
               "organisation_id": org.id, "created_by_id": user_id, "updated_by_id": user_id,
               "state": state, "created_at": moment - timedelta(days=rnd.randint(1, 20)),
               "updated_at": moment, "contact_name": _person(rnd),
               "contact_email": f"kontakt{app_id}@example.no", "project_leader": _person(rnd),
               "title": title, "partners": "Romerike Logistikk AS" if app_id % 3 == 0 else "",
               "has_education_partners": app_id % 4 == 0,
               "education_partners": "OsloMet" if app_id % 4 == 0 else "",
               "has_international_cooperation": app_id % 7 == 0,
               "international": "Partner i Sverige" if app_id % 7 == 0 else ""}
        if complete:
            starts = (info.closes + timedelta(days=90)).date()
            row.update(summary=f"{title}: et prosjekt som gir nye arbeidsplasser og lavere "
                               "utslipp i Lillestrøm.",
                       starts_on=starts,
                       ends_on=starts + timedelta(days=rnd.choice([180, 300, 365])),
                       knowledge_jobs=rnd.randint(0, 5), other_jobs=rnd.randint(0, 3),
                       amount_applied=rnd.randrange(50_000, 450_000, 5_000))
            if climate:
                row["co2e_cut_tonnes"] = Decimal(rnd.randrange(100, 20_000)) / 100
        row = self.rows.add(Application, **row)
        if state != ApplicationState.DRAFT:
            self.numbers[info.prefix] = self.numbers.get(info.prefix, 0) + 1
            row["case_number"] = self._case_number(info.prefix, self.numbers[info.prefix])
            row["submitted_at"] = moment
            row["eligibility_failures"] = 0
        return row

    def _case_number(self, prefix: str, count: int) -> str:
        if prefix not in self.bases:
            self.bases[prefix] = db.session.scalar(select(CaseNumberCounter.last_number).where(
                CaseNumberCounter.prefix == prefix)) or 0
        return f"{prefix}{self.bases[prefix] + count:04d}"

    def _plan_rows(self, app_id: int, complete: bool) -> tuple:
        """One to three measures the applicant claims, their strategies, and SDGs."""
        chosen = self.rnd.choice(self.measure_sets[self.rnd.randint(1, 3) if complete else 1])
        for measure in chosen:
            self.rows.add(ApplicationMeasure, id=self.ids(ApplicationMeasure),
                          application_id=app_id, measure_id=measure.id, how=DEMO_TEXT["how"])
        for strategy_id in self.strategies_of[chosen]:
            self.rows.add(application_strategies, application_id=app_id,
                          strategy_id=strategy_id)
        if complete:
            for goal in self.rnd.choice(SDG_PAIRS):
                self.rows.add(ApplicationSDG, application_id=app_id, goal=goal)
        return chosen

    def _budget_rows(self, app_id: int, applied: int) -> None:
        """Two cost lines of the applied amount each, half financed by own funds."""
        for category, description in ((CostCategory.SERVICES, "Innleid kompetanse"),
                                      (CostCategory.EQUIPMENT, "Utstyr og installasjon")):
            self.rows.add(CostLine, id=self.ids(CostLine), application_id=app_id,
                          category=category, description=description, amount=applied)
        self.rows.add(FinancingLine, id=self.ids(FinancingLine), application_id=app_id,
                      kind=FinancingKind.OWN_FUNDS, description="Egne midler", amount=applied)

    def _submission_rows(self, info: CallInfo, org: Org, app: dict, measures) -> int:
        """The submission, its snapshot (the call's template with this application's
        figures), and for some an eligibility warning."""
        submission_id = self.ids(Submission)
        warned = self.rnd.random() < 0.05
        warnings = []
        if warned:
            app["not_started"] = False
            app["eligibility_failures"] = 1
            warnings = [{"rule": EligibilityRule.STARTED.value, "message": STARTED_WARNING}]
            self.rows.add(EligibilityWarning, id=self.ids(EligibilityWarning),
                          submission_id=submission_id, rule=EligibilityRule.STARTED,
                          message=STARTED_WARNING)
        template = info.template or self._template(info)
        applied = app["amount_applied"]
        self.rows.add(Submission, id=submission_id, application_id=app["id"], number=1,
                      submitted_at=app["submitted_at"], submitted_by_id=app["created_by_id"],
                      snapshot={
                          **template, "case_number": app["case_number"],
                          "submitted_at": app["submitted_at"].isoformat(),
                          "organisation": org.snapshot,
                          "contact": {"name": app["contact_name"],
                                      "email": app["contact_email"],
                                      "phone": app["contact_phone"]},
                          "project_leader": app["project_leader"],
                          "project": {**template["project"], "title": app["title"],
                                      "summary": app["summary"],
                                      "not_started": app["not_started"]},
                          "measures": [{"code": m.code, "text": m.text, "how": DEMO_TEXT["how"]}
                                       for m in measures],
                          "strategies": [self.strategies[s]
                                         for s in self.strategies_of[measures]],
                          "budget": _budget_snapshot(template["budget"], applied),
                          "eligibility_warnings": warnings})
        return submission_id

    def _template(self, info: CallInfo) -> dict:
        """The snapshot of a transient application to the call, made once by the app's own
        ``snapshot``; each submission copies it with its own figures."""
        measure = db.session.get(Measure, self.measures[0].id)
        application = Application(
            call=info.call, organisation=Organisation(orgnr="0", name=""),
            case_number="", title="", project_leader="", starts_on=self.now.date(),
            ends_on=self.now.date() + timedelta(days=300), not_started=True,
            milestones="Oppstart, installasjon, måling og rapport.",
            competence="Prosjektet bygger kompetanse på energi og klima.",
            **{name: DEMO_TEXT[name] for name in (
                "description", "background", "goals", "anchoring", "additionality")},
            amount_applied=100_000, knowledge_jobs=2, other_jobs=1,
            measures=[ApplicationMeasure(measure=measure, how=DEMO_TEXT["how"])],
            cost_lines=[CostLine(category=c, description=d, amount=100_000) for c, d in (
                (CostCategory.SERVICES, "Innleid kompetanse"),
                (CostCategory.EQUIPMENT, "Utstyr og installasjon"))],
            financing_lines=[FinancingLine(kind=FinancingKind.OWN_FUNDS,
                                           description="Egne midler", amount=100_000)],
            sdg_rows=[ApplicationSDG(goal=7), ApplicationSDG(goal=13)])
        if info.call.fund == Fund.KLIMAFOND:
            application.climate_category = ClimateCategory.EMISSION_CUT
            application.climate_baseline = "Oljefyring og dieselbiler i dag."
            application.co2e_cut_tonnes = Decimal("35.5")
            application.co2e_method = "Målt forbruk siste år, omregnet med SSBs faktorer."
        info.template = snapshot(application, SimpleNamespace(
            number=1, submitted_at=self.now, warnings=[]))
        for obj in list(db.session.new):  # nothing of it is to be stored
            db.session.expunge(obj)
        return info.template

    # --- Review ---

    def _review_rows(self, info: CallInfo, app: dict, measures) -> list[int]:
        """Declarations, assessments with scores, an assignment and the confirmed measures;
        returns the caseworkers who completed an assessment."""
        rnd = self.rnd
        if info.phase == Phase.OPEN:
            return []
        if info.decided:
            count = rnd.choices([1, 2, 3], [20, 70, 10])[0]
        else:
            count = rnd.choices([0, 1, 2, 3], [15, 30, 40, 15])[0]
        others = self.caseworkers[1:]
        chosen = ([self.sara] if rnd.random() < 0.45 else []) + \
            rnd.sample(others, min(len(others), count))
        chosen = chosen[:count]
        completed = []
        for caseworker in chosen:
            done = info.decided or rnd.random() < 0.75
            self._assessment(info, app, caseworker, done)
            if done:
                completed.append(caseworker)
        if chosen and (info.phase == Phase.REVIEW or rnd.random() < 0.5):
            self.rows.add(Assignment, id=self.ids(Assignment), application_id=app["id"],
                          caseworker_id=chosen[0], assigned_by_id=self.manager,
                          assigned_at=app["submitted_at"] + timedelta(days=2))
        if completed and app["state"] != ApplicationState.WITHDRAWN:
            for measure in measures:
                self.rows.add(ConfirmedMeasure, application_id=app["id"],
                              measure_id=measure.id, confirmed_by_id=completed[0],
                              confirmed_at=app["submitted_at"] + timedelta(days=20))
        return completed

    def _assessment(self, info: CallInfo, app: dict, caseworker: int, done: bool) -> None:
        rnd = self.rnd
        at = min(self.now, app["submitted_at"] + timedelta(days=rnd.randint(5, 40)))
        self.rows.add(ConflictDeclaration, id=self.ids(ConflictDeclaration),
                      application_id=app["id"], caseworker_id=caseworker, disqualified=False,
                      declared_at=at, advised_applicant=False)
        scores, total = rnd.choice(info.patterns)
        assessment_id = self.ids(Assessment)
        recommendation = None
        if done:
            recommendation = Recommendation.APPROVE if total >= 70 else \
                Recommendation.APPROVE_REDUCED if total >= 50 else Recommendation.REJECT
        amount = {Recommendation.APPROVE: app["amount_applied"],
                  Recommendation.APPROVE_REDUCED: app["amount_applied"] // 2}.get(
            recommendation)
        self.rows.add(Assessment, id=assessment_id, application_id=app["id"],
                      caseworker_id=caseworker, version=1,
                      state=AssessmentState.COMPLETED if done else AssessmentState.DRAFT,
                      overall_comment=ASSESSMENT_COMMENTS[recommendation],
                      recommended_amount=amount, recommendation=recommendation,
                      total_score=total if done else None, updated_at=at,
                      completed_at=at if done else None)
        scored = info.criteria if done else info.criteria[:2]
        for (criterion_id, _), score in zip(scored, scores, strict=False):
            self.rows.add(CriterionScoreRow, id=self.ids(CriterionScoreRow),
                          assessment_id=assessment_id, criterion_id=criterion_id, score=score,
                          not_applicable=False, comment="")

    # --- Decisions and grants ---

    def _decision_rows(self, info: CallInfo, org: Org, app: dict, assessors,
                       submission_id: int) -> None:
        """The vedtak (or the withdrawal's confirmation), its letter, and for a grant the
        tilsagn and its follow-up. One rejection in twenty is reversed on appeal."""
        rnd = self.rnd
        decided_on = (info.closes + timedelta(days=60)).date()
        if app["state"] == ApplicationState.WITHDRAWN:
            self._vedtak(info, app, Outcome.WITHDRAWN, None, decided_on, meeting_id=None)
            return
        roll = rnd.random()
        outcome = Outcome.GRANTED if roll < 0.3 else Outcome.PARTLY_GRANTED if roll < 0.4 \
            else Outcome.REJECTED if roll < 0.9 else Outcome.DISMISSED
        applied = app["amount_applied"]
        amount = applied if outcome == Outcome.GRANTED else \
            applied // 2000 * 1000 if outcome == Outcome.PARTLY_GRANTED else None
        sent = _at(decided_on + timedelta(days=2))
        if outcome == Outcome.REJECTED and rnd.random() < 0.05:
            decision = self._reversal(info, org, app, decided_on, sent)
            amount, sent = decision["amount"], _at(decision["decided_on"] + timedelta(days=2))
        else:
            decision = self._vedtak(info, app, outcome, amount, decided_on, info.meeting_id)
        self._letter(app, decision, sent)
        if amount:
            info.granted += amount
            self._grant_rows(info, org, app, decision, sent)

    def _vedtak(self, info: CallInfo, app: dict, outcome: Outcome, amount: int | None,
                decided_on: date, meeting_id: int | None, *,
                kind: DecisionKind = DecisionKind.ALLOCATION) -> dict:
        return self.rows.add(
            Decision, id=self.ids(Decision), application_id=app["id"],
            meeting_id=meeting_id, outcome=outcome, kind=kind, proposed_amount=amount,
            amount=amount, returned_amount=0, reasons=DECISION_REASONS[outcome],
            conditions="Prosjektet skal være gjennomført innen ett år fra vedtaket."
            if amount else "", decided_on=decided_on,
            state_aid_basis=StateAidBasis.DE_MINIMIS if amount else None,
            kdd_category=self.rnd.choice(["1110", "1310"]) if amount else None,
            decided_by_id=self.manager, created_at=_at(decided_on), replaced_at=None)

    def _letter(self, app: dict, decision: dict, sent: datetime) -> None:
        self.rows.add(Letter, id=self.ids(Letter), application_id=app["id"],
                      decision_id=decision["id"], kind=LetterKind.DECISION,
                      stored_name=f"generert-{decision['id']:08d}.pdf", sha256="0" * 64,
                      created_at=sent, created_by_id=self.manager, sent_at=sent,
                      sent_by_id=self.manager,
                      appeal_deadline=sent.date() + timedelta(weeks=3))

    def _reversal(self, info: CallInfo, org: Org, app: dict, decided_on: date,
                  sent: datetime) -> dict:
        """A rejection the applicant appealed in time and the first instance reversed
        (fvl § 33): the rejection kept, replaced by a grant. Returns the grant's vedtak."""
        reversed_on = decided_on + timedelta(days=40)
        first = self._vedtak(info, app, Outcome.REJECTED, None, decided_on, info.meeting_id)
        reversal = self._vedtak(info, app, Outcome.GRANTED, app["amount_applied"],
                                reversed_on, info.meeting_id)
        first_id, reversal_id = first["id"], reversal["id"]
        first.update(replaced_at=_at(reversed_on), replaced_by_id=reversal_id)
        self._letter(app, first, sent)
        self.rows.add(Appeal, id=self.ids(Appeal), decision_id=first_id,
                      received_at=sent + timedelta(days=10), submitted_by_id=org.members[0],
                      text="Vi klager på avslaget og legger ved nye målinger.", in_time=True,
                      state=AppealState.REVERSED, handled_by_id=self.manager,
                      handled_at=_at(reversed_on), new_decision_id=reversal_id,
                      assessment="De nye målingene viser større effekt; vedtaket omgjøres.")
        return reversal

    def _grant_rows(self, info: CallInfo, org: Org, app: dict, decision: dict,
                    offered: datetime) -> None:
        rnd = self.rnd
        roll = rnd.random()
        if info.phase == Phase.ARCHIVED:
            state = GrantState.LAPSED if roll < 0.1 else GrantState.COMPLETED
        else:
            state = GrantState.LAPSED if roll < 0.05 else GrantState.OFFERED if roll < 0.1 \
                else GrantState.ACCEPTED if roll < 0.75 else GrantState.COMPLETED
        if state == GrantState.OFFERED and offered + timedelta(weeks=4) < self.now:
            state = GrantState.LAPSED  # nobody accepts after the deadline
        amount, member = decision["amount"], org.members[0]
        accepted = state in (GrantState.ACCEPTED, GrantState.COMPLETED)
        accepted_at = offered + timedelta(days=10)
        grant = self.rows.add(
            Grant, id=self.ids(Grant), application_id=app["id"], state=state,
            offered_at=offered, acceptance_deadline=offered.date() + timedelta(weeks=4),
            accepted_at=accepted_at if accepted else None,
            accepted_by_id=member if accepted else None,
            acceptor_name="Daglig leder" if accepted else "",
            acceptor_role="daglig leder" if accepted else "",
            authority=AuthorityCheck.REGISTER if accepted else None,
            bank_account=org.snapshot["bank_account"] if accepted else None,
            lapsed_at=offered + timedelta(weeks=4, days=1) if state == GrantState.LAPSED
            else None, final_report_due=app["ends_on"] + timedelta(days=60),
            completed_at=None, version=1)
        if state == GrantState.LAPSED:
            decision["returned_amount"] = amount
        if not accepted:
            return
        advance = amount // 2
        paid_on = accepted_at.date() + timedelta(days=30)
        self._payment(grant, 1, advance, paid_on, member, final=False)
        if state == GrantState.ACCEPTED and rnd.random() < 0.03:
            self._recovery(info, app, decision, grant, advance, paid_on)
            return
        if state == GrantState.ACCEPTED:
            if rnd.random() < 0.3:
                self.rows.add(FinalReport, id=self.ids(FinalReport), grant_id=grant["id"],
                              state=FinalReportState.SUBMITTED, results=REPORT_RESULTS,
                              knowledge_jobs=1, other_jobs=1,
                              submitted_at=min(self.now, _at(paid_on + timedelta(days=200))),
                              submitted_by_id=member)
            return
        eligible = amount - (amount // 10 if rnd.random() < 0.3 else 0)
        end = paid_on + timedelta(days=300)
        self._payment(grant, 2, eligible - advance, end + timedelta(days=30), member,
                      final=True)
        decision["returned_amount"] = amount - eligible
        grant["completed_at"] = _at(end + timedelta(days=30))
        if rnd.random() < 0.1:  # paid back of own accord: costs lower than reported
            self.rows.add(Repayment, id=self.ids(Repayment), grant_id=grant["id"],
                          amount=max(1, eligible // 20), received_on=end + timedelta(days=90),
                          recorded_by_id=self.sara, recorded_at=_at(end + timedelta(days=90)),
                          note="Innbetalt til kommunens konto.")
        climate = info.fund == Fund.KLIMAFOND
        self.rows.add(FinalReport, id=self.ids(FinalReport), grant_id=grant["id"],
                      state=FinalReportState.APPROVED, results=REPORT_RESULTS,
                      knowledge_jobs=rnd.randint(0, 5), other_jobs=rnd.randint(0, 3),
                      co2e_tonnes=Decimal(rnd.randrange(0, 3_000)) / 100 if climate else None,
                      co2e_method="Målt forbruk" if climate else "",
                      funding_innovasjon_norge=rnd.choice([None, 0, 100_000]),
                      submitted_at=_at(end), submitted_by_id=member,
                      decided_by_id=self.sara, decided_at=_at(end + timedelta(days=14)),
                      eligible_amount=eligible)

    def _recovery(self, info: CallInfo, app: dict, decision: dict, grant: dict,
                  advance: int, paid_on: date) -> None:
        """The project was dropped after the advance: forhåndsvarsel, a recovery vedtak by
        the kommunedirektør revoking the grant (its letter sent), the advance paid back."""
        noticed = paid_on + timedelta(days=60)
        decided_on = noticed + timedelta(days=30)
        meeting_id = self.ids(DecisionMeeting)
        self.rows.add(DecisionMeeting, id=meeting_id, call_id=info.id,
                      body=DecisionBody.KOMMUNEDIREKTOR,
                      delegation_reference="Delegeringsreglementet pkt. 4.2",
                      meeting_date=decided_on, recorded_by_id=self.manager,
                      recorded_at=_at(decided_on))
        recovery = self._vedtak(info, app, Outcome.REJECTED, None, decided_on, meeting_id,
                                kind=DecisionKind.RECOVERY)
        decision.update(replaced_at=_at(decided_on), replaced_by_id=recovery["id"])
        self._letter(app, recovery, _at(decided_on + timedelta(days=1)))
        grant["state"] = GrantState.REVOKED
        recovery_id = self.ids(Recovery)
        self.rows.add(Recovery, id=recovery_id, grant_id=grant["id"],
                      ground=RecoveryGround.NOT_CARRIED_OUT, state=RecoveryState.DECIDED,
                      new_amount=0, reclaim_amount=advance,
                      notice_text="Prosjektet er avlyst; kommunen vurderer å trekke tilsagnet "
                                  "tilbake og kreve forskuddet tilbake.",
                      notice_sent_at=_at(noticed), notice_sent_by_id=self.manager,
                      answer_by=noticed + timedelta(weeks=3), decision_id=recovery["id"],
                      decided_at=_at(decided_on))
        self.rows.add(Repayment, id=self.ids(Repayment), grant_id=grant["id"],
                      recovery_id=recovery_id, amount=advance,
                      received_on=decided_on + timedelta(days=30), recorded_by_id=self.sara,
                      recorded_at=_at(decided_on + timedelta(days=30)),
                      note="Forskuddet er betalt tilbake.")

    def _payment(self, grant: dict, number: int, amount: int, paid_on: date, member: int,
                 final: bool) -> None:
        if amount <= 0:
            return
        self.rows.add(PaymentRequest, id=self.ids(PaymentRequest), grant_id=grant["id"],
                      number=number, is_final=final, state=PaymentState.PAID,
                      submitted_by_id=member, submitted_at=_at(paid_on - timedelta(days=10)),
                      status_report="Prosjektet går etter planen.", amount_requested=amount,
                      bank_account=grant["bank_account"], decided_by_id=self.sara,
                      decided_at=_at(paid_on - timedelta(days=5)), amount_approved=amount,
                      amount_paid=amount, paid_on=paid_on, paid_recorded_by_id=self.manager)

    # --- The rush ---

    def rush_drafts(self) -> None:
        """Each rush applicant's one complete draft in the open call."""
        info = next(i for i in self.infos if i.phase == Phase.OPEN)
        for org in self.rush:
            app = self._application_row(info, org, ApplicationState.DRAFT, True)
            self._plan_rows(app["id"], True)
            self._budget_rows(app["id"], app["amount_applied"])

    # --- Case numbers ---

    def reserve_case_numbers(self) -> None:
        """Take the numbers given from each prefix's counter, as submissions would."""
        for prefix, count in self.numbers.items():
            last = increment(CaseNumberCounter, {"prefix": prefix}, "last_number", by=count)
            assert last == self.bases[prefix] + count, (prefix, last)


# --- Writing ---


def write(rows: Rows) -> None:
    """Every table's rows, parents first, in the session's transaction. A reference to
    a row of the same table (a decision replaced by a later one) is set afterwards."""
    connection = db.session.connection()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        _skip_foreign_key_triggers(connection)
    for model in _ordered(rows):
        batch, later = _without_self_references(model, rows[model])
        if postgres:
            _copy(connection, model, batch)
        else:
            insert_rows(connection, model, batch)
        for key, values in later.items():
            table = getattr(model, "__table__", model)
            connection.execute(update(table).where(table.c.id == bindparam("row_id"))
                               .values({key: bindparam("value")}), values)


def _without_self_references(model, batch: list[dict]) -> tuple[list[dict], dict]:
    """The rows with their references to the same table left out, and those references
    (column → [{row_id, value}]) to set once the rows are in."""
    table = getattr(model, "__table__", model)
    keys = [c.key for c in table.c if any(fk.column.table is table for fk in c.foreign_keys)]
    later: dict[str, list[dict]] = {}
    for key in keys:
        later[key] = [{"row_id": row["id"], "value": row[key]} for row in batch
                      if row.get(key) is not None]
        if later[key]:
            batch = [{**row, key: None} if row.get(key) is not None else row
                     for row in batch]
    return batch, {key: values for key, values in later.items() if values}


def _skip_foreign_key_triggers(connection) -> None:
    """PostgreSQL checks each row's foreign keys with a trigger, which makes COPY several
    times slower; the rows here refer only to rows written before them, so a superuser's
    session skips the checks for this transaction (others keep them)."""
    superuser = connection.execute(text(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
    if superuser:
        connection.execute(text("SET LOCAL session_replication_role = replica"))


def _ordered(rows: Rows) -> list:
    tables = {getattr(model, "__table__", model): model for model in rows}
    order = [t for t in db.metadata.sorted_tables if t in tables]
    return [tables[t] for t in order]


def _filled(table, batch: list[dict]) -> tuple[list[str], dict]:
    """The columns the rows name, and for each the value a row without it gets: the
    column's scalar or callable default, else NULL (a compiled INSERT or a COPY needs
    every row to give the same columns)."""
    keys = {key for row in batch for key in row}
    keys |= {c.key for c in table.c if c.default is not None}
    fill = {}
    for key in keys:
        default = table.c[key].default
        if default is None:
            fill[key] = None
        elif default.is_scalar:
            fill[key] = default.arg
        else:
            fill[key] = default.arg(None)
    return sorted(keys), fill


def insert_rows(connection, model, batch: list[dict]) -> None:
    """Core ``insert()`` executemany in chunks; the rows are completed with ``_filled``."""
    table = getattr(model, "__table__", model)
    keys, fill = _filled(table, batch)
    rows = [{**fill, **row} for row in batch]
    for start in range(0, len(rows), CHUNK):
        connection.execute(insert(table), rows[start:start + CHUNK])


def _copy(connection, model, batch: list[dict]) -> None:
    """PostgreSQL's binary COPY, which spares the server parsing every value from text:
    each row completed with ``_filled`` and taken as a tuple in C (``itemgetter``); psycopg
    writes the values as the column types say (a dict as JSON, an enum member as text)."""
    table = getattr(model, "__table__", model)
    keys, fill = _filled(table, batch)
    as_tuple = itemgetter(*keys) if len(keys) > 1 else (lambda row: (row[keys[0]],))
    raw = connection.connection.driver_connection
    columns = ", ".join(f'"{key}"' for key in keys)
    with raw.cursor() as cursor, cursor.copy(
            f'COPY "{table.name}" ({columns}) FROM STDIN (FORMAT BINARY)') as copy:
        copy.set_types([_pg_type(table.c[key]) for key in keys])
        for row in batch:
            copy.write_row(as_tuple({**fill, **row}))


def _pg_type(column) -> str:
    """The PostgreSQL type a column has, as binary COPY must be told."""
    kind = column.type
    kind = getattr(kind, "impl_instance", kind)  # a TypeDecorator: what it stores
    if isinstance(kind, JSON):
        return "json"
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, DateTime):
        return "timestamptz" if kind.timezone else "timestamp"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Numeric) and not isinstance(kind, Integer):
        return "numeric"
    if isinstance(kind, BigInteger):
        return "int8"
    if isinstance(kind, Integer):
        return "int4"
    if isinstance(kind, String):  # String, Text and the enums
        return "varchar" if kind.length else "text"
    raise TypeError(f"no COPY type for {column}")


def finish() -> None:
    """On PostgreSQL: move the id sequences past the ids given here, and ANALYZE."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT max(id) FROM \"{table.name}\"), 0) + 1, false)"))
    connection.execute(text("ANALYZE"))


# --- Small helpers and the words ---


def _at(day: date) -> datetime:
    """Ten in the morning (UTC) of the day."""
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def _orgnrs():
    """Valid organisasjonsnumre (MOD11) from 930 000 000 on."""
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    base = 93_000_000
    while True:
        digits = [int(d) for d in str(base)]
        check = 11 - sum(w * d for w, d in zip(weights, digits, strict=True)) % 11
        if check != 10:
            yield f"{base}{0 if check == 11 else check}"
        base += 1


@cache
def _application_base(complete: bool, climate: bool) -> dict:
    """What applications of a shape (complete or not, klimafond or not) have alike."""
    texts = ("description", "background", "goals", "anchoring", "additionality")
    return {
        "version": 1, "case_number": None, "submitted_at": None,
        "eligibility_failures": None, "contact_phone": "+47 99 99 99 99", "summary": "",
        **{name: DEMO_TEXT[name] if complete else "" for name in texts},
        "milestones": "Oppstart, installasjon, måling og rapport.", "not_started": True,
        "competence": "Prosjektet bygger kompetanse på energi og klima.",
        "starts_on": None, "ends_on": None, "knowledge_jobs": None, "other_jobs": None,
        "amount_applied": None, "co2e_cut_tonnes": None,
        "climate_category": ClimateCategory.EMISSION_CUT if climate and complete else None,
        "climate_baseline": "Oljefyring og dieselbiler i dag." if climate and complete else "",
        "co2e_method": "Målt forbruk siste år, omregnet med SSBs faktorer."
        if climate and complete else "",
    }


def _person(rnd: random.Random) -> str:
    return f"{rnd.choice(FIRST_NAMES)} {rnd.choice(LAST_NAMES)}"


def _budget_snapshot(template: dict, applied: int) -> dict:
    return {**template,
            "cost_lines": [{**line, "amount": applied} for line in template["cost_lines"]],
            "financing_lines": [{**line, "amount": applied}
                                for line in template["financing_lines"]],
            "amount_applied": applied, "total_cost": 2 * applied,
            "total_financing": 2 * applied}


SDG_PAIRS = list(combinations([7, 8, 9, 12, 13], 2))
STARTED_WARNING = ("Tilskudd gis bare til prosjekter som ikke er startet. Bekreft at "
                   "prosjektet ikke er i gang.")
REPORT_RESULTS = "Prosjektet er gjennomført som planlagt, og målene er nådd."
ASSESSMENT_COMMENTS = {
    None: "",
    Recommendation.APPROVE: "Godt forankret prosjekt med tydelige mål.",
    Recommendation.APPROVE_REDUCED: "Nyttig, men bør skaleres ned.",
    Recommendation.REJECT: "Usikker effekt og svak begrunnelse for tilskuddet.",
}
DECISION_REASONS = {
    Outcome.GRANTED: "Prosjektet er godt begrunnet og scorer høyt på kriteriene.",
    Outcome.PARTLY_GRANTED: "Deler av kostnadene er ordinær drift og er ikke godkjent.",
    Outcome.REJECTED: "Søknaden er lavere prioritert enn søknadene innenfor rammen.",
    Outcome.DISMISSED: "Søknaden oppfyller ikke vilkårene og avvises.",
    Outcome.WITHDRAWN: "",
}
FIRST_NAMES = ["Kari", "Ola", "Ingrid", "Lars", "Nora", "Jonas", "Sofie", "Emil", "Ida",
               "Henrik", "Maja", "Magnus", "Thea", "Sindre", "Hanna", "Aksel"]
LAST_NAMES = ["Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen",
              "Kristiansen", "Berg", "Haugen", "Bakken", "Lie", "Strand", "Moen"]
NAME_FIRST = ["Kjeller", "Strømmen", "Skedsmo", "Lillestrøm", "Fetsund", "Sørum", "Nitelva",
              "Romerike", "Leira", "Glomma", "Frogner", "Blaker"]
NAME_TRADE = ["Energi", "Bygg", "Mat", "Teknologi", "Logistikk", "Design", "Innovasjon",
              "Solkraft", "Verksted", "Bryggeri", "Data", "Transport", "Gartneri"]
INDUSTRIES = ["35.113", "10.710", "62.010", "41.200", "49.410", "71.129", "11.050",
              "01.130", "72.190", "43.210"]
PLACES = [("Lillestrøm", "2000"), ("Kjeller", "2007"), ("Strømmen", "2010"),
          ("Skjetten", "2013"), ("Fetsund", "1900"), ("Sørumsand", "1920"),
          ("Blaker", "1925"), ("Frogner", "2016")]
STREETS = ["Storgata", "Nittedalsgata", "Gunnar Randers vei", "Fabrikkveien", "Jonas Lies gate",
           "Solheimveien", "Kirkeveien", "Stasjonsveien"]
TITLE_VERBS = ["Elektrisk", "Digital", "Grønn", "Smart", "Kortreist", "Sirkulær", "Fornybar",
               "Energieffektiv", "Utslippsfri", "Bærekraftig"]
TITLE_OBJECTS = ["varelevering", "produksjonslinje", "kantine", "lagerhall", "oppvarming",
                 "kundeportal", "emballasje", "verksted", "varebilpark", "kompetanseheving",
                 "gjenvinning av spillvarme", "matproduksjon"]
