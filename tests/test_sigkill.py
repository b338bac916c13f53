"""A worker killed with SIGKILL in the middle of uploads and submissions leaves a
consistent database and, once ``flask files reconcile`` has run, a consistent set of
stored files.

The app runs as a real process (``flask run``) on a database of its own (SQLite file,
or ``<test database>_kill`` on PostgreSQL). Applicants upload an attachment to a
complete draft and submit it; the process is killed

- at fixed points, held there by a pause the test's own instance ``config.py`` adds (no
  test code in the app): inside the upload's transaction after the file is written,
  after the upload's commit before its file is moved into place, and inside the
  submission's transaction after everything is written but before the commit;
- at random moments in a stream of such requests from several browsers.

After each kill: the database passes its own checks (SQLite integrity_check and
foreign_key_check; every foreign key on either database), each application is either a
draft (no number, no submission, no receipt, no audit entry of one) or submitted with
all of them, the case number counter has no gaps or duplicates, and after reconcile
every stored name has its file and every file its row, with nothing pending.
"""

import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from fund import create_app
from fund.extensions import db as _db
from fund.plan.loader import DATA_DIR, load_plan, read_plan_file
from tests.helpers import (
    PASSWORD,
    browser_form,
    make_application,
    make_call,
    make_organisation,
    make_user,
)
from tests.served import served_database_url

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
ROOT = Path(__file__).resolve().parent.parent

