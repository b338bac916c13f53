"""Backup and restore of an instance: the database and the stored files, with a manifest
of SHA-256 sums, taken while the app is serving (``flask backup``) and brought back into
an empty instance (``flask restore``).

A backup is a folder::

    manifest.json             time, Alembic revision, database kind, every file's sum
    database.sqlite           SQLite: a copy made with SQLite's online backup API
    database.pgdump           PostgreSQL: ``pg_dump --format=custom``
    files/<folder>/<name>     the instance's stored files (FILE_FOLDERS)

Consistency with requests that write while the backup runs: the files are copied, then
the database snapshot is taken, then the files that appeared or changed in between are
copied, and every stored file the snapshot names (``*stored_name`` columns, checked
against their ``*sha256`` column where the table has one) must be in the backup with
that sum. The folder is written under a temporary name and renamed when complete, so a
folder with the backup's name is always a whole backup.

Not in the backup: ``secret_key`` (a restore makes a new one: everyone logs in again and
links in old mail stop working, nothing is lost; a leaked backup then gives no key to
forge sessions with) and ``config.py`` (configuration with passwords to the mail server
and database; kept with the rest of the server's configuration). See the README.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import bindparam, create_engine, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine

from fund.core.files import fsync_folder
from fund.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
#: The instance's folders of stored files (the folders the domains write under
#: ``instance_path``; tests/core/test_backup.py checks that none is missing).
FILE_FOLDERS = ("uploads", "letters", "grant_documents", "outbox", "exports")
#: What else an instance holds, and is left out on purpose (see the module's docstring).
NOT_BACKED_UP = ("secret_key", "config.py", "config.py.example")
DATABASE_FILES = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
#: How long to wait for files the snapshot names that are not (yet) in place: a file
#: moved into place just after its row was committed.
REFERENCE_WAIT_SECONDS = 5.0
CHUNK = 1024 * 1024

Echo = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for the operator."""


# -- Shared -----------------------------------------------------------------------------

def instance_folder() -> Path:
    return Path(current_app.instance_path)


def database_kind(engine: Engine | None = None) -> str:
    return (engine or db.engine).dialect.name


def _skipped(relative: PurePosixPath | Path) -> bool:
    """Temporary files (``.upload-*.part`` and other dotted names) are never copied."""
    return any(part.startswith(".") for part in relative.parts)


