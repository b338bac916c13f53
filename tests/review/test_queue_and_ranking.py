"""The queue with its filters and assignment, and the ranking against the budget."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from fund.applications.models import ApplicationState
from fund.applications.operations import eligibility_problems
from fund.audit.models import AuditEvent
from fund.core.roles import Role
from fund.core.types import utcnow
from fund.extensions import db as _db
from fund.review.models import (
    Assessment,
    AssessmentState,
    Assignment,
    ConflictDeclaration,
    ReviewSettings,
)
from fund.review.scoring import Aggregate, Recommendation
from tests.helpers import (
    count_queries,
    declare,
    html_of,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
    post_form,
)


@pytest.fixture
def office(db):
    applicant = make_user("soker@example.no")
    org = make_organisation(applicant)
    call = make_call(budget=300_000)
    applications = []
    for i, (amount, title) in enumerate([(150_000, "Alfa"), (100_000, "Beta"),
                                         (100_000, "Gamma")]):
        application = make_application(call, org, applicant, title=title,
                                        amount_applied=amount,
                                        state=ApplicationState.SUBMITTED,
                                        case_number=f"NF-{call.year}-{i + 1:04d}")
        application.financing_lines[0].amount = 300_000 - amount
        application.submitted_at = call.opens_at + timedelta(hours=i)
        applications.append(application)
    # Delta, from another organisation, passes every eligibility rule.
    other = make_user("delta@example.no", name="Dag Delta")
    delta = make_application(call, make_organisation(other, orgnr="912345637", name="Delta AS"),
                             other, title="Delta", amount_applied=50_000,
                             state=ApplicationState.SUBMITTED, case_number=f"NF-{call.year}-0004",
                             submitted_at=call.opens_at + timedelta(hours=3))
    delta.financing_lines[0].amount = 250_000
    applications.append(delta)
    caseworker = make_user("sara@example.no", Role.CASEWORKER, name="Sara")
    manager = make_user("lene@example.no", Role.MANAGER, name="Lene")
    _db.session.commit()
    return call, applications, caseworker, manager


def complete(application, user, total, recommendation=Recommendation.APPROVE, amount=None):
    _db.session.add(Assessment(application=application, caseworker=user,
                               state=AssessmentState.COMPLETED, total_score=total,
                               completed_at=utcnow(),
                               recommendation=recommendation,
                               recommended_amount=amount or application.amount_applied))
    _db.session.commit()


def submitted_with_rules_checked(*applications):
    """As ``submit`` leaves them: the eligibility rules counted at submission."""
    for application in applications:
        application.eligibility_failures = len(eligibility_problems(application))
    _db.session.commit()


def test_filters_find_what_a_caseworker_looks_for(client, office):
    call, (alfa, beta, gamma, delta), caseworker, _manager = office
    # Alfa, Beta and Gamma share an organisation, now outside the municipality; Delta passes.
    beta.organisation.municipality_number = "0301"
    _db.session.add(Assignment(application_id=gamma.id, caseworker_id=caseworker.id))
    submitted_with_rules_checked(alfa, beta, gamma, delta)
    login(client, caseworker)
    everything = html_of(client.get(f"/saksbehandling/soknader?utlysning={call.id}"))
    assert all(t in everything for t in ("Alfa", "Beta", "Gamma", "Delta"))
    mine = html_of(client.get("/saksbehandling/soknader?mine=1"))
    assert "Gamma" in mine and "Alfa" not in mine
    failing = html_of(client.get("/saksbehandling/soknader?vilkar=1"))
    assert all(t in failing for t in ("Alfa", "Beta", "Gamma")) and "Delta" not in failing
    by_measure = html_of(client.get("/saksbehandling/soknader?tiltak=1B-2"))
    assert "Alfa" in by_measure
    assert "Alfa" in html_of(client.get("/saksbehandling/soknader?tiltak=1b-2"))  # any case
    # typed as people type it: spaces around or inside, a dash from a word processor
    for typed in ("+1B-2+", "%C2%A01b-2%C2%A0", "1b+-+2", "1B%E2%80%932", "1B+2"):
        assert "Alfa" in html_of(client.get(f"/saksbehandling/soknader?tiltak={typed}")), typed
    assert "Alfa" not in html_of(client.get("/saksbehandling/soknader?tiltak=1B-22"))
    assert "Alfa" not in html_of(client.get("/saksbehandling/soknader?tiltak=5C-1"))
    # a strategy's code finds every measure under it, trimmed and in any case
    assert "Alfa" in html_of(client.get("/saksbehandling/soknader?tiltak=+1b+"))
    assert "Alfa" not in html_of(client.get("/saksbehandling/soknader?tiltak=1C"))
    complete(alfa, caseworker, 80)
    unscored = html_of(client.get("/saksbehandling/soknader?uvurdert=1"))
    assert "Alfa" not in unscored and "Beta" in unscored


def test_the_ranking_is_one_click_from_the_managers_call_page_and_the_queue(client, office):
    call, _applications, caseworker, manager = office
    ranking = f'href="/saksbehandling/utlysninger/{call.id}/rangering"'
    login(client, manager)
    managed = html_of(client.get(f"/forvaltning/utlysninger/{call.id}"))
    panel = managed[managed.index('id="ranking-panel"'):]
    panel = panel[:panel.index("</section>")]
    assert f'<a class="ds-button" {ranking}>Rangering og innstilling</a>' in panel
    assert f'href="/saksbehandling/soknader?utlysning={call.id}"' in panel
    # above the settings for the assessment, not at the bottom of them
    assert managed.index('id="ranking-panel"') < managed.index('id="settings-heading"')

    client = client.application.test_client()
    login(client, caseworker)
    queue = html_of(client.get("/saksbehandling/soknader"))
    links = queue[queue.index('id="ranking-links"'):]
    assert f"{ranking}>{call.title}</a>" in links[:links.index("</nav>")]
    for_call = html_of(client.get(f"/saksbehandling/soknader?utlysning={call.id}"))
    assert f'<a class="ds-button" data-variant="secondary" {ranking}>' in for_call


def test_the_queue_runs_a_constant_number_of_queries(client, office):
    call, applications, caseworker, _manager = office
    login(client, caseworker)
    path = f"/saksbehandling/soknader?utlysning={call.id}&vilkar="
    client.get(path)
    with count_queries() as few:
        client.get(path)
    org = applications[0].organisation
    for i in range(10):
        make_application(call, org, applications[0].created_by, title=f"Ekstra {i}",
                         state=ApplicationState.SUBMITTED, case_number=f"NF-2099-{i:04d}")
    _db.session.commit()
    with count_queries() as many:
        client.get(path)
    assert many.count == few.count


def test_a_manager_assigns_in_bulk_and_a_caseworker_takes_one(app, client, office):
    call, (alfa, beta, gamma, _delta), caseworker, manager = office
    login(client, manager)
    response = post_form(client, "/saksbehandling/soknader/tildel", {
        "application": [str(alfa.id), str(beta.id)], "caseworker": str(caseworker.id)},
        form_page="/saksbehandling/soknader")
    assert response.status_code == 302
    assigned = _db.session.execute(select(Assignment.application_id, Assignment.caseworker_id)
                                   ).all()
    assert sorted(assigned) == sorted([(alfa.id, caseworker.id), (beta.id, caseworker.id)])
    assert len(_db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "review.assigned")).all()) == 2
    own = app.test_client()
    login(own, caseworker)
    post_form(own, "/saksbehandling/soknader/tildel", {"application": str(gamma.id)},
              form_page="/saksbehandling/soknader")
    assert _db.session.scalars(select(Assignment).where(
        Assignment.application_id == gamma.id)).one().caseworker_id == caseworker.id
    colleague = app.test_client()
    login(colleague, make_user("sverre@example.no", Role.CASEWORKER))
    response = post_form(colleague, "/saksbehandling/soknader/tildel",
                         {"application": str(gamma.id)}, form_page="/saksbehandling/soknader")
    assert "allerede tildelt" in html_of(colleague.get(response.headers["Location"]))


def test_a_disqualified_caseworker_cannot_be_assigned(client, office):
    call, (alfa, _beta, _gamma, _delta), caseworker, manager = office
    login(client, caseworker)
    declare(client, alfa, disqualified=True, ground="family")
    office_client = client.application.test_client()
    login(office_client, manager)
    response = post_form(office_client, "/saksbehandling/soknader/tildel", {
        "application": str(alfa.id), "caseworker": str(caseworker.id)},
        form_page="/saksbehandling/soknader")
    assert "er inhabil" in html_of(office_client.get(response.headers["Location"]))
    assert _db.session.scalars(select(Assignment)).all() == []


def test_the_assign_list_says_who_is_inhabil_and_assigning_nothing_says_so(client, office):
    call, (alfa, beta, _gamma, _delta), caseworker, manager = office
    login(client, caseworker)
    declare(client, alfa, disqualified=True, ground="family")
    office_client = client.application.test_client()
    login(office_client, manager)
    queue = html_of(office_client.get("/saksbehandling/soknader"))
    start = queue.index('id="caseworker"')
    select_list = queue[start:queue.index("</select>", start)]
    option = re.search(rf'<option value="{caseworker.id}">([^<]*)</option>', select_list)
    assert option.group(1) == f"{caseworker.name} – inhabil i {alfa.case_number}"
    assert f'<option value="{manager.id}">{manager.name}</option>' in select_list
    assert 'aria-describedby="caseworker-inhabil"' in queue
    # a member of the applying organisation is inhabil too
    from fund.auth.models import Membership
    member = make_user("sverre@example.no", Role.CASEWORKER, name="Sverre")
    _db.session.add(Membership(user_id=member.id, organisation_id=beta.organisation_id))
    _db.session.commit()
    queue = html_of(office_client.get("/saksbehandling/soknader"))
    option = re.search(rf'<option value="{member.id}">([^<]*)</option>', queue)
    assert option.group(1).startswith("Sverre – inhabil i ")
    assert beta.case_number in option.group(1)

    response = post_form(office_client, "/saksbehandling/soknader/tildel",
                         {"caseworker": str(caseworker.id)},
                         form_page="/saksbehandling/soknader")
    assert "Kryss av for søknadene som skal tildeles" in html_of(
        office_client.get(response.headers["Location"]))


def declared_on_all(user, applications):
    for application in applications:
        _db.session.add(ConflictDeclaration(application=application, caseworker=user,
                                            disqualified=False))
    _db.session.commit()


def test_the_ranking_draws_the_budget_line_and_the_manager_can_move_it(client, office):
    call, (alfa, beta, gamma, _delta), caseworker, manager = office
    complete(alfa, caseworker, 90)
    complete(beta, caseworker, 70)
    complete(gamma, caseworker, 80)
    declared_on_all(manager, office[1])
    login(client, manager)
    html = html_of(client.get(f"/saksbehandling/utlysninger/{call.id}/rangering"))
    order = [html.index(t) for t in ("Alfa", "Gamma", "Beta")]
    assert order == sorted(order)  # 90, 80, 70
    line = html.index("Budsjettlinjen:")
    assert html.index("Gamma") < line < html.index("Beta")  # 250 000 of 300 000 used
    response = post_form(client, f"/saksbehandling/utlysninger/{call.id}/linje",
                         {"line": "3", "reason": "  "},
                         form_page=f"/saksbehandling/utlysninger/{call.id}/rangering")
    # the refusal is on the reason field (and in the summary above the form), not a flash
    assert response.status_code == 422
    refused = html_of(response)
    assert 'id="reason-err">Begrunn hvorfor linjen flyttes.</p>' in refused
    assert 'aria-invalid="true"' in refused[refused.index('name="reason"') - 300:]
    assert 'href="#reason">Begrunn hvorfor linjen flyttes.</a>' in refused
    assert 'value="3"' in refused  # what was typed is kept
    assert "Linjen følger budsjettet." in refused
    post_form(client, f"/saksbehandling/utlysninger/{call.id}/linje",
              {"line": "1", "reason": "Formannskapet ønsker færre, større tilskudd."},
              form_page=f"/saksbehandling/utlysninger/{call.id}/rangering")
    html = html_of(client.get(f"/saksbehandling/utlysninger/{call.id}/rangering"))
    assert "Linjen er flyttet manuelt: Formannskapet ønsker færre, større tilskudd." in html
    # the form no longer says the line follows the budget
    assert "Linjen følger budsjettet" not in html and "Linjen er flyttet for hånd." in html
    assert html.index("Alfa") < html.index("Budsjettlinjen:") < html.index("Gamma")
    # the next move needs its own reason: the box is empty, not the last move's text
    box = html[html.index('name="reason"'):]
    assert box[box.index(">") + 1:box.index("</textarea>")].strip() == ""
    # and the line cannot stand after more applications than are ranked
    response = post_form(client, f"/saksbehandling/utlysninger/{call.id}/linje",
                         {"line": "7", "reason": "For langt ned."},
                         form_page=f"/saksbehandling/utlysninger/{call.id}/rangering")
    assert "Det er bare 4 søknader i rangeringen" in html_of(
        client.get(response.headers["Location"]))
    event = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "call.funding_line_moved")).one()
    assert event.details["new"] == 1 and event.actor_id == manager.id


def test_a_manager_who_has_not_declared_on_every_application_cannot_move_the_line(
        client, office):
    """Fvl § 6: the line decides every application in the call, so whoever moves it has
    declared themself habil on each; the page and the refusal name those missing, and
    posting the form directly changes nothing."""
    call, (alfa, beta, gamma, delta), caseworker, manager = office
    complete(alfa, caseworker, 90)
    declared_on_all(manager, [alfa, gamma])
    login(client, manager)
    path = f"/saksbehandling/utlysninger/{call.id}/rangering"
    html = html_of(client.get(path))
    warning = html[html.index('id="undeclared"'):]
    assert f"{beta.case_number}, {delta.case_number}" in warning[:600]
    response = post_form(client, f"/saksbehandling/utlysninger/{call.id}/linje",
                         {"line": "1", "reason": "Færre, større tilskudd."}, form_page=path)
    message = html_of(client.get(response.headers["Location"]))
    assert "Du har ikke erklært deg habil i disse søknadene: " \
           f"{beta.case_number}, {delta.case_number}." in message
    assert _db.session.scalars(select(ReviewSettings.funding_line).where(
        ReviewSettings.call_id == call.id)).all() in ([], [None])
    assert _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "call.funding_line_moved")).all() == []
    # Declared on the rest, the same post moves the line.
    declared_on_all(manager, [beta, delta])
    post_form(client, f"/saksbehandling/utlysninger/{call.id}/linje",
              {"line": "1", "reason": "Færre, større tilskudd."}, form_page=path)
    assert _db.session.scalars(select(ReviewSettings.funding_line).where(
        ReviewSettings.call_id == call.id)).one() == 1


def test_a_disqualified_caseworker_does_not_see_the_row_in_the_ranking(client, office):
    call, (alfa, _beta, _gamma, _delta), caseworker, _manager = office
    complete(alfa, make_user("annen@example.no", Role.CASEWORKER), 90)
    login(client, caseworker)
    declare(client, alfa, disqualified=True, ground="party")
    html = html_of(client.get(f"/saksbehandling/utlysninger/{call.id}/rangering"))
    assert "Alfa" not in html and "1 søknad vises ikke fordi du er inhabil." in html
    # An innstilling without Alfa must not reach the decision body: someone else exports it.
    csv = client.get(f"/saksbehandling/utlysninger/{call.id}/innstilling.csv")
    assert csv.status_code == 302 and "Alfa" not in csv.get_data(as_text=True)
    assert "En annen må eksportere den." in html_of(client.get(csv.headers["Location"]))


def test_the_manager_chooses_mean_or_median_and_blind_review_per_call(client, office):
    call, (alfa, _beta, _gamma, _delta), caseworker, manager = office
    for email, total in (("b", 100), ("c", 70), ("d", 50), ("e", 0)):
        complete(alfa, make_user(f"{email}@example.no", Role.CASEWORKER), total)
    login(client, manager)
    path = f"/saksbehandling/utlysninger/{call.id}/rangering"
    html = html_of(client.get(path)).replace(" ", "")
    assert ">60<" in html and ">55<" not in html  # the median of 100, 70, 50, 0
    response = post_form(client, f"/forvaltning/utlysninger/{call.id}/vurdering", {
        "score_aggregate": "mean", "disagreement_threshold": "50"},
        form_page=f"/forvaltning/utlysninger/{call.id}")
    assert response.status_code == 302
    _db.session.expire_all()
    settings = _db.session.get(ReviewSettings, call.id)
    assert settings.score_aggregate == Aggregate.MEAN and settings.blind_review is False
    assert _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "call.review_settings_changed")).one().actor_id == manager.id
    html = html_of(client.get(path)).replace(" ", "")
    assert ">55<" in html and ">60<" not in html  # their mean
    complete(_beta, caseworker, 100)
    complete(_beta, make_user("f@example.no", Role.CASEWORKER), 0)
    complete(_beta, make_user("g@example.no", Role.CASEWORKER), 20)
    html = html_of(client.get(path)).replace(" ", "")
    assert ">40<" in html  # mean of 100, 0, 20 (the median would be 20)


def test_the_ranking_runs_a_constant_number_of_queries(client, office):
    call, applications, caseworker, manager = office
    complete(applications[0], caseworker, 70)
    login(client, manager)
    path = f"/saksbehandling/utlysninger/{call.id}/rangering"
    client.get(path)
    with count_queries() as few:
        client.get(path)
    org = applications[0].organisation
    for i in range(10):
        extra = make_application(call, org, applications[0].created_by, title=f"Ekstra {i}",
                                 state=ApplicationState.SUBMITTED,
                                 case_number=f"NF-2099-{i:04d}")
        complete(extra, caseworker, 50 + i)
    with count_queries() as many:
        client.get(path)
    assert many.count == few.count


def test_the_exports_run_a_constant_number_of_queries(client, office):
    call, applications, caseworker, manager = office
    complete(applications[0], caseworker, 70)
    login(client, manager)
    paths = [f"/saksbehandling/utlysninger/{call.id}/innstilling.{kind}"
             for kind in ("csv", "xlsx", "pdf")]
    for path in paths:
        client.get(path)
    few = {}
    for path in paths:
        with count_queries() as counted:
            assert client.get(path).status_code == 200
        few[path] = counted.count
    org = applications[0].organisation
    for i in range(10):
        extra = make_application(call, org, applications[0].created_by, title=f"Ekstra {i}",
                                 state=ApplicationState.SUBMITTED,
                                 case_number=f"NF-2099-{i:04d}")
        complete(extra, caseworker, 50 + i)
    for path in paths:
        with count_queries() as many:
            assert client.get(path).status_code == 200
        assert many.count == few[path], path


@pytest.mark.parametrize("query", [
    "side=abc&rader=7&sorter=x&status=draft&fond=x&utlysning=99999999999999999999",
    "side=0&rader=100000000000000&tiltak=%00&strategi=" + "x" * 300,
    "rader=25&sorter=belop&side=2",
])
def test_junk_in_the_queue_address_is_ignored(client, office, query):
    _call, _applications, caseworker, _manager = office
    login(client, caseworker)
    response = client.get(f"/saksbehandling/soknader?{query}")
    assert response.status_code == 200
    assert "Innkomne søknader" in html_of(response)
