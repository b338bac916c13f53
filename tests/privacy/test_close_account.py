"""«Avslutt kontoen»: a person closes their own account. Their personal data goes where
no law keeps it; the case documents stay, with the name and address as they stand there."""

from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from fund.applications.models import Application, Attachment
from fund.audit.models import AuditEvent
from fund.auth.models import Membership, Organisation, User, UserSession
from fund.core.roles import Role
from fund.decisions.models import Decision, Letter
from fund.mail.models import OutboxMessage
from fund.mail.operations import deliver_due
from tests.helpers import (
    PASSWORD,
    attach,
    login,
    make_application,
    make_organisation,
    make_user,
    post_form,
)

CLOSE = "/min-side/avslutt-konto"


def close(client, password=PASSWORD, confirm="y"):
    return post_form(client, CLOSE, {"password": password, "confirm": confirm})


def mail_to(db, address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == address).order_by(OutboxMessage.id)))


def test_closing_removes_the_person_and_keeps_the_case(client, app, sent, db):
    person, gamma = sent.applicants["C"], sent.apps["C"]
    person_id, organisation_id = person.id, gamma.organisation_id
    draft = make_application(sent.call, gamma.organisation, person, title="Gammas neste idé")
    draft_file = Path(current_app.instance_path) / "uploads" / attach(draft, person).stored_name
    draft_id = draft.id
    case_file = Path(current_app.instance_path) / "uploads" / attach(gamma, person).stored_name
    letter = db.session.scalars(select(Letter).where(
        Letter.application_id == gamma.id)).one()
    letter_file = Path(current_app.instance_path) / "letters" / letter.stored_name
    db.session.commit()
    deliver_due()  # the receipt and the notice of the vedtak reach the mailbox
    before = {m.id: m.subject for m in mail_to(db, "c@example.no")}
    outbox = Path(current_app.instance_path) / "outbox"
    copies = {m.id: outbox / f"{m.created_at:%Y%m%dT%H%M%S}-{m.id}.eml"
              for m in mail_to(db, "c@example.no")}
    assert all(path.exists() for path in copies.values())  # the "file" mail backend's
    assert any(s.startswith("Kvittering") for s in before.values())
    other_device = app.test_client()
    login(other_device, "c@example.no")
    with app.test_request_context():
        from fund.auth.operations import make_token
        reset_link = f"/nytt-passord/{make_token(person, 'reset')}"
        verify_link = f"/bekreft-epost/{make_token(person, 'verify')}"
    login(client, "c@example.no")

    page = client.get(CLOSE).get_data(as_text=True)
    assert "arkivlova" in page and "10 år" in page and "Avslutt kontoen" in page
    response = close(client)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/konto-avsluttet")
    db.session.expire_all()

    # The confirmation went to the address before it was removed.
    after = mail_to(db, "c@example.no")
    confirmation = [m for m in after if m.id not in before]
    assert [m.subject for m in confirmation] == ["Kontoen din er avsluttet"]
    assert confirmation[0].state.value == "sent"
    # The notice of the vedtak is part of the case record and stays; the receipt mail goes.
    kept = {m.id: m.subject for m in after if m.id in before}
    assert list(kept.values()) == ["Vedtak i sak " + gamma.case_number]
    assert [i for i, path in copies.items() if path.exists()] == list(kept)

    # The account: no name, no address, no password, no sessions, no memberships.
    user = db.session.get(User, person_id)
    assert user.email.endswith(".invalid") and "c@example.no" not in user.email
    assert user.name == "Slettet bruker" and user.closed_at is not None
    assert not user.active
    assert db.session.scalar(select(func.count(UserSession.id)).where(
        UserSession.user_id == person_id)) == 0
    assert db.session.scalar(select(func.count(Membership.id)).where(
        Membership.user_id == person_id)) == 0
    # Logged out here and on the other device; the old password opens nothing.
    assert client.get("/min-side").status_code == 302
    assert other_device.get("/min-side").status_code == 302
    response = post_form(client, "/logg-inn", {"email": "c@example.no", "password": PASSWORD})
    assert response.status_code != 302
    assert "Feil e-postadresse eller passord" in response.get_data(as_text=True)
    # A link mailed before is useless now.
    response = client.get(reset_link)
    assert response.status_code == 302 and "/glemt-passord" in response.headers["Location"]
    response = post_form(client, reset_link, {"password": "et-nytt-langt-passord-2027",
                                              "password_again": "et-nytt-langt-passord-2027"},
                         form_page="/glemt-passord")
    assert response.status_code == 302 and "/glemt-passord" in response.headers["Location"]
    client.get(verify_link)
    assert client.get("/min-side").status_code == 302
    # A new password cannot be asked for: no mail goes to the old address.
    post_form(client, "/glemt-passord", {"email": "c@example.no"})
    db.session.expire_all()
    assert len(mail_to(db, "c@example.no")) == len(after)

    # The draft nobody can carry on is gone, with its file; the case is kept.
    assert db.session.get(Application, draft_id) is None
    assert not draft_file.exists()
    case = db.session.get(Application, gamma.id)
    assert case.case_number and case.contact_email == "c@example.no"
    assert case.organisation_id == organisation_id
    assert db.session.get(Organisation, organisation_id) is not None
    assert db.session.scalar(select(Decision).where(Decision.application_id == gamma.id))
    assert case_file.exists() and letter_file.exists()
    assert db.session.scalar(select(func.count(Attachment.id)).where(
        Attachment.application_id == gamma.id)) == 1

    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "user.account_closed")).all()
    assert [(e.object_id, e.details["drafts_deleted"]) for e in events] == [(person_id, 1)]


