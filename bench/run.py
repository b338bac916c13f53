"""``make bench``: the app and the floor under gunicorn, loaded by wrk (issue 14).

For each target (database kind and size) it makes a database of its own (PostgreSQL:
``bench_<random>`` on ``BENCH_PG``; SQLite: a temporary folder), migrates it, loads the
plan and generates the data with ``flask demo --applications N [--rush K]``, serves the
app (``fund:create_app()``) and the floor (``bench/floor.py``) with ``gunicorn -w 2``,
logs in over HTTP and loads each page with wrk in rounds alternating with the floor.
Then single timed requests for the PDFs, the workers' memory, and (where asked) the
deadline rush (``bench/rush.py``). It drops the databases it created at the end (unless
``--keep``) and writes ``bench/RESULTS.md`` and ``bench/results.json``.

``DATABASE_URL`` is ignored: the benchmark never touches a database it did not create.

Settings (environment):
  BENCH_SIZES      targets, e.g. ``postgresql:100000,postgresql:3500,postgresql:1500:rush``
  BENCH_DURATION   seconds per wrk run (default 2; a page slower than 2 s a request runs
                   with 2 connections, and longer)
  BENCH_ROUNDS     rounds per page (default 1; every page run sits between two floor runs)
  BENCH_RUSH       drafts in the rush (default 1000), BENCH_RUSH_WINDOW seconds (60),
                   BENCH_RUSH_CLIENTS (50), BENCH_RUSH_GRACE seconds of trying after the
                   deadline (10)
  BENCH_PG         the PostgreSQL server (its ``postgres`` database is used to create ours)
  BENCH_OUT        folder for RESULTS.md and results.json (default: bench/)
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import dbs, report, wrk  # noqa: E402
from bench import pages as page_defs  # noqa: E402
from bench import rush as rush_mod  # noqa: E402
from bench.client import CSRF, cookie_header, login  # noqa: E402
from bench.client import field as client_field  # noqa: E402
from bench.servers import ROOT, WORKERS, Server  # noqa: E402

PLAN = "fund/plan/data/handlingsplan-2022-2024.yaml"
PASSWORD = "fond-demo-2026"
USERS = {"caseworker": "saksbehandler@demo.no", "manager": "leder@demo.no"}
APP_PORT, FLOOR_PORT = int(os.environ.get("BENCH_PORT", "8371")), \
    int(os.environ.get("BENCH_PORT", "8371")) + 1
#: 3,500 applications make a biggest call of about 300 submitted: the innstilling's target.
DEFAULT_SIZES = "postgresql:100000,postgresql:3500,postgresql:1500:rush,sqlite:1500:rush"
QUICK_SIZES = "sqlite:60:rush"
HEAVY_SINGLE_S = 2.0  #: a page whose single request takes longer runs with 2 connections
TOO_SLOW_S = 5.0  #: and one slower than this is timed by single requests only

INSTANCE_CONFIG = """\
# Written by bench/run.py for the benchmark's own instance.
SESSION_COOKIE_SECURE = False  # plain http on loopback
REMEMBER_COOKIE_SECURE = False
TRUSTED_HOSTS = ["127.0.0.1", "localhost"]
MAIL_BACKEND = "file"
# A thousand logins from one address in a minute is the benchmark, not an attack.
LOGIN_MAX_FAILURES_PER_EMAIL_AND_CLIENT = 1000
LOGIN_MAX_FAILURES_PER_IP = 100000
LOGIN_MAX_FAILURES_PER_EMAIL = 100000
"""


@dataclass
class Target:
    kind: str  #: "postgresql" or "sqlite"
    size: int
    rush: bool

    @property
    def name(self) -> str:
        return f"{self.kind} {self.size:,}".replace(",", " ")


@dataclass
class Settings:
    targets: list[Target]
    duration: float
    rounds: int
    rush_size: int
    rush_window: float
    rush_clients: int
    rush_grace: float
    keep: bool
    out: Path
    quick: bool


def parse_targets(spec: str) -> list[Target]:
    """``kind:size[:rush]`` separated by commas; kind ``pg``/``postgresql``/``sqlite``."""
    targets = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        kind, size, *flags = item.split(":")
        kind = {"pg": "postgresql", "postgres": "postgresql"}.get(kind, kind)
        if kind not in ("postgresql", "sqlite"):
            raise SystemExit(f"BENCH_SIZES: unknown database {kind!r}")
        targets.append(Target(kind, int(size), "rush" in flags))
    return targets


def settings(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny data, 1 s runs, a small rush: proves the harness works")
    parser.add_argument("--keep", action="store_true", help="keep the databases made")
    parser.add_argument("--sizes", help="as BENCH_SIZES")
    parser.add_argument("--out", help="folder for RESULTS.md and results.json")
    args = parser.parse_args(argv)
    env = os.environ
    quick = args.quick
    return Settings(
        targets=parse_targets(args.sizes or env.get("BENCH_SIZES")
                              or (QUICK_SIZES if quick else DEFAULT_SIZES)),
        duration=float(env.get("BENCH_DURATION") or (1 if quick else 2)),
        rounds=int(env.get("BENCH_ROUNDS") or 1),
        rush_size=int(env.get("BENCH_RUSH") or (20 if quick else 1000)),
        rush_window=float(env.get("BENCH_RUSH_WINDOW") or (4 if quick else 60)),
        rush_clients=int(env.get("BENCH_RUSH_CLIENTS") or (10 if quick else 50)),
        rush_grace=float(env.get("BENCH_RUSH_GRACE") or (2 if quick else 10)),
        keep=args.keep, out=Path(args.out or env.get("BENCH_OUT") or Path(__file__).parent),
        quick=quick)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- One target's database and instance ---


def app_env(url: str, instance: Path) -> dict[str, str]:
    """The environment of the app's processes: our database and instance only."""
    env = dbs.clean_environment(dict(os.environ))
    env.update(DATABASE_URL=url, FUND_INSTANCE_PATH=str(instance),
               FUND_BASE_URL=f"http://127.0.0.1:{APP_PORT}", FUND_SECRET_KEY="bench-secret",
               FUND_TRUSTED_HOSTS="127.0.0.1 localhost", PYTHONUNBUFFERED="1")
    return env


