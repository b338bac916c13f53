"""Benchmark: the plan-coverage report (``coverage``, ``extras``, ``evaluation``) against its bare
aggregate SQL, for N applications.

Run with `make bench` (after bench/run.py). For each database in BENCH_COVERAGE_DATABASES
(default ``postgresql``; also ``sqlite``) and each size in BENCH_COVERAGE_SIZES it makes a
database of its own (PostgreSQL: ``bench_<random>`` on BENCH_PG, dropped afterwards; SQLite: a
temporary folder; ``DATABASE_URL`` is ignored, see bench/dbs.py) with the real migrations and
the plan, bulk-inserts N
applications with everything the report reads (calls over several years in both funds,
organisations, confirmed measures, current and replaced decisions, grants, payments,
repayments, final reports, financing lines) with SQLAlchemy Core, then times, for no
filter, one year and one call:

- ``coverage(plan, flt)``, ``extras(plan, flt)`` and ``evaluation(plan, flt)``: median and p95 of
  BENCH_COVERAGE_REPEAT runs after one warm-up, and the SQL statements one run sends;
- the bare aggregate SQL: one hand-written query for the per-area/strategy/measure and
  total counts and sums: the filtered applications with their current decision's amount,
  joined to their confirmed measures, then each level aggregated over its distinct
  (node, application) pairs (a measure's pairs are distinct by the primary key). Every
  node's received, grants and granted from it are asserted equal to the report's, so
  the two compute the same thing.

Prints a table: case, N, what, median ms, p95 ms, bare SQL ms, ratio, statements.
"""

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import bindparam, event, insert, select, text  # noqa: E402

from bench.dbs import Databases, foreign_database_url  # noqa: E402
from fund import create_app  # noqa: E402
from fund.applications.models import (  # noqa: E402
    Application,
    ApplicationState,
    FinancingKind,
    FinancingLine,
)
from fund.auth.models import Organisation, User  # noqa: E402
from fund.calls.models import Call, Fund  # noqa: E402
from fund.core.roles import Role  # noqa: E402
from fund.decisions.models import (  # noqa: E402
    Decision,
    DecisionBody,
    DecisionKind,
    DecisionMeeting,
)
from fund.extensions import db  # noqa: E402
from fund.grants.models import (  # noqa: E402
    FinalReport,
    FinalReportState,
    Grant,
    GrantState,
    PaymentRequest,
    PaymentState,
    Repayment,
)
from fund.plan.loader import DATA_DIR, load_plan, read_plan_file  # noqa: E402
from fund.plan.models import Area, Measure, PlanVersion, Strategy  # noqa: E402
from fund.reports.coverage import CoverageFilter, coverage  # noqa: E402
from fund.reports.evaluation import evaluation  # noqa: E402
from fund.reports.extras import extras, postcode_places  # noqa: E402
from fund.review.models import ConfirmedMeasure, Outcome  # noqa: E402

SIZES = [int(n) for n in os.environ.get("BENCH_COVERAGE_SIZES", "1000,100000").split(",")]
KINDS = os.environ.get("BENCH_COVERAGE_DATABASES", "postgresql").replace(" ", "").split(",")
REPEAT = int(os.environ.get("BENCH_COVERAGE_REPEAT", "7"))
YEARS = range(2021, 2027)  #: six years of calls, two per fund and year
CALLS_PER_FUND_AND_YEAR = 2
CASE_YEAR = 2024
CHUNK = 20_000


# --- The throwaway database ---


def build(tmp: str, url: str):
    """The app on ``url`` (a new, empty database of the benchmark's own), migrated, with
    the plan and two users."""
    os.environ["FUND_INSTANCE_PATH"] = tmp
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "MAIL_BACKEND": "file", "TRUSTED_HOSTS": ["localhost"]})
    with app.app_context():
        upgrade()
        load_plan(read_plan_file(DATA_DIR / "handlingsplan-2022-2024.yaml"))
        for email, role in (("bench@example.no", Role.MANAGER),
                            ("soker@example.no", Role.APPLICANT)):
            user = User(email=email, name=email, role=role, email_verified_at=datetime.now(UTC))
            user.set_password("bench-password-123")
            db.session.add(user)
        db.session.commit()
    return app