def test_a_wrong_password_closes_nothing(client, applicant, db):
    db.session.commit()
    login(client, applicant)
    response = close(client, password="feil-passord-123")
    assert response.status_code == 400
    assert "Passordet er feil" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, applicant.id).email == "soker@example.no"
    assert client.get("/min-side").status_code == 200
    response = close(client, confirm="")
    assert response.status_code == 400 and db.session.get(User, applicant.id).active


def test_the_last_member_of_an_organisation_with_a_running_case_is_refused(client, sent, db):
    """Alfa AS holds a tilsagn waiting for acceptance, and A is its only member."""
    login(client, sent.applicants["A"])
    page = client.get(CLOSE).get_data(as_text=True)
    assert "Alfa AS" in page and "Inviter en annen person" in page
    assert 'name="password"' not in page
    response = close(client)
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, sent.applicants["A"].id).email == "a@example.no"


def test_a_submitted_application_without_a_vedtak_is_a_running_case(client, world, db):
    users, _values, _extra = world
    login(client, users["a"])
    assert "Kjeller Grønn Energi AS" in client.get(CLOSE).get_data(as_text=True)
    close(client)
    db.session.expire_all()
    assert db.session.get(User, users["a"].id).active


def test_another_member_carries_on_the_case_and_the_drafts(client, sent, db):
    person, alfa = sent.applicants["A"], sent.apps["A"]
    colleague = make_user("kollega@example.no", name="Kari Kollega")
    db.session.add(Membership(user=colleague, organisation=alfa.organisation))
    draft = make_application(sent.call, alfa.organisation, person, title="Alfas utkast")
    db.session.commit()
    login(client, person)
    assert close(client).status_code == 302
    db.session.expire_all()
    kept = db.session.get(Application, draft.id)
    assert kept is not None and kept.title == "Alfas utkast"  # Kari may go on with it
    assert kept.contact_email == "" and kept.contact_name == ""  # but A is not its contact
    members = db.session.scalars(select(Membership.user_id).where(
        Membership.organisation_id == alfa.organisation_id)).all()
    assert members == [colleague.id]


def test_staff_close_no_account_here(client, db):
    worker = make_user("sb@example.no", Role.CASEWORKER)
    db.session.commit()
    login(client, worker)
    assert "administrator" in client.get(CLOSE).get_data(as_text=True)
    close(client)
    db.session.expire_all()
    assert db.session.get(User, worker.id).active


def test_an_organisation_left_with_nothing_goes_with_the_account(client, db):
    person = make_user("enk@example.no", name="Eva Enkeltperson")
    organisation_id = make_organisation(person, orgnr="912345696",
                                        name="Eva Enkeltperson ENK").id
    db.session.commit()
    login(client, person)
    assert close(client).status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, organisation_id) is None


def test_nobody_closes_another_persons_account(client, db):
    anne = make_user("anne@example.no", name="Anne")
    make_user("bjorn@example.no", name="Bjørn", password="bjorns-eget-passord-9")
    db.session.commit()
    login(client, "bjorn@example.no", password="bjorns-eget-passord-9")
    close(client, password=PASSWORD)  # Anne's password, from Bjørn's session
    db.session.expire_all()
    assert db.session.get(User, anne.id).active
    assert db.session.scalar(select(User).where(User.email == "bjorn@example.no")).active


def test_closing_needs_a_login_and_the_form_token(client, applicant, db):
    db.session.commit()
    response = client.get(CLOSE)
    assert response.status_code == 302 and "/logg-inn" in response.headers["Location"]
    login(client, applicant)
    response = client.post(CLOSE, data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, applicant.id).active


def test_the_privacy_notice_tells_of_the_rights(client):
    page = client.get("/personvern").get_data(as_text=True)
    assert "Innsyn og sletting" in page and "Dine data" in page


def test_a_failure_while_closing_leaves_everything_as_it_was(client, app, db, monkeypatch):
    """The confirmation mail cannot be written: nothing is half-done, and the draft's
    file, whose row came back with the rollback, is still on disk."""
    import pytest

    import fund.privacy.operations
    person = make_user("feil@example.no", name="Frida Feil")
    organisation = make_organisation(person, orgnr="912345696", name="Fridas Firma AS")
    from tests.helpers import make_call
    draft = make_application(make_call(), organisation, person)
    stored = Path(current_app.instance_path) / "uploads" / attach(draft, person).stored_name
    draft_id = draft.id
    db.session.commit()
    login(client, person)

    def broken(*args, **kwargs):
        raise OSError("disken er full")

    monkeypatch.setattr(fund.privacy.operations, "queue_mail", broken)
    with pytest.raises(OSError):
        close(client)
    db.session.expire_all()
    assert db.session.get(Application, draft_id) is not None and stored.exists()
    user = db.session.get(User, person.id)
    assert user.email == "feil@example.no" and user.active and user.closed_at is None
    assert db.session.scalar(select(func.count(Membership.id)).where(
        Membership.user_id == person.id)) == 1
    assert client.get("/min-side").status_code == 200


def test_the_address_may_register_again_as_a_new_empty_account(client, db):
    person = make_user("tilbake@example.no", name="Tore Tilbake")
    make_organisation(person, orgnr="912345696", name="Tores Firma AS")
    old_id = person.id
    db.session.commit()
    login(client, person)
    assert close(client).status_code == 302
    new_password = "en-helt-ny-setning-for-2027"
    post_form(client, "/registrer", {"name": "Tore Tilbake", "email": "tilbake@example.no",
                                     "phone": "", "password": new_password,
                                     "password_again": new_password})
    db.session.expire_all()
    again = db.session.scalar(select(User).where(User.email == "tilbake@example.no"))
    assert again is not None and again.id != old_id and again.closed_at is None
    assert db.session.scalar(select(func.count(Membership.id)).where(
        Membership.user_id == again.id)) == 0
