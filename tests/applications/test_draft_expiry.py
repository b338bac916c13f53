"""Drafts never submitted are deleted some time after their call's deadline, with a warning
mail first (``flask applications purge-drafts``). Submitted applications, applications sent
back to the applicant, and drafts of calls still open are never touched."""

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from fund.applications import operations
from fund.applications.models import (
    Application,
    ApplicationMeasure,
    ApplicationState,
    Attachment,
    CostLine,
)
from fund.applications.operations import request_info, submit
from fund.applications.uploads import upload_folder
from fund.audit.models import AuditEvent
from fund.core.roles import Role
from fund.extensions import db as _db
from fund.mail.models import OutboxMessage
from tests.helpers import (
    attach,
    html_of,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
)

#: The call closes 1 March 2027 at 12:00 Norwegian time. With 90 days kept and 14 days'
#: notice, the warning goes from 15 May and the draft is deleted 30 May.
OPENS = datetime(2027, 1, 10, 11, 0, tzinfo=UTC)
CLOSES = datetime(2027, 3, 1, 11, 0, tzinfo=UTC)


def oslo(day: str, time: str = "00:30") -> datetime:
    """A moment in Norwegian summer time (UTC+2), as cron would run it."""
    return datetime.fromisoformat(f"{day}T{time}+02:00")


def fresh(application) -> Application | None:
    _db.session.expire_all()
    return _db.session.get(Application, application.id)


def purge(runner, when: datetime, *args):
    with time_machine.travel(when, tick=False):
        return runner.invoke(args=["applications", "purge-drafts", *args])


def warnings_to(email: str) -> list[OutboxMessage]:
    return _db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == email,
        OutboxMessage.subject.contains("blir slettet") | OutboxMessage.subject.contains(
            "will be deleted"))
        .order_by(OutboxMessage.id)).all()


def audit(action: str, application_id: int) -> list[AuditEvent]:
    return _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_id == application_id)).all()


@pytest.fixture
def drafts(app, db):
    """Ola (Norwegian) and Emma (English) in one organisation, with an unconfirmed member;
    on a call that closed 1 March: a draft never sent (with a measure, a cost line and a
    file), a submitted application and one sent back with a request for information; and
    a draft on a call open till December."""
    with time_machine.travel(datetime(2027, 2, 1, 10, 0, tzinfo=UTC), tick=False):
        ola = make_user("ola@example.no", name="Ola Nordmann")
        emma = make_user("emma@example.no", name="Emma Smith")
        emma.locale = "en"
        unconfirmed = make_user("ukjent@example.no", verified=False)
        org = make_organisation(ola, emma, unconfirmed)
        caseworker = make_user("sb@example.no", Role.CASEWORKER)
        call = make_call(title="Næringsfondet 2027", opens_at=OPENS, closes_at=CLOSES)
        open_call = make_call(title="Klimafondet 2027", opens_at=OPENS,
                              closes_at=datetime(2027, 12, 1, 11, 0, tzinfo=UTC))
        never_sent = make_application(call, org, ola, title="Bakeri på Strømmen")
        attach(never_sent, ola)
        submitted = make_application(call, org, ola, title="Innsendt søknad")
        submit(submitted, ola)
        returned = make_application(call, org, emma, title="Sendt tilbake")
        submit(returned, emma)
        request_info(returned, caseworker, "Send regnskapet.",
                     datetime(2027, 2, 20).date())
        on_open_call = make_application(open_call, org, ola, complete=False,
                                        title="Utkast til åpen utlysning")
        _db.session.commit()
    return {"ola": ola, "emma": emma, "never_sent": never_sent, "submitted": submitted,
            "returned": returned, "on_open_call": on_open_call, "call": call, "org": org}


