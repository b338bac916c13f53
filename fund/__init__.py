"""fund: the grant system for Lillestrøm kommune's næringsfond and klimafond."""

import logging
import os
import secrets
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, g, has_request_context, render_template, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import escape
from sqlalchemy import event
from sqlalchemy.exc import DataError, DisconnectionError, InterfaceError, OperationalError
from werkzeug.exceptions import SecurityError
from werkzeug.routing import IntegerConverter

from fund.extensions import babel, csrf, db, login_manager, migrate

try:
    __version__ = version("fund")
except PackageNotFoundError:  # running from a checkout without install
    __version__ = "0.0.0"

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    instance_path = os.environ.get("FUND_INSTANCE_PATH") or str(ROOT / "instance")
    app = Flask(__name__, instance_path=os.path.abspath(instance_path),
                instance_relative_config=True, template_folder=str(ROOT / "templates"))
    _configure(app, config or {})

    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    app.url_map.converters["int"] = BoundedInt
    from fund.core.http import NoCookiesOnFiles
    app.session_interface = NoCookiesOnFiles()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    from fund.core import translations
    translations.install(app)
    from fund.core import forms
    forms.install()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Logg inn for å se denne siden.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from fund.core.sql import keep_prepared_statements
    with app.app_context():
        _tune_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        keep_prepared_statements(db.engine)

    _register_models()
    _register_blueprints(app)
    _register_hooks(app)
    _register_errors(app)
    _register_template_helpers(app)
    if app.config["GC_FREEZE"] if app.config["GC_FREEZE"] is not None else not app.testing:
        _freeze_what_lives_as_long_as_the_process(app.config["GC_YOUNG_THRESHOLD"])
    return app


def _freeze_what_lives_as_long_as_the_process(young_threshold: int) -> None:
    """Move what the app made to start (models, metadata, routes, the settings) out of the
    cycle collector's reach: it lives as long as the worker, and every full collection
    walked all of it again. A ranking of 8,000 rows makes enough objects to set off such
    collections, which were half its time (issue 14: 185 → 82 ms of CPU). Not in tests,
    which make many apps in one process (``GC_FREEZE``).

    Then the youngest generation is collected less often (``young_threshold``):
    Python's default, 700 allocations, collected it two or three times in each request
    of a staff page, and each time moved the request's live objects (rows, forms, template
    frames) a generation up, to be scanned again; most are freed by their reference counts
    when the request ends. «Mine søknader» spent 0.27 ms a request collecting, and 0.01
    after; the form 1.25 and 0.85 (100,000 applications)."""
    import gc
    gc.collect()
    gc.freeze()
    _young, *older = gc.get_threshold()
    gc.set_threshold(young_threshold, *older)


