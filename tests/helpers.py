"""Small factories and browser-like helpers for the tests."""

import email
import errno
import itertools
import os
import re
import socket
import types
from datetime import timedelta
from email import policy

from aiosmtpd.controller import Controller
from sqlalchemy import select

from fund.auth.models import Membership, Organisation, User
from fund.calls.models import Fund
from fund.calls.operations import create_call
from fund.core.roles import Role
from fund.core.types import utcnow
from fund.extensions import db as _db
from fund.plan.models import PlanVersion

PASSWORD = "et-langt-passord-2026"


def csrf_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client, path: str, data: dict, form_page: str | None = None, **kwargs):
    """POST like a browser: fetch the form page for its CSRF token first."""
    data = {"csrf_token": csrf_token(client, form_page or path), **data}
    return client.post(path, data=data, **kwargs)


def make_user(email="soker@example.no", role=Role.APPLICANT, name="Ola Nordmann",
              password=PASSWORD, verified=True) -> User:
    user = User(email=email, name=name, role=role,
                email_verified_at=utcnow() if verified else None)
    user.set_password(password)
    _db.session.add(user)
    _db.session.flush()
    return user


def make_organisation(*members, orgnr="912345688", name="Kjeller Grønn Energi AS",
                      **fields) -> Organisation:
    """The first member is the responsible one, as the one who registers it."""
    org = Organisation(orgnr=orgnr, name=name, municipality_number="3205",
                       memberships=[Membership(user=m, responsible=i == 0)
                                    for i, m in enumerate(members)], **fields)
    _db.session.add(org)
    _db.session.flush()
    return org


def the_plan():
    return _db.session.execute(select(PlanVersion).where(PlanVersion.period == "2022-2024")
                               ).scalar_one()


def make_call(fund=Fund.NAERINGSFOND, opens_in=timedelta(days=-1),
              closes_in=timedelta(days=30), published=True, **fields):
    """A call, published unless ``published=False`` (then a draft, as the manager's form
    makes it)."""
    now = utcnow().replace(microsecond=0)
    values = dict(fund=fund, year=now.year + 1, title="Næringsfondet",
                  opens_at=now + opens_in, closes_at=now + closes_in, budget=2_000_000,
                  max_grant=200_000, max_share_percent=50, plan=the_plan())
    values.update(fields)
    call = create_call(**values)
    if published:
        call.published_at = now
    _db.session.flush()
    return call


