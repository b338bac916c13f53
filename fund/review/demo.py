"""Demo case handling (``flask demo``): assessments with a disagreement and a declared
conflict of interest, and a call whose review is closed with its innstilling frozen."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from fund.applications.demo import new_application
from fund.calls.demo import oslo_day
from fund.calls.models import Fund
from fund.calls.operations import create_call, publish_call
from fund.core.formatting import to_local
from fund.core.types import utcnow
from fund.extensions import db


def demo_reviews(users) -> list[str]:
    """Both demo caseworkers assess the submitted applications: one disagreement, and one
    declared conflict of interest."""
    from fund.applications.models import Application, ApplicationState
    from fund.review.models import Assessment, ConflictGround
    from fund.review.operations import assessment_for, assign, declare, save_assessment
    from fund.review.scoring import Recommendation

    if db.session.execute(select(Assessment.id).limit(1)).first() is not None:
        return []
    submitted = db.session.execute(
        select(Application).where(Application.state == ApplicationState.SUBMITTED)
        .order_by(Application.id)).scalars().all()
    if len(submitted) < 2:
        return []
    first, second = submitted[:2]
    sara, sverre = users["saksbehandler@demo.no"], users["saksbehandler2@demo.no"]
    manager = users["leder@demo.no"]

    def assess(application, user, score, recommendation, amount, comment):
        declare(application, user, False, None, "")
        assign(application, user, manager)
        criteria = application.call.criteria
        save_assessment(assessment_for(application, user), user, None,
                        scores={c.id: (score, False, comment) for c in criteria},
                        overall_comment=comment, recommended_amount=amount,
                        recommendation=recommendation, complete=True)

    assess(first, sara, 4, Recommendation.APPROVE, first.amount_applied,
           "Godt forankret prosjekt med tydelige klimamål.")
    assess(first, sverre, 2, Recommendation.REJECT, 0,
           "Usikker effekt; budsjettet mangler egeninnsats.")  # a disagreement
    assess(second, sara, 3, Recommendation.APPROVE_REDUCED,
           (second.amount_applied or 0) // 2, "Nyttig, men bør skaleres ned.")
    declare(second, sverre, True, ConflictGround.FAMILY,
            "Søsteren min er daglig leder i søkerforetaket.")
    return ["vurderinger fra begge saksbehandlerne (én uenighet, én inhabilitet)"]


def demo_decided_call(plan, users) -> list[str]:
    """Last round: a call whose deadline has passed, assessed, and whose review the
    manager has closed, so that the frozen innstilling can be seen (once)."""
    from fund.applications.models import ClimateCategory
    from fund.applications.operations import submit
    from fund.review.models import FrozenRanking
    from fund.review.operations import close_review

    if db.session.execute(select(FrozenRanking.id).limit(1)).first() is not None:
        return []
    now = utcnow()
    year = now.year
    call = create_call(
        fund=Fund.KLIMAFOND, year=year, title=f"Klimafondet {year}",
        description="Tilskudd til klimatiltak i bedrifter og organisasjoner i Lillestrøm.",
        opens_at=now - timedelta(days=150), closes_at=now + timedelta(hours=1),
        budget=480_000, max_grant=200_000, max_share_percent=50, plan=plan)
    publish_call(call)
    call.appeal_reserve = 40_000
    applications = []
    # The projects began after the decision (the grants demo follows them up); one ran
    # only six weeks and has reported.
    starts_on = to_local(now - timedelta(days=60)).date()
    for email, title, score, amount, weeks in DEMO_DECIDED:
        user = users[email]
        application = new_application(call, user, title, ["2C-1"], True, 2 * amount, amount,
                                       amount)
        application.starts_on = starts_on
        application.ends_on = starts_on + timedelta(weeks=weeks)
        if score <= 1:  # begun before it applied: a rule broken, so the case is dismissed
            application.not_started = False
        application.climate_category = ClimateCategory.EMISSION_CUT
        application.climate_baseline = "Oljefyring og dieselbiler i dag."
        application.co2e_cut_tonnes = Decimal("35.5")
        application.co2e_method = "Målt forbruk siste år, omregnet med SSBs faktorer."
        application.partners = DEMO_PARTNERS.get(title, "")
        db.session.flush()
        submit(application, user)
        applications.append((application, score))
    # The deadline passed weeks ago; the applications came in well before it.
    deadline = oslo_day(now - timedelta(days=90), 23, 59)
    call.closes_at = deadline
    for number, (application, _score) in enumerate(applications, start=1):
        moment = deadline - timedelta(days=10 - number)
        application.submitted_at = moment
        submission = application.submissions[-1]
        submission.submitted_at = moment
        submission.snapshot = {**submission.snapshot, "submitted_at": moment.isoformat(),
                               "call": {**submission.snapshot["call"],
                                        "closes_at": deadline.isoformat()}}
    _assess(applications, users)
    db.session.flush()
    close_review(call, users["leder@demo.no"])
    return [f"{call.title} (vurderingen er avsluttet og rangeringen låst)"]


#: applicant, title, score (0–5 on every criterion), amount applied, project weeks. The
#: decisions demo (``fund.decisions.demo``) grants the first, grants the second in part,
#: rejects the third, dismisses the fourth, and grants the fifth and sixth; the grants
#: demo (``fund.grants.demo``) follows the four grants up.
DEMO_DECIDED = [
    ("soker@demo.no", "Elektrisk varebil og ladepunkt", 5, 200_000, 40),
    ("soker@demo.no", "Solceller på lagerhallen", 4, 150_000, 6),
    ("soker2@demo.no", "Varmegjenvinning i bakeriet", 2, 150_000, 40),
    ("soker2@demo.no", "Ny kjøledisk i butikken", 1, 100_000, 40),
    ("soker@demo.no", "LED-belysning i produksjonshallen", 4, 80_000, 30),
    ("soker@demo.no", "Kurs i klimaregnskap for de ansatte", 3, 60_000, 20),
]


#: The partners named in the application (a cooperation project), by title.
DEMO_PARTNERS = {
    "Elektrisk varebil og ladepunkt": "Kjeller Taxi AS deler ladepunktet og måledataene.",
}

#: The measures the caseworker confirms, by title: the applicants all claimed 2C-1; the
#: van also advances 4B-3 (a test of new mobility), so the funded projects cover two
#: innsatsområder and one project several measures. The dismissed case gets none.
DEMO_CONFIRMED = {
    "Elektrisk varebil og ladepunkt": ["2C-1", "4B-3"],
    "Solceller på lagerhallen": ["2C-1"],
    "Varmegjenvinning i bakeriet": ["2C-1"],
    "LED-belysning i produksjonshallen": ["2C-1"],
    "Kurs i klimaregnskap for de ansatte": ["1C-6", "2C-2"],
}


def _assess(applications, users) -> None:
    from fund.plan.models import Area, Measure, Strategy
    from fund.review.operations import (
        assessment_for,
        confirm_measures,
        declare,
        save_assessment,
    )
    from fund.review.scoring import Recommendation
    sara = users["saksbehandler@demo.no"]
    for application, score in applications:
        declare(application, sara, False, None, "")
        save_assessment(assessment_for(application, sara), sara, None,
                        scores={c.id: (score, False, "Se samlet vurdering.")
                                for c in application.call.criteria},
                        overall_comment="Tydelig utslippskutt med god beregning."
                        if score >= 4 else "Nyttig, men mindre effekt per krone.",
                        recommended_amount=application.amount_applied if score >= 3 else None,
                        recommendation=Recommendation.APPROVE if score >= 4
                        else Recommendation.APPROVE_REDUCED if score >= 3
                        else Recommendation.REJECT, complete=True)
        codes = DEMO_CONFIRMED.get(application.title, [])
        if codes:
            confirm_measures(application, sara, set(db.session.scalars(
                select(Measure.id).join(Strategy, Strategy.id == Measure.strategy_id)
                .join(Area, Area.id == Strategy.area_id)
                .where(Area.plan_id == application.call.plan_id, Measure.code.in_(codes)))))


def demo_export(users) -> list[str]:
    """The manager's finished export of last round's innstilling (PDF), so that the page
    a long export is followed on can be seen (a call of the demo's size is exported in
    the request; only a large one is made as a job)."""
    from fund.calls.models import Call
    from fund.review import exports
    from fund.review.models import ExportJob, FrozenRanking

    if db.session.execute(select(ExportJob.id).limit(1)).first() is not None:
        return []
    call = db.session.execute(select(Call).join(FrozenRanking, FrozenRanking.call_id == Call.id)
                              .order_by(Call.id).limit(1)).scalar_one_or_none()
    if call is None:
        return []
    job = exports.request_export(call, "pdf", users["leder@demo.no"], "nb")
    exports.make_at_once(job)
    return [f"{call.title}: innstillingen eksportert som PDF-jobb"]