def _insert(conn, model, rows):
    """executemany in chunks; every row gets the same keys (a key missing from a row is
    given the column's scalar default, else NULL), as one compiled INSERT needs."""
    table = model.__table__
    keys = {key for row in rows for key in row}
    fill = {key: table.c[key].default.arg
            if table.c[key].default is not None and table.c[key].default.is_scalar else None
            for key in keys}
    rows = [{**fill, **row} for row in rows]
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(table), rows[start:start + CHUNK])


def populate(total: int) -> dict[str, int]:
    """Bulk-insert ``total`` applications and what follows from them, with explicit ids
    (so the rows can refer to each other without reading ids back). Deterministic."""
    rnd = random.Random(total)
    plan_id = db.session.scalar(select(PlanVersion.id))
    manager = db.session.scalar(select(User.id).where(User.role == Role.MANAGER))
    applicant = db.session.scalar(select(User.id).where(User.role == Role.APPLICANT))
    measures = list(db.session.scalars(
        select(Measure.id).join(Strategy, Strategy.id == Measure.strategy_id)
        .join(Area, Area.id == Strategy.area_id).where(Area.plan_id == plan_id)
        .order_by(Measure.id)))
    postcodes = [*postcode_places(), "0150", "2040", None]
    now = datetime.now(UTC).replace(microsecond=0)
    db.session.rollback()  # its read transaction would hold SQLite's lock

    calls, meetings = [], []
    for year in YEARS:
        for fund in Fund:
            for n in range(CALLS_PER_FUND_AND_YEAR):
                call_id = len(calls) + 1
                opens = datetime(year, 3, 1, 8, tzinfo=UTC) + timedelta(days=120 * n)
                calls.append(dict(
                    id=call_id, fund=fund, year=year, title=f"{fund.value} {year} nr. {n + 1}",
                    opens_at=opens, closes_at=opens + timedelta(days=30), budget=5_000_000,
                    max_grant=500_000, max_share_percent=50, plan_id=plan_id,
                    joint_key=f"joint-{year}" if n == 1 else None,
                    published_at=opens - timedelta(days=14),  # a draft call is in no report
                    review_closed_at=opens + timedelta(days=60)))
                meetings.append(dict(id=call_id, call_id=call_id,
                                     body=DecisionBody.FORMANNSKAPET,
                                     meeting_date=(opens + timedelta(days=70)).date(),
                                     recorded_by_id=manager))

    organisations = [dict(id=k + 1, orgnr=f"{910_000_000 + k}", name=f"Bedrift {k + 1} AS",
                          postcode=postcodes[k % len(postcodes)])
                     for k in range(max(50, total // 10))]

    applications, confirmed, financing = [], [], []
    decisions, grants, payments, repayments, reports = [], [], [], [], []
    for i in range(total):
        app_id = i + 1
        call = calls[i % len(calls)]
        kind = i % 20
        state = (ApplicationState.DRAFT if kind == 0 else
                 ApplicationState.WITHDRAWN if kind == 1 else
                 ApplicationState.INFO_REQUESTED if kind == 2 else ApplicationState.SUBMITTED)
        draft = state == ApplicationState.DRAFT
        climate = call["fund"] == Fund.KLIMAFOND
        applied = rnd.randrange(50_000, 500_000, 1000)
        applications.append(dict(
            id=app_id, call_id=call["id"], organisation_id=organisations[
                rnd.randrange(len(organisations))]["id"],
            created_by_id=applicant, state=state,
            case_number=None if draft else
            f"{'KF' if climate else 'NF'}-{call['year']}-{app_id:06d}",
            submitted_at=None if draft else call["opens_at"] + timedelta(days=10),
            title=f"Prosjekt {app_id}", amount_applied=applied,
            partners="Partner AS" if i % 3 == 0 else "",
            knowledge_jobs=rnd.randrange(0, 6), other_jobs=rnd.randrange(0, 4),
            has_education_partners=i % 4 == 0, has_international_cooperation=i % 7 == 0,
            co2e_cut_tonnes=Decimal(rnd.randrange(0, 50_000)) / 100 if climate else None,
            co2e_method=("Livsløpsanalyse" if i % 2 else "Energimåling") if climate else ""))
        for kind_ in rnd.sample(list(FinancingKind), rnd.randrange(1, 3)):
            financing.append(dict(application_id=app_id, kind=kind_,
                                  amount=rnd.randrange(10_000, 400_000, 1000)))
        if draft:
            continue
        for measure_id in rnd.sample(measures, rnd.randrange(1, 4)):
            confirmed.append(dict(application_id=app_id, measure_id=measure_id,
                                  confirmed_by_id=manager))
        if i % 10 == 9:
            continue  # not yet decided
        decided_on = call["closes_at"].date() + timedelta(days=70)
        base = dict(application_id=app_id, decided_by_id=manager, decided_on=decided_on,
                    meeting_id=call["id"], kdd_category=rnd.choice(["1310", "1110", None]))
        if state == ApplicationState.WITHDRAWN:
            decisions.append(dict(base, id=len(decisions) + 1, outcome=Outcome.WITHDRAWN,
                                  meeting_id=None, kdd_category=None))
            continue
        roll = rnd.random()
        outcome = (Outcome.GRANTED if roll < 0.4 else Outcome.PARTLY_GRANTED if roll < 0.5
                   else Outcome.REJECTED if roll < 0.9 else Outcome.DISMISSED)
        amount = (applied if outcome == Outcome.GRANTED else applied // 2
                  if outcome == Outcome.PARTLY_GRANTED else None)
        decision_kind = DecisionKind.ALLOCATION
        if i % 50 == 7:  # reversed on appeal: the first decision is kept, replaced
            decisions.append(dict(base, id=len(decisions) + 1, outcome=Outcome.REJECTED,
                                  replaced_at=now))
            outcome, amount = Outcome.GRANTED, applied
        elif amount and i % 100 == 13:  # reduced by a recovery vedtak
            decisions.append(dict(base, id=len(decisions) + 1, outcome=outcome, amount=amount,
                                  replaced_at=now))
            outcome, amount, decision_kind = Outcome.PARTLY_GRANTED, amount // 2, \
                DecisionKind.RECOVERY
        decision = dict(base, id=len(decisions) + 1, outcome=outcome, amount=amount,
                        kind=decision_kind, returned_amount=0, replaced_at=None)
        decisions.append(decision)
        if not amount or i % 20 == 19:
            continue  # no grant, or the letter is not yet sent
        roll = rnd.random()
        grant_state = (GrantState.LAPSED if roll < 0.1 else GrantState.OFFERED if roll < 0.2
                       else GrantState.ACCEPTED if roll < 0.6 else GrantState.COMPLETED)
        grant_id = len(grants) + 1
        grants.append(dict(id=grant_id, application_id=app_id, state=grant_state,
                           acceptance_deadline=decided_on + timedelta(days=28),
                           lapsed_at=now if grant_state == GrantState.LAPSED else None))
        if grant_state == GrantState.LAPSED:
            decision["returned_amount"] = amount
        paid_on = decided_on + timedelta(days=60)
        paid = 0
        if grant_state in (GrantState.ACCEPTED, GrantState.COMPLETED):
            advance = amount // 2
            payments.append(dict(grant_id=grant_id, number=1, state=PaymentState.PAID,
                                 amount_requested=advance, amount_approved=advance,
                                 amount_paid=advance, paid_on=paid_on))
            paid = advance
        if grant_state == GrantState.COMPLETED:
            rest = amount - paid - (amount // 10 if i % 3 == 0 else 0)
            payments.append(dict(grant_id=grant_id, number=2, is_final=True,
                                 state=PaymentState.PAID, amount_requested=rest,
                                 amount_approved=rest, amount_paid=rest,
                                 paid_on=paid_on + timedelta(days=300)))
            paid += rest
            decision["returned_amount"] = amount - paid
            reports.append(dict(
                grant_id=grant_id, state=FinalReportState.APPROVED,
                knowledge_jobs=rnd.randrange(0, 6), other_jobs=rnd.randrange(0, 4),
                co2e_tonnes=Decimal(rnd.randrange(0, 30_000)) / 100 if climate else None,
                co2e_method="Energimåling" if climate else "",
                has_education_partners=i % 5 == 0, has_international_cooperation=i % 9 == 0,
                funding_innovasjon_norge=rnd.choice([0, 100_000, None]),
                funding_forskningsradet=rnd.choice([0, 250_000, None]), funding_eu=None,
                funding_other=rnd.choice([0, 50_000])))
            if i % 8 == 5:
                repayments.append(dict(grant_id=grant_id, amount=paid // 10,
                                       received_on=paid_on + timedelta(days=400),
                                       recorded_by_id=manager))
        elif grant_state == GrantState.ACCEPTED and i % 3 == 0:
            reports.append(dict(grant_id=grant_id, state=FinalReportState.SUBMITTED))

    tables = [(Call, calls), (DecisionMeeting, meetings), (Organisation, organisations),
              (Application, applications), (FinancingLine, financing),
              (ConfirmedMeasure, confirmed), (Decision, decisions), (Grant, grants),
              (PaymentRequest, payments), (Repayment, repayments), (FinalReport, reports)]
    with db.engine.begin() as conn:
        for model, rows in tables:
            _insert(conn, model, rows)
        if conn.dialect.name == "postgresql":
            # explicit ids leave the sequences behind; and ANALYZE as autovacuum would
            for model, _ in tables:
                table = model.__table__
                if "id" in table.c:
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT max(id) FROM {table.name}))"))
            conn.execute(text("ANALYZE"))
    return {model.__tablename__: len(rows) for model, rows in tables}


# --- The bare aggregate SQL ---

BARE_SQL = """
WITH apps AS (
    SELECT a.id,
           CASE WHEN a.state = 'withdrawn' OR d.outcome = 'withdrawn' THEN 0 ELSE 1 END
               AS received,
           CASE WHEN d.outcome IN ('granted', 'partly_granted') AND d.amount > 0
                THEN d.amount ELSE 0 END AS granted
    FROM applications a
    JOIN calls c ON c.id = a.call_id
    LEFT JOIN decisions d ON d.application_id = a.id AND d.replaced_at IS NULL
    WHERE c.plan_id = :plan AND a.case_number IS NOT NULL {calls}
), confirmed AS (
    SELECT cm.application_id, cm.measure_id, m.strategy_id, s.area_id,
           apps.received, apps.granted
    FROM confirmed_measures cm
    JOIN apps ON apps.id = cm.application_id
    JOIN plan_measures m ON m.id = cm.measure_id
    JOIN plan_strategies s ON s.id = m.strategy_id
    JOIN plan_areas ar ON ar.id = s.area_id
    WHERE ar.plan_id = :plan
)
SELECT 3, measure_id, SUM(received), SUM(CASE WHEN granted > 0 THEN 1 ELSE 0 END),
       SUM(granted)
FROM confirmed GROUP BY measure_id
UNION ALL
SELECT 2, strategy_id, SUM(received), SUM(CASE WHEN granted > 0 THEN 1 ELSE 0 END),
       SUM(granted)
FROM (SELECT DISTINCT strategy_id, application_id, received, granted FROM confirmed) s
GROUP BY strategy_id
UNION ALL
SELECT 1, area_id, SUM(received), SUM(CASE WHEN granted > 0 THEN 1 ELSE 0 END),
       SUM(granted)
FROM (SELECT DISTINCT area_id, application_id, received, granted FROM confirmed) a
GROUP BY area_id
UNION ALL
SELECT 0, 0, SUM(received), SUM(CASE WHEN granted > 0 THEN 1 ELSE 0 END), SUM(granted)
FROM (SELECT DISTINCT application_id, received, granted FROM confirmed) t
"""


def bare_sql(plan_id: int, flt: CoverageFilter):
    """The bare query of the filter: (level, node) → (received, grants, granted)."""
    calls, params = "", {"plan": plan_id}
    if flt.years is not None:
        calls += " AND c.year IN :years"
        params["years"] = tuple(flt.years)
    if flt.call_id is not None:
        calls += " AND c.id = :call"
        params["call"] = flt.call_id
    query = text(BARE_SQL.format(calls=calls))
    if "years" in params:
        query = query.bindparams(bindparam("years", expanding=True))
    return {(int(level), int(node)): (int(received), int(grants), int(granted or 0))
            for level, node, received, grants, granted
            in db.session.execute(query, params)}


def check_equal(report, bare) -> None:
    """Every node's received, grants and granted as the report has them, from the bare
    SQL (absent there: all zero)."""
    nodes = [((0, 0), report.total)]
    nodes += [((1, a.id), a.figures) for a in report.areas]
    nodes += [((2, s.id), s.figures) for s in report.strategies]
    nodes += [((3, m.id), m.figures) for m in report.measures]
    for key, figures in nodes:
        expected = (figures.received, figures.grants, figures.granted)
        assert bare.get(key, (0, 0, 0)) == expected, (key, bare.get(key), expected)
    assert report.total.received > 0 and report.total.granted > 0


# --- Timing ---


def timed(function, repeat: int):
    """Median and p95 in ms over ``repeat`` runs after one warm-up, and the statements
    of one run (not counting BEGIN). Each run is in a transaction of its own, as in a
    request."""
    counter = {"n": 0}

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith("BEGIN"):
            counter["n"] += 1

    result = function()
    db.session.rollback()
    event.listen(db.engine, "before_cursor_execute", count)
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        timings.append((time.perf_counter() - start) * 1000)
        db.session.rollback()
    event.remove(db.engine, "before_cursor_execute", count)
    timings.sort()
    p95 = timings[min(len(timings) - 1, max(0, round(len(timings) * 0.95) - 1))]
    return result, statistics.median(timings), p95, counter["n"] / repeat


def run_case(plan, name: str, flt: CoverageFilter, size: int) -> None:
    bare, bare_ms, _, bare_stmts = timed(lambda: bare_sql(plan.id, flt), REPEAT)
    report, *cov = timed(lambda: coverage(plan, flt), REPEAT)
    check_equal(report, bare)
    _, *ext = timed(lambda: extras(plan, flt), REPEAT)
    _, *evl = timed(lambda: evaluation(plan, flt), REPEAT)
    for what, (median, p95, stmts) in (("coverage", cov), ("extras", ext),
                                       ("evaluation", evl)):
        print(f"{name:10} {size:>7} {what:10} {median:>10.1f} {p95:>8.1f} {bare_ms:>8.1f} "
              f"{median / bare_ms:>6.1f} {stmts:>6.0f}", flush=True)
    print(f"{name:10} {size:>7} {'bare SQL':10} {bare_ms:>10.1f} {'':>8} {bare_ms:>8.1f} "
          f"{1:>6.1f} {bare_stmts:>6.0f}", flush=True)


def bench_size(size: int, kind: str, databases: Databases) -> None:
    url = databases.new(kind)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            _bench_size(size, build(tmp, url))
    finally:
        databases.drop(url)


def _bench_size(size: int, app) -> None:
    """Populate and time the report against its bare SQL."""
    with app.app_context():
        start = time.perf_counter()
        counts = populate(size)
        dialect = db.engine.dialect.name
        if dialect == "postgresql":  # JIT compiles the report's big queries, or not
            dialect += " jit=" + db.session.execute(text("SHOW jit")).scalar()
            db.session.rollback()
        print(f"[{dialect}] N={size}: built in "
              f"{time.perf_counter() - start:.1f} s: "
              + ", ".join(f"{name} {n}" for name, n in counts.items() if n), flush=True)
        plan = db.session.scalar(select(PlanVersion))
        db.session.expunge(plan)  # loaded, as a view has it: not reloaded per run
        call_id = db.session.scalar(select(Call.id).where(Call.year == CASE_YEAR)
                                    .order_by(Call.id))
        print(f"{'case':10} {'N':>7} {'what':9} {'median ms':>10} {'p95 ms':>8} "
              f"{'bare ms':>8} {'ratio':>6} {'stmts':>6}")
        for name, flt in (("all", CoverageFilter()),
                          ("one year", CoverageFilter(years=(CASE_YEAR,))),
                          ("one call", CoverageFilter(call_id=call_id))):
            run_case(plan, name, flt, size)
        db.session.remove()
        db.engine.dispose()


def main():
    if foreign_database_url():
        print("DATABASE_URL is set and ignored: the benchmark uses databases of its own only")
        os.environ.pop("DATABASE_URL")  # create_app must not see it either
    databases = Databases(keep="--keep" in sys.argv)
    try:
        for kind in KINDS:
            for size in SIZES:
                bench_size(size, kind, databases)
    finally:
        databases.drop_all()


if __name__ == "__main__":
    main()