def flask(env: dict[str, str], *args: str, timeout: float = 1800) -> str:
    """Run ``flask --app fund …`` in the benchmark's environment; its output."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "fund", *args], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def generator_available(env: dict[str, str]) -> bool:
    """Whether ``flask demo`` takes ``--applications`` (the generator of issue 14)."""
    return "--applications" in flask(env, "demo", "--help")


def prepare(target: Target, url: str, instance: Path, cfg: Settings, notes: list[str]) -> dict:
    """Migrate, load the plan and generate the data; the timings."""
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "config.py").write_text(INSTANCE_CONFIG)
    env = app_env(url, instance)
    timings = {}
    start = time.monotonic()
    flask(env, "db", "upgrade")
    flask(env, "plan", "load", PLAN)
    timings["migrate_s"] = round(time.monotonic() - start, 1)
    start = time.monotonic()
    if generator_available(env):
        args = ["demo", "--applications", str(target.size)]
        if target.rush:
            args += ["--rush", str(cfg.rush_size)]
        flask(env, *args)
    else:
        notes.append("`flask demo --applications` is missing: plain `flask demo` data, "
                     "no rush")
        flask(env, "demo")
        target.rush = False
    timings["generate_s"] = round(time.monotonic() - start, 1)
    if url.startswith("postgresql"):
        dbs_analyze(url)
    return timings


def dbs_analyze(url: str) -> None:
    """VACUUM ANALYZE, as autovacuum does after a bulk load: since PostgreSQL 13 it
    vacuums after inserts too, and the visibility map that sets lets an index-only scan
    skip the table (the ranking's own-assessment join reads two such indexes)."""
    from sqlalchemy import create_engine, text
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


# --- Measuring ---


def timed_gets(base: str, session: requests.Session | None, path: str,
               repeat: int) -> tuple[list[float], list[int]]:
    """``repeat`` sequential GETs; their times in ms and status codes."""
    times, codes = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            reply = (session or requests).get(base + path, timeout=120, allow_redirects=False)
            codes.append(reply.status_code)
        except requests.RequestException:
            codes.append(0)
        times.append((time.perf_counter() - start) * 1000)
    return times, codes


class FloorRuns:
    """The floor's runs in one target, in order; a page's ratio is to the median of the
    run just before it and the one just after (shared with the neighbouring pages)."""

    def __init__(self, floor: Server, duration: float):
        self.floor, self.duration = floor, duration
        self.runs: list[float] = []

    def run(self) -> float:
        self.runs.append(wrk.run(self.floor.base + "/", self.duration).requests_per_s)
        return self.runs[-1]

    def last(self) -> float:
        return self.runs[-1] if self.runs else self.run()


def warm_up(base: str, session: requests.Session | None, path: str
            ) -> tuple[list[float], list[int]]:
    """A request for each worker, all at once (a sync worker busy with one leaves the
    next to another, so each worker usually gets one): a worker's first request loads
    templates, and the coverage report is kept per process, so a worker left cold would
    have its first request timed."""
    cookies = dict(session.cookies) if session is not None else {}

    def one(_):
        with requests.Session() as own:
            own.cookies.update(cookies)
            return timed_gets(base, own, path, 1)
    with ThreadPoolExecutor(WORKERS) as pool:
        done = list(pool.map(one, range(WORKERS)))
    return [t for times, _ in done for t in times], [c for _, codes in done for c in codes]


def single_requests(app: Server, session, page: page_defs.Page
                    ) -> tuple[list[float], list, float]:
    """Warm-up requests, one to each worker (not timed as the page's service time; the
    slowest is reported as its first request), then ``page.repeat`` timed ones (one if the
    page is slow)."""
    warm, codes = warm_up(app.base, session, page.path)
    repeat = 1 if max(warm) > 3000 else page.repeat
    times, more = timed_gets(app.base, session, page.path, repeat)
    return times, codes + more, max(warm)


def measure_page(page: page_defs.Page, app: Server, floors: FloorRuns,
                 sessions: dict, cfg: Settings) -> dict:
    """Single requests first (service time, and a check that the page answers 200), then
    wrk rounds, each between two floor runs."""
    session = sessions.get(page.user)
    singles, codes, first_ms = single_requests(app, session, page)
    single_ms = statistics.median(singles)
    heavy = single_ms / 1000 > HEAVY_SINGLE_S
    result = {"key": page.key, "label": page.label, "path": page.path, "user": page.user,
              "single_ms": round(single_ms, 1), "first_ms": round(first_ms, 1),
              "single_status": sorted(set(codes)), "target": page.target}
    if any(code != 200 for code in codes):
        result["error"] = f"HTTP {sorted(set(codes))}"
    if not page.wrk or result.get("error"):
        return result
    if single_ms / 1000 > TOO_SLOW_S:
        result["too_slow"] = True  # wrk would finish next to no requests in a short run
        return result
    connections = 2 if heavy else 16
    # 16 connections on 2 workers: the first wave alone takes 8 requests' time
    duration = max(cfg.duration, (3 if heavy else 10) * single_ms / 1000)
    cookie = cookie_header(session) if session else None
    around, runs = [floors.last()], []
    for _ in range(cfg.rounds):
        runs.append(wrk.run(app.base + page.path, duration, connections=connections,
                            threads=min(2, connections), cookie=cookie))
        if not app.wait_idle():
            log(f"{page.key}: the app stayed busy; restarting it")
            app.restart("/healthz")
            result["restarted"] = True
        around.append(floors.run())
    rates = [r.requests_per_s for r in runs]
    ratios = [r.requests_per_s / statistics.median(around[i:i + 2])
              for i, r in enumerate(runs) if statistics.median(around[i:i + 2])]
    result.update(
        connections=connections, duration_s=duration,
        rps=round(statistics.median(rates), 1),
        p50_ms=_median([r.p50_ms for r in runs]), p99_ms=_median([r.p99_ms for r in runs]),
        floor_rps=round(statistics.median(around), 1),
        ratio=round(statistics.median(ratios), 3) if ratios else None,
        errors=sum(r.errors for r in runs), non_2xx=sum(r.non_2xx for r in runs),
        floor_runs=[round(x, 1) for x in around], runs=[r.as_dict() for r in runs])
    return result


def _median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 1) if values else None