def test_the_warning_goes_once_when_it_is_due_and_not_before(runner, drafts):
    result = purge(runner, oslo("2027-05-14", "23:59"))
    assert result.exit_code == 0, result.output
    assert "Utkast med varsel om sletting sendt: 0" in result.output
    assert warnings_to("ola@example.no") == []
    assert fresh(drafts["never_sent"]).deletion_warned_at is None

    result = purge(runner, oslo("2027-05-15"))
    assert result.exit_code == 0, result.output
    assert "Utkast med varsel om sletting sendt: 1" in result.output
    assert "«Bakeri på Strømmen»" in result.output and "slettes 30. mai 2027" in result.output
    # Later runs, the same day and the days after, warn no one again.
    for when in (oslo("2027-05-15", "12:00"), oslo("2027-05-16"), oslo("2027-05-29")):
        assert "Utkast med varsel om sletting sendt: 0" in purge(runner, when).output
    [mail] = warnings_to("ola@example.no")
    assert len(warnings_to("emma@example.no")) == 1
    assert warnings_to("ukjent@example.no") == []  # the address was never confirmed
    assert len(audit("application.deletion_warned", drafts["never_sent"].id)) == 1
    assert "«Bakeri på Strømmen» til utlysningen «Næringsfondet 2027»" in mail.body_text
    assert "slettes 30. mai 2027" in mail.body_text
    assert "Søknader som er sendt inn, berøres ikke." in mail.body_text
    # Only the draft never sent is warned of.
    assert all(fresh(drafts[name]).deletion_warned_at is None
               for name in ("submitted", "returned", "on_open_call"))


def test_the_mail_links_to_the_draft_at_the_base_url_in_the_recipients_language(
        app, runner, drafts, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://tilskudd.lillestrom.kommune.no/fond")
    assert purge(runner, oslo("2027-05-15")).exit_code == 0
    link = f"https://tilskudd.lillestrom.kommune.no/fond/soknader/{drafts['never_sent'].id}"
    [norwegian] = warnings_to("ola@example.no")
    [english] = warnings_to("emma@example.no")
    assert link in norwegian.body_text.split() and link in english.body_text.split()
    assert norwegian.body_text.startswith("Hei,")
    assert english.body_text.startswith("Hello,") and "Kind regards" in english.body_text


def test_the_draft_is_deleted_only_once_the_warning_has_been_out_the_notice_period(
        runner, drafts):
    application = drafts["never_sent"]
    path = upload_folder() / application.attachments[0].stored_name
    assert path.is_file()
    # Cron did not run for a while: the draft is long past its 90 days, but no one was
    # warned, so this run warns and the deletion waits 14 full days from today.
    result = purge(runner, oslo("2027-06-20"))
    assert "Utkast med varsel om sletting sendt: 1" in result.output
    assert "Utkast slettet: 0" in result.output
    assert "slettes 5. juli 2027" in warnings_to("ola@example.no")[0].body_text
    assert "Utkast slettet: 0" in purge(runner, oslo("2027-07-04", "23:59")).output
    assert fresh(application) is not None and path.is_file()

    result = purge(runner, oslo("2027-07-05"))
    assert result.exit_code == 0, result.output
    assert "Utkast slettet: 1" in result.output and "«Bakeri på Strømmen»" in result.output
    assert fresh(application) is None
    for model in (ApplicationMeasure, CostLine, Attachment):
        assert _db.session.scalar(select(func.count()).select_from(model).where(
            model.application_id == application.id)) == 0
    assert not path.exists()
    [event] = audit("application.deleted", application.id)
    assert event.actor_id is None and event.details["reason"] == "draft_expired"
    assert event.details["attachments"] == ["vedlegg.pdf"]
    # Idempotent: nothing more to do, and the rest is as it was.
    result = purge(runner, oslo("2027-11-01"))
    assert result.exit_code == 0
    assert "Utkast slettet: 0" in result.output
    assert fresh(drafts["submitted"]).state == ApplicationState.SUBMITTED
    assert fresh(drafts["returned"]).state == ApplicationState.INFO_REQUESTED
    assert fresh(drafts["on_open_call"]).deletion_warned_at is None


def test_on_time_the_draft_goes_ninety_days_after_the_deadline(runner, drafts):
    purge(runner, oslo("2027-05-15"))
    assert "Utkast slettet: 0" in purge(runner, oslo("2027-05-29", "23:59")).output
    assert "Utkast slettet: 1" in purge(runner, oslo("2027-05-30")).output
    assert fresh(drafts["never_sent"]) is None


def test_submitted_returned_and_open_call_applications_are_never_touched(runner, drafts):
    for when in (oslo("2027-05-15"), oslo("2027-06-01"), oslo("2028-02-14"),
                 oslo("2028-02-29"), oslo("2029-06-01")):
        assert purge(runner, when).exit_code == 0
    assert fresh(drafts["never_sent"]) is None
    for name in ("submitted", "returned"):
        application = fresh(drafts[name])
        assert application is not None and application.deletion_warned_at is None
    # The open call closed 1 December 2027; its draft got its own warning and went.
    assert fresh(drafts["on_open_call"]) is None
    assert _db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.subject.contains("blir slettet") | OutboxMessage.subject.contains(
            "will be deleted"))) == 4  # two drafts × two members


