"""`flask backup` and `flask restore`: a copy taken while people are saving and submitting
comes back whole in an empty instance, on the same kind of database and from SQLite into
PostgreSQL; a damaged or incomplete copy, or an instance that is not empty, is refused."""

import hashlib
import io
import itertools
import json
import os
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

import fund.core.backup
from fund import create_app
from fund.applications.models import Application, ApplicationState, Attachment
from fund.calls.models import Call
from fund.core.backup import FILE_FOLDERS
from fund.decisions.models import Letter
from fund.extensions import db as _db
from fund.grants.models import GrantDocument, Recovery
from fund.review.models import Innstilling
from tests.helpers import browser_form, make_application, make_call, make_organisation, make_user
from tests.served import Served
from tests.test_concurrency import orgnr

_numbers = itertools.count(1)


# -- Instances ---------------------------------------------------------------------------

def new_app(instance: Path, url: str):
    """An app on its own instance folder and database, as a second server would be."""
    instance.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get("FUND_INSTANCE_PATH")
    os.environ["FUND_INSTANCE_PATH"] = str(instance)
    try:
        return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "restored",
                           "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                           "MAIL_BACKEND": "file"})
    finally:
        if previous is None:
            os.environ.pop("FUND_INSTANCE_PATH", None)
        else:
            os.environ["FUND_INSTANCE_PATH"] = previous


def postgresql_url(name: str) -> str:
    """A new, empty PostgreSQL database next to the suite's (or on 127.0.0.1:5432)."""
    base = os.environ.get("DATABASE_URL") or ""
    url = make_url(base if base.startswith("postgresql") else
                   "postgresql+psycopg://postgres@127.0.0.1:5432/test_backup")
    url = url.set(database=f"{url.database}_{name}")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                          connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach it
        pytest.skip(f"PostgreSQL is not answering at {url.host}:{url.port}: {exc}")
    finally:
        admin.dispose()
    return url.render_as_string(hide_password=False)


def cli(app, *args):
    return app.test_cli_runner().invoke(args=[str(arg) for arg in args])


@pytest.fixture(scope="module")
def suite_source(tmp_path_factory):
    """The served app on the suite's kind of database, with the demo's cases (letters,
    the innstilling, grant documents, mail in the outbox)."""
    yield from _demo_source(tmp_path_factory, "backup_source")


@pytest.fixture(scope="module")
def sqlite_source(tmp_path_factory, suite_source):
    if suite_source.dialect == "sqlite":
        yield suite_source
    else:
        yield from _demo_source(tmp_path_factory, "backup_sqlite", sqlite=True)


def _demo_source(tmp_path_factory, suffix, sqlite=False):
    tmp = tmp_path_factory.mktemp(suffix)
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'source.sqlite'}"} if sqlite else {}
    server = Served(tmp, suffix=suffix, **config)
    try:
        result = cli(server.app, "demo")
        assert result.exit_code == 0, result.output
        with server.app.app_context():
            _db.engine.dispose()  # the demo's connections were made outside a request
        yield server
    finally:
        server.stop()


# -- Work going on while the backup runs -----------------------------------------------------

PDF_HEAD = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n"


def unique_pdf() -> bytes:
    return PDF_HEAD + f"% vedlegg {next(_numbers)} {time.time_ns()}\n%%EOF\n".encode()


