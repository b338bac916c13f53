"""Small factories and browser-like helpers for the tests."""

import re
from datetime import timedelta

from sqlalchemy import select

from fund.auth.models import Membership, Organisation, Role, User
from fund.calls.models import Fund
from fund.calls.operations import create_call
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
    org = Organisation(orgnr=orgnr, name=name, municipality_number="3205",
                       memberships=[Membership(user=m) for m in members], **fields)
    _db.session.add(org)
    _db.session.flush()
    return org


def the_plan():
    return _db.session.execute(select(PlanVersion).where(PlanVersion.period == "2022-2024")
                               ).scalar_one()


def make_call(fund=Fund.NAERINGSFOND, opens_in=timedelta(days=-1),
              closes_in=timedelta(days=30), **fields):
    now = utcnow().replace(microsecond=0)
    values = dict(fund=fund, year=now.year + 1, title="Næringsfondet",
                  opens_at=now + opens_in, closes_at=now + closes_in, budget=2_000_000,
                  max_grant=200_000, max_share_percent=50, plan=the_plan())
    values.update(fields)
    call = create_call(**values)
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
        self.engine = _db.engine
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def _count(self, *args):
        self.count += 1

    def __exit__(self, *exc):
        from sqlalchemy import event
        event.remove(self.engine, "before_cursor_execute", self._count)
