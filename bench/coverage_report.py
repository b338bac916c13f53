"""Benchmark: the plan-coverage report (``coverage``, ``extras``, ``evaluation``) against its bare
aggregate SQL, for N applications.

Run with `make bench-coverage`. For each database in BENCH_COVERAGE_DATABASES (default
``postgresql``; also ``sqlite``) and each size in BENCH_COVERAGE_SIZES it makes a database of
its own (PostgreSQL: ``bench_<random>`` on BENCH_PG, dropped afterwards; SQLite: a temporary
folder; ``DATABASE_URL`` is ignored, see bench/dbs.py) with the real migrations and the plan,
adds N applications with ``fund.demo_bulk.generate`` (what ``flask demo --applications N``
adds: calls over several years in both funds, organisations, confirmed measures, current and
replaced decisions, grants, payments, repayments, final reports, financing lines), then
times, for no filter, one year and one call:

- ``coverage(plan, flt)``, ``extras(plan, flt)`` and ``evaluation(plan, flt)``: median and p95 of
  BENCH_COVERAGE_REPEAT runs after one warm-up, and the SQL statements one run sends;
- ``report_parts`` as the page and the files call it: the whole selection (the three above)
  computed from the live rows (``live``: what the first request after a change pays), and
  as stored for this state of the data (``stored``: every other request; the state of the
  change marks is read each time);
- the bare aggregate SQL: one hand-written query for the per-area/strategy/measure and
  total counts and sums: the filtered applications with their current decision's amount,
  joined to their confirmed measures, then each level aggregated over its distinct
  (node, application) pairs (a measure's pairs are distinct by the primary key). Every
  node's received, grants and granted from it are asserted equal to the report's, so
  the two compute the same thing.

Prints a table: case, N, what, median ms, p95 ms, bare SQL ms, ratio, statements.
"""

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import bindparam, event, select, text  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from bench.dbs import Databases, foreign_database_url  # noqa: E402
from fund import create_app  # noqa: E402
from fund.auth.demo import DEMO_USERS  # noqa: E402
from fund.auth.models import User  # noqa: E402
from fund.calls.models import Call  # noqa: E402
from fund.core.roles import Role  # noqa: E402
from fund.demo_bulk import generate  # noqa: E402
from fund.extensions import db  # noqa: E402
from fund.plan.loader import DATA_DIR, load_plan, read_plan_file  # noqa: E402
from fund.plan.models import PlanVersion  # noqa: E402
from fund.reports.coverage import CoverageFilter, coverage  # noqa: E402
from fund.reports.evaluation import evaluation  # noqa: E402
from fund.reports.extras import extras  # noqa: E402
from fund.reports.selection import parse_selection, report_parts  # noqa: E402

SIZES = [int(n) for n in os.environ.get("BENCH_COVERAGE_SIZES", "1000,100000").split(",")]
KINDS = os.environ.get("BENCH_COVERAGE_DATABASES", "postgresql").replace(" ", "").split(",")
REPEAT = int(os.environ.get("BENCH_COVERAGE_REPEAT", "7"))
CASE_YEAR = datetime.now(UTC).year - 2  #: a decided year of the generated calls


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
        for email, name, role in DEMO_USERS:  # the demo's staff, whom the generator needs
            if role in (Role.CASEWORKER, Role.MANAGER):
                user = User(email=email, name=name, role=role, is_demo=True,
                            email_verified_at=datetime.now(UTC))
                user.set_password("bench-password-123")
                db.session.add(user)
        db.session.commit()
    return app


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
    args = MultiDict([("aar", str(year)) for year in flt.years or ()])
    if flt.call_id is not None:
        args["utlysning"] = str(flt.call_id)
    selection = parse_selection(args)
    assert selection.filter == flt and selection.plan_ids == [plan.id]
    _, *live = timed(lambda: report_parts(selection, live=True), REPEAT)
    parts, *kept = timed(lambda: report_parts(selection), REPEAT)
    assert parts == report_parts(selection, live=True)
    for what, (median, p95, stmts) in (("coverage", cov), ("extras", ext),
                                       ("evaluation", evl), ("live", live),
                                       ("stored", kept)):
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
        with app.test_request_context():
            counts = generate(size)
        db.session.commit()
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
        with app.test_request_context():
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
