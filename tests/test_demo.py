"""`flask demo`: a newcomer can log in as every role and find an open call."""

from decimal import Decimal

from sqlalchemy import func, select

from fund.applications.models import Application, ApplicationState
from fund.auth.models import Organisation, User
from fund.calls.models import Call, CallState
from fund.core.roles import Role
from fund.extensions import db as _db
from tests.helpers import login, make_user


def test_demo_creates_six_users_two_organisations_and_an_open_call(runner, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    roles = dict(_db.session.execute(select(User.email, User.role)).all())
    assert roles == {
        "soker@demo.no": Role.APPLICANT, "soker2@demo.no": Role.APPLICANT,
        "saksbehandler@demo.no": Role.CASEWORKER, "saksbehandler2@demo.no": Role.CASEWORKER,
        "leder@demo.no": Role.MANAGER, "admin@demo.no": Role.ADMIN}
    orgs = _db.session.scalars(select(Organisation).order_by(Organisation.orgnr)).all()
    assert [[(m.user.email, m.responsible) for m in o.memberships] for o in orgs] == [
        [("soker@demo.no", True)], [("soker2@demo.no", True)]]
    # One organisation verified by a caseworker, one still to be verified.
    assert [(o.name, o.is_verified) for o in orgs] == [
        ("Kjeller Grønn Energi AS", True), ("Sørumsand Smak SA", False)]
    calls = _db.session.scalars(select(Call).order_by(Call.id)).all()
    # The open call and last round's, and one the manager is preparing (a draft).
    assert [c.state for c in calls] == [CallState.OPEN, CallState.REVIEW_CLOSED,
                                        CallState.DRAFT]
    applications = _db.session.execute(
        select(User.email, Application.state, Application.case_number)
        .join(Application.created_by).order_by(User.email, Application.id)).all()
    assert [(email, state.value, bool(case)) for email, state, case in applications] == [
        ("soker2@demo.no", "submitted", True), ("soker2@demo.no", "draft", False),
        ("soker2@demo.no", "submitted", True), ("soker2@demo.no", "submitted", True),
        ("soker@demo.no", "submitted", True), ("soker@demo.no", "draft", False),
        ("soker@demo.no", "submitted", True), ("soker@demo.no", "submitted", True),
        ("soker@demo.no", "submitted", True), ("soker@demo.no", "submitted", True),
        ("soker@demo.no", "draft", False)]
    # Last round's draft that was never sent: its members are warned that it is deleted.
    expiring = _db.session.scalars(select(Application).where(
        Application.title == "Biogass fra matavfall")).one()
    assert expiring.call.state == CallState.REVIEW_CLOSED and expiring.deletion_on
    # Last round's review is closed: its ranking is frozen, one application above the line.
    from fund.review.models import FrozenRanking
    [frozen] = _db.session.scalars(select(FrozenRanking)).all()
    assert frozen.call_id == calls[1].id
    assert [(row.organisation, row.within_budget) for row in frozen.rows] == [
        ("Kjeller Grønn Energi AS", True), ("Kjeller Grønn Energi AS", True),
        ("Kjeller Grønn Energi AS", True), ("Kjeller Grønn Energi AS", False),
        ("Sørumsand Smak SA", False), ("Sørumsand Smak SA", False)]
    # ... and decided: the innstilling laid forward, one vedtak of each kind within the
    # budget less the appeal reserve, every letter sent with its appeal deadline, and the
    # rejected applicant's appeal sent on to the appeal body.
    from fund.decisions.models import Appeal, AppealState, Decision, Letter
    from fund.review.models import Innstilling
    assert _db.session.scalars(select(Innstilling)).one().call_id == calls[1].id
    decisions = _db.session.scalars(
        select(Decision).order_by(Decision.application_id, Decision.id)).all()
    assert [(d.outcome.value, d.kind.value, d.amount) for d in decisions] == [
        ("granted", "allocation", 200_000), ("partly_granted", "allocation", 100_000),
        ("rejected", "allocation", None), ("dismissed", "allocation", None),
        ("granted", "allocation", 80_000), ("rejected", "recovery", None),
        ("granted", "allocation", 60_000)]
    allocated = [d for d in decisions if d.kind.value == "allocation"]
    assert sum(d.amount or 0 for d in allocated) <= \
        calls[1].budget - calls[1].appeal_reserve
    letters = _db.session.scalars(select(Letter)).all()
    assert len(letters) == 7 and all(letter.sent_at and letter.appeal_deadline
                                     for letter in letters)
    # ... and followed up: the four grants at four stages of a grant's life.
    from fund.grants.models import Grant, GrantState, PaymentState
    from fund.grants.queries import money_of
    grants = {g.application.title: g for g in _db.session.scalars(select(Grant))}
    stages = {title: (g.state, money_of(g).granted, money_of(g).paid, money_of(g).repaid,
                      money_of(g).returned) for title, g in grants.items()}
    assert stages == {
        "Elektrisk varebil og ladepunkt": (GrantState.ACCEPTED, 200_000, 100_000, 0, 0),
        "Solceller på lagerhallen": (GrantState.COMPLETED, 100_000, 90_000, 0, 10_000),
        "LED-belysning i produksjonshallen": (GrantState.REVOKED, 0, 40_000, 40_000, 0),
        "Kurs i klimaregnskap for de ansatte": (GrantState.LAPSED, 60_000, 0, 0, 60_000)}
    solar = grants["Solceller på lagerhallen"]
    assert solar.final_report.eligible_amount == 90_000
    assert [p.state for p in solar.payments] == [PaymentState.PAID, PaymentState.PAID]
    [recovery] = grants["LED-belysning i produksjonshallen"].recoveries
    assert recovery.answer and recovery.decision.letter.sent_at
    # The caseworker confirmed the measures (the reports use these): the funded projects
    # cover two innsatsområder, and the van several measures.
    from fund.plan.models import Measure
    from fund.review.models import ConfirmedMeasure
    confirmed = _db.session.execute(
        select(Application.title, Measure.code, User.email)
        .join(ConfirmedMeasure, ConfirmedMeasure.application_id == Application.id)
        .join(Measure, Measure.id == ConfirmedMeasure.measure_id)
        .join(User, User.id == ConfirmedMeasure.confirmed_by_id)
        .order_by(Application.id, Measure.code)).all()
    assert {email for _, _, email in confirmed} == {"saksbehandler@demo.no"}
    assert [(title, code) for title, code, _ in confirmed] == [
        ("Elektrisk varebil og ladepunkt", "2C-1"), ("Elektrisk varebil og ladepunkt", "4B-3"),
        ("Solceller på lagerhallen", "2C-1"), ("Varmegjenvinning i bakeriet", "2C-1"),
        ("LED-belysning i produksjonshallen", "2C-1"),
        ("Kurs i klimaregnskap for de ansatte", "1C-6"),
        ("Kurs i klimaregnskap for de ansatte", "2C-2")]
    # ... so every part of the report beyond the plan tree shows something
    from fund.reports.extras import extras
    from tests.helpers import the_plan
    report = extras(the_plan())
    shown = {row.label: (row.received, row.grants) for row in report.places if row.received}
    assert shown == {"Kjeller": (5, 3), "Sørumsand": (3, 0)}  # the LED revoked
    assert report.leverage.cooperation == 1 and report.leverage.per_krone > 0
    assert report.leverage.established_firms.grants == 3  # the revoked LED is not a grant
    assert {(row.year, row.fund, row.budget) for row in report.fund_years if row.held} == {
        (call.year, call.fund, call.budget) for call in calls if not call.is_draft}
    [appeal] = _db.session.scalars(select(Appeal)).all()
    assert appeal.decision.outcome.value == "rejected" and appeal.in_time
    assert appeal.state == AppealState.FORWARDED
    assert all(a.submissions for a in _db.session.scalars(select(Application).where(
        Application.state == ApplicationState.SUBMITTED)))
    # the call under review: both caseworkers, one disagreement, one declared conflict
    from fund.review.models import Assessment, ConflictDeclaration
    from fund.review.scoring import Recommendation
    assessments = _db.session.scalars(select(Assessment)).all()
    assert {a.caseworker.email for a in assessments} == {
        "saksbehandler@demo.no", "saksbehandler2@demo.no"}
    by_application = {}
    for a in assessments:
        by_application.setdefault(a.application_id, set()).add(a.recommendation)
    assert {Recommendation.APPROVE, Recommendation.REJECT} in by_application.values()
    conflicts = _db.session.scalars(select(ConflictDeclaration).where(
        ConflictDeclaration.disqualified.is_(True))).all()
    assert [c.caseworker.email for c in conflicts] == ["saksbehandler2@demo.no"]
    for email in roles:
        login(client, email, "fond-demo-2026")
        assert email in client.get("/min-side").get_data(as_text=True)
        client.post("/logg-ut", data={"csrf_token": _token(client)})


def test_demo_gives_every_part_of_the_yearly_evaluation_something_to_show(runner, app):
    """The evaluation (LAW.md §5.2) in the demo: figures per call year, realised effects
    and 5C-1, each area's share against a political priority, the funded firms by
    industry, and the figures from outside the system for both years, with sources."""
    from fund.reports.evaluation import evaluation
    from fund.reports.models import ContextKind
    from tests.helpers import the_plan
    assert runner.invoke(args=["demo"]).exit_code == 0
    plan = the_plan()
    assert {area.code: area.priority_percent for area in plan.areas} == {
        "1": 30, "2": 30, "3": 15, "4": 10, "5": 15}
    codes = {name: code for name, code in _db.session.execute(
        select(Organisation.name, Organisation.industry_code))}
    assert codes == {"Kjeller Grønn Energi AS": "35.113", "Sørumsand Smak SA": "10.710"}
    with app.test_request_context():
        result = evaluation(plan)
    decided, open_call = result.years  # last round's klimafond, this round's næringsfond
    assert decided.year + 1 == open_call.year
    assert decided.figures.grants == 3 and open_call.figures.received == 2
    assert decided.effects.realised.co2e_tonnes > 0 and decided.target_5c1_met
    assert decided.effects.realised.funding_innovasjon_norge == 150_000
    everything = [s for s in result.area_shares if s.year is None]
    assert all(s.priority_percent is not None for s in everything)
    assert {s.code for s in everything if s.granted} == {"1", "2", "4"}
    assert [(row.section, row.grants) for row in result.industries] == [("C", 0), ("D", 3)]
    assert [(row.kind, [v.value for v in row.values]) for row in result.context] == [
        (ContextKind.NHO_KOMMUNE_NM_RANK, [112, 98]),
        (ContextKind.SSB_KNOWLEDGE_JOBS, [9_850, 10_120]),
        (ContextKind.SSB_HIGHER_EDUCATION_PERCENT, [Decimal("38.4"), Decimal("39.1")])]
    assert all(v.source for row in result.context for v in row.values)
    # entered by the demo manager, each with its audit entry
    from fund.audit.models import AuditEvent
    from fund.reports.models import ContextFigure
    figures = _db.session.scalars(select(ContextFigure)).all()
    assert {f.recorded_by.email for f in figures} == {"leder@demo.no"}
    assert _db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "context_figure.added")) == 6


