"""Received applications and blind review, as pure predicates (no database)."""

from types import SimpleNamespace

import pytest

from fund.applications.models import ApplicationState
from fund.review.permissions import is_received


@pytest.mark.parametrize("state, submissions, received", [
    (ApplicationState.DRAFT, [], False),
    (ApplicationState.DRAFT, ["sent once"], True),  # sent, then reopened: still a case
    (ApplicationState.SUBMITTED, ["sent"], True),
    (ApplicationState.WITHDRAWN, ["sent"], True),
])
def test_an_application_is_a_case_once_it_has_been_sent(state, submissions, received):
    assert is_received(SimpleNamespace(state=state, submissions=submissions)) is received
