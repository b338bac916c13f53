"""``flask demo``: demo users, organisations and an open call, so every role can be tried."""

from datetime import UTC, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from fund.audit.operations import record
from fund.auth.models import Membership, Organisation, User
from fund.auth.operations import verify_organisation
from fund.calls.models import Call, Fund
from fund.calls.operations import create_call
from fund.core.roles import Role
from fund.core.types import utcnow
from fund.extensions import db
from fund.plan.loader import DATA_DIR, load_plan, read_plan_file
from fund.plan.models import PlanVersion

DEMO_PASSWORD = "fond-demo-2026"

DEMO_USERS = [
    ("soker@demo.no", "Siri Søker", Role.APPLICANT),
    ("soker2@demo.no", "Sander Søker", Role.APPLICANT),
    ("saksbehandler@demo.no", "Sara Saksbehandler", Role.CASEWORKER),
    ("saksbehandler2@demo.no", "Sverre Saksbehandler", Role.CASEWORKER),
    ("leder@demo.no", "Lene Fondsforvalter", Role.MANAGER),
    ("admin@demo.no", "Adam Administrator", Role.ADMIN),
]

DEMO_ORGANISATIONS = [
    # orgnr, name, form, members, address
    ("912345688", "Kjeller Grønn Energi AS", "AS", ["soker@demo.no"],
     ("Gunnar Randers vei 24", "2007", "Kjeller")),
    ("912345696", "Sørumsand Smak SA", "SA", ["soker2@demo.no"],
     ("Fabrikkveien 3", "1920", "Sørumsand")),
]


#: Verified by a caseworker; the other demo organisation is not (yet).
DEMO_VERIFIED = {"912345688": "Ringte daglig leder og kontrollerte rollen i "
                              "Enhetsregisteret (demo)."}


def _oslo_day(moment, hour, minute):
    """The given Oslo wall-clock time on the day of ``moment``, in UTC."""
    local = moment.astimezone(ZoneInfo("Europe/Oslo"))
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(UTC)


class DemoRefused(Exception):
    pass


def load_demo() -> list[str]:
    """Create what is missing; return what was created. Refuses a database with real users."""
    real = db.session.execute(select(User.email).where(User.is_demo.is_(False)).limit(1)).first()
    if real is not None:
        raise DemoRefused(f"databasen har ekte brukere (f.eks. {real[0]}); demodata lastes ikke")
    created = []
    plan = db.session.execute(select(PlanVersion).order_by(PlanVersion.id).limit(1)).scalar()
    if plan is None:
        plan, _ = load_plan(read_plan_file(DATA_DIR / "handlingsplan-2022-2024.yaml"))
        created.append(f"handlingsplan {plan.period}")

    users = {}
    for email, name, role in DEMO_USERS:
        user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            user = User(email=email, name=name, role=role, is_demo=True,
                        email_verified_at=utcnow())
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            db.session.flush()
            record("user.created", user, source="demo", role=role.value)
            created.append(email)
        users[email] = user

    for orgnr, name, form, members, (address, postcode, city) in DEMO_ORGANISATIONS:
        org = db.session.execute(
            select(Organisation).where(Organisation.orgnr == orgnr)).scalar_one_or_none()
        if org is None:
            org = Organisation(orgnr=orgnr, name=name, org_form=form, address=address,
                               postcode=postcode, city=city, municipality_number="3205",
                               bank_account="12345678903", vat_registered=True,
                               memberships=[Membership(user=users[m], responsible=True)
                                            for m in members])
            db.session.add(org)
            record("organisation.created", org, source="demo", orgnr=orgnr)
            if orgnr in DEMO_VERIFIED:
                verify_organisation(org, users["saksbehandler@demo.no"], DEMO_VERIFIED[orgnr])
            created.append(name)

    now = utcnow()
    call = db.session.execute(
        select(Call).where(Call.opens_at <= now, Call.closes_at > now).limit(1)).scalar()
    if call is None:
        year = now.year + 1
        call = create_call(
            fund=Fund.NAERINGSFOND, year=year, title=f"Næringsfondet {year}",
            description="Tilskudd til utviklingsprosjekter som gir bærekraftig vekst og nye "
                        "arbeidsplasser i Lillestrøm.",
            opens_at=_oslo_day(now - timedelta(days=1), 8, 0),
            closes_at=_oslo_day(now + timedelta(days=60), 23, 59),
            budget=2_000_000, max_grant=200_000, max_share_percent=50, plan=plan)
        created.append(call.title)
    created += _demo_applications(call, users)
    created += _demo_reviews(users)
    created += _demo_decided_call(plan, users)
    return created


def _demo_decided_call(plan, users) -> list[str]:
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
        opens_at=now - timedelta(days=120), closes_at=now + timedelta(hours=1),
        budget=300_000, max_grant=200_000, max_share_percent=50, plan=plan)
    applications = []
    for email, title, score, amount in DEMO_DECIDED:
        user = users[email]
        application = _new_application(call, user, title, ["1B-3"], True, 2 * amount, amount,
                                       amount)
        application.climate_category = ClimateCategory.EMISSION_CUT
        application.climate_baseline = "Oljefyring og dieselbiler i dag."
        application.co2e_cut_tonnes = Decimal("35.5")
        application.co2e_method = "Målt forbruk siste år, omregnet med SSBs faktorer."
        db.session.flush()
        submit(application, user)
        applications.append((application, score))
    # The deadline passed weeks ago; the applications came in well before it.
    deadline = _oslo_day(now - timedelta(days=40), 23, 59)
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
    return [f"{call.title} (ferdigbehandlet, innstillingen er låst)"]