def judge(result: dict) -> bool | None:
    """Whether a page met its target (None: no target)."""
    target = result.get("target")
    if result.get("error"):
        return False
    if not target:
        return None
    kind, bound = target
    if kind == "ratio":
        if result.get("too_slow"):
            return False
        if result.get("ratio") is None:
            return False
        return result["ratio"] >= bound and not result.get("errors") \
            and not result.get("non_2xx")
    if kind == "p50":
        return result["single_ms"] <= bound
    return result.get("max_ms", result["single_ms"]) <= bound


#: How long the benchmark waits for an export made in the background.
JOB_TIMEOUT_S = float(os.environ.get("BENCH_JOB_TIMEOUT") or 240)
_JOB_START = re.compile(r'<form method="post" action="([^"]+)" id="export-start">')


def measure_job(page: page_defs.Page, app: Server, session, start_page: str) -> dict:
    """An export the app makes in the background (too long for the request): press «Lag
    filen» as a browser does, follow the job page until the file is ready, and download
    it. ``single_ms`` is the press's answer (what the person waits for in a request),
    ``max_ms`` the time until the file was downloaded."""
    result = {"key": page.key, "label": page.label, "path": page.path, "user": page.user,
              "target": page.target, "job": True}
    action, token = _JOB_START.search(start_page), client_field(CSRF, start_page)
    if action is None or token is None:
        return {**result, "single_ms": 0, "max_ms": 0, "error": "no «Lag filen» form"}
    began = time.perf_counter()
    reply = session.post(app.base + action[1], data={"csrf_token": token},
                         allow_redirects=False, timeout=120)
    answered = (time.perf_counter() - began) * 1000
    result["single_ms"] = round(answered, 1)
    location = reply.headers.get("Location", "")
    if reply.status_code not in (302, 303) or "/eksport/jobb/" not in location:
        return {**result, "max_ms": round(answered, 1),
                "error": f"HTTP {reply.status_code} on «Lag filen»"}
    job_url = location if location.startswith("http") else app.base + location
    state, download = "timeout", None
    while time.perf_counter() - began < JOB_TIMEOUT_S:
        html = session.get(job_url, timeout=120).text
        found = re.search(r'id="export-download" href="([^"]+)"', html)
        if found:
            state, download = "done", found[1]
            break
        if 'id="export-failed"' in html:
            state = "failed"
            break
        time.sleep(0.5)
    if download:
        data = session.get(app.base + download.replace("&amp;", "&"), timeout=300)
        if data.status_code != 200 or not data.content.startswith(b"%PDF"):
            state = f"download HTTP {data.status_code}"
    result["max_ms"] = round((time.perf_counter() - began) * 1000, 1)
    result["single_status"] = [reply.status_code]
    if state != "done":
        result["error"] = f"job {state}"
    return result