#: The instance's config.py: settings for plain HTTP on loopback, and the pause at the
#: point named by FUND_KILL_POINT (the marker file tells the test it is there).
INSTANCE_CONFIG = '''
SECRET_KEY = "kill-secret"
SESSION_COOKIE_SECURE = False
REMEMBER_COOKIE_SECURE = False
TRUSTED_HOSTS = ["127.0.0.1"]
MAIL_BACKEND = "file"
PROXY_COUNT = 1

import os as _os, time as _time

_point = _os.environ.get("FUND_KILL_POINT")


def _pause(point):
    open(_os.path.join(_os.environ["FUND_INSTANCE_PATH"], "paused-" + point), "w").close()
    _time.sleep(300)


if _point == "submit":
    from fund.core.signals import application_submitted as _submitted

    def _pause_in_submit(sender, **kwargs):
        _pause("submit")

    _submitted.connect(_pause_in_submit, weak=False)
elif _point == "upload":
    import fund.core.files as _files

    _stage = _files.stage

    def _stage_then_pause(folder, name, session=None):
        _stage(folder, name, session)
        if folder.name == "uploads":
            _pause("upload")

    _files.stage = _stage_then_pause
elif _point == "move":
    from sqlalchemy import event as _event
    from sqlalchemy.orm import Session as _Session

    def _pause_before_move(session):
        if session.info.get("core.files.staged"):
            _pause("move")

    _event.listen(_Session, "after_commit", _pause_before_move, insert=True)
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class World:
    """The database and instance the killed process runs on, and its applicants."""

    def __init__(self, tmp_path):
        self.instance = tmp_path / "instance"
        self.instance.mkdir()
        (self.instance / "config.py").write_text(INSTANCE_CONFIG)
        self.url = served_database_url(tmp_path, "kill")
        previous = os.environ.get("FUND_INSTANCE_PATH")
        os.environ["FUND_INSTANCE_PATH"] = str(self.instance)
        try:
            self.app = create_app({"SQLALCHEMY_DATABASE_URI": self.url,
                                   "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        finally:
            if previous is None:
                os.environ.pop("FUND_INSTANCE_PATH", None)
            else:
                os.environ["FUND_INSTANCE_PATH"] = previous
        self.applicants: list[tuple[str, list[int]]] = []
        with self.app.app_context():
            upgrade()
            load_plan(read_plan_file(DATA_DIR / "handlingsplan-2022-2024.yaml"))
            self.call_id = make_call().id
            _db.session.commit()
            _db.session.remove()
        self.engine = create_engine(self.url)
        self.dialect = self.engine.dialect.name
        self._users = 0

    def applicant(self, drafts: int) -> tuple[str, list[int]]:
        """A new applicant with an organisation of their own and complete drafts."""
        self._users += 1
        email = f"soker{self._users}@example.no"
        with self.app.app_context():
            user = make_user(email)
            org = make_organisation(user, orgnr=_orgnr(self._users),
                                    name=f"Bedrift {self._users} AS")
            from fund.calls.models import Call
            call = _db.session.get(Call, self.call_id)
            ids = [make_application(call, org, user, title=f"Prosjekt {self._users}-{n}").id
                   for n in range(drafts)]
            _db.session.commit()
            _db.session.remove()
        return email, ids

    def env(self, port: int, point: str | None) -> dict:
        env = {**os.environ, "FUND_INSTANCE_PATH": str(self.instance),
               "DATABASE_URL": self.url, "FUND_BASE_URL": f"http://127.0.0.1:{port}",
               "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("FUND_KILL_POINT", None)
        if point:
            env["FUND_KILL_POINT"] = point
        return env

    def start(self, point: str | None) -> tuple[subprocess.Popen, str]:
        port = free_port()
        log = open(self.instance / "server.log", "ab")  # noqa: SIM115 - the process's
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "fund", "run", "--port", str(port),
             "--no-reload", "--no-debugger", "--with-threads"],
            cwd=ROOT, env=self.env(port, point), stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(base + "/logg-inn", timeout=5).status_code == 200:
                    return process, base
            except requests.ConnectionError:
                time.sleep(0.2)
        process.kill()
        raise AssertionError("the app did not start: " +
                             (self.instance / "server.log").read_text()[-3000:])

    def reconcile(self) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "fund", "files", "reconcile",
             "--max-age", "0"], cwd=ROOT, env=self.env(0, None), capture_output=True,
            text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


def _orgnr(n: int) -> str:
    """A valid org.nr (mod 11) for the n-th organisation."""
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    base = 91000000 + n * 7
    while True:
        digits = [int(d) for d in str(base)]
        rest = 11 - sum(w * d for w, d in zip(weights, digits, strict=True)) % 11
        if rest == 11:
            rest = 0
        if rest != 10:
            return f"{base}{rest}"
        base += 1


class Applicant(requests.Session):
    def __init__(self, base: str, email: str, address: int, done: list | None = None):
        super().__init__()
        self.base, self.done = base, None
        self.headers["X-Forwarded-For"] = f"10.9.{address % 250}.1"
        page = self.get("/logg-inn").text
        response = self.post("/logg-inn", data={"csrf_token": _csrf(page), "email": email,
                                                "password": PASSWORD})
        assert response.status_code == 302, response.text[:500]
        self.done = done  # from now on, each answer is counted

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 120)
        response = super().request(method, self.base + url, *args, **kwargs)
        if self.done is not None:
            self.done.append(method)
        return response

    def upload_and_submit(self, application_id: int) -> None:
        path = f"/soknader/{application_id}"
        fields = browser_form(self.get(path).text, "application-form")
        fields["save"] = "1"
        response = self.post(path, data=fields, files={"files": ("budsjett.pdf", PDF)})
        assert response.status_code == 302, response.text[:500]
        page = self.get(f"{path}/send-inn").text
        version = re.search(r'name="version"[^>]*value="([^"]*)"', page).group(1)
        response = self.post(f"{path}/send-inn", data={
            "csrf_token": _csrf(page), "version": version, "reply": "", "confirm": "y"})
        assert response.status_code == 302, response.text[:500]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def run_until_killed(world: World, point: str | None, browsers: int, drafts: int,
                     rng: random.Random) -> int:
    """Start the app, let ``browsers`` applicants upload and submit ``drafts`` drafts
    each, and SIGKILL the app at ``point`` (or at a random moment in the stream: after
    a random number of answers, and a random fraction of a second more). Returns how
    many answers had come."""
    people = [world.applicant(drafts) for _ in range(browsers)]
    process, base = world.start(point)
    marker = world.instance / f"paused-{point}"
    marker.unlink(missing_ok=True)
    try:
        done: list[str] = []
        clients = [(Applicant(base, email, rng.randrange(10**6), done), ids)
                   for email, ids in people]

        errors = []

        def work(client, ids):
            for application_id in ids:
                try:
                    client.upload_and_submit(application_id)
                except requests.RequestException:
                    return  # the server is gone
                except (AttributeError, AssertionError) as exc:
                    if process.poll() is None:  # not half a page from a dying server
                        errors.append(exc)
                    return

        threads = [threading.Thread(target=work, args=c, daemon=True) for c in clients]
        for thread in threads:
            thread.start()
        if point:
            deadline = time.monotonic() + 120
            while not marker.exists():
                assert time.monotonic() < deadline, "the pause was never reached"
                assert process.poll() is None
                assert not errors, errors
                assert any(t.is_alive() for t in threads), "the pause was never reached"
                time.sleep(0.02)
            time.sleep(rng.uniform(0, 0.3))  # other requests run on meanwhile
        else:
            answers = rng.randrange(1, 4 * browsers * drafts)  # 4 requests a draft
            deadline = time.monotonic() + 120
            while len(done) < answers and any(t.is_alive() for t in threads):
                assert time.monotonic() < deadline and not errors, errors
                time.sleep(0.01)
            time.sleep(rng.uniform(0, 0.4))
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    for thread in threads:
        thread.join(timeout=150)
    marker.unlink(missing_ok=True)
    return len(done)


def check(world: World, twice: bool = False) -> dict:
    """Everything the killed process left must hold together; the counts found."""
    with world.engine.connect() as db:
        if world.dialect == "sqlite":
            assert db.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert db.execute(text("PRAGMA foreign_key_check")).all() == []
        for table in _db.metadata.sorted_tables:
            for key in table.foreign_key_constraints:
                local = [c.name for c in key.columns]
                remote = key.referred_table.name
                remote_cols = [e.column.name for e in key.elements]
                joined = " AND ".join(f"r.{rc} = t.{lc}"
                                      for lc, rc in zip(local, remote_cols, strict=True))
                present = " AND ".join(f"t.{lc} IS NOT NULL" for lc in local)
                orphans = db.execute(text(
                    f"SELECT count(*) FROM {table.name} t WHERE {present} AND NOT EXISTS "
                    f"(SELECT 1 FROM {remote} r WHERE {joined})")).scalar()
                assert orphans == 0, f"{table.name}.{local} → {remote}: {orphans}"

        apps = db.execute(text(
            "SELECT id, state, case_number, submitted_at FROM applications")).all()
        submissions = Counter(r[0] for r in db.execute(text(
            "SELECT application_id FROM submissions WHERE snapshot IS NOT NULL")).all())
        empty = db.execute(text("SELECT count(*) FROM submissions WHERE snapshot IS NULL"
                                )).scalar()
        assert empty == 0
        audited = Counter(r[0] for r in db.execute(text(
            "SELECT object_id FROM audit_events WHERE action = 'application.submitted'")).all())
        receipts = Counter(r[0] for r in db.execute(text(
            "SELECT subject FROM outbox_messages WHERE subject LIKE 'Kvittering:%'")).all())
        attachments = Counter(r[0] for r in db.execute(text(
            "SELECT application_id FROM attachments")).all())
        attach_audited = Counter(r[0] for r in db.execute(text(
            "SELECT object_id FROM audit_events "
            "WHERE action = 'application.attachment_added'")).all())
        numbers = [row.case_number for row in apps if row.case_number]
        assert len(numbers) == len(set(numbers))
        counted = {prefix: last for prefix, last in db.execute(text(
            "SELECT prefix, last_number FROM case_number_counters")).all()}
        names = [r[0] for r in db.execute(text("SELECT stored_name FROM attachments")).all()]

    states = Counter()
    for row in apps:
        states[row.state] += 1
        if row.state == "draft":
            assert row.case_number is None and row.submitted_at is None, row
            assert submissions[row.id] == 0 and audited[row.id] == 0, row
        else:
            assert row.state == "submitted", row
            assert row.case_number and row.submitted_at, row
            assert submissions[row.id] == 1 and audited[row.id] == 1, row
            assert sum(n for s, n in receipts.items() if row.case_number in s) == 1, row
            assert attachments[row.id] == 1, row  # uploaded before it was submitted
        assert attachments[row.id] == attach_audited[row.id], row
    # the counter moved with the submissions: no number lost, none given twice
    for prefix, last in counted.items():
        given = sorted(int(n.removeprefix(prefix)) for n in numbers if n.startswith(prefix))
        assert given == list(range(1, last + 1)), (prefix, given, last)
    assert sum(receipts.values()) == len(numbers)

    output = world.reconcile()
    uploads = world.instance / "uploads"
    present = sorted(os.listdir(uploads)) if uploads.is_dir() else []
    assert present == sorted(names), output  # no file missing, none orphaned, none pending
    if twice:  # reconcile is idempotent
        assert "0 flyttet, 0 fjernet, 0 mangler." in world.reconcile()
    moved = len(re.findall(r"^Flyttet på plass", output, re.M))
    removed = len(re.findall(r"^Fjernet", output, re.M))
    return {"draft": states["draft"], "submitted": states["submitted"],
            "attachments": len(names), "moved": moved, "removed": removed}


def test_a_worker_killed_mid_submission_leaves_everything_consistent(tmp_path):
    world = World(tmp_path)
    rng = random.Random(os.environ.get("FUND_KILL_SEED", "13"))
    log = []
    points = ("upload", "move", "submit", None, None)
    for number, point in enumerate(points, start=1):
        answered = run_until_killed(world, point, browsers=3, drafts=2, rng=rng)
        found = check(world, twice=number == len(points))
        log.append((point or "random", {"answers": answered, **found}))
        if point == "upload":
            assert found["removed"] >= 1  # the file written before the kill went
        if point == "move":
            assert found["moved"] >= 1  # the committed file was moved into place
    print(f"\n{world.dialect}: " + "; ".join(f"{p}: {f}" for p, f in log))
    totals = log[-1][1]
    assert totals["submitted"] >= 1 and totals["draft"] >= 1
    world.engine.dispose()
    with world.app.app_context():
        _db.engine.dispose()
