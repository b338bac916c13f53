"""The app served over real HTTP on a real, committed database, for tests of what
happens when many requests arrive at once (threads against a served app).

The database is a file of its own on SQLite, or a database of its own next to the test
database on PostgreSQL (``<name>_served``), migrated like production. Data made with
:meth:`Served.seed` is committed for real; tests use fresh names, so nothing is cleaned
up between them.
"""

import itertools
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import requests
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from fund import create_app
from fund.extensions import db as _db
from fund.plan.loader import DATA_DIR, load_plan, read_plan_file
from tests.helpers import PASSWORD


def served_database_url(tmp_path, suffix: str = "served") -> str:
    base = os.environ.get("DATABASE_URL")
    if not base or not base.startswith("postgresql"):
        return f"sqlite:///{tmp_path / (suffix + '.sqlite')}"
    url = make_url(base)
    name = f"{url.database}_{suffix}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


class Served:
    """A running server and the app behind it."""

    def __init__(self, tmp_path, suffix: str = "served", **config):
        instance = tmp_path / "instance"
        instance.mkdir()
        self.instance = instance
        previous = os.environ.get("FUND_INSTANCE_PATH")
        os.environ["FUND_INSTANCE_PATH"] = str(instance)
        try:
            self.app = create_app({
                "SQLALCHEMY_DATABASE_URI": served_database_url(tmp_path, suffix),
                "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": 10,
                                              "max_overflow": 30},
                "SECRET_KEY": "served-secret",
                "TRUSTED_HOSTS": ["127.0.0.1"],
                "SESSION_COOKIE_SECURE": False,
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "MAIL_BACKEND": "file",
                # Each browser below comes from an address of its own, through a proxy.
                "PROXY_COUNT": 1,
                **config,
            })
        finally:
            if previous is None:
                os.environ.pop("FUND_INSTANCE_PATH", None)
            else:
                os.environ["FUND_INSTANCE_PATH"] = previous
        with self.app.app_context():
            upgrade()
            load_plan(read_plan_file(DATA_DIR / "handlingsplan-2022-2024.yaml"))
            _db.session.commit()
            _db.session.remove()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.app.config["BASE_URL"] = self.url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def dialect(self) -> str:
        with self.app.app_context():
            return _db.engine.dialect.name

    @contextmanager
    def database(self):
        """An app context on the served database; what the block adds is committed."""
        with self.app.app_context():
            try:
                yield _db.session
                _db.session.commit()
            finally:
                _db.session.remove()

    def browser(self) -> "Browser":
        return Browser(self.url)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
        with self.app.app_context():
            _db.engine.dispose()


_addresses = itertools.count(1)


class Browser(requests.Session):
    """A browser for the served app: relative paths, and forms posted with their CSRF
    token, as a person would."""

    def __init__(self, base: str):
        super().__init__()
        self.base = base
        self.headers["X-Forwarded-For"] = f"10.{next(_addresses) % 250}.{next(_addresses) % 250}.1"

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 60)
        return super().request(method, self.base + url if url.startswith("/") else url,
                               *args, **kwargs)

    def csrf_token(self, path: str) -> str:
        html = self.get(path).text
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post_form(self, path: str, data: dict, form_page: str | None = None, **kwargs):
        return self.post(path, data={"csrf_token": self.csrf_token(form_page or path), **data},
                         **kwargs)

    def login(self, email: str, password: str = PASSWORD) -> "Browser":
        response = self.post_form("/logg-inn", {"email": email, "password": password})
        assert response.status_code == 302, response.text[:2000]
        return self


def at_once(calls) -> list:
    """Run the calls in threads that start together (a barrier); their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))
