"""The de minimis record is kept ten years (Reg. (EU) 2023/2831 art. 6(4)): the vedtak,
its letters, and the application with the aid declared and the linked undertakings
cannot be deleted within ten years of the vedtak; after that they can."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from fund.applications.models import DeMinimisAid
from fund.decisions.models import Decision, LinkedUndertaking, StateAidBasis
from fund.grants.models import GrantError
from fund.review.models import Outcome
from tests.helpers import make_application, make_organisation, make_user


def at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=UTC),
                               tick=False)


def refused(db, *objects):
    for obj in objects:
        db.session.delete(obj)
    with pytest.raises(GrantError, match="oppbevares i 10 år"):
        db.session.flush()
    db.session.rollback()


def test_the_de_minimis_record_of_a_grant_cannot_be_deleted(granted, db):
    application = granted.apps["A"]
    decision = granted.decided.decisions["A"]
    linked = LinkedUndertaking(application_id=application.id, orgnr="998877665",
                               added_by_id=granted.lene.id)
    aid = DeMinimisAid(application_id=application.id, grantor="Innovasjon Norge",
                       granted_on=date(2026, 2, 1), amount=200_000)
    db.session.add_all([linked, aid])
    db.session.commit()
    refused(db, decision)
    refused(db, decision.letters[0])
    refused(db, linked)
    refused(db, aid)
    refused(db, application)
    db.session.expire_all()
    assert db.session.get(Decision, decision.id) is not None
    assert db.session.get(DeMinimisAid, aid.id) is not None


@pytest.fixture
def old_record(granted, db):
    """A de minimis grant decided on 2 March 2015, with the aid declared and a linked
    undertaking, no letter (the system did not exist)."""
    user = make_user("gammel@example.no", name="Gammel Søker")
    organisation = make_organisation(user, orgnr="998877665", name="Gammel AS")
    application = make_application(granted.decided.call, organisation, user,
                                   title="Gammelt prosjekt")
    db.session.flush()
    decision = Decision(application_id=application.id, outcome=Outcome.GRANTED,
                        amount=100_000, decided_on=date(2015, 3, 2),
                        state_aid_basis=StateAidBasis.DE_MINIMIS,
                        decided_by_id=granted.lene.id)
    aid = DeMinimisAid(application_id=application.id, grantor="Fylkeskommunen",
                       granted_on=date(2014, 6, 1), amount=50_000)
    linked = LinkedUndertaking(application_id=application.id, orgnr="998877673",
                               added_by_id=granted.lene.id)
    db.session.add_all([decision, aid, linked])
    db.session.commit()
    return application, decision, aid, linked


def test_the_record_is_kept_to_the_tenth_anniversary_and_may_go_after(old_record, db):
    application, decision, aid, linked = old_record
    with at(date(2025, 3, 2)):  # ten years to the day: still kept
        refused(db, decision)
        refused(db, aid)
    with at(date(2025, 3, 3)):
        for obj in (decision, aid, linked):
            db.session.delete(obj)
        db.session.flush()
        db.session.delete(application)
        db.session.flush()
    assert db.session.get(Decision, decision.id) is None


def test_a_grant_without_de_minimis_can_be_deleted_as_before(old_record, db):
    application, decision, aid, linked = old_record
    decision.state_aid_basis = StateAidBasis.NONE
    decision.decided_on = date(2027, 5, 10)
    db.session.commit()
    db.session.delete(aid)
    db.session.flush()
