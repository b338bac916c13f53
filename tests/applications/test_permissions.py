"""Who may do what with an application, as pure predicates (no database)."""

from types import SimpleNamespace

import pytest

from fund.applications.models import ApplicationState
from fund.applications.permissions import can_delete, can_edit, can_view, can_withdraw

MEMBER = SimpleNamespace(id=1, is_authenticated=True)
STRANGER = SimpleNamespace(id=2, is_authenticated=True)


def application(state, submissions=(), review_closed=False):
    return SimpleNamespace(
        state=state, submissions=list(submissions),
        call=SimpleNamespace(review_closed=review_closed),
        organisation=SimpleNamespace(memberships=[SimpleNamespace(user_id=MEMBER.id)]))


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