class Applicant:
    """A person with two drafts who saves attachments to them and submits the first."""

    def __init__(self, served, call_id):
        self.browser = None
        with served.database():
            user = make_user(f"backup-{next(_numbers)}@example.no")
            organisation = make_organisation(user, orgnr=orgnr(), name=f"Lag {next(_numbers)}")
            call = _db.session.get(Call, call_id)
            self.drafts = [make_application(call, organisation, user).id for _ in range(2)]
            self.email = user.email
        self.browser = served.browser().login(self.email)
        self.saved: list[tuple[str, float, float]] = []  # (sha256, started, answered)
        self.submitted: list[tuple[int, float]] = []  # (application id, answered)

    def upload(self, application_id: int) -> None:
        path = f"/soknader/{application_id}"
        fields = browser_form(self.browser.get(path).text, "application-form")
        content = unique_pdf()
        started = time.monotonic()
        response = self.browser.post(path, data={**fields, "save": "1"},
                                     files={"files": ("budsjett.pdf", io.BytesIO(content),
                                                      "application/pdf")})
        assert response.status_code == 302, response.text[:1000]
        self.saved.append((hashlib.sha256(content).hexdigest(), started, time.monotonic()))

    def submit(self, application_id: int) -> None:
        path = f"/soknader/{application_id}/send-inn"
        page = self.browser.get(path).text
        version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
        response = self.browser.post_form(path, {"version": version, "confirm": "y"})
        assert response.status_code == 302 and response.headers["Location"].endswith(
            "/kvittering"), response.text[:1000]
        self.submitted.append((application_id, time.monotonic()))

    def work(self, stop: threading.Event, errors: list) -> None:
        try:
            self.upload(self.drafts[0])
            self.submit(self.drafts[0])
            while not stop.is_set():
                self.upload(self.drafts[1])
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)


def backup_while_serving(served, dest: Path, monkeypatch, applicants: int = 3) -> dict:
    """Applicants save attachments and submit while `flask backup` runs; one of them saves
    an attachment just before the database snapshot is taken, after the files were
    copied. Returns what was saved, and when the backup ran."""
    with served.database():
        call_id = make_call(year=2080 + next(_numbers) % 9).id
    people = [Applicant(served, call_id) for _ in range(applicants + 1)]
    late, workers = people[0], people[1:]

    kind = served.dialect
    snapshot_name = f"_snapshot_{kind}"
    real_snapshot = getattr(fund.core.backup, snapshot_name)

    def snapshot_after_one_more_save(*args):
        late.upload(late.drafts[0])  # committed after the files were copied
        return real_snapshot(*args)

    monkeypatch.setattr(fund.core.backup, snapshot_name, snapshot_after_one_more_save)
    real_copy = fund.core.backup._copy

    def slow_copy(source, target):  # a backup of many files takes a while
        time.sleep(0.02)
        return real_copy(source, target)

    monkeypatch.setattr(fund.core.backup, "_copy", slow_copy)
    stop, errors = threading.Event(), []
    threads = [threading.Thread(target=person.work, args=(stop, errors)) for person in workers]
    for thread in threads:
        thread.start()
    while sum(len(person.submitted) for person in workers) < len(workers) and not errors:
        time.sleep(0.05)  # everyone has submitted, and is busy saving
    began = time.monotonic()
    result = cli(served.app, "backup", dest)
    ended = time.monotonic()
    stop.set()
    for thread in threads:
        thread.join()
    monkeypatch.undo()
    assert not errors, errors
    assert result.exit_code == 0, result.output
    assert "Sikkerhetskopi laget i" in result.output
    saved = [entry for person in workers for entry in person.saved]
    during = [sha for sha, started, answered in saved if started < ended and answered > began]
    assert during, "no request was served while the backup ran"
    return {"before": {sha for sha, _started, answered in saved if answered < began},
            "after": {sha for sha, started, _answered in saved if started > ended},
            "late": late.saved[0][0],
            "submitted": [i for person in workers for i, answered in person.submitted
                          if answered < began]}


# -- What the backup holds, and what came back ----------------------------------------------

def rows_of(connection) -> dict[str, list[tuple]]:
    return {table.name: [tuple(row) for row in connection.execute(
        select(table).order_by(*table.primary_key.columns))]
        for table in _db.metadata.sorted_tables}


def rows_in_backup(backup: Path, tmp_path: Path) -> dict[str, list[tuple]]:
    """Every row the backup's database holds, read without `flask restore`: the SQLite
    file as it is, a PostgreSQL dump through pg_restore into a database of its own."""
    manifest = json.loads((backup / "manifest.json").read_text())
    if manifest["database"]["kind"] == "sqlite":
        import sqlite3
        path = backup / "database.sqlite"
        engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(
            f"file:{path}?mode=ro&immutable=1", uri=True))
    else:
        url = make_url(postgresql_url("backup_oracle"))
        subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "-h", url.host,
                        "-p", str(url.port or 5432), "-U", url.username, "-d", url.database,
                        str(backup / "database.pgdump")], check=True, capture_output=True)
        engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return rows_of(connection)
    finally:
        engine.dispose()


