"""A tilsagn is made when the letter of a granting vedtak is sent."""

from fund.decisions.queries import budget_room
from fund.grants.models import GrantState
from fund.grants.queries import grant_of
from tests.grants.conftest import ACCEPT_BY


def test_sending_a_granting_letter_offers_the_grant_with_the_acceptance_deadline(granted):
    for key in ("A", "B"):
        grant = granted.grants[key]
        assert grant is not None and grant.state == GrantState.OFFERED
        assert grant.acceptance_deadline == ACCEPT_BY
    for key in ("C", "D", "E"):
        assert grant_of(granted.apps[key]) is None


def test_money_returned_to_the_call_is_room_to_grant_again(granted, db):
    call = granted.apps["A"].call
    before = budget_room(call)
    decision = granted.decided.decisions["A"]
    decision.returned_amount = decision.amount
    db.session.flush()
    assert budget_room(call) == before + 150_000
