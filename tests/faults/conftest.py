"""Faults injected in the middle of state changes: the PDF renderer raising, the database
going away, the mail server dropping the connection. What a user would notice is checked:
the page they get, and that nothing is half-done (every table, the letters folder and the
outbox exactly as before)."""

import os
import re
from pathlib import Path

import pytest
from flask import has_request_context
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from fund.extensions import db as _db
from tests.decisions.conftest import decided, proposed, sent  # noqa: F401 (fixtures)
from tests.grants.conftest import accepted, granted  # noqa: F401 (fixtures)
from tests.review.conftest import case, competition  # noqa: F401 (fixtures)


def dump() -> dict[str, list[str]]:
    """Every row of every table, as text, in a fixed order."""
    _db.session.expire_all()
    return {table.name: sorted(repr(tuple(row)) for row in
                               _db.session.execute(select(table)).all())
            for table in _db.metadata.sorted_tables}


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def files(app, kind: str) -> set[str]:
    folder = Path(app.instance_path) / kind
    return set(os.listdir(folder)) if folder.exists() else set()


def state(app) -> tuple:
    """What a failed change must leave exactly as it was."""
    return dump(), files(app, "letters"), files(app, "outbox"), files(app, "uploads")


#: A statement that writes, or the commit of a request's transaction (in the tests the
#: request's transaction is a savepoint of the test's, so its commit is RELEASE SAVEPOINT).
WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|RELEASE SAVEPOINT)\b", re.IGNORECASE)


class DatabaseFault:
    """The connection lost at the n-th write of the next request (while it is being
    handled; the mail delivered after the response is another transaction): the statement fails as
    a dropped connection does (``OperationalError``, "server closed the connection
    unexpectedly"), and nothing of the transaction reaches the database."""

    def __init__(self):
        self.at: int | None = None
        self.count = 0
        self.fired = False
        self.statement = ""

    def arm(self, at: int, pattern: re.Pattern = WRITES, in_request: bool = True) -> None:
        """Fail the ``at``-th statement matching ``pattern``: in a request, or (with
        ``in_request=False``) outside one, as the mail delivered after the response is."""
        self.at, self.count, self.fired = at, 0, False
        self.pattern, self.in_request = pattern, in_request

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if self.at is None or has_request_context() != self.in_request \
                or not self.pattern.match(statement):
            return
        self.count += 1
        if self.count == self.at:
            self.at, self.fired, self.statement = None, True, statement
            savepoint = re.match(r"\s*RELEASE SAVEPOINT (\w+)", statement)
            if savepoint:  # the commit failed: the server has discarded the transaction
                cursor.execute(f"ROLLBACK TO SAVEPOINT {savepoint.group(1)}")
                cursor.execute(statement)
            raise OperationalError(statement, parameters, ConnectionResetError(
                "server closed the connection unexpectedly"))


@pytest.fixture
def database_fault(app, db):
    fault = DatabaseFault()
    event.listen(_db.engine, "before_cursor_execute", fault)
    try:
        yield fault
    finally:
        event.remove(_db.engine, "before_cursor_execute", fault)


class FailingRenderer:
    """``write_pdf`` (the WeasyPrint call every document goes through) raising on its
    ``at``-th call of the next action, as a renderer out of memory or missing a font
    does; the calls before it render as usual."""

    def __init__(self, real, at: int = 1):
        self.real, self.at, self.calls = real, at, 0

    def __call__(self, html: str) -> bytes:
        self.calls += 1
        if self.calls == self.at:
            raise RuntimeError("WeasyPrint: cannot allocate memory")
        return self.real(html)


@pytest.fixture
def pdf_fault(monkeypatch):
    """``pdf_fault(at)`` makes the renderer fail at its ``at``-th call from now on;
    ``pdf_fault.restore()`` mends it."""
    import fund.core.pdf
    real = fund.core.pdf.write_pdf

    class Control:
        renderer: FailingRenderer | None = None

        def __call__(self, at: int = 1) -> FailingRenderer:
            self.renderer = FailingRenderer(real, at)
            monkeypatch.setattr(fund.core.pdf, "write_pdf", self.renderer)
            return self.renderer

        def restore(self) -> None:
            monkeypatch.setattr(fund.core.pdf, "write_pdf", real)

    return Control()


#: What the person is told when the renderer fails (fund.core.pdf.DocumentFailed).
NO_DOCUMENT = "Dokumentet kunne ikke lages akkurat nå, så ingenting er endret."


class FlakyHandler:
    """A mail server that misbehaves for its first ``failures`` messages: it cuts the
    connection in the middle of DATA (``drop``) or answers 451 (``refuse``), and then
    accepts; ``envelopes`` holds what it accepted."""

    def __init__(self, failures: int, mode: str = "drop"):
        self.failures, self.mode = failures, mode
        self.envelopes, self.attempts = [], 0

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.attempts <= self.failures:
            if self.mode == "drop":
                server.transport.close()  # gone mid-message: no answer to DATA
                return "421 closing"
            return "451 Requested action aborted: local error in processing"
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def flaky_smtp(app, monkeypatch):
    """``flaky_smtp(failures, mode)`` starts a real SMTP server on loopback that fails the
    first ``failures`` messages, with the app set to deliver to it."""
    from tests.helpers import SmtpServer
    servers = []

    def start(failures: int, mode: str = "drop") -> SmtpServer:
        server = SmtpServer()
        server.handler = FlakyHandler(failures, mode)
        monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
        monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
