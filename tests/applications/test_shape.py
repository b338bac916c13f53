"""The application's shape: one state machine, the database holding its promises, files
that follow the transaction, yes/no effects, a plan fit chosen from what is open, and
the places where higher domains plug in."""

import io

import pytest
from flask import render_template_string
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from fund.applications import queries
from fund.applications.labels import (
    APPLICANT_STATE_LABELS,
    STAFF_STATE_LABELS,
    STATE_COLOURS,
    STATE_LABELS,
)
from fund.applications.models import Application, ApplicationError, ApplicationState, Attachment
from fund.applications.operations import (
    add_attachments,
    delete_draft,
    problems_for,
    read_attachment,
    remove_attachment,
    request_info,
    submit,
    withdraw,
)
from fund.applications.rules import own_work_amount
from fund.applications.uploads import upload_folder
from fund.core.roles import Role
from fund.core.signals import application_submitted, template_hook
from fund.core.types import utcnow
from fund.extensions import db as _db
from fund.plan.models import Measure
from tests.applications.test_attachments import PDF, PNG
from tests.helpers import (
    browser_form,
    html_of,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
)

S = ApplicationState


@pytest.fixture
def setting(db, app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))  # a clean uploads folder
    user = make_user("siri@example.no", name="Siri Søker")
    org = make_organisation(user)
    call = make_call()
    _db.session.commit()
    return user, org, call


def fresh(application) -> Application:
    _db.session.expire_all()
    return _db.session.get(Application, application.id)


def files(*named):
    return [FileStorage(io.BytesIO(content), filename=name) for name, content in named]


# -- The state machine -------------------------------------------------------------------------

@pytest.mark.parametrize(("state", "allowed"), [
    (S.DRAFT, {S.SUBMITTED}),
    (S.SUBMITTED, {S.INFO_REQUESTED, S.WITHDRAWN}),
    (S.INFO_REQUESTED, {S.SUBMITTED, S.WITHDRAWN}),
    (S.WITHDRAWN, set()),
])
def test_each_state_moves_only_where_the_table_says(state, allowed):
    assert {target for target in S if state.can_become(target)} == allowed
    application = Application(state=state)
    for target in set(S) - allowed:
        with pytest.raises(ApplicationError):
            application.move_to(target)
        assert application.state == state


def test_only_drafts_and_answers_are_editable_and_caseworkers_never_see_drafts():
    assert {s for s in S if s.is_editable} == {S.DRAFT, S.INFO_REQUESTED}
    assert {s for s in S if s.is_staff_visible} == {S.SUBMITTED, S.INFO_REQUESTED,
                                                    S.WITHDRAWN}


def test_a_withdrawn_application_cannot_be_withdrawn_again_nor_asked_for_more(app, setting):
    user, org, call = setting
    application = make_application(call, org, user)
    caseworker = make_user("sb@example.no", Role.CASEWORKER)
    with app.test_request_context():
        submit(application, user)
        withdraw(application, user, "Prosjektet er avlyst.")
        with pytest.raises(ApplicationError, match="kan ikke trekkes"):
            withdraw(application, user, "Prosjektet er avlyst.")
        with pytest.raises(ApplicationError, match="bare be om opplysninger"):
            request_info(application, caseworker, "Send budsjettet.")
    assert application.state == S.WITHDRAWN


def test_submitting_announces_the_application_with_who_sent_it(app, setting):
    user, org, call = setting
    application = make_application(call, org, user)
    heard = []

    def receiver(sender, **kwargs):
        heard.append((sender, kwargs["actor"], kwargs["submission"].number))

    with application_submitted.connected_to(receiver), app.test_request_context():
        submit(application, user)
    assert heard == [(application, user, 1)]


# -- What the database refuses -----------------------------------------------------------------