@pytest.mark.parametrize("closes_at, warning_from, deletion_on", [
    # winter: 23:30 UTC is already 1 February in Norway, and the days count from there
    (datetime(2027, 1, 31, 23, 30, tzinfo=UTC), "2027-04-17", "2027-05-02"),
    (datetime(2027, 1, 31, 22, 30, tzinfo=UTC), "2027-04-16", "2027-05-01"),
    # summer: UTC+2
    (datetime(2027, 6, 30, 22, 30, tzinfo=UTC), "2027-09-14", "2027-09-29"),
    (datetime(2027, 6, 30, 21, 30, tzinfo=UTC), "2027-09-13", "2027-09-28"),
])
def test_the_days_count_from_the_norwegian_date_of_the_deadline(app, closes_at, warning_from,
                                                                  deletion_on):
    from fund.applications.models import draft_deletion_on, draft_warning_from
    with app.app_context():
        assert draft_warning_from(closes_at).isoformat() == warning_from
        # warned on the first day possible, the draft goes on its 90th day
        assert draft_deletion_on(closes_at, datetime.fromisoformat(
            f"{warning_from}T00:30+02:00")).isoformat() == deletion_on


def test_the_applicant_sees_when_the_draft_will_be_deleted(client, runner, drafts):
    application = drafts["never_sent"]
    with time_machine.travel(oslo("2027-04-01", "12:00"), tick=False):
        login(client, drafts["ola"])
        html = html_of(client.get("/soknader"))
        assert "slettes 90 dager etter søknadsfristen, etter et varsel på e-post" in html
        assert "slettes 90 dager etter" in html_of(client.get(f"/soknader/{application.id}"))
        call_page = html_of(client.get(f"/utlysninger/{drafts['call'].id}"))
        assert "Utkast som aldri ble sendt inn, kan ikke sendes inn nå. De slettes 90 dager " \
               "etter fristen" in call_page
    purge(runner, oslo("2027-05-15"))
    with time_machine.travel(oslo("2027-05-16", "12:00"), tick=False):
        login(client, drafts["ola"])
        expected = "Utkastet slettes 30. mai 2027 fordi søknadsfristen har gått ut."
        assert expected in html_of(client.get("/soknader"))
        assert expected in html_of(client.get(f"/soknader/{application.id}"))


def test_the_warning_leaves_an_open_form_saveable(runner, drafts):
    version = drafts["never_sent"].version
    purge(runner, oslo("2027-05-15"))
    application = fresh(drafts["never_sent"])
    assert application.deletion_warned_at is not None and application.version == version


def test_a_warning_from_before_an_extended_deadline_does_not_count(runner, drafts):
    purge(runner, oslo("2027-05-15"))
    call = drafts["call"]
    call.closes_at = datetime(2027, 6, 1, 10, 0, tzinfo=UTC)  # extended: open again
    _db.session.commit()
    assert "Utkast slettet: 0" in purge(runner, oslo("2027-05-30")).output
    application = fresh(drafts["never_sent"])
    assert application is not None and application.deletion_on is None
    # Closed again: a new warning, and the deletion 14 days after it at the earliest.
    assert "varsel om sletting sendt: 1" in purge(runner, oslo("2027-08-16")).output
    assert fresh(drafts["never_sent"]).deletion_on.isoformat() == "2027-08-31"