def measure_pdf(page: page_defs.Page, app: Server, sessions: dict) -> dict:
    """Single timed requests (the first one is timed too: an export is asked for once);
    an export the app makes in the background is timed as a job (``measure_job``)."""
    session = sessions.get(page.user)
    began = time.perf_counter()
    try:
        first = (session or requests).get(app.base + page.path, timeout=120,
                                          allow_redirects=False)
    except requests.RequestException:
        first = None
    first_ms = (time.perf_counter() - began) * 1000
    if first is not None and first.status_code == 200 and 'id="export-start"' in first.text:
        return measure_job(page, app, session, first.text)
    times, codes = timed_gets(app.base, session, page.path, page.repeat - 1)
    times, codes = [first_ms, *times], [first.status_code if first is not None else 0, *codes]
    result = {"key": page.key, "label": page.label, "path": page.path, "user": page.user,
              "single_ms": round(statistics.median(times), 1),
              "max_ms": round(max(times), 1), "single_status": sorted(set(codes)),
              "target": page.target}
    if any(code != 200 for code in codes):
        result["error"] = f"HTTP {sorted(set(codes))}"
    return result


def bare_coverage_ms(url: str, plan_id: int | None) -> float | None:
    """The coverage report's bare aggregate SQL (bench/coverage_report.py), median of 3."""
    if plan_id is None:
        return None
    from sqlalchemy import create_engine, text

    from bench.coverage_report import BARE_SQL
    engine = create_engine(url, connect_args={"options": "-c jit=off"}
                           if url.startswith("postgresql") else {})
    times = []
    with engine.connect() as conn:
        for _ in range(4):
            start = time.perf_counter()
            conn.execute(text(BARE_SQL.format(calls="")), {"plan": plan_id}).all()
            times.append((time.perf_counter() - start) * 1000)
    engine.dispose()
    return round(statistics.median(times[1:]), 1)


# --- One target from start to end ---