def login(client, user_or_email, password=PASSWORD):
    email = getattr(user_or_email, "email", user_or_email)
    response = post_form(client, "/logg-inn", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response



class count_queries:
    """Count the SQL statements run inside the block (for constant-query assertions)."""

    def __enter__(self):
        from sqlalchemy import event
        self.count = 0
        self.statements = []
        self.engine = _db.engine
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def _count(self, conn, cursor, statement, *args):
        self.count += 1
        self.statements.append(statement)

    def __exit__(self, *exc):
        from sqlalchemy import event
        event.remove(self.engine, "before_cursor_execute", self._count)


class _Collector:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server on a fixed local port that can be stopped and started again."""

    def __init__(self):
        with socket.socket() as sock:  # older Controllers cannot be given port 0
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.handler = _Collector()
        self.controller = None

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def envelopes(self):
        return self.handler.envelopes

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.content, policy=policy.default)
                for e in self.envelopes]


_case_numbers = itertools.count(1)


def make_application(call, organisation, user, complete=True, **fields):
    """An application; complete=True fills everything a submission needs (with the demo's
    factory, fund.applications.demo.fill_complete)."""
    from datetime import date

    from fund.applications.demo import TEXT_FIELDS, fill_complete
    from fund.applications.models import Application, ApplicationState
    from fund.plan.models import Measure
    application = Application(call=call, organisation=organisation, created_by=user,
                              updated_by=user, contact_name=user.name, contact_email=user.email)
    if complete:
        measure = _db.session.scalars(select(Measure).where(Measure.code == "1B-2")).one()
        fill_complete(application, [measure], title="Grønn varmepumpe for Kjeller",
                      project_leader="Kari Prosjektleder",
                      texts={name: f"Tekst for {name}." for name in TEXT_FIELDS},
                      starts_on=date(2027, 3, 1), ends_on=date(2027, 12, 31),
                      cost=("Konsulent", 300_000), own_funds=150_000, applied=150_000,
                      how="Vi søker fondet.")
        if call.fund == Fund.KLIMAFOND:
            from decimal import Decimal

            from fund.applications.models import ClimateCategory
            application.climate_category = ClimateCategory.EMISSION_CUT
            application.climate_baseline = "120 tonn i året."
            application.co2e_cut_tonnes = Decimal("40.5")
            application.co2e_method = "Målt forbruk."
    for name, value in fields.items():
        setattr(application, name, value)
    if application.state not in (None, ApplicationState.DRAFT):
        # the database ties a case number and a submission time to every state but draft
        application.case_number = application.case_number or f"T-{next(_case_numbers):05d}"
        application.submitted_at = application.submitted_at or call.opens_at
    _db.session.add(application)
    _db.session.flush()
    return application


class _FormReader:
    """Reads a form's fields as a browser would submit them."""

    def __init__(self, html: str, form_id: str):
        from html.parser import HTMLParser

        reader = self
        self.form_id = form_id
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._textarea = None
        self._select = None
        self._select_value = None
        self._select_first = None
        self._option_value = None

        class Parser(HTMLParser):
            def handle_starttag(self, tag, attrs):
                reader.start(tag, dict(attrs))

            def handle_endtag(self, tag):
                reader.end(tag)

            def handle_data(self, data):
                if reader._textarea is not None:
                    reader._textarea[1] += data

        Parser(convert_charrefs=True).feed(html)

    def start(self, tag, attrs):
        if tag == "form":
            self._in_form = attrs.get("id") == self.form_id
            return
        if not self._in_form or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((attrs["name"], attrs.get("value", "on")))
                return
            self.fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]
        elif tag == "select":
            self._select, self._select_value, self._select_first = attrs["name"], None, None
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self._select_value = value

    def end(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.fields.append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            self.fields.append((self._select, self._select_value if self._select_value
                                is not None else (self._select_first or "")))
            self._select = None


def browser_form(html: str, form_id: str) -> dict:
    """The fields of form `form_id` as a browser would post them (lists for repeats)."""
    reader = _FormReader(html, form_id)
    data: dict = {}
    for name, value in reader.fields:
        if name in data:
            data[name] = data[name] if isinstance(data[name], list) else [data[name]]
            data[name].append(value)
        else:
            data[name] = value
    return data


def declare(client, application, disqualified=False, ground="", advised=False,
            explanation=""):
    """The caseworker's §6 statement, as posted from the declaration page."""
    path = f"/saksbehandling/soknader/{application.id}/habilitet"
    return post_form(client, path, {"disqualified": "yes" if disqualified else "no",
                                    "advised": "yes" if advised else "no",
                                    "ground": ground, "explanation": explanation})


def html_of(response) -> str:
    """The page's text with no-break spaces (as in "kr 150 000") made plain."""
    return response.get_data(as_text=True).replace("\xa0", " ")


def attach(application, user, filename="vedlegg.pdf", content=b"%PDF-1.4\n%%EOF\n"):
    """A real attachment: a stored file in the upload folder and its row."""
    import hashlib
    import secrets
    from pathlib import Path

    from flask import current_app

    from fund.applications.models import Attachment
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16)
    (folder / stored).write_bytes(content)
    attachment = Attachment(filename=filename, stored_name=stored,
                            content_type="application/pdf", size=len(content),
                            sha256=hashlib.sha256(content).hexdigest(), uploaded_by_id=user.id)
    application.attachments.append(attachment)
    _db.session.flush()
    return attachment


class FullDisk:
    """``os`` as fund.core.files sees it, with a disk that takes ``room`` bytes more
    (``monkeypatch.setattr(fund.core.files, "os", FullDisk(...).module)``); a write
    beyond it writes what fits and raises ENOSPC, as a full disk does."""

    def __init__(self, room: int = 10, fsync_fails: bool = False, replace_fails: bool = False):
        self.room, self.fsync_fails, self.replace_fails = room, fsync_fails, replace_fails
        self.module = types.SimpleNamespace(**{k: getattr(os, k) for k in dir(os)
                                               if not k.startswith("__")})
        self.module.fdopen = self.fdopen
        self.module.fsync = self.fsync
        self.module.replace = self.replace

    def fdopen(self, descriptor, mode="r", *args, **kwargs):
        return FullFile(os.fdopen(descriptor, mode, *args, **kwargs), self)

    def fsync(self, descriptor):
        if self.fsync_fails:
            raise OSError(errno.ENOSPC, "No space left on device")
        return os.fsync(descriptor)

    def replace(self, source, target):
        if self.replace_fails:
            raise OSError(errno.ENOSPC, "No space left on device")
        return os.replace(source, target)


class FullFile:
    def __init__(self, file, disk):
        self.file, self.disk = file, disk

    def write(self, data):
        data = bytes(data)
        if len(data) > self.disk.room:
            self.file.write(data[:self.disk.room])  # a partial file on the disk
            self.file.flush()
            self.disk.room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self.disk.room -= len(data)
        return self.file.write(data)

    def __getattr__(self, name):
        return getattr(self.file, name)


def real_pdfs(monkeypatch) -> list[bool]:
    """Documents rendered for real (not the suite's copies, ``same_html_same_pdf``), and a
    list that records each pass of the collector over a document's garbage, with whether
    the collector was back on (issue 14)."""
    import gc

    from fund.core import pdf
    monkeypatch.setattr(pdf, "write_pdf", pdf.write_pdf.__wrapped__)
    cleared: list[bool] = []
    monkeypatch.setattr(pdf, "_give_back_memory", lambda: cleared.append(gc.isenabled()))
    return cleared
