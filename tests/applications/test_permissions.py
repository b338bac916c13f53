"""Who may do what with an application, as pure predicates over objects never saved
(no database)."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from fund.applications.models import Application, ApplicationState, Submission
from fund.applications.permissions import can_delete, can_edit, can_view, can_withdraw
from fund.auth.models import Membership, Organisation
from fund.calls.models import Call

MEMBER = SimpleNamespace(id=1, is_authenticated=True)
STRANGER = SimpleNamespace(id=2, is_authenticated=True)


def application(state, submissions=(), review_closed=False):
    closed_at = datetime(2027, 5, 1, tzinfo=UTC) if review_closed else None
    return Application(
        state=state, submissions=[Submission(number=i + 1) for i, _ in enumerate(submissions)],
        call=Call(review_closed_at=closed_at),
        organisation=Organisation(memberships=[Membership(user_id=MEMBER.id)]))


@pytest.mark.parametrize("state, withdraw", [
    (ApplicationState.DRAFT, False),
    (ApplicationState.SUBMITTED, True),
    (ApplicationState.INFO_REQUESTED, True),
    (ApplicationState.WITHDRAWN, False),
])
def test_a_member_withdraws_only_what_is_received_and_open(state, withdraw):
    assert can_withdraw(MEMBER, application(state)) is withdraw
    assert can_withdraw(STRANGER, application(state)) is False
    assert can_withdraw(MEMBER, application(state, review_closed=True)) is False


@pytest.mark.parametrize("state, submissions, delete", [
    (ApplicationState.DRAFT, [], True),
    (ApplicationState.DRAFT, ["sent once, then asked for more"], False),
    (ApplicationState.SUBMITTED, ["sent"], False),
    (ApplicationState.WITHDRAWN, ["sent"], False),
])
def test_only_a_draft_never_sent_can_be_deleted(state, submissions, delete):
    assert can_delete(MEMBER, application(state, submissions)) is delete
    assert can_delete(STRANGER, application(state, submissions)) is False


@pytest.mark.parametrize("state, edit", [
    (ApplicationState.DRAFT, True), (ApplicationState.INFO_REQUESTED, True),
    (ApplicationState.SUBMITTED, False), (ApplicationState.WITHDRAWN, False),
])
def test_a_member_edits_a_draft_or_answers_a_request(state, edit):
    assert can_edit(MEMBER, application(state)) is edit
    assert can_edit(STRANGER, application(state)) is False
    assert can_view(MEMBER, application(state)) and not can_view(STRANGER, application(state))
