from datetime import UTC, datetime, timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, request, url_for
from flask.sessions import SecureCookieSessionInterface

from fund.core.errors import DomainError
from fund.extensions import db

#: The largest whole number the database columns hold (PostgreSQL integer).
MAX_INT = 2**31 - 1


def require(condition: bool) -> None:
    """403 unless the user's role allows the page. Objects of other parties use 404."""
    if not condition:
        abort(403)


def is_safe_next(target: str | None) -> bool:
    """Only local paths are followed after login (no open redirect)."""
    if not target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") \
        and not target.startswith("//") and "\\" not in target


#: A number no route is given, standing in for the one each row puts in its link.
_SLOT = 918273645


def url_for_each(endpoint: str, key: str, **values):
    """``url_for(endpoint, key=…, **values)`` as a function of the one value that changes
    from row to row: the URL is built once, and each row only puts its number in. A list
    of fifty rows with three links each builds three URLs, not 150. ``key`` must be an
    integer part of the path."""
    before, _slot, after = url_for(endpoint, **{key: _SLOT}, **values).partition(str(_SLOT))

    def url(value: int) -> str:
        return f"{before}{int(value)}{after}"
    return url


def flash_errors(form) -> None:
    """For small forms that redirect back: show their errors as messages."""
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "danger")


def int_arg(name: str, default: int | None = None, minimum: int = 1,
            maximum: int = 100_000) -> int | None:
    """A whole-number query parameter such as ``?side=``, kept within bounds; junk gives
    the default."""
    raw = request.args.get(name, "")
    if not raw.isdigit() or len(raw) > 12:
        return default
    return min(max(int(raw), minimum), maximum)


def writes(view):
    """For a GET view that also writes (an audit entry): on SQLite, its transaction then
    takes the write lock from the start, as POST requests do (see ``fund._tune_sqlite``)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.writes = True
        return view(*args, **kwargs)
    return wrapper


class Outcome:
    """What ``commit`` gives back: true when the change was committed; ``value`` is what
    the operation returned, ``error`` the refusal."""

    def __init__(self, ok: bool, value=None, error: DomainError | None = None):
        self.ok, self.value, self.error = ok, value, error

    def __bool__(self) -> bool:
        return self.ok


def commit(operation, *args, into=None, success=None, category="success",
           refused_category="danger", keep=(), **kwargs) -> Outcome:
    """Run one state change and commit it, the request's single commit.

    When the operation refuses (a ``DomainError``), nothing is kept: the transaction is
    rolled back and the message goes to ``into`` (a form, shown above it; a field, shown on
    it; or a function of the refusal that gives one of these, or None) or is flashed as
    ``refused_category``. Refusals of the types in ``keep`` are committed all the same (an
    attempt that counts, an audited failure). ``success`` is flashed after the commit; it
    may be a function of the operation's result. The outcome's ``error`` is the refusal."""
    try:
        value = operation(*args, **kwargs)
    except DomainError as exc:
        if isinstance(exc, keep):
            db.session.commit()
        else:
            db.session.rollback()
        target = into(exc) if callable(into) and not hasattr(into, "errors") else into
        own = getattr(exc, "field", None)
        if target is not None and hasattr(target, "form_errors") and own and own in target:
            target = target[own]  # a refusal about one field of the form: on that field
        if target is not None:
            if hasattr(target, "form_errors"):
                target.form_errors.append(str(exc))
            else:
                target.errors = [*target.errors, str(exc)]
        else:
            flash(str(exc), refused_category)
        return Outcome(False, error=exc)
    db.session.commit()
    if success is not None:
        flash(success(value) if callable(success) else success, category)
    return Outcome(True, value)


def arrived_at(now: datetime) -> datetime:
    """When the request reached the site: the trusted proxy's stamp
    (``REQUEST_START_HEADER``: ``t=`` and seconds, milliseconds or microseconds since
    1970, as nginx, Heroku and New Relic write it), if it is at most
    ``REQUEST_START_MAX_AGE`` seconds before ``now``; otherwise ``now``."""
    header = current_app.config.get("REQUEST_START_HEADER")
    raw = request.headers.get(header, "") if header else ""
    raw = raw.strip().removeprefix("t=")
    if not raw or len(raw) > 24 or not raw.replace(".", "", 1).isdigit():
        return now
    value = float(raw)
    seconds = value / 1e6 if value >= 1e14 else value / 1e3 if value >= 1e11 else value
    try:
        stamp = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return now
    max_age = timedelta(seconds=current_app.config.get("REQUEST_START_MAX_AGE", 30))
    return stamp if now - max_age <= stamp <= now else now


class NoCookiesOnFiles(SecureCookieSessionInterface):
    """Flask's signed-cookie session, never written on a static file's response. A page's
    files are still loading when the person logs in or out; a file's answer would set the
    session it was asked with again, over the new one: the flash «Du er logget ut.» was
    lost that way (the browser story caught it), and a login could be undone."""

    def save_session(self, app, session, response) -> None:
        if request.endpoint == "static":
            return
        super().save_session(app, session, response)
