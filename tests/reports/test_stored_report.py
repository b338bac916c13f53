"""The plan-coverage report is kept once computed, for one state of what it reads (issue
14, ``fund.reports.freshness``). These stories check that the kept report is always the
one the live rows give: after each kind of change a caseworker, a manager or an applicant
makes, the report read from the store equals the report computed now, and differs from the
one before the change (so the change is one the report shows)."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update
from werkzeug.datastructures import MultiDict

from fund.applications.models import Application, ApplicationState, FinancingKind, FinancingLine
from fund.calls.models import CallMeasure
from fund.core.roles import Role
from fund.decisions.models import Decision
from fund.grants.models import FinalReport, FinalReportState, Grant, GrantState, Repayment
from fund.reports import freshness
from fund.reports.models import ContextFigure, ContextKind
from fund.reports.selection import parse_selection, report_parts
from fund.review.models import ConfirmedMeasure, ConflictDeclaration, ConflictGround, Outcome
from tests.helpers import count_queries, login, make_user
from tests.reports.conftest import confirm, decision, measure, paid


def _grant(db, world, name):
    return db.session.scalar(select(Grant).where(Grant.application_id == world.apps[name].id))


def _current(db, world, name):
    return db.session.scalar(select(Decision).where(
        Decision.application_id == world.apps[name].id, Decision.replaced_at.is_(None)))


def record_decision(db, world):
    decision(world.apps["U"], Outcome.GRANTED, world.sara, amount=35_000)


def replace_decision_on_appeal(db, world):
    old = _current(db, world, "R")
    old.replaced_at = freshness_time()
    db.session.flush()
    old.replaced_by_id = decision(world.apps["R"], Outcome.GRANTED, world.sara,
                                  amount=60_000).id


def freshness_time():
    from datetime import UTC, datetime
    return datetime(2027, 8, 1, tzinfo=UTC)


def lapse_grant(db, world):
    _grant(db, world, "K").state = GrantState.LAPSED
    _current(db, world, "K").returned_amount = 100_000


def pay(db, world):
    paid(_grant(db, world, "K"), 1, 40_000)


def repay(db, world):
    db.session.add(Repayment(grant_id=_grant(db, world, "P").id, amount=5_000,
                             received_on=date(2028, 1, 5), recorded_by_id=world.sara.id))


def approve_final_report(db, world):
    report = db.session.scalar(select(FinalReport).where(
        FinalReport.grant_id == _grant(db, world, "K").id))
    report.state = FinalReportState.APPROVED


def confirm_measure(db, world):
    confirm(world.apps["X"], ["3A-1"], world.sara)


def remove_confirmed_measures_in_bulk(db, world):
    # as review.operations does when a caseworker sets the measures again
    db.session.execute(delete(ConfirmedMeasure).where(
        ConfirmedMeasure.application_id == world.apps["L"].id,
        ConfirmedMeasure.measure_id == measure("2C-2").id))


def change_amounts_in_bulk(db, world):
    db.session.execute(update(Decision).where(
        Decision.application_id == world.apps["Y"].id).values(amount=65_000))


def withdraw(db, world):
    world.apps["U"].state = ApplicationState.WITHDRAWN


def move_organisation(db, world):
    world.apps["P"].organisation.postcode = "2000"
    world.apps["P"].organisation.industry_code = "62.010"


def add_financing(db, world):
    db.session.add(FinancingLine(application_id=world.apps["P"].id,
                                 kind=FinancingKind.OTHER_PRIVATE, amount=75_000))


def change_budget(db, world):
    world.calls["N28"].budget = 2_500_000


def open_measure(db, world):
    db.session.add(CallMeasure(call_id=world.calls["N28"].id, measure_id=measure("1B-1").id,
                               open=True))


def enter_context_figure(db, world):
    db.session.add(ContextFigure(year=2028, kind=ContextKind.NHO_KOMMUNE_NM_RANK,
                                 value=Decimal(42), source="NHO", recorded_by_id=world.sara.id))


CHANGES = [record_decision, replace_decision_on_appeal, lapse_grant, pay, repay,
           approve_final_report, confirm_measure, remove_confirmed_measures_in_bulk,
           change_amounts_in_bulk, withdraw, move_organisation, add_financing, change_budget,
           open_measure, enter_context_figure]


def everything():
    return parse_selection(MultiDict())


def kept(parts, before) -> bool:
    """The very parts stored before: not computed again."""
    return len(parts) == len(before) and all(a is b for a, b in zip(parts, before, strict=True))


def year_2027():
    return parse_selection(MultiDict({"aar": "2027"}))


def one_year():
    return parse_selection(MultiDict({"aar": "2028"}))


SELECTIONS = (everything, year_2027, one_year)


def each_call(call):
    return lambda: parse_selection(MultiDict({"utlysning": str(call.id)}))


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__)
def test_after_each_kind_of_change_the_kept_report_is_the_live_one(app, db, world, change):
    with app.test_request_context():
        selections = [*SELECTIONS, *(each_call(call) for call in world.calls.values())]
        before = [report_parts(select()) for select in selections]
        for parts, select in zip(before, selections, strict=True):
            assert parts == report_parts(select(), live=True)
            assert kept(report_parts(select()), parts)  # not computed again

        change(db, world)
        db.session.flush()

        after = [report_parts(select()) for select in selections]
        for parts, select in zip(after, selections, strict=True):
            assert parts == report_parts(select(), live=True)
        assert after != before  # the change is one the report shows


def test_an_applicant_editing_a_draft_does_not_make_the_report_be_computed_again(
        app, db, world):
    with app.test_request_context():
        stored = report_parts(everything())
        draft = world.apps["draft"]
        draft.title = "Et nytt navn"
        draft.amount_applied = 1_000
        db.session.add(FinancingLine(application=draft, kind=FinancingKind.OWN_FUNDS,
                                     amount=5_000))
        db.session.flush()
        assert kept(report_parts(everything()), stored)
        # submitting it is a change the report shows
        draft.state, draft.case_number = ApplicationState.SUBMITTED, "NF-2027-0999"
        draft.submitted_at = freshness_time()
        db.session.flush()
        assert not kept(report_parts(everything()), stored)
        assert report_parts(everything()) == report_parts(everything(), live=True)


def test_a_decision_this_year_leaves_another_years_report_stored(app, db, world):
    with app.test_request_context():
        stored, other = report_parts(year_2027()), report_parts(one_year())
        record_decision(db, world)  # in a 2027 call
        db.session.flush()
        assert not kept(report_parts(year_2027()), stored)
        assert kept(report_parts(one_year()), other)
        assert report_parts(one_year()) == report_parts(one_year(), live=True)


def test_a_change_rolled_back_leaves_no_stale_report(app, db, world):
    with app.test_request_context():
        stored = report_parts(everything())
        savepoint = db.session.begin_nested()
        record_decision(db, world)
        db.session.flush()
        changed = report_parts(everything())
        assert changed != stored
        savepoint.rollback()
        assert report_parts(everything()) == report_parts(everything(), live=True) == stored
        # another change after it (on SQLite its mark may get the rolled-back one's id)
        pay(db, world)
        db.session.flush()
        assert report_parts(everything()) == report_parts(everything(), live=True) != changed


def test_a_rebuild_after_a_change_in_sql_by_hand_shows_it(app, db, world):
    with app.test_request_context():
        stored = report_parts(everything())
        # around the ORM: no mark, so the kept report is out of date ...
        db.session.connection().execute(update(Application.__table__).where(
            Application.__table__.c.id == world.apps["Y"].id).values(amount_applied=75_000))
        assert kept(report_parts(everything()), stored)
        # ... until `flask reports rebuild`
        freshness.rebuild()
        assert report_parts(everything()) == report_parts(everything(), live=True) != stored


def test_the_rebuild_command_drops_the_old_marks(app, db, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "forkastet" in result.output
    _calls, count, _last, _token = freshness.state()
    assert count == 1


def test_a_caseworker_inhabil_in_a_case_is_refused_after_a_colleague_read_the_report(
        client, db, world):
    login(client, world.sara)
    assert client.get("/rapporter/dekning?aar=2027").status_code == 200
    assert client.get("/rapporter/dekning/eksport.pdf?aar=2027").status_code == 200
    ola = make_user("ola@example.no", Role.CASEWORKER, name="Ola Saksbehandler")
    db.session.add(ConflictDeclaration(application_id=world.apps["R"].id,
                                       caseworker_id=ola.id, disqualified=True,
                                       ground=ConflictGround.PARTY))
    db.session.flush()
    client = client.application.test_client()  # another browser
    login(client, ola)
    response = client.get("/rapporter/dekning?aar=2027")
    assert response.status_code == 403
    assert "Prosjekt Pi AS" not in response.get_data(as_text=True)
    assert client.get("/rapporter/dekning/eksport.pdf?aar=2027").status_code == 403


def test_a_kept_report_is_read_in_a_few_small_queries(client, db, world):
    login(client, world.sara)
    with count_queries() as first:
        client.get("/rapporter/dekning")
    with count_queries() as again:
        response = client.get("/rapporter/dekning")
    assert response.status_code == 200
    # the aggregates are not sent again: selection, inhabil check, state of the marks
    assert again.count <= first.count - 15
    assert not any("sum(" in s.lower() for s in again.statements)


def test_the_year_pdf_is_rendered_once_for_the_same_report(client, db, world, monkeypatch):
    import fund.reports.export_views as export_views
    rendered = []
    real = export_views.coverage_pdf

    def counting(*args, **kwargs):
        rendered.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(export_views, "coverage_pdf", counting)
    login(client, world.sara)
    first = client.get("/rapporter/dekning/eksport.pdf?aar=2027")
    again = client.get("/rapporter/dekning/eksport.pdf?aar=2027")
    assert first.status_code == again.status_code == 200
    assert first.data == again.data and len(rendered) == 1
    record_decision(db, world)
    db.session.flush()
    assert client.get("/rapporter/dekning/eksport.pdf?aar=2027").status_code == 200
    assert len(rendered) == 2


def test_after_the_bulk_demo_generator_the_stored_report_is_the_live_one(app, db, world):
    from fund.auth.demo import DEMO_PASSWORD
    from fund.demo_bulk import generate

    for email, role in (("saksbehandler@demo.no", Role.CASEWORKER),
                        ("saksbehandler2@demo.no", Role.CASEWORKER),
                        ("leder@demo.no", Role.MANAGER)):
        make_user(email, role=role, password=DEMO_PASSWORD)
    with app.test_request_context():
        before = {select: report_parts(select()) for select in SELECTIONS}
        generate(60, seed=1)  # COPY and executemany, around the ORM
        for select in SELECTIONS:
            assert report_parts(select()) == report_parts(select(), live=True)
        assert report_parts(everything()) != before[everything]


def test_a_strategy_with_many_projects_lists_the_first_and_links_the_spreadsheet(
        client, db, world):
    from fund.reports.views import PROJECT_LIMIT
    from tests.reports.conftest import application, grant

    for i in range(PROJECT_LIMIT + 2):
        app = application(world.calls["N28"], f"Mange {i:02d} AS", 10_000)
        confirm(app, ["3B-1"], world.sara)
        decision(app, Outcome.GRANTED, world.sara, amount=10_000)
        grant(app, GrantState.ACCEPTED)
    db.session.flush()
    login(client, world.sara)
    html = client.get("/rapporter/dekning?aar=2028").get_data(as_text=True)
    assert html.count("Prosjekt Mange ") == PROJECT_LIMIT
    assert f"de {PROJECT_LIMIT} første av {PROJECT_LIMIT + 2} prosjekter" in html
    more = html[html.index('id="projects-3B-more"'):]
    more = more[:more.index("</p>")]
    assert "/rapporter/dekning/eksport.xlsx?" in more and "aar=2028" in more
    # the spreadsheet has them all
    from io import BytesIO

    from openpyxl import load_workbook
    book = load_workbook(BytesIO(client.get("/rapporter/dekning/eksport.xlsx?aar=2028").data))
    titles = [row[1] for row in book["Prosjekter"].iter_rows(values_only=True)]
    assert sum(1 for t in titles if str(t).startswith("Prosjekt Mange ")) == PROJECT_LIMIT + 2


def test_the_page_is_rendered_once_and_each_reader_sees_their_own(client, db, world):
    """The page's plan-version part is rendered once and kept with the stored report: a
    second reader of the same role and language is served it without a render, a manager
    gets the links only managers have, an English reader English text, and after a change
    the page is the one rendered from nothing."""
    import re

    from flask import template_rendered

    from tests.helpers import post_form

    renders = []

    def page_of(response) -> str:
        # the header's language form carries a CSRF token with the time in it
        return re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))

    def count(sender, template, context, **extra):
        if template.name == "reports/coverage_part.html":
            renders.append(template.name)

    template_rendered.connect(count)
    try:
        login(client, world.sara)
        first = page_of(client.get("/rapporter/dekning?aar=2027"))
        again = page_of(client.get("/rapporter/dekning?aar=2027"))
        assert first == again and len(renders) == 1
        assert "Registrer tall utenfor systemet" not in first

        leader = client.application.test_client()  # another browser
        login(leader, make_user("leder@example.no", Role.MANAGER, name="Lea Leder"))
        managers = page_of(leader.get("/rapporter/dekning?aar=2027"))
        assert "Registrer tall utenfor systemet" in managers
        assert "Endre den politiske prioriteringen" in managers
        assert len(renders) == 2
        # the caseworker still gets the caseworker's page
        assert page_of(client.get("/rapporter/dekning?aar=2027")) == first

        post_form(client, "/sprak", {"lang": "en", "next": "/"}, form_page="/")
        english = page_of(client.get("/rapporter/dekning?aar=2027"))
        assert "Download the same figures" in english and "Last ned de samme" not in english
        assert len(renders) == 3
        post_form(client, "/sprak", {"lang": "nb", "next": "/"}, form_page="/")

        record_decision(db, world)  # Upsilon AS granted 35 000
        db.session.flush()
        changed = page_of(client.get("/rapporter/dekning?aar=2027"))
        assert changed != first and "Prosjekt Upsilon AS" in changed
        assert "Prosjekt Upsilon AS" not in first
        freshness.forget()
        assert page_of(client.get("/rapporter/dekning?aar=2027")) == changed
    finally:
        template_rendered.disconnect(count)