def files_in(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by its path below it."""
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def stored_files_named(app) -> list[tuple[str, str, str | None]]:
    """(folder, stored name, SHA-256 the database keeps) of every file the database
    names: attachments, letters, the innstilling, recipients' documents, recovery notices."""
    named = []
    with app.app_context():
        session = _db.session
        for stored, sha in session.execute(select(Attachment.stored_name, Attachment.sha256)):
            named.append(("uploads", stored, sha))
        for model in (Letter, Innstilling):
            for stored, sha in session.execute(select(model.stored_name, model.sha256)):
                named.append(("letters", stored, sha))
        for stored, sha in session.execute(select(GrantDocument.stored_name,
                                                  GrantDocument.sha256)):
            named.append(("grant_documents", stored, sha))
        for stored, sha in session.execute(select(Recovery.notice_stored_name,
                                                  Recovery.notice_sha256).where(
                Recovery.notice_stored_name.is_not(None))):
            named.append(("letters", stored, sha))
        session.remove()
    return named


def check_restored(backup: Path, restored, tmp_path: Path, work: dict) -> None:
    manifest = json.loads((backup / "manifest.json").read_text())
    # Every table, every row, as the backup holds it.
    expected = rows_in_backup(backup, tmp_path)
    with restored.app_context():
        with _db.engine.connect() as connection:
            actual = rows_of(connection)
        _db.session.remove()
    for table, rows in expected.items():
        assert actual[table] == rows, f"{table} differs from the backup"
    assert {table: len(rows) for table, rows in actual.items()} == manifest["rows"]
    # Every file, as the backup holds it, and nothing else.
    instance = Path(restored.instance_path)
    restored_files = {f"files/{folder}/{name}": sha for folder in FILE_FOLDERS
                      for name, sha in files_in(instance / folder).items()}
    in_backup = {name: sha for name, sha in files_in(backup).items()
                 if name.startswith("files/")}
    assert restored_files == in_backup
    assert {entry["path"]: entry["sha256"] for entry in manifest["files"]
            if entry["path"].startswith("files/")} == in_backup
    # Every file the restored database names is there, with the sum it keeps.
    named = stored_files_named(restored)
    assert {folder for folder, _name, _sha in named} >= {"uploads", "letters",
                                                         "grant_documents"}
    for folder, name, sha in named:
        path = instance / folder / name
        assert path.is_file(), f"{folder}/{name} is named in the database but missing"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha, f"{folder}/{name}"
    assert not manifest["warnings"]
    # What was saved before the backup began is in it, what was saved after is not.
    with restored.app_context():
        kept = set(_db.session.scalars(select(Attachment.sha256)))
        submitted = set(_db.session.scalars(select(Application.id).where(
            Application.state == ApplicationState.SUBMITTED)))
        _db.session.remove()
    assert work["before"] <= kept
    assert work["late"] in kept  # saved after the files were copied, before the snapshot
    assert not work["after"] & kept
    assert work["submitted"] and set(work["submitted"]) <= submitted
    # The outbox came along: the receipts mailed to the applicants who submitted.
    assert any(name.startswith("files/outbox/") for name in in_backup)


def round_trip(source, target_url: str, tmp_path: Path, monkeypatch):
    backup = tmp_path / "kopi"
    work = backup_while_serving(source, backup, monkeypatch)
    assert not list(tmp_path.glob(".kopi*")), "a temporary folder was left behind"
    restored = new_app(tmp_path / "restored", target_url)
    try:
        result = cli(restored, "restore", backup)
        assert result.exit_code == 0, result.output
        assert "Alle SHA-256-summer stemte" in result.output
        check_restored(backup, restored, tmp_path, work)
        return restored, result
    finally:
        with restored.app_context():
            _db.engine.dispose()


def test_a_backup_taken_while_people_save_and_submit_comes_back_whole(
        suite_source, tmp_path, monkeypatch):
    target = (f"sqlite:///{tmp_path / 'restored.sqlite'}" if suite_source.dialect == "sqlite"
              else postgresql_url("restored"))
    round_trip(suite_source, target, tmp_path, monkeypatch)


def test_a_sqlite_backup_moves_into_postgresql(sqlite_source, tmp_path, monkeypatch):
    target = postgresql_url("moved")
    restored, result = round_trip(sqlite_source, target, tmp_path, monkeypatch)
    assert "flyttet fra sqlite" in result.output
    with restored.app_context():
        assert _db.engine.dialect.name == "postgresql"
        # New rows get new ids: the sequences were moved past the copied rows.
        user = make_user(f"ny-{next(_numbers)}@example.no")
        _db.session.commit()
        assert user.id > max(_db.session.scalars(text("SELECT id FROM users WHERE id <> :id"),
                                                 {"id": user.id}))
        _db.session.remove()
        _db.engine.dispose()


# -- Refusals ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def quiet_backup(suite_source, tmp_path_factory):
    backup = tmp_path_factory.mktemp("quiet") / "kopi"
    result = cli(suite_source.app, "backup", backup)
    assert result.exit_code == 0, result.output
    return backup


def empty_target(tmp_path, dialect, name="target"):
    url = (f"sqlite:///{tmp_path / (name + '.sqlite')}" if dialect == "sqlite"
           else postgresql_url(name))
    return new_app(tmp_path / name, url)


def is_empty(app) -> bool:
    with app.app_context():
        from fund.core.backup import what_is_there
        found = what_is_there()
        _db.engine.dispose()
    return not found


def copy_of(backup: Path, tmp_path: Path) -> Path:
    import shutil
    copy = tmp_path / "kopi"
    shutil.copytree(backup, copy)
    return copy


def test_an_instance_that_is_not_empty_is_refused_unless_forced(
        suite_source, quiet_backup, tmp_path):
    target = empty_target(tmp_path, suite_source.dialect)
    assert cli(target, "restore", quiet_backup).exit_code == 0

    again = cli(target, "restore", quiet_backup)

    assert again.exit_code != 0
    assert "Instansen er ikke tom: databasen har rader i" in again.output
    assert "letters har" in again.output and "Bruk --force" in again.output
    with target.app_context():  # what was there is untouched: a new user is still there
        user = make_user(f"etter-{next(_numbers)}@example.no")
        _db.session.commit()
        user_id = user.id
        _db.session.remove()
    assert cli(target, "restore", quiet_backup).exit_code != 0
    with target.app_context():
        assert _db.session.get(type(user), user_id) is not None
        _db.session.remove()

    forced = cli(target, "restore", "--force", quiet_backup)

    assert forced.exit_code == 0, forced.output
    assert "Erstatter: databasen har rader i" in forced.output
    with target.app_context():
        assert _db.session.get(type(user), user_id) is None  # as the backup has it
        _db.session.remove()
        _db.engine.dispose()
    manifest = json.loads((quiet_backup / "manifest.json").read_text())
    instance = Path(target.instance_path)
    assert {f"files/{folder}/{name}" for folder in FILE_FOLDERS
            for name in files_in(instance / folder)} == {
        entry["path"] for entry in manifest["files"] if entry["path"].startswith("files/")}


@pytest.mark.parametrize("damage", ["flipped byte in a letter", "flipped byte in the database",
                                    "missing grant document", "missing manifest",
                                    "from a newer version"])
def test_a_damaged_backup_is_refused_before_anything_is_written(
        suite_source, quiet_backup, tmp_path, damage):
    backup = copy_of(quiet_backup, tmp_path)
    manifest = json.loads((backup / "manifest.json").read_text())
    letter = next(e["path"] for e in manifest["files"] if e["path"].startswith("files/letters/"))
    if damage == "flipped byte in a letter":
        named, path = letter, backup / letter
    elif damage == "flipped byte in the database":
        named = manifest["database"]["file"]
        path = backup / named
    if damage.startswith("flipped"):
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
        expected = f"Filen {named} er endret eller skadet"
    elif damage == "missing grant document":
        named = next(e["path"] for e in manifest["files"]
                     if e["path"].startswith("files/grant_documents/"))
        (backup / named).unlink()
        expected = f"Filen {named} mangler i sikkerhetskopien"
    elif damage == "missing manifest":
        (backup / "manifest.json").unlink()
        expected = "har ingen manifest.json"
    else:
        manifest["alembic_revision"] = "ffffffffffff"
        (backup / "manifest.json").write_text(json.dumps(manifest))
        expected = "som denne versjonen av fund ikke kjenner"
    target = empty_target(tmp_path, suite_source.dialect)

    result = cli(target, "restore", "--force", backup)

    assert result.exit_code != 0
    assert expected in result.output and "Ingenting er gjenopprettet" in result.output
    assert is_empty(target)
    assert not any((Path(target.instance_path) / folder).exists() for folder in FILE_FOLDERS)
    with target.app_context():
        with _db.engine.connect() as connection:
            from sqlalchemy import inspect
            assert inspect(connection).get_table_names() == []
        _db.engine.dispose()


def test_a_backup_that_fails_leaves_nothing_that_looks_like_a_backup(
        suite_source, tmp_path, monkeypatch):
    kind = suite_source.dialect

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fund.core.backup, f"_snapshot_{kind}", disk_full)
    result = cli(suite_source.app, "backup", tmp_path / "kopi")
    monkeypatch.undo()

    assert result.exit_code != 0
    assert "Sikkerhetskopien kunne ikke skrives: [Errno 28] No space left on device" \
        in result.output
    assert list(tmp_path.iterdir()) == []  # neither the backup nor its temporary folder
    (tmp_path / "kopi").mkdir()
    refused = cli(suite_source.app, "backup", tmp_path / "kopi")
    assert refused.exit_code != 0 and "finnes fra før" in refused.output


