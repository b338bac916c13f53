"""The bank account: every change is its own audited action and mailed to every member;
once the organisation holds a grant, a member's change waits for staff approval and the
money keeps going to the old account until then."""

import pytest

from fund.core.roles import Role
from fund.extensions import db as _db
from fund.review.models import FrozenRanking, FrozenRankingRow
from tests.auth.test_organisation_members import mails_to
from tests.auth.test_organisations import KJELLER, audit, organisations
from tests.helpers import (
    html_of,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
    post_form,
)

OLD, NEW = "12345678903", "86011117947"


@pytest.fixture
def caseworker(db):
    return make_user("saksbehandler@example.no", Role.CASEWORKER, name="Siri Saksbehandler")


@pytest.fixture
def members(db):
    """The organisation's members: two with confirmed addresses, one without."""
    other = make_user("annen@example.no", name="Anne Annen")
    unconfirmed = make_user("ubekreftet@example.no", name="Ulf U", verified=False)
    return other, unconfirmed


def grant_to(organisation, user):
    """An application of the organisation above the line in a closed review (how review
    answers fund.core.signals.organisation_has_grant until decisions exist)."""
    call = make_call()
    application = make_application(call, organisation, user)
    ranking = FrozenRanking(call=call, budget=2_000_000, line=1, criteria=[])
    ranking.rows.append(FrozenRankingRow(
        application_id=application.id, rank=1, case_number="NF-2027-0001",
        title=application.title, organisation=organisation.name, orgnr=organisation.orgnr,
        amount_applied=150_000, recommended_amount=150_000, running_total=150_000,
        within_budget=True, assessments=2, disagreement=False, criterion_scores={},
        recommendations=[], justification=""))
    _db.session.add(ranking)
    _db.session.commit()


def change_account(client, organisation, account, follow=True):
    path = f"/organisasjoner/{organisation.id}/rediger"
    return post_form(client, path, KJELLER | {"bank_account": account, "submit": "1"},
                     follow_redirects=follow)


def decide(client, organisation, **buttons):
    base = f"/organisasjoner/{organisation.id}"
    data = {f"bank-{name}": value for name, value in buttons.items()}
    return post_form(client, f"{base}/kontonummer", data, form_page=base,
                     follow_redirects=True)


def test_without_a_grant_a_change_takes_effect_and_every_member_is_told(
        client, applicant, members):
    other, unconfirmed = members
    organisation = make_organisation(applicant, other, unconfirmed, bank_account=OLD)
    login(client, applicant)
    html = html_of(change_account(client, organisation, "8601.11.17947"))
    assert "Kontonummeret er endret. Alle medlemmene har fått beskjed på e-post." in html
    assert organisations()[0].bank_account == NEW
    [changed] = audit("organisation.bank_account_changed")
    assert changed.actor_id == applicant.id and changed.details == {"old": OLD, "new": NEW}
    for member in (applicant, other):
        [mail] = mails_to(member.email)
        assert mail.subject == "Kontonummeret er endret"
        assert "fra 1234.56.78903 til 8601.11.17947" in mail.body_text
        assert "Ola Nordmann har endret" in mail.body_text
    assert mails_to(unconfirmed.email) == []


def test_saving_other_details_does_not_touch_the_account(client, applicant):
    organisation = make_organisation(applicant, bank_account=OLD)
    login(client, applicant)
    change_account(client, organisation, "1234.56.78903")
    assert audit("organisation.bank_account_changed") == [] and mails_to(applicant.email) == []


def test_with_a_grant_a_members_change_waits_until_staff_approve_it(
        app, client, applicant, members, caseworker):
    other, _unconfirmed = members
    organisation = make_organisation(applicant, other, bank_account=OLD)
    grant_to(organisation, applicant)
    base = f"/organisasjoner/{organisation.id}"
    login(client, applicant)
    html = html_of(change_account(client, organisation, NEW))
    assert "Det nye kontonummeret tas i bruk når kommunen har godkjent det" in html
    assert "Nytt kontonummer venter på godkjenning: 8601.11.17947" in html
    [stored] = organisations()
    assert stored.bank_account == OLD  # the money still goes to the old account
    assert stored.pending_bank_account == NEW and stored.pending_bank_account_by_id == applicant.id
    [requested] = audit("organisation.bank_account_change_requested")
    assert requested.details == {"old": OLD, "new": NEW}
    assert audit("organisation.bank_account_changed") == []
    assert mails_to(other.email)[0].subject == "Nytt kontonummer venter på godkjenning"
    # Saving the form again (with the account shown) neither approves nor cancels it.
    change_account(client, organisation, "1234.56.78903")
    assert organisations()[0].pending_bank_account == NEW

    staff = app.test_client()
    login(staff, caseworker)
    assert "8601.11.17947" in html_of(staff.get("/organisasjoner/oppfolging"))
    page = html_of(staff.get(base))
    assert "Kontrollsifferet stemmer (MOD11)" in page and "Godkjenn kontonummeret" in page
    refused = decide(staff, organisation, approve="1")
    assert "Bekreft at du har kontrollert at kontoen tilhører organisasjonen." in html_of(
        refused)
    assert organisations()[0].bank_account == OLD

    approved = decide(staff, organisation, approve="1", confirm="y",
                      note="Kontoutskrift mottatt.")
    assert "Det nye kontonummeret er godkjent." in html_of(approved)
    [stored] = organisations()
    assert stored.bank_account == NEW and stored.pending_bank_account is None
    [changed] = audit("organisation.bank_account_changed")
    assert changed.actor_id == caseworker.id
    assert changed.details == {"old": OLD, "new": NEW, "approved": True,
                               "requested_by": applicant.email,
                               "note": "Kontoutskrift mottatt."}
    told = mails_to(other.email)[-1]
    assert told.subject == "Kontonummeret er godkjent" and "8601.11.17947" in told.body_text