def _configure(app: Flask, overrides: dict) -> None:
    app.config.from_object("fund.config")
    app.config.from_pyfile("config.py", silent=True)
    env = os.environ
    if env.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = env["DATABASE_URL"]
    for name in ("SECRET_KEY", "MAIL_SERVER", "MAIL_BACKEND", "BRREG_BASE_URL", "BASE_URL"):
        if env.get(f"FUND_{name}"):
            app.config[name] = env[f"FUND_{name}"]
    if env.get("FUND_TRUSTED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = env["FUND_TRUSTED_HOSTS"].replace(",", " ").split()
    if env.get("FUND_MAIL_PORT"):
        app.config["MAIL_PORT"] = int(env["FUND_MAIL_PORT"])
    if env.get("FUND_BRREG_ENABLED"):
        app.config["BRREG_ENABLED"] = env["FUND_BRREG_ENABLED"].lower() in ("1", "true", "yes")
    app.config.update(overrides)
    app.config["VERSION"] = __version__
    if not app.config.get("TRUSTED_HOSTS"):
        # Requests naming another host are refused, so nothing is built from a forged one.
        app.config["TRUSTED_HOSTS"] = [urlsplit(app.config["BASE_URL"]).hostname]

    instance = Path(app.instance_path)
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        instance.chmod(0o700)  # the database, uploads and outbox are private to the app
    except PermissionError:
        logging.getLogger(__name__).warning("cannot make %s private (mode 0700)", instance)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = \
            f"sqlite:///{Path(app.instance_path) / 'fund.sqlite'}"
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith(("postgres://", "postgresql://")):  # use psycopg 3
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.split("://", 1)[1]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # PostgreSQL's JIT compiling costs more than it saves on the app's queries: the
        # coverage report's aggregates at 100 000 applications ran a third faster without
        # it (bench/coverage_report.py). Off for the app's own connections unless configured.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("options", "-c jit=off")
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "connect_args": connect_args}
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(name) is None:
            app.config[name] = not app.debug
    logging.basicConfig(level=logging.INFO)
    # WeasyPrint's progress is a line per step and page of every PDF: noise in the log
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _instance_secret(path: Path) -> str:
    """Generated on first run and kept in the instance folder, never in git."""
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class BoundedInt(IntegerConverter):
    """``<int:…>`` in URLs: a number too large for the database is no match (404), not
    an overflow (500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _tune_sqlite(engine, busy_timeout_ms: int) -> None:
    """SQLite for several requests at once: WAL (readers never wait for the writer), a
    busy timeout (a writer waits for the one before it instead of failing), and
    transactions that take the write lock at BEGIN in requests that change things, so
    that two of them never deadlock upgrading a read lock. Also: foreign keys on,
    transactions that savepoints work inside (pysqlite quirk), and a database file only
    its owner can read."""
    if engine.dialect.name != "sqlite":
        return
    path = engine.url.database
    on_disk = bool(path) and path != ":memory:" and not path.startswith("file:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if on_disk:
            cursor.execute("PRAGMA journal_mode=WAL")
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.chmod(path + suffix, 0o600)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writes() else "BEGIN")


def _writes() -> bool:
    """Whether the transaction may write: a request that changes things (see
    ``fund.core.http.writes``), or work outside a request (commands, mail delivery after
    a response), which mostly writes."""
    if not has_request_context():
        return True
    return request.method not in ("GET", "HEAD", "OPTIONS") or g.get("writes", False)


def _register_models() -> None:
    from fund.applications import models as _applications  # noqa: F401
    from fund.audit import models as _audit  # noqa: F401
    from fund.auth import models as _auth  # noqa: F401
    from fund.calls import models as _calls  # noqa: F401
    from fund.core import models as _core  # noqa: F401
    from fund.decisions import models as _decisions  # noqa: F401
    from fund.grants import models as _grants  # noqa: F401
    from fund.mail import models as _mail  # noqa: F401
    from fund.plan import models as _plan  # noqa: F401
    from fund.reports import models as _reports  # noqa: F401
    from fund.review import models as _review  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from fund.applications.cli import applications_cli
    from fund.applications.views import bp as applications_bp
    from fund.audit.views import bp as audit_bp
    from fund.auth.views import bp as auth_bp
    from fund.calls.cli import call_cli
    from fund.calls.views import bp as calls_bp
    from fund.core import transaction as _transaction  # noqa: F401  (marks g.committed)
    from fund.core.cli import backup_command, files_cli, grant_app_role_command, restore_command
    from fund.core.law_pages import bp as law_bp
    from fund.core.views import bp as core_bp
    from fund.decisions import grants as _decision_grants  # noqa: F401  (answers signals)
    from fund.decisions.cli import decisions_cli
    from fund.decisions.views import applicant_bp as decisions_applicant_bp
    from fund.decisions.views import bp as decisions_bp
    from fund.demo import demo_command
    from fund.grants import receivers as _grant_receivers  # noqa: F401  (answers signals)
    from fund.grants.cli import grants_cli
    from fund.grants.views import bp as grants_bp
    from fund.grants.views import recipient_bp as grants_recipient_bp
    from fund.mail.cli import mail_cli
    from fund.plan.cli import plan_cli
    from fund.plan.views import bp as plan_bp
    from fund.privacy.views import bp as privacy_bp
    from fund.reports import freshness as _report_freshness  # noqa: F401  (marks changes)
    from fund.reports.cli import reports_cli
    from fund.reports.export_views import bp as reports_exports_bp
    from fund.reports.views import bp as reports_bp
    from fund.review import grants  # noqa: F401  (answers signals from the domains below)
    from fund.review.cli import exports_cli
    from fund.review.figures import rebuild_figures_command  # (installs its flush listener)
    from fund.review.views import bp as review_bp
    from fund.review.views import manage_bp as review_manage_bp

    for bp in (core_bp, law_bp, auth_bp, audit_bp, plan_bp, calls_bp, applications_bp, review_bp,
               review_manage_bp, decisions_bp, decisions_applicant_bp, grants_bp,
               grants_recipient_bp, reports_bp, reports_exports_bp, privacy_bp):
        app.register_blueprint(bp)
    for group in (mail_cli, call_cli, plan_cli, applications_cli, decisions_cli, grants_cli,
                  reports_cli, exports_cli):
        app.cli.add_command(group)
    app.cli.add_command(demo_command)
    for command in (grant_app_role_command, backup_command, restore_command, files_cli,
                    rebuild_figures_command):
        app.cli.add_command(command)


@login_manager.user_loader
def _load_user(session_id: str):
    """The session names the user, their password's fingerprint and a server-side session:
    logging out, a changed password or a deactivated account ends it."""
    from fund.auth.operations import user_for_session
    return user_for_session(session_id, session.get("sid"))


def _select_locale() -> str:
    from flask import current_app, has_request_context
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    lang = session.get("lang")
    if lang in languages:
        return lang
    return request.accept_languages.best_match(list(languages)) or \
        current_app.config["BABEL_DEFAULT_LOCALE"]


def _current_language() -> str:
    """The language a page or document is being written in: the reader's, or the one
    ``force_locale`` sets (mail in the recipient's language, letters in Norwegian)."""
    from flask import current_app
    from flask_babel import get_locale
    locale = get_locale()
    return locale.language if locale is not None else \
        current_app.config["BABEL_DEFAULT_LOCALE"]


CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _register_hooks(app: Flask) -> None:
    from fund.core.pdf import resume_collector_after_request, resume_collector_on_teardown
    from fund.mail.operations import deliver_queued_after_request

    @app.after_request
    def security_headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response

    app.after_request(deliver_queued_after_request)
    app.after_request(resume_collector_after_request)
    app.teardown_request(resume_collector_on_teardown)


def _register_errors(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    from fund.core.pdf import DocumentFailed

    messages = {
        400: _l("Forespørselen kunne ikke behandles."),
        403: _l("Du har ikke tilgang til denne siden."),
        404: _l("Vi finner ikke siden du leter etter."),
        405: _l("Denne handlingen er ikke tillatt her."),
        413: _l("Filen eller skjemaet er for stort."),
        429: _l("For mange forespørsler. Vent litt og prøv igjen."),
        500: _l("Noe gikk galt hos oss. Feilen er logget; prøv igjen om litt."),
    }

    def plain_page(code, message):
        return (f'<!doctype html><html lang="nb"><title>{code}</title><main><h1>{code}</h1>'
                f"<p>{escape(str(message))}</p></main></html>"), code

    def rollback():
        """A failed statement leaves the session unusable until it is rolled back; the
        page itself reads the user from it. When the connection itself is gone, the
        rollback can fail too: then the session is dropped, and the next use of it gets a
        fresh connection from the pool (``pool_pre_ping``)."""
        try:
            db.session.rollback()
        except Exception:
            app.logger.warning("rollback failed; the session is discarded", exc_info=True)
            db.session.remove()

    def render_error(code, message):
        rollback()
        try:
            return render_template("errors/error.html", code=code, message=message), code
        except Exception:  # the page must never be a bare server error
            app.logger.exception("error page failed")
            rollback()
            return plain_page(code, message)

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        """A Host header not in TRUSTED_HOSTS: no links can be built for it."""
        return plain_page(400, _l("Forespørselen kunne ikke behandles."))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _("Skjemaet var utløpt eller ugyldig. Gå tilbake, last siden "
                                   "på nytt og prøv igjen – det du skrev er ikke sendt."))

    @app.errorhandler(DataError)
    def data_error(error):
        """A value the database refuses (a last line of defence: forms check first)."""
        app.logger.warning("database refused a value: %s", error)
        return render_error(400, _("Noe av det du sendte, kunne ikke lagres (ugyldige tegn "
                                   "eller et for stort tall). Gå tilbake og rett det."))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DisconnectionError)
    def busy(error):
        """The database busy, or gone (restarted, the connection cut): the transaction is
        rolled back, so nothing of the request is kept, and the person is asked to try
        again; the next request gets a fresh connection."""
        app.logger.exception("database unavailable or busy")
        if g.get("committed"):  # the change was kept; only the page after it failed
            message = _("Det du sendte, er lagret, men siden kunne ikke vises fordi systemet "
                        "er opptatt. Vent litt og last siden på nytt; ikke send det igjen.")
        else:
            message = _("Systemet er opptatt akkurat nå. Det du sendte, er ikke lagret. Vent "
                        "litt og prøv igjen.")
        response, code = render_error(503, message)
        return response, code, {"Retry-After": "5"}

    @app.errorhandler(DocumentFailed)
    def document_failed(error):
        """The PDF renderer failed where no form shows the refusal (a document fetched
        rather than made in a state change)."""
        response, code = render_error(503, str(error))
        return response, code, {"Retry-After": "5"}

    for code, message in messages.items():
        app.register_error_handler(code, lambda error, c=code, m=message: render_error(c, m))


