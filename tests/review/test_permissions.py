"""Received applications and blind review, as pure predicates (no database)."""

from types import SimpleNamespace

import pytest

from fund.applications.models import ApplicationState
from fund.core.roles import Role
from fund.review.permissions import (
    can_assign,
    can_assign_others,
    can_change_review_settings,
    can_edit_assessment,
    is_received,
    may_open,
    may_request_info,
    must_declare,
)


@pytest.mark.parametrize("state, submissions, received", [
    (ApplicationState.DRAFT, [], False),
    (ApplicationState.DRAFT, ["sent once"], True),  # sent, then reopened: still a case
    (ApplicationState.SUBMITTED, ["sent"], True),
    (ApplicationState.WITHDRAWN, ["sent"], True),
])
def test_an_application_is_a_case_once_it_has_been_sent(state, submissions, received):
    assert is_received(SimpleNamespace(state=state, submissions=submissions)) is received


# Who may do what in a case, as pure predicates --------------------------------------------

def person(role, authenticated=True, id=7):
    return SimpleNamespace(id=id, role=role, is_authenticated=authenticated)


def case(state=ApplicationState.SUBMITTED, review_closed=False, archived=False):
    call = SimpleNamespace(review_closed=review_closed,
                           archived_at="2027-06-01" if archived else None)
    return SimpleNamespace(state=state, submissions=["sent"], call=call,
                           organisation=SimpleNamespace(memberships=[]))


@pytest.mark.parametrize("user, allowed", [
    (person(Role.MANAGER), True), (person(Role.CASEWORKER), False),
    (person(Role.ADMIN), False), (person(Role.MANAGER, authenticated=False), False),
    (person(Role.APPLICANT), False),
])
def test_only_a_signed_in_manager_hands_cases_to_others(user, allowed):
    assert can_assign_others(user) is allowed


@pytest.mark.parametrize("role, closed, archived, allowed", [
    (Role.MANAGER, False, False, True), (Role.ADMIN, False, False, True),
    (Role.MANAGER, True, False, False), (Role.MANAGER, True, True, False),
    (Role.MANAGER, False, True, False), (Role.CASEWORKER, False, False, False),
])
def test_review_settings_change_until_the_review_is_closed(role, closed, archived, allowed):
    call = case(review_closed=closed, archived=archived).call
    assert can_change_review_settings(person(role), call) is allowed


@pytest.mark.parametrize("owner, closed, allowed", [
    (7, False, True), (8, False, False), (7, True, False), (8, True, False),
])
def test_only_the_caseworkers_own_assessment_is_edited_while_the_review_is_open(
        owner, closed, allowed):
    assessment = SimpleNamespace(caseworker_id=owner)
    call = case(review_closed=closed).call
    assert can_edit_assessment(person(Role.CASEWORKER), assessment, call) is allowed


@pytest.mark.parametrize("role, state, closed, allowed", [
    (Role.CASEWORKER, ApplicationState.SUBMITTED, False, True),
    (Role.MANAGER, ApplicationState.SUBMITTED, False, True),
    (Role.CASEWORKER, ApplicationState.INFO_REQUESTED, False, False),
    (Role.CASEWORKER, ApplicationState.WITHDRAWN, False, False),
    (Role.CASEWORKER, ApplicationState.SUBMITTED, True, False),
    (Role.APPLICANT, ApplicationState.SUBMITTED, False, False),
    (Role.ADMIN, ApplicationState.SUBMITTED, False, False),
])
def test_information_is_asked_for_only_on_a_submitted_case_in_an_open_review(
        role, state, closed, allowed):
    assert may_request_info(person(role), case(state, review_closed=closed)) is allowed


@pytest.mark.parametrize("declaration, allowed", [
    (None, False),
    (SimpleNamespace(disqualified=False), True),
    (SimpleNamespace(disqualified=True), False),
])
def test_a_case_opens_only_to_one_who_declared_not_disqualified(declaration, allowed):
    assert may_open(person(Role.CASEWORKER), case(), declaration) is allowed


MEMBER_ID = 9


def applied_by_member(state=ApplicationState.SUBMITTED):
    application = case(state)
    application.organisation = SimpleNamespace(
        memberships=[SimpleNamespace(user_id=MEMBER_ID)])
    return application


@pytest.mark.parametrize("user, declaration, must", [
    (person(Role.CASEWORKER), None, True),
    (person(Role.MANAGER), None, True),
    (person(Role.CASEWORKER), SimpleNamespace(disqualified=False), False),
    (person(Role.APPLICANT), None, False),
    (person(Role.CASEWORKER, authenticated=False), None, False),
    (person(Role.CASEWORKER, id=MEMBER_ID), None, False),  # a member is inhabil anyway
])
def test_a_case_handler_declares_once_before_opening_a_case(user, declaration, must):
    assert must_declare(user, applied_by_member(), declaration) is must


def test_a_draft_never_sent_asks_for_no_declaration():
    draft = applied_by_member(ApplicationState.DRAFT)
    draft.submissions = []
    assert must_declare(person(Role.CASEWORKER), draft, None) is False


MANAGER, CASEWORKER = person(Role.MANAGER, id=1), person(Role.CASEWORKER, id=2)
CLEAN = SimpleNamespace(disqualified=False)


@pytest.mark.parametrize("actor, caseworker, declaration, state, allowed", [
    pytest.param(MANAGER, CASEWORKER, None, ApplicationState.SUBMITTED, True, id="hands-out"),
    pytest.param(CASEWORKER, CASEWORKER, CLEAN, ApplicationState.SUBMITTED, True,
                 id="takes-own"),
    pytest.param(CASEWORKER, CASEWORKER, SimpleNamespace(disqualified=True),
                 ApplicationState.SUBMITTED, False, id="inhabil-takes"),
    pytest.param(person(Role.CASEWORKER, id=MEMBER_ID), person(Role.CASEWORKER, id=MEMBER_ID),
                 None, ApplicationState.SUBMITTED, False, id="member-takes"),
    pytest.param(CASEWORKER, person(Role.CASEWORKER, id=3), None, ApplicationState.SUBMITTED,
                 False, id="caseworker-hands-out"),
    pytest.param(MANAGER, person(Role.APPLICANT, id=4), None, ApplicationState.SUBMITTED,
                 False, id="to-an-applicant"),
    pytest.param(MANAGER, None, None, ApplicationState.SUBMITTED, False, id="to-nobody"),
    pytest.param(MANAGER, CASEWORKER, None, ApplicationState.DRAFT, False, id="a-draft"),
    pytest.param(person(Role.ADMIN, id=5), CASEWORKER, None, ApplicationState.SUBMITTED,
                 False, id="admin"),
])
def test_who_may_give_a_case_to_whom(actor, caseworker, declaration, state, allowed):
    assert can_assign(actor, caseworker, applied_by_member(state), declaration) is allowed
