"""Benchmark: time and SQL statements per page as the number of calls and applications grows.

Run with `make bench`. Builds a throwaway SQLite database (or uses DATABASE_URL),
runs the real migrations, loads the plan, creates N calls, and requests each page
REPEAT times. Prints a table: page, N, median ms, p95 ms, queries per request.
"""

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, select, text  # noqa: E402

from fund import create_app  # noqa: E402
from fund.applications.models import (  # noqa: E402
    Application,
    ApplicationState,
    CostCategory,
    CostLine,
)
from fund.auth.models import Membership, Organisation, User  # noqa: E402
from fund.calls.models import Call, Fund  # noqa: E402
from fund.calls.operations import create_call  # noqa: E402
from fund.core.roles import Role
from fund.extensions import db  # noqa: E402
from fund.plan.loader import DATA_DIR, load_plan, read_plan_file  # noqa: E402

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10,300").split(",")]
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
PAGES = ["/", "/plan/", "/utlysninger/1", "/forvaltning/utlysninger", "/healthz",
         "/saksbehandling/soknader", "/saksbehandling/utlysninger/1/rangering"]
APPLICANT_PAGES = ["/soknader", "/soknader/1"]


def build(tmp: str):
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
    os.environ["FUND_INSTANCE_PATH"] = tmp
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False,
                      "MAIL_BACKEND": "file", "TRUSTED_HOSTS": ["localhost"]})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        plan, _ = load_plan(read_plan_file(DATA_DIR / "handlingsplan-2022-2024.yaml"))
        manager = User(email="bench@example.no", name="Bench", role=Role.MANAGER,
                       email_verified_at=datetime.now(UTC))
        manager.set_password("bench-password-123")
        applicant = User(email="soker@example.no", name="Søker", role=Role.APPLICANT,
                         email_verified_at=datetime.now(UTC))
        applicant.set_password("bench-password-123")
        db.session.add_all([manager, applicant,
                            Organisation(orgnr="912345688", name="Bench AS",
                                         memberships=[Membership(user=applicant)])])
        db.session.commit()
    return app


def add_calls(app, total: int) -> None:
    with app.app_context():
        plan_id = db.session.execute(text("SELECT id FROM plan_versions")).scalar()
        from fund.plan.models import PlanVersion
        plan = db.session.get(PlanVersion, plan_id)
        have = db.session.scalar(select(db.func.count()).select_from(Call))
        now = datetime.now(UTC).replace(microsecond=0)
        for i in range(have, total):
            create_call(fund=Fund.KLIMAFOND if i % 2 else Fund.NAERINGSFOND, year=2020 + i % 10,
                        title=f"Utlysning {i}", opens_at=now + timedelta(days=(i % 40) - 20),
                        closes_at=now + timedelta(days=(i % 40) + 10), budget=1_000_000,
                        max_grant=200_000, max_share_percent=50, plan=plan)
        db.session.commit()
        add_applications(total)


def add_applications(total: int) -> None:
    """As many applications as calls, half of them submitted, all from one organisation."""
    organisation = db.session.scalars(select(Organisation)).one()
    applicant = organisation.memberships[0].user
    call = db.session.get(Call, 1)
    have = db.session.scalar(select(db.func.count()).select_from(Application))
    for i in range(have, total):
        db.session.add(Application(
            call=call, organisation=organisation, created_by=applicant, title=f"Søknad {i}",
            cost_lines=[CostLine(category=CostCategory.SERVICES, amount=100_000)],
            state=ApplicationState.SUBMITTED if i % 2 else ApplicationState.DRAFT,
            case_number=f"NF-2099-{i:05d}" if i % 2 else None,
            submitted_at=datetime.now(UTC) if i % 2 else None))
    db.session.commit()


def measure(app, client, path):
    counter = {"n": 0}

    def count(*args):
        counter["n"] += 1

    with app.app_context():
        engine = db.engine
    client.get(path)  # warm-up
    event.listen(engine, "before_cursor_execute", count)
    timings = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    event.remove(engine, "before_cursor_execute", count)
    timings.sort()
    return (statistics.median(timings), timings[int(len(timings) * 0.95) - 1],
            counter["n"] / REPEAT)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        app = build(tmp)
        clients = {}
        for email in ("bench@example.no", "soker@example.no"):
            clients[email] = app.test_client()
            clients[email].post("/logg-inn", data={"email": email,
                                                   "password": "bench-password-123"})
        print(f"{'page':28} {'rows':>6} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        for size in SIZES:
            add_calls(app, size)
            for email, paths in (("bench@example.no", PAGES),
                                 ("soker@example.no", APPLICANT_PAGES)):
                for path in paths:
                    median, p95, queries = measure(app, clients[email], path)
                    print(f"{path:28} {size:>6} {median:>10.1f} {p95:>8.1f} {queries:>8.1f}")


if __name__ == "__main__":
    main()