def _register_template_helpers(app: Flask) -> None:
    from fund.calls.labels import CALL_STATE_LABELS, FUND_LABELS
    from fund.calls.models import CallState
    from fund.core import formatting
    from fund.core.hooks import hook, row_hooks
    from fund.core.pdf import letterhead
    from fund.core.roles import ROLE_LABELS, Role

    app.jinja_env.filters["datetime"] = formatting.format_datetime
    app.jinja_env.filters["date"] = formatting.format_date
    app.jinja_env.filters["datetime_short"] = formatting.format_datetime_short
    app.jinja_env.filters["nok"] = formatting.format_nok
    app.jinja_env.filters["countdown"] = formatting.format_countdown
    from fund.core.types import utcnow
    from fund.mail.operations import external_url
    app.jinja_env.globals["now"] = utcnow
    app.jinja_env.globals["hook"] = hook
    app.jinja_env.globals["row_hooks"] = row_hooks
    app.jinja_env.globals["pdf_letterhead"] = letterhead
    app.jinja_env.globals["external_url"] = external_url
    from fund.core.http import url_for_each
    app.jinja_env.globals["url_for_each"] = url_for_each
    app.jinja_env.filters["percent"] = formatting.format_percent
    app.jinja_env.filters["number"] = formatting.format_number
    app.jinja_env.filters["combine"] = lambda a, b: {**a, **b}

    can = _permission_predicates()

    @app.context_processor
    def helpers():
        from flask import current_app
        return {"ROLE_LABELS": ROLE_LABELS, "FUND_LABELS": FUND_LABELS, "Role": Role, "can": can,
                "CallState": CallState,
                "CALL_STATE_LABELS": CALL_STATE_LABELS,
                "LANGUAGES": current_app.config["LANGUAGES"],
                "current_language": _current_language()}