def _copy(source: Path, target: Path) -> tuple[int, str]:
    """Copy a file, returning its size and SHA-256 (of the bytes written)."""
    digest, size = hashlib.sha256(), 0
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(source, "rb") as reader, open(target, "wb") as writer:
        while chunk := reader.read(CHUNK):
            writer.write(chunk)
            digest.update(chunk)
            size += len(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    target.chmod(0o600)
    return size, digest.hexdigest()


def _sum(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as reader:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def code_revision() -> str:
    """The newest migration this code knows (the revision ``flask db upgrade`` gives)."""
    return _script_directory().get_current_head()


def _known_revision(revision: str) -> bool:
    try:
        return _script_directory().get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False


def _libpq(engine: Engine) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore from the SQLAlchemy URL; the password
    goes in the environment, not on the command line (where ``ps`` shows it)."""
    url = engine.url
    args = []
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    query = dict(url.query)  # libpq parameters: a socket folder as host, sslmode
    if query.get("host") and not url.host:
        args += ["--host", str(query["host"])]
    if query.get("sslmode"):
        env["PGSSLMODE"] = str(query["sslmode"])
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name) or f"/usr/bin/{name}"
    if not os.access(path, os.X_OK):
        raise BackupError(f"Finner ikke {name}. Installer PostgreSQL-klienten "
                          f"(Debian/Ubuntu: apt-get install postgresql-client).")
    return path


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{what} feilet: {' / '.join(detail[-5:]) or result.returncode}")


@dataclass
class Facts:
    """What a database snapshot holds, read in the snapshot itself."""

    revision: str
    rows: dict[str, int]
    #: (table, column, stored name, its SHA-256 or None)
    references: list[tuple[str, str, str, str | None]] = field(default_factory=list)


def stored_name_columns():
    """Every column that names a stored file, with the column holding its sum if the
    table has one: ``stored_name``/``sha256``, ``notice_stored_name``/``notice_sha256``."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if column.name == "stored_name" or column.name.endswith("_stored_name"):
                sha = column.name.removesuffix("stored_name") + "sha256"
                yield table, column, table.columns.get(sha)


def read_facts(connection: Connection) -> Facts:
    try:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as exc:
        raise BackupError("Databasen er ikke migrert (ingen alembic_version). "
                          "Kjør «flask --app fund db upgrade» først.") from exc
    rows = {table.name: connection.execute(select(func.count()).select_from(table)).scalar()
            for table in db.metadata.sorted_tables}
    references = []
    for table, column, sha in stored_name_columns():
        columns = [column] + ([sha] if sha is not None else [])
        for row in connection.execute(select(*columns).where(column.is_not(None))):
            references.append((table.name, column.name, row[0],
                               row[1] if sha is not None else None))
    return Facts(revision, rows, references)


# -- Backup -----------------------------------------------------------------------------

class _FileCopier:
    """Copies the instance's stored files into ``root/files/``, again and again: a file
    already copied is copied anew only if its size or modification time changed."""

    def __init__(self, instance: Path, root: Path):
        self.instance, self.root = instance, root
        self.copied: dict[str, dict] = {}  # "files/uploads/<name>" -> entry

    def run(self) -> int:
        count = 0
        for folder in FILE_FOLDERS:
            base = self.instance / folder
            if not base.is_dir():
                continue
            for path in sorted(base.rglob("*")):
                relative = path.relative_to(base)
                if _skipped(relative) or path.is_symlink() or not path.is_file():
                    continue
                name = str(PurePosixPath("files", folder, *relative.parts))
                count += self._copy(path, name)
        return count

    def _copy(self, path: Path, name: str) -> int:
        for _attempt in range(5):
            try:
                before = path.stat()
            except FileNotFoundError:
                return 0  # removed since it was listed: not in the snapshot either
            stamp = (before.st_size, before.st_mtime_ns)
            entry = self.copied.get(name)
            if entry is not None and entry["stamp"] == stamp:
                return 0
            try:
                size, sha = _copy(path, self.root / name)
                after = path.stat()
            except FileNotFoundError:
                (self.root / name).unlink(missing_ok=True)
                self.copied.pop(name, None)
                return 0
            if (after.st_size, after.st_mtime_ns) == stamp:
                self.copied[name] = {"path": name, "size": size, "sha256": sha, "stamp": stamp}
                return 1
            time.sleep(0.05)  # being written: copy it again
        raise BackupError(f"Filen {path} endret seg hele tiden mens den ble kopiert.")

    def missing(self, references) -> list[tuple[str, str, str, str | None]]:
        """The references not in the backup with the right sum."""
        by_name: dict[str, list[dict]] = {}
        for entry in self.copied.values():
            by_name.setdefault(PurePosixPath(entry["path"]).name, []).append(entry)
        return [ref for ref in references
                if not any(ref[3] is None or entry["sha256"] == ref[3]
                           for entry in by_name.get(ref[2], []))]


def _snapshot_sqlite(engine: Engine, target: Path) -> Facts:
    path = engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        raise BackupError("SQLite-databasen ligger ikke i en fil; den kan ikke kopieres.")
    if not os.path.exists(path):
        raise BackupError(f"Finner ikke databasefilen {path}.")
    timeout = current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", 15000) / 1000
    source = sqlite3.connect(path, timeout=timeout)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # all pages in one step: one consistent read
        copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
    finally:
        source.close()
        copy.close()
    target.chmod(0o600)
    reader = create_engine(f"sqlite:///{target}")
    try:
        with reader.connect() as connection:
            return read_facts(connection)
    finally:
        reader.dispose()


def _snapshot_postgresql(engine: Engine, target: Path) -> Facts:
    """pg_dump in the snapshot of a transaction of our own, in which the facts (the
    stored files named, the rows) are read too: both see the same moment."""
    pg_dump = _tool("pg_dump")
    args, env = _libpq(engine)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar()
            _run([pg_dump, "--format=custom", f"--file={target}", f"--snapshot={snapshot}",
                  "--no-password", *args, "--dbname", engine.url.database], env, "pg_dump")
            facts = read_facts(connection)
    target.chmod(0o600)
    return facts


def backup(dest: Path, echo: Echo = print) -> dict:
    """Write a backup of the current app's instance to ``dest`` (a new folder); returns
    the manifest."""
    dest = Path(dest).absolute()
    instance = instance_folder()
    if dest.exists():
        raise BackupError(f"{dest} finnes fra før. Velg en mappe som ikke finnes; "
                          f"sikkerhetskopien lages der.")
    for folder in FILE_FOLDERS:
        if dest.is_relative_to(instance / folder):
            raise BackupError(f"{dest} ligger i {instance / folder}, som selv skal kopieres.")
    engine = db.engine
    kind = database_kind(engine)
    if kind not in DATABASE_FILES:
        raise BackupError(f"Databasetypen {kind} støttes ikke (bare SQLite og PostgreSQL).")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = dest.parent / f".{dest.name}.ufullstendig-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=0o700)
    started = datetime.now(UTC)
    try:
        copier = _FileCopier(instance, work)
        copier.run()
        database = work / DATABASE_FILES[kind]
        facts = (_snapshot_sqlite if kind == "sqlite" else _snapshot_postgresql)(engine, database)
        copier.run()  # files that appeared or changed while the snapshot was taken
        deadline = time.monotonic() + REFERENCE_WAIT_SECONDS
        while (missing := copier.missing(facts.references)) and time.monotonic() < deadline:
            time.sleep(0.2)
            copier.run()
        warnings = [f"{table}.{column} = {name}: filen mangler i instansen"
                    for table, column, name, _sha in missing]
        for warning in warnings:
            echo(f"Advarsel: {warning}")
        size, sha = _sum(database)
        files = [{"path": database.name, "size": size, "sha256": sha}] + [
            {key: entry[key] for key in ("path", "size", "sha256")}
            for entry in sorted(copier.copied.values(), key=lambda e: e["path"])]
        manifest = {
            "format": FORMAT,
            "created_at": started.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "app_version": current_app.config.get("VERSION"),
            "alembic_revision": facts.revision,
            "database": {"kind": kind, "file": database.name},
            "rows": facts.rows,
            "warnings": warnings,
            "files": files,
        }
        _write_json(work / MANIFEST, manifest)
        fsync_folder(work)
        os.rename(work, dest)
        fsync_folder(dest.parent)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    unlisted = sorted(entry.name for entry in instance.iterdir()
                      if entry.name not in FILE_FOLDERS + NOT_BACKED_UP
                      and not entry.name.startswith(".")
                      and not _is_database_file(entry, engine))
    for name in unlisted:
        echo(f"Merk: {instance / name} er ikke med i sikkerhetskopien.")
    return manifest


def _is_database_file(path: Path, engine: Engine) -> bool:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    return bool(database) and str(path.absolute()) in (
        os.path.abspath(database) + suffix for suffix in ("", "-wal", "-shm", "-journal"))


def _write_json(path: Path, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as file:
        json.dump(data, file, ensure_ascii=False, indent=1)
        file.write("\n")
        file.flush()
        os.fsync(file.fileno())
    path.chmod(0o600)



# -- Restore ----------------------------------------------------------------------------

def read_manifest(source: Path) -> dict:
    """The manifest, every file in it checked (size and SHA-256) before anything is
    written; BackupError naming the first file that is missing or differs."""
    source = Path(source)
    if not source.is_dir():
        raise BackupError(f"{source} er ikke en mappe med en sikkerhetskopi.")
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{source} har ingen {MANIFEST}. Sikkerhetskopien er ufullstendig "
                          f"eller ikke laget med «flask backup». Ingenting er gjenopprettet.") \
            from None
    except (ValueError, OSError) as exc:
        raise BackupError(f"{source / MANIFEST} kan ikke leses: {exc}") from None
    try:
        if manifest["format"] != FORMAT:
            raise BackupError(f"Ukjent format {manifest['format']} i {MANIFEST}.")
        kind, database = manifest["database"]["kind"], manifest["database"]["file"]
        files = manifest["files"]
        manifest["alembic_revision"]
    except (KeyError, TypeError):
        raise BackupError(f"{source / MANIFEST} mangler opplysninger.") from None
    if DATABASE_FILES.get(kind) != database:
        raise BackupError(f"{MANIFEST}: ukjent database {kind} / {database}.")
    names = set()
    for entry in files:
        name = PurePosixPath(str(entry.get("path", "")))
        if not (name == PurePosixPath(database) or (
                len(name.parts) >= 3 and name.parts[0] == "files"
                and name.parts[1] in FILE_FOLDERS and ".." not in name.parts
                and not _skipped(PurePosixPath(*name.parts[2:])))):
            raise BackupError(f"{MANIFEST} nevner en fil som ikke hører hjemme i en "
                              f"sikkerhetskopi: {name}")
        names.add(str(name))
    if database not in names:
        raise BackupError(f"{MANIFEST} nevner ikke databasen {database}.")
    for entry in files:
        path = source / entry["path"]
        if not path.is_file():
            raise BackupError(f"Filen {entry['path']} mangler i sikkerhetskopien. "
                              f"Ingenting er gjenopprettet.")
        size, sha = _sum(path)
        if size != entry.get("size") or sha != entry.get("sha256"):
            raise BackupError(f"Filen {entry['path']} er endret eller skadet (SHA-256 eller "
                              f"størrelse stemmer ikke med {MANIFEST}). Ingenting er "
                              f"gjenopprettet.")
    return manifest


def what_is_there(engine: Engine | None = None) -> list[str]:
    """What the instance holds (rows, stored files), in words; empty if nothing."""
    engine = engine or db.engine
    found = []
    with engine.connect() as connection:
        tables = [name for name in inspect(connection).get_table_names()
                  if name != "alembic_version"]
        counts = {}
        for name in tables:
            quoted = connection.dialect.identifier_preparer.quote(name)
            count = connection.execute(text(f"SELECT COUNT(*) FROM {quoted}")).scalar()
            if count:
                counts[name] = count
    if counts:
        shown = ", ".join(f"{name}: {count}" for name, count in
                          sorted(counts.items(), key=lambda item: -item[1])[:5])
        found.append(f"databasen har rader i {len(counts)} tabeller ({shown}"
                     f"{', …' if len(counts) > 5 else ''})")
    for folder in FILE_FOLDERS:
        base = instance_folder() / folder
        if base.is_dir():
            count = sum(1 for path in base.rglob("*") if path.is_file())
            if count:
                found.append(f"{base} har {count} filer")
    return found


def _tables(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return inspect(connection).get_table_names()


def _empty_postgresql(engine: Engine) -> None:
    """Remove every table (and type, sequence, trigger function) from the public schema."""
    if not _tables(engine):
        return
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


def _clear_files() -> None:
    for folder in FILE_FOLDERS:
        base = instance_folder() / folder
        if base.is_dir():
            shutil.rmtree(base)


def _restore_sqlite(source: Path, engine: Engine) -> None:
    path = engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        raise BackupError("SQLite-databasen ligger ikke i en fil.")
    engine.dispose()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    reader = sqlite3.connect(f"file:{source}?mode=ro&immutable=1", uri=True)
    target = sqlite3.connect(path, timeout=30)
    try:
        reader.backup(target)  # replaces the whole database, WAL and all, under its lock
    finally:
        reader.close()
        target.close()
    os.chmod(path, 0o600)


def _restore_postgresql(source: Path, engine: Engine) -> None:
    pg_restore = _tool("pg_restore")
    args, env = _libpq(engine)
    _empty_postgresql(engine)
    engine.dispose()
    _run([pg_restore, "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", "--no-password", *args, "--dbname", engine.url.database,
          str(source)], env, "pg_restore")


#: Rows copied per INSERT when a SQLite backup is moved into PostgreSQL.
BATCH = 1000


def _sqlite_into_postgresql(source: Path, revision: str, engine: Engine) -> None:
    """A SQLite backup into PostgreSQL: the schema from the migrations, then the rows
    table by table in dependency order, then the sequences past the largest id."""
    from flask_migrate import upgrade

    _empty_postgresql(engine)
    upgrade(revision=revision)
    reader = create_engine("sqlite://", creator=lambda: sqlite3.connect(
        f"file:{source}?mode=ro&immutable=1", uri=True))
    try:
        with reader.connect() as read, engine.begin() as write:
            for table in db.metadata.sorted_tables:
                if write.execute(select(func.count()).select_from(table)).scalar():
                    write.execute(table.delete())  # rows a migration put there
                try:
                    _copy_table(read, write, table)
                except Exception as exc:
                    raise BackupError(f"Radene i {table.name} kunne ikke skrives i "
                                      f"PostgreSQL: {getattr(exc, 'orig', exc)}") from exc
                _reset_sequences(write, table)
    finally:
        reader.dispose()


def _copy_table(read: Connection, write: Connection, table) -> None:
    """Copy one table's rows in batches. A column that refers to the same table
    (``decisions.replaced_by_id``) is written as NULL first and set once every row is
    there, since a row may refer to one after it."""
    own = [fk.parent for fk in table.foreign_keys if fk.column.table is table]
    keys = list(table.primary_key.columns)
    later = []
    result = read.execution_options(yield_per=BATCH).execute(select(table).order_by(*keys))
    for rows in result.partitions(BATCH):
        values = [dict(row._mapping) for row in rows]
        for row in values:
            if any(row[column.name] is not None for column in own):
                later.append({**{f"k_{key.name}": row[key.name] for key in keys},
                              **{f"v_{column.name}": row[column.name] for column in own}})
                row.update({column.name: None for column in own})
        write.execute(table.insert(), values)
    if later:
        statement = table.update().where(
            *(key == bindparam(f"k_{key.name}") for key in keys)).values(
            {column.name: bindparam(f"v_{column.name}") for column in own})
        write.execute(statement, later)


def _reset_sequences(connection: Connection, table) -> None:
    for column in table.primary_key.columns:
        sequence = connection.execute(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                      {"table": table.name, "column": column.name}).scalar()
        if sequence:
            connection.execute(
                text(f"SELECT setval(:sequence, COALESCE((SELECT MAX({column.name}) FROM "
                     f"{table.name}), 0) + 1, false)"), {"sequence": sequence})


def _restore_files(source: Path, manifest: dict) -> int:
    instance, count = instance_folder(), 0
    for entry in manifest["files"]:
        name = PurePosixPath(entry["path"])
        if name.parts[0] != "files":
            continue
        target = instance.joinpath(*name.parts[1:])
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = target.with_name(f".restore-{target.name}.part")
        size, sha = _copy(source / name, temporary)
        if sha != entry["sha256"]:
            temporary.unlink(missing_ok=True)
            raise BackupError(f"Filen {name} endret seg under gjenopprettingen.")
        os.replace(temporary, target)
        count += 1
    return count


@dataclass
class Restored:
    kind: str
    into: str
    files: int
    revision: str
    warnings: list[str]


def restore(source: Path, force: bool = False, echo: Echo = print) -> Restored:
    """Bring the backup in ``source`` back into this app's instance, which must be empty
    unless ``force``; every sum is checked before anything is written."""
    source = Path(source).absolute()
    manifest = read_manifest(source)
    kind, revision = manifest["database"]["kind"], manifest["alembic_revision"]
    engine = db.engine
    into = database_kind(engine)
    if not _known_revision(revision):
        raise BackupError(f"Sikkerhetskopien har databaseversjon {revision}, som denne "
                          f"versjonen av fund ikke kjenner (den er nyere). Gjenopprett med "
                          f"samme eller en nyere versjon av fund. Ingenting er gjenopprettet.")
    if (kind, into) not in (("sqlite", "sqlite"), ("postgresql", "postgresql"),
                            ("sqlite", "postgresql")):
        raise BackupError(f"En sikkerhetskopi fra {kind} kan ikke gjenopprettes i {into}.")
    if kind != into and revision != code_revision():
        raise BackupError(
            f"Sikkerhetskopien har databaseversjon {revision}, denne koden {code_revision()}. "
            f"Flytting fra SQLite til PostgreSQL krever samme versjon: gjenopprett i SQLite "
            f"med denne koden, kjør «flask --app fund db upgrade», ta en ny sikkerhetskopi "
            f"og flytt den. Ingenting er gjenopprettet.")
    if kind == "postgresql":
        _tool("pg_restore")
    found = what_is_there(engine)
    if found and not force:
        raise BackupError("Instansen er ikke tom: " + "; ".join(found) + ". Ingenting er "
                          "gjenopprettet. Bruk --force for å erstatte alt som er der.")
    for line in found:
        echo(f"Erstatter: {line}")
    database = source / manifest["database"]["file"]
    if kind == into == "sqlite":
        _restore_sqlite(database, engine)
    elif kind == into:
        _restore_postgresql(database, engine)
    else:
        _sqlite_into_postgresql(database, revision, engine)
    _clear_files()
    count = _restore_files(source, manifest)
    warnings = list(manifest.get("warnings") or [])
    expected = manifest.get("rows") or {}
    if revision == code_revision() and expected:
        with engine.connect() as connection:
            facts = read_facts(connection)
        wrong = [f"{table}: {facts.rows.get(table)} rader, ventet {rows}"
                 for table, rows in expected.items() if facts.rows.get(table) != rows]
        if wrong:
            raise BackupError("Databasen ble ikke lik sikkerhetskopien: " + "; ".join(wrong))
    return Restored(kind, into, count, revision, warnings)