def _token(client):
    import re
    html = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_demo_is_idempotent(runner):
    runner.invoke(args=["demo"])
    before = [_db.session.scalar(select(func.count()).select_from(m))
              for m in (User, Organisation, Call)]
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0 and "ingenting endret" in result.output
    assert [_db.session.scalar(select(func.count()).select_from(m))
            for m in (User, Organisation, Call)] == before


def test_demo_refuses_a_database_with_real_users(runner):
    make_user("ekte.person@lillestrom.kommune.no")
    _db.session.commit()
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "ekte brukere" in result.output
    assert _db.session.scalar(select(func.count()).select_from(User)) == 1


def test_every_kind_of_object_and_case_history_entry_in_the_demo_has_a_name(runner):
    """The audit log names what an entry is about («Tilskudd 3»), never a table name."""
    from fund.audit.labels import OBJECT_LABELS
    from fund.audit.models import AuditEvent
    assert runner.invoke(args=["demo"]).exit_code == 0
    kinds = set(_db.session.scalars(select(AuditEvent.object_type).distinct())) - {None}
    assert "grants" in kinds and kinds <= set(OBJECT_LABELS), kinds - set(OBJECT_LABELS)
    # ... and every entry in an application's history reads in words on the case page
    from fund.review.labels import CASE_HISTORY_ACTIONS
    actions = set(_db.session.scalars(select(AuditEvent.action).distinct().where(
        AuditEvent.object_type == "applications")))
    assert {"letter.sent", "grant.payment_paid"} <= actions
    assert actions <= set(CASE_HISTORY_ACTIONS), actions - set(CASE_HISTORY_ACTIONS)


def test_the_manager_finds_a_finished_export_of_last_rounds_innstilling(runner, client):
    """The page a long export is followed on, in the demo: the manager's job is done and
    its file is a real PDF of the call's innstilling; it is no one else's to see."""
    import io

    from pypdf import PdfReader

    from fund.review.models import ExportJob, ExportState

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    job = _db.session.scalar(select(ExportJob))
    assert job.state == ExportState.DONE and job.kind == "pdf"
    assert job.requested_by.email == "leder@demo.no" and job.rows > 0
    page = f"/saksbehandling/utlysninger/{job.call_id}/eksport/jobb/{job.id}"
    login(client, "leder@demo.no", "fond-demo-2026")
    # found from the call's ranking, where the exports are
    ranking = client.get(f"/saksbehandling/utlysninger/{job.call_id}/rangering")
    assert f'href="{page}"' in ranking.get_data(as_text=True)
    html = client.get(page).get_data(as_text=True)
    assert "Filen er klar" in html and "Last ned PDF" in html
    data = client.get(page + "/fil").data
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert job.call.title in text
    other = client.application.test_client()
    login(other, "saksbehandler@demo.no", "fond-demo-2026")
    assert other.get(page).status_code == 404
    assert other.get(page + "/fil").status_code == 404
