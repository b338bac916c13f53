"""Grants for the follow-up tests, from the decided call of tests/decisions.

``granted``: the letters of the decided call were sent on Tuesday 11 May 2027, which made
two tilsagn: A (Alfa AS, kr 150 000 granted in full, de minimis) and B (Beta AS,
kr 90 000 of 150 000). Both wait for acceptance until Tuesday 8 June 2027 (four weeks).
Each application has one approved cost line, «Konsulent», kr 300 000, and runs from
1 March to 31 December 2027."""

from dataclasses import dataclass
from datetime import date

import pytest

from fund.applications.models import Application
from fund.auth.models import User
from fund.grants.models import Grant
from fund.grants.queries import grant_of
from tests.decisions.conftest import DEADLINE, SENT_AT, Decided, decided, sent  # noqa: F401

#: Four weeks after the notification of 11 May 2027.
ACCEPT_BY = date(2027, 6, 8)


@dataclass
class Granted:
    decided: Decided
    grants: dict[str, Grant]  #: "A" and "B"

    @property
    def apps(self) -> dict[str, Application]:
        return self.decided.apps

    @property
    def applicants(self) -> dict[str, User]:
        return self.decided.applicants

    @property
    def lene(self) -> User:  #: manager
        return self.decided.lene

    @property
    def mona(self) -> User:  #: manager, inhabil in B
        return self.decided.mona

    @property
    def sara(self) -> User:  #: caseworker
        return self.decided.sara


@pytest.fixture
def granted(sent):  # noqa: F811
    return Granted(decided=sent, grants={key: grant_of(sent.apps[key]) for key in ("A", "B")})


@pytest.fixture
def accepted(granted, db):
    """``granted`` with both grants accepted on 20 May 2027 by their applicants (stated
    authority, verified), the bank account frozen. Set directly, so that the payment,
    report and recovery tests do not depend on the acceptance code."""
    from datetime import UTC, datetime

    from fund.grants.models import AuthorityCheck, GrantState
    for key, grant in granted.grants.items():
        organisation = grant.application.organisation
        organisation.bank_account = organisation.bank_account or "12345678903"
        grant.state = GrantState.ACCEPTED
        grant.accepted_at = datetime(2027, 5, 20, 10, 0, tzinfo=UTC)
        grant.accepted_by_id = granted.applicants[key].id
        grant.acceptor_name, grant.acceptor_role = granted.applicants[key].name, "Daglig leder"
        grant.authority = AuthorityCheck.VERIFIED
        grant.authority_verified_by_id = granted.sara.id
        grant.bank_account = organisation.bank_account
        grant.final_report_due = date(2028, 2, 29)
    db.session.commit()
    return granted