def test_staff_reject_a_held_change_and_the_old_account_stays(
        app, client, applicant, caseworker):
    organisation = make_organisation(applicant, bank_account=OLD)
    grant_to(organisation, applicant)
    login(client, applicant)
    change_account(client, organisation, NEW)
    staff = app.test_client()
    login(staff, caseworker)
    assert "Det nye kontonummeret er avvist." in html_of(decide(staff, organisation,
                                                                reject="1"))
    [stored] = organisations()
    assert stored.bank_account == OLD and stored.pending_bank_account is None
    assert audit("organisation.bank_account_change_rejected")[0].details["rejected"] == NEW
    assert mails_to(applicant.email)[-1].subject == "Nytt kontonummer er avvist"
    assert "Ingen endring av kontonummeret venter" in html_of(decide(staff, organisation,
                                                                      reject="1"))


def test_with_a_grant_the_account_cannot_be_removed(client, applicant):
    organisation = make_organisation(applicant, bank_account=OLD)
    grant_to(organisation, applicant)
    login(client, applicant)
    response = change_account(client, organisation, "", follow=False)
    assert response.status_code == 200
    assert "Kontonummeret kan ikke fjernes når organisasjonen har fått tilskudd." in html_of(
        response)
    assert organisations()[0].bank_account == OLD


def test_an_administrators_change_waits_for_approval_like_anyones(client, applicant):
    """The money follows the account: no one changes a grant holder's alone."""
    admin = make_user("admin@example.no", Role.ADMIN, name="Ada Admin")
    organisation = make_organisation(applicant, bank_account=OLD)
    grant_to(organisation, applicant)
    login(client, admin)
    change_account(client, organisation, NEW)
    [stored] = organisations()
    assert stored.bank_account == OLD and stored.pending_bank_account == NEW
    assert audit("organisation.bank_account_change_requested")[0].actor_id == admin.id
    assert mails_to(applicant.email)[0].subject == "Nytt kontonummer venter på godkjenning"
    refused = decide(client, organisation, approve="1", confirm="y", note="Selv.")
    assert "kan ikke godkjenne kontonummeret selv" in html_of(refused)
    assert organisations()[0].bank_account == OLD


def test_changes_are_limited_so_members_are_not_flooded(client, applicant):
    organisation = make_organisation(applicant, bank_account=OLD)
    login(client, applicant)
    for account in (NEW, OLD, NEW):
        change_account(client, organisation, account)
    response = change_account(client, organisation, OLD, follow=False)
    assert "Kontonummeret er endret mange ganger den siste timen." in html_of(response)
    assert organisations()[0].bank_account == NEW
    assert len(mails_to(applicant.email)) == 3


def test_members_cannot_approve_their_own_change(client, applicant):
    organisation = make_organisation(applicant, bank_account=OLD)
    grant_to(organisation, applicant)
    login(client, applicant)
    change_account(client, organisation, NEW)
    base = f"/organisasjoner/{organisation.id}"
    response = post_form(client, f"{base}/kontonummer", {"bank-approve": "1",
                                                          "bank-confirm": "y"}, form_page=base)
    assert response.status_code == 403
    assert organisations()[0].bank_account == OLD


def test_staff_who_are_members_cannot_move_a_grant_holders_money(app, client, members,
                                                                 caseworker):
    """A caseworker who is also a member of a grant holder: their own change waits like
    anyone's, and neither they nor the one who asked may approve it."""
    other, _unconfirmed = members
    organisation = make_organisation(caseworker, other, bank_account=OLD)
    grant_to(organisation, other)
    login(client, caseworker)
    change_account(client, organisation, NEW)
    [stored] = organisations()
    assert stored.bank_account == OLD and stored.pending_bank_account == NEW
    refused = decide(client, organisation, approve="1", confirm="y", note="Egen konto.")
    assert "kan ikke godkjenne kontonummeret selv" in html_of(refused)
    assert organisations()[0].bank_account == OLD
    manager = app.test_client()
    login(manager, make_user("leder@example.no", Role.MANAGER, name="Lene Leder"))
    approved = decide(manager, organisation, approve="1", confirm="y", note="Kontrollert.")
    assert "Det nye kontonummeret er godkjent." in html_of(approved)
    assert organisations()[0].bank_account == NEW