@pytest.mark.parametrize("change", [
    {"case_number": "NF-2099-0001"},  # a draft with a case number
    {"submitted_at": utcnow()},  # a draft with a submission time
    {"state": S.SUBMITTED, "case_number": "NF-2099-0001"},  # submitted, but when?
    {"state": S.SUBMITTED, "submitted_at": utcnow()},  # submitted, without a number
])
def test_the_database_ties_case_number_and_submission_time_to_the_state(setting, change):
    user, org, call = setting
    application = make_application(call, org, user, complete=False)
    for name, value in change.items():
        setattr(application, name, value)
    with pytest.raises(IntegrityError):
        _db.session.flush()
    _db.session.rollback()


def test_the_database_refuses_a_negative_file_size(setting):
    user, org, call = setting
    application = make_application(call, org, user, complete=False)
    application.attachments.append(Attachment(
        filename="a.pdf", stored_name="0" * 32, content_type="application/pdf", size=-1,
        sha256="0" * 64, uploaded_by_id=user.id))
    with pytest.raises(IntegrityError):
        _db.session.flush()
    _db.session.rollback()


# -- Files follow the transaction --------------------------------------------------------------

def test_a_stored_file_is_removed_when_its_transaction_rolls_back(app, setting):
    user, org, call = setting
    application = make_application(call, org, user, complete=False)
    _db.session.commit()
    with app.test_request_context():
        added, refused = add_attachments(application, files(("budsjett.pdf", PDF)), user)
        path = upload_folder() / added[0].stored_name
        pending = upload_folder() / f".pending-{added[0].stored_name}"
        assert refused == [] and pending.is_file() and not path.exists()  # until the commit
        _db.session.rollback()
        assert not path.exists() and not pending.exists()
        assert _db.session.scalars(select(Attachment)).all() == []


def test_a_file_stays_on_disk_until_its_removal_commits(app, setting):
    user, org, call = setting
    application = make_application(call, org, user, complete=False)
    with app.test_request_context():
        [attachment], _refused = add_attachments(application, files(("logo.png", PNG)), user)
        _db.session.commit()
        path = upload_folder() / attachment.stored_name
        application = fresh(application)
        remove_attachment(application, application.attachments[0], user)
        assert path.is_file()  # not yet committed
        _db.session.rollback()  # the removal failed: the row and the file stay
        assert path.is_file()
        assert len(fresh(application).attachments) == 1
        application = fresh(application)
        remove_attachment(application, application.attachments[0], user)
        _db.session.commit()
        assert not path.exists()


def test_a_deleted_drafts_files_go_only_when_the_deletion_commits(app, setting):
    user, org, call = setting
    application = make_application(call, org, user, complete=False)
    with app.test_request_context():
        added, _refused = add_attachments(application, files(("a.pdf", PDF), ("b.png", PNG)),
                                          user)
        _db.session.commit()
        paths = [upload_folder() / a.stored_name for a in added]
        delete_draft(fresh(application), user)
        _db.session.rollback()
        assert all(path.is_file() for path in paths)
        delete_draft(fresh(application), user)
        _db.session.commit()
        assert not any(path.exists() for path in paths)


def test_files_over_the_quota_are_refused_with_a_message_and_not_kept(app, setting,
                                                                    monkeypatch):
    user, org, call = setting
    application = make_application(call, org, user, complete=False)
    monkeypatch.setitem(app.config, "UPLOAD_MAX_TOTAL", len(PDF) + 10)
    with app.test_request_context():
        added, refused = add_attachments(application, files(("a.pdf", PDF), ("b.pdf", PDF)),
                                         user)
        assert [a.filename for a in added] == ["a.pdf"]
        assert refused and "«b.pdf» ble ikke lagt ved" in refused[0]
        name = added[0].stored_name
        assert sorted(p.name for p in upload_folder().iterdir()) == [f".pending-{name}"]
        _db.session.commit()
        assert sorted(p.name for p in upload_folder().iterdir()) == [name]


