"""Two fund managers entering the same figure from outside the system at the same moment,
against the served app over HTTP (SQLite and PostgreSQL): one row for the year and kind,
both told it is saved, and no server error."""

from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.core.roles import Role
from fund.reports.models import ContextFigure, ContextKind
from tests.grants.test_concurrency import no_server_errors
from tests.helpers import make_user
from tests.served import at_once
from tests.test_concurrency import unique

PAGE = "/rapporter/kontekst"


def test_two_managers_entering_the_same_figure_at_once_make_one_row(served):
    with served.database() as session:
        managers = [make_user(unique("leder") + "@example.no", Role.MANAGER)
                    for _ in range(2)]
        emails = [m.email for m in managers]
        session.flush()
        ids = [m.id for m in managers]
    calls = []
    for email, value in zip(emails, ("10 100", "10 200"), strict=True):
        browser = served.browser().login(email)
        token = browser.csrf_token(PAGE)
        data = {"csrf_token": token, "year": "2099",
                "kind": ContextKind.SSB_KNOWLEDGE_JOBS.value, "value": value,
                "source": "SSB tabell 12345", "note": ""}
        calls.append(lambda b=browser, d=data: b.post(PAGE, data=d))

    responses = at_once(calls)

    no_server_errors(responses)
    assert [r.status_code for r in responses] == [302, 302]
    with served.database() as session:
        rows = list(session.scalars(select(ContextFigure).where(
            ContextFigure.year == 2099, ContextFigure.kind == ContextKind.SSB_KNOWLEDGE_JOBS)))
        assert len(rows) == 1 and int(rows[0].value) in (10_100, 10_200)
        actions = sorted(session.scalars(select(AuditEvent.action).where(
            AuditEvent.actor_id.in_(ids), AuditEvent.action.like("context_figure.%"))))
        # one added; the other changed it, or found it already at its value
        assert actions[0] == "context_figure.added"
        assert actions in (["context_figure.added"],
                           ["context_figure.added", "context_figure.changed"])
