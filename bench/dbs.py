"""The benchmark's own databases: created here, dropped here, nothing else touched.

A PostgreSQL database is made on the server of ``BENCH_PG`` (through its ``postgres``
maintenance database) under a fresh name ``bench_<random>``; a SQLite database is a file
in a temporary folder. Only what this process created is ever dropped: the names are kept
in the :class:`Databases` object, never read from ``DATABASE_URL`` or guessed.
"""

import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NAME = re.compile(r"bench_[0-9a-f]{12}")


def foreign_database_url() -> str | None:
    """``DATABASE_URL`` if set: the benchmark ignores it (and says so) and must not let it
    reach the app it serves."""
    return os.environ.get("DATABASE_URL") or None


def clean_environment(env: dict[str, str]) -> dict[str, str]:
    """A copy of ``env`` without ``DATABASE_URL``, so that no child process can use it."""
    return {key: value for key, value in env.items() if key != "DATABASE_URL"}


class Databases:
    """Creates databases and remembers them; :meth:`drop_all` drops exactly those."""

    def __init__(self, pg_server: str | None = None, keep: bool = False):
        self.pg_server = pg_server or os.environ.get("BENCH_PG") or DEFAULT_PG
        self.keep = keep
        self.created_pg: list[str] = []
        self.created_dirs: list[Path] = []

    def _admin_engine(self):
        url = make_url(self.pg_server).set(database="postgres")
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return create_engine(url, isolation_level="AUTOCOMMIT")

    def postgresql(self) -> str:
        """A new, empty PostgreSQL database; its URL."""
        name = f"bench_{secrets.token_hex(6)}"
        engine = self._admin_engine()
        try:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        self.created_pg.append(name)
        url = make_url(self.pg_server).set(database=name)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)

    def sqlite(self) -> str:
        """A new SQLite database file in a temporary folder of its own; its URL."""
        folder = Path(tempfile.mkdtemp(prefix="bench_sqlite_"))
        self.created_dirs.append(folder)
        return f"sqlite:///{folder / 'bench.sqlite'}"

    def new(self, kind: str) -> str:
        """``kind`` is ``postgresql`` or ``sqlite``."""
        return self.postgresql() if kind == "postgresql" else self.sqlite()

    def drop(self, url: str) -> None:
        """Drop one database this object created (refused for any other)."""
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            folder = Path(parsed.database).parent
            if folder not in self.created_dirs:
                raise ValueError(f"not created by the benchmark: {url}")
            if not self.keep:
                shutil.rmtree(folder, ignore_errors=True)
                self.created_dirs.remove(folder)
            return
        name = parsed.database
        if name not in self.created_pg or not NAME.fullmatch(name):
            raise ValueError(f"not created by the benchmark: {parsed.database}")
        if self.keep:
            return
        engine = self._admin_engine()
        try:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            engine.dispose()
        self.created_pg.remove(name)

    def drop_all(self) -> list[str]:
        """Drop everything created here (unless ``keep``); what is left, for the message."""
        if self.keep:
            return [*self.created_pg, *map(str, self.created_dirs)]
        for name in list(self.created_pg):
            url = make_url(self.pg_server).set(database=name)
            self.drop(url.render_as_string(hide_password=False))
        for folder in list(self.created_dirs):
            self.drop(f"sqlite:///{folder / 'bench.sqlite'}")
        return []