def bench_target(target: Target, cfg: Settings, databases: dbs.Databases,
                 workdir: Path) -> dict:
    notes: list[str] = []
    url = databases.new(target.kind)
    instance = workdir / f"instance-{target.kind}-{target.size}"
    log(f"{target.name}: database {url.rsplit('/', 1)[-1]}; generating")
    run = {"database": target.kind, "size": target.size, "notes": notes}
    app = floor = None
    try:
        run.update(prepare(target, url, instance, cfg, notes))
        log(f"{target.name}: ready (migrate {run['migrate_s']} s, "
            f"generate {run['generate_s']} s)")
        f = page_defs.facts(url)
        run["facts"] = f.__dict__
        env = app_env(url, instance)
        app = Server("app", "fund:create_app()", APP_PORT, env, workdir)
        floor = Server("floor", "bench.floor:app", FLOOR_PORT,
                       {**env, "BENCH_FLOOR_DATABASE_URL": url}, workdir)
        app.start("/healthz")
        floor.start("/")
        sessions = {role: login(app.base, email, PASSWORD) for role, email in USERS.items()}
        sessions["applicant"] = login(app.base, f.applicant, PASSWORD)
        deep = page_defs.last_queue_page(url)
        # the last page as a caseworker reaches it: «Neste side» on the page before
        deep_path = page_defs.next_link(app.base, sessions["caseworker"],
                                        f"/saksbehandling/soknader?side={deep - 1}") \
            if deep > 1 else None
        form = page_defs.first_ok(app.base, sessions["applicant"],
                                  [f"/soknader/{i}" for i in f.drafts])
        if form is None:
            notes.append("no editable draft of the applicant: the form page is left out")
        run["pages"] = []
        floors = FloorRuns(floor, cfg.duration)
        for page in page_defs.pages(f, deep, form, quick=cfg.quick, deep_path=deep_path):
            result = measure_page(page, app, floors, sessions, cfg)
            result["pass"] = judge(result)
            run["pages"].append(result)
            log(report.page_line(result))
        coverage = next((p for p in run["pages"] if p["key"] == "coverage"), None)
        if coverage:
            coverage["bare_sql_ms"] = bare_coverage_ms(url, f.plan_id)
            if coverage["bare_sql_ms"] and coverage["pass"] is not None:
                coverage["pass"] = coverage["pass"] and \
                    coverage["single_ms"] <= 3 * coverage["bare_sql_ms"]
        run["floor_runs"] = [round(x, 1) for x in floors.runs]
        run["floor_median"] = round(statistics.median(floors.runs), 1) if floors.runs else None
        run["rss_mb"] = [round(x) for x in app.worker_rss_mb()]
        log(f"{target.name}: worker RSS after the load {run['rss_mb']} MB")
        run["pdfs"] = []
        for page in page_defs.pdfs(f, quick=cfg.quick):
            result = measure_pdf(page, app, sessions)
            result["pass"] = judge(result)
            run["pdfs"].append(result)
            log(report.page_line(result))
        run["rss_after_pdfs_mb"] = [round(x) for x in app.worker_rss_mb()]
        if target.rush:
            app.restart("/healthz")  # a fresh start, as before a deadline
            run["rush"] = rush_mod.rush(app.base, url, cfg.rush_window, cfg.rush_clients,
                                        PASSWORD, log, grace=cfg.rush_grace)
        return run
    except Exception as exc:  # keep going with the next target, and say what failed
        log(f"{target.name}: FAILED: {exc}")
        run["failed"] = str(exc)
        return run
    finally:
        for server in (app, floor):
            if server:
                server.stop()
        databases.drop(url)


def main(argv: list[str] | None = None) -> dict:
    cfg = settings(argv)
    if not wrk.available():
        raise SystemExit("wrk is missing: `make system-deps` (Debian package wrk)")
    foreign = dbs.foreign_database_url()
    if foreign:
        log("DATABASE_URL is set and ignored: the benchmark uses databases of its own only")
    started = time.monotonic()
    databases = dbs.Databases(keep=cfg.keep)
    results = {"started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "machine": report.machine(databases.pg_server),
               "settings": {"duration_s": cfg.duration, "rounds": cfg.rounds,
                            "rush": cfg.rush_size, "rush_window_s": cfg.rush_window,
                            "rush_clients": cfg.rush_clients, "rush_grace_s": cfg.rush_grace,
                            "quick": cfg.quick,
                            "database_url_ignored": bool(foreign)},
               "runs": []}
    try:
        with tempfile.TemporaryDirectory(prefix="bench_run_") as workdir:
            for target in cfg.targets:
                results["runs"].append(bench_target(target, cfg, databases, Path(workdir)))
    finally:
        left = databases.drop_all()
        if left:
            log(f"kept (--keep): {', '.join(left)}")
    results["wall_s"] = round(time.monotonic() - started)
    cfg.out.mkdir(parents=True, exist_ok=True)
    (cfg.out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False,
                                                     default=str) + "\n")
    markdown = report.markdown(results)
    (cfg.out / "RESULTS.md").write_text(markdown)
    print(markdown)
    return results


if __name__ == "__main__":
    main()