def test_reading_a_file_is_logged_for_whoever_reads_it(app, setting):
    user, org, call = setting
    caseworker = make_user("sb@example.no", Role.CASEWORKER)
    application = make_application(call, org, user, complete=False)
    with app.test_request_context():
        [attachment], _refused = add_attachments(application, files(("a.pdf", PDF)), user)
        _db.session.commit()
        path = read_attachment(application, attachment, caseworker)
        assert path.read_bytes() == PDF
        events = queries.history(application, staff=True)
    read = [e for e in events if e.action == "application.attachment_read"]
    assert [(e.actor_id, e.details["attachment"]) for e in read] == [(caseworker.id,
                                                                      attachment.id)]
    # the applicant's history shows the milestones only
    assert [e.action for e in queries.history(application)] == []


# -- Structured effects ------------------------------------------------------------------------

def save(client, application, data):
    path = f"/soknader/{application.id}"
    fields = browser_form(client.get(path).get_data(as_text=True), "application-form")
    fields.update(data)
    return client.post(path, data={**fields, "save": "1"})


def test_partners_are_a_yes_or_no_and_then_named(client, setting):
    user, org, call = setting
    application = make_application(call, org, user)
    _db.session.commit()
    login(client, user)
    html = html_of(client.get(f"/soknader/{application.id}"))
    assert "Prosjektet samarbeider med utdanningsinstitusjoner" in html
    assert "Prosjektet har internasjonalt samarbeid" in html

    response = save(client, application, {"has_education_partners": "y",
                                          "education_partners": ""})
    assert response.status_code == 200
    assert "Skriv hvilke utdanningsinstitusjoner prosjektet samarbeider med." in html_of(response)
    assert fresh(application).has_education_partners
    assert any(p.field == "education_partners" for p in problems_for(fresh(application)))

    response = save(client, application, {
        "has_education_partners": "y", "education_partners": "NTNU og Kjeller vgs.",
        "has_international_cooperation": "y", "international": "Chalmers, Göteborg"})
    assert response.status_code == 302
    application = fresh(application)
    assert application.has_education_partners and application.has_international_cooperation
    assert application.education_partners == "NTNU og Kjeller vgs."
    assert not [p for p in problems_for(application)
                if p.field in ("education_partners", "international")]

    fields = browser_form(client.get(f"/soknader/{application.id}").get_data(as_text=True),
                          "application-form")
    fields.pop("has_international_cooperation")  # unticked
    client.post(f"/soknader/{application.id}", data={**fields, "save": "1"})
    assert not fresh(application).has_international_cooperation


def test_the_receipt_and_the_submitted_page_say_yes_or_no_to_partners(app, client, setting):
    user, org, call = setting
    application = make_application(call, org, user, has_education_partners=True,
                                   education_partners="NTNU")
    with app.test_request_context():
        submission = submit(application, user)
    _db.session.commit()
    effects = submission.snapshot["effects"]
    assert effects["has_education_partners"] is True
    assert effects["has_international_cooperation"] is False
    login(client, user)
    html = html_of(client.get(f"/soknader/{application.id}"))
    assert "Samarbeid med utdanningsinstitusjoner</dt><dd>Ja – NTNU</dd>" in html
    assert "Internasjonalt samarbeid</dt><dd>Nei</dd>" in html
    with app.test_request_context():
        receipt = render_template_string(
            '{% include "pdf/receipt.html" %}', s=submission.snapshot,
            **__import__("fund.applications.receipt",
                         fromlist=["snapshot_helpers"]).snapshot_helpers())
    assert "Hvilke utdanningsinstitusjoner samarbeider prosjektet med?" in receipt
    assert "NTNU" in receipt


# -- The plan fit ------------------------------------------------------------------------------

def test_a_strategy_without_measures_can_be_submitted(app, setting):
    user, org, call = setting
    application = make_application(call, org, user)
    application.measures = []
    with app.test_request_context():
        assert problems_for(application) == []
        submit(application, user)
    assert application.state == S.SUBMITTED