def test_a_failure_deleting_one_draft_leaves_it_whole_and_the_others_go(
        runner, drafts, monkeypatch):
    with time_machine.travel(datetime(2027, 2, 1, 10, 0, tzinfo=UTC), tick=False):
        other = make_application(drafts["call"], drafts["org"], drafts["ola"],
                                 title="Et annet utkast")
        attach(other, drafts["ola"], filename="annet.pdf")
        _db.session.commit()
    victim = drafts["never_sent"]
    paths = {draft.id: upload_folder() / draft.attachments[0].stored_name
             for draft in (victim, other)}
    purge(runner, oslo("2027-05-15"))
    real = operations.delete_draft

    def half_done_then_broken(application, user, **details):
        real(application, user, **details)
        _db.session.flush()
        if application.id == victim.id:
            raise RuntimeError("disken forsvant")

    monkeypatch.setattr(operations, "delete_draft", half_done_then_broken)
    result = purge(runner, oslo("2027-05-30"))
    assert result.exit_code == 1
    assert "Utkast slettet: 1" in result.output and "Et annet utkast" in result.output
    assert f"Utkast som ikke kunne behandles (se loggen): 1: {victim.id}" in result.output
    assert fresh(other) is None and not paths[other.id].exists()
    application = fresh(victim)
    assert application is not None and application.title == "Bakeri på Strømmen"
    assert len(application.measures) == 1 and len(application.cost_lines) == 1
    assert len(application.attachments) == 1 and paths[victim.id].is_file()
    assert audit("application.deleted", victim.id) == []
    # Mended, the next run deletes it.
    monkeypatch.setattr(operations, "delete_draft", real)
    assert "Utkast slettet: 1" in purge(runner, oslo("2027-05-31")).output
    assert fresh(victim) is None and not paths[victim.id].exists()


def test_a_dry_run_changes_nothing(runner, drafts):
    result = purge(runner, oslo("2027-05-15"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Prøvekjøring" in result.output
    assert "Utkast som ville fått varsel om sletting: 1" in result.output
    assert fresh(drafts["never_sent"]).deletion_warned_at is None
    assert warnings_to("ola@example.no") == []
    purge(runner, oslo("2027-05-15"))
    events = _db.session.scalar(select(func.count(AuditEvent.id)))
    mails = _db.session.scalar(select(func.count(OutboxMessage.id)))
    result = purge(runner, oslo("2027-06-01"), "--dry-run")
    assert "Utkast som ville blitt slettet: 1" in result.output
    assert fresh(drafts["never_sent"]) is not None
    assert upload_folder().joinpath(fresh(drafts["never_sent"]).attachments[0].stored_name
                                    ).is_file()
    assert _db.session.scalar(select(func.count(AuditEvent.id))) == events
    assert _db.session.scalar(select(func.count(OutboxMessage.id))) == mails


def test_the_de_minimis_guard_lets_a_never_submitted_draft_go(runner, drafts):
    from fund.applications.models import DeMinimisAid
    application = fresh(drafts["never_sent"])
    application.aid_received.append(DeMinimisAid(grantor="Innovasjon Norge",
                                                 granted_on=datetime(2026, 5, 1).date(),
                                                 amount=100_000))
    _db.session.commit()
    purge(runner, oslo("2027-05-15"))
    assert "Utkast slettet: 1" in purge(runner, oslo("2027-05-30")).output
    assert fresh(drafts["never_sent"]) is None


def test_deleting_by_hand_still_works_after_the_change(app, drafts):
    """The applicant's own «Slett utkastet for godt» shares the deletion: logged as theirs."""
    application = fresh(drafts["never_sent"])
    with app.test_request_context():
        operations.delete_draft(application, drafts["ola"])
        _db.session.commit()
    [event] = audit("application.deleted", drafts["never_sent"].id)
    assert event.actor_id == drafts["ola"].id