def test_every_folder_the_app_stores_files_in_is_backed_up():
    """A new folder under the instance (``instance_path) / "..."``, or a new kind of
    document for ``store_document``) must be added to FILE_FOLDERS."""
    root = Path(fund.core.backup.__file__).parent.parent
    source = "\n".join(path.read_text() for path in root.rglob("*.py"))
    folders = set(re.findall(r'instance_path\)\s*/\s*"([^"]+)"', source))
    folders |= set(re.findall(r'(?:store|read|remove)_document\([^)]*kind="([^"]+)"', source))
    folders |= {"letters"}  # store_document's default
    assert folders - {"fund.sqlite", "secret_key"} <= set(FILE_FOLDERS)


def test_a_sqlite_backup_of_an_older_version_is_not_moved_into_postgresql(
        sqlite_source, tmp_path):
    backup = tmp_path / "kopi"
    assert cli(sqlite_source.app, "backup", backup).exit_code == 0
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["alembic_revision"] = "6f2b8d3c1a50"  # the migration before the current one
    (backup / "manifest.json").write_text(json.dumps(manifest))
    target = new_app(tmp_path / "target", postgresql_url("older"))

    result = cli(target, "restore", backup)

    assert result.exit_code != 0
    assert "krever samme versjon: gjenopprett i SQLite" in result.output
    assert "Ingenting er gjenopprettet" in result.output
    with target.app_context():
        with _db.engine.connect() as connection:
            from sqlalchemy import inspect
            assert inspect(connection).get_table_names() == []
        _db.engine.dispose()


def test_every_folder_whose_files_rows_name_is_backed_up(app):
    """Each folder ``files.references`` knows (the files rows name: attachments, letters,
    grant documents, exports …) is in the backup, or a restore would miss them."""
    from fund.core import files
    assert set(files._REFERENCES) <= set(FILE_FOLDERS)