class _Can:
    """Templates ask the domains' permission predicates about the current user:
    ``{% if can.manage_calls %}`` is ``can_manage_calls(current_user)``."""

    def __init__(self, predicates: dict):
        self._predicates = predicates

    def __getattr__(self, name: str) -> bool:
        try:
            predicate = self._predicates[name]
        except KeyError:
            raise AttributeError(name) from None
        return predicate(current_user)


def _permission_predicates() -> _Can:
    from fund.applications.permissions import can_start
    from fund.auth.permissions import can_administer, can_verify_organisation
    from fund.calls.permissions import can_manage_calls
    from fund.core.roles import is_admin
    from fund.grants.permissions import can_report_to_registers
    from fund.plan.permissions import can_manage_plans, can_set_priorities
    from fund.reports.permissions import can_enter_context, can_read_reports
    from fund.review.permissions import is_case_handler, may_close_review

    return _Can({
        "apply": can_start,  # an applicant: own applications and organisations
        "handle_cases": is_case_handler,
        "follow_up_organisations": can_verify_organisation,
        "manage_calls": can_manage_calls,
        "close_review": may_close_review,
        "administer_users": can_administer,
        "manage_plans": can_manage_plans,
        "set_priorities": can_set_priorities,
        "read_audit_log": is_admin,
        "report_to_registers": can_report_to_registers,
        "read_reports": can_read_reports,
        "enter_context": can_enter_context,
    })