def test_only_measures_open_to_applicants_are_offered_and_taken(client, setting, monkeypatch):
    user, org, call = setting
    application = make_application(call, org, user, complete=False)
    _db.session.commit()
    open_measure, closed_measure = _db.session.scalars(
        select(Measure).where(Measure.code.in_(("2B-1", "2B-2"))).order_by(Measure.code)).all()
    import fund.applications.forms as forms
    monkeypatch.setattr(forms, "measures_open_to_applicants", lambda call: [open_measure])
    login(client, user)
    html = html_of(client.get(f"/soknader/{application.id}"))
    assert f'id="measure-{open_measure.id}"' in html
    assert f'id="measure-{closed_measure.id}"' not in html
    response = save(client, application, {
        "measure": [str(open_measure.id), str(closed_measure.id)],
        f"how-{open_measure.id}": "Slik.", f"how-{closed_measure.id}": "Sånn."})
    assert response.status_code == 302
    application = fresh(application)
    assert [(m.measure_id, m.how) for m in application.measures] == [(open_measure.id,
                                                                      "Slik.")]
    assert [s.code for s in application.strategies] == ["2B"]


# -- Rules, labels and hooks -------------------------------------------------------------------

@pytest.mark.parametrize(("hours", "rate", "amount"), [
    (100, 800, 80_000), (0, 800, 0), (None, 800, None), (100, None, None)])
def test_own_work_is_hours_times_rate(hours, rate, amount):
    assert own_work_amount(hours, rate) == amount


def test_applicants_and_caseworkers_read_the_state_in_their_own_words():
    assert STATE_LABELS is APPLICANT_STATE_LABELS
    assert str(APPLICANT_STATE_LABELS[S.INFO_REQUESTED]) == "Venter på opplysninger fra deg"
    assert str(STAFF_STATE_LABELS[S.INFO_REQUESTED]) == "Venter på opplysninger fra søker"
    assert set(APPLICANT_STATE_LABELS) == set(STAFF_STATE_LABELS) == set(STATE_COLOURS) == set(S)


def test_a_higher_domain_adds_to_each_application_on_the_dashboard(client, setting):
    user, org, call = setting
    first = make_application(call, org, user, complete=False, title="Første")
    second = make_application(call, org, user, complete=False, title="Andre")
    _db.session.commit()

    def decision(_name, rows, **_context):
        return {a.id: f'<p class="decision">Vedtak for {a.id}</p>' for a in rows}

    login(client, user)
    with template_hook.connected_to(decision, sender="application_dashboard_rows"):
        html = html_of(client.get("/soknader"))
    for own, other in ((first, second), (second, first)):
        row = html[html.rindex("<tr>", 0, html.index(f">{own.title}<")):]
        row = row[:row.index("</tr>")]
        assert f"Vedtak for {own.id}</p>" in row and f"Vedtak for {other.id}<" not in row
    assert '<span class="ds-tag" data-color="neutral">Utkast</span>' in html


def test_the_migration_answers_yes_where_partners_are_named(tmp_path):
    """Upgrading from the revision before keeps the partners' text and sets the flags."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from fund import create_app
    from fund.plan.loader import DATA_DIR, load_plan, read_plan_file
    app = create_app({"SECRET_KEY": "x", "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.sqlite"})
    with app.app_context():
        upgrade()
        load_plan(read_plan_file(DATA_DIR / "handlingsplan-2022-2024.yaml"))
        user = make_user("siri@example.no")
        org = make_organisation(user)
        call = make_call()
        named = make_application(call, org, user, complete=False, education_partners="NTNU",
                                 international="  ")
        blank = make_application(call, org, user, complete=False, international="Chalmers")
        ids = named.id, blank.id
        _db.session.commit()
        _db.session.remove()
        downgrade(revision="8a1c0a5e0001")
        upgrade()
        with _db.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT id, has_education_partners, has_international_cooperation,"
                " education_partners, international FROM applications ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(ids[0], 1, 0, "NTNU", "  "),
                                        (ids[1], 0, 1, "", "Chalmers")]