#: applicant, title, score (0–5 on every criterion), amount applied
DEMO_DECIDED = [
    ("soker@demo.no", "Elektrisk varebil og ladepunkt", 5, 200_000),
    ("soker2@demo.no", "Varmegjenvinning i bakeriet", 3, 150_000),
]


def _assess(applications, users) -> None:
    from fund.review.operations import assessment_for, declare, save_assessment
    from fund.review.scoring import Recommendation
    sara = users["saksbehandler@demo.no"]
    for application, score in applications:
        declare(application, sara, False, None, "")
        save_assessment(assessment_for(application, sara), sara, None,
                        scores={c.id: (score, False, "Se samlet vurdering.")
                                for c in application.call.criteria},
                        overall_comment="Tydelig utslippskutt med god beregning."
                        if score >= 4 else "Nyttig, men mindre effekt per krone.",
                        recommended_amount=application.amount_applied,
                        recommendation=Recommendation.APPROVE if score >= 4
                        else Recommendation.APPROVE_REDUCED, complete=True)


def _demo_reviews(users) -> list[str]:
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


DEMO_APPLICATIONS = [
    # applicant, title, submit?, measure codes, cost, own funds, applied
    ("soker@demo.no", "Varmepumpe og solceller på Kjeller", True, ["1B-3", "1B-1"],
     400_000, 200_000, 200_000),
    ("soker@demo.no", "Kompetanseløft i hydrogenteknologi", False, ["1C-6"], 0, 0, None),
    ("soker2@demo.no", "Lokalmat til konferansegjester", True, ["3B-2"], 180_000, 90_000,
     90_000),
    ("soker2@demo.no", "Kortreist kantine", False, [], 0, 0, None),
]


def _demo_applications(call, users) -> list[str]:
    """Drafts and submitted applications for both demo applicants (once)."""
    from fund.applications.models import Application
    from fund.applications.operations import submit

    if db.session.execute(select(Application.id).limit(1)).first() is not None:
        return []
    created = []
    for email, title, send, codes, cost, own, applied in DEMO_APPLICATIONS:
        user = users[email]
        application = _new_application(call, user, title, codes, send, cost, own, applied)
        if send:
            submit(application, user)
        created.append(title)
    return created


def _new_application(call, user, title, codes, complete=True, cost=0, own=0, applied=None):
    """A draft in the user's first organisation; ``complete`` fills all a submission needs."""
    from fund.applications.models import (
        ApplicationMeasure,
        CostCategory,
        CostLine,
        FinancingKind,
        FinancingLine,
    )
    from fund.applications.operations import start_application
    from fund.plan.models import Measure, Strategy

    application = start_application(call, user.memberships[0].organisation, user)
    application.title = title
    if complete:
        start = utcnow().date() + timedelta(days=90)
        application.project_leader = user.name
        application.summary = f"{title}: et prosjekt som gir nye arbeidsplasser og lavere " \
                              "utslipp i Lillestrøm."
        for name in ("description", "background", "goals", "anchoring", "additionality"):
            setattr(application, name, DEMO_TEXT[name])
        application.starts_on, application.ends_on = start, start + timedelta(days=300)
        application.not_started = True
        application.knowledge_jobs, application.other_jobs = 2, 1
        application.cost_lines = [CostLine(category=CostCategory.SERVICES,
                                           description="Innleid kompetanse", amount=cost)]
        application.financing_lines = [FinancingLine(kind=FinancingKind.OWN_FUNDS,
                                                     amount=own)]
        application.amount_applied = applied
    chosen = db.session.execute(
        select(Measure).join(Strategy).join(Strategy.area)
        .where(Strategy.area.has(plan_id=call.plan_id), Measure.code.in_(codes))).scalars().all()
    application.strategies = sorted({m.strategy for m in chosen}, key=lambda s: s.code)
    application.measures = [ApplicationMeasure(measure=m, how=DEMO_TEXT["how"])
                            for m in sorted(chosen, key=lambda m: codes.index(m.code))]
    db.session.flush()
    return application


DEMO_TEXT = {
    "description": "Vi installerer og måler effekten av nye løsninger, og deler resultatene "
                   "med andre bedrifter i kommunen.",
    "background": "Energikostnadene har økt, og kundene etterspør lavere utslipp.",
    "goals": "Halvere energibruken innen ett år etter oppstart, målt mot fjorårets forbruk.",
    "anchoring": "Styret vedtok prosjektet i siste styremøte.",
    "additionality": "Uten tilskudd blir prosjektet utsatt i minst to år.",
    "how": "Prosjektet er et konkret eksempel på tiltaket i praksis.",
}


@click.command("demo")
@with_appcontext
def demo_command():
    """Load demo users, organisations and an open call (idempotent)."""
    try:
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            created = load_demo()
    except DemoRefused as exc:
        raise click.ClickException(f"Avbrutt: {exc}.") from exc
    db.session.commit()
    if created:
        click.echo("Demodata lagt inn: " + ", ".join(created))
    else:
        click.echo("Demodata finnes allerede; ingenting endret.")
    click.echo(f"Alle demobrukere har passordet {DEMO_PASSWORD}")
