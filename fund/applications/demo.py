"""Demo applications (``flask demo``), and the one factory for a complete application that
the demo and the tests (tests/helpers.make_application) share."""

from datetime import date, timedelta

from sqlalchemy import select

from fund.applications.models import (
    Application,
    ApplicationMeasure,
    CostCategory,
    CostLine,
    FinancingKind,
    FinancingLine,
)
from fund.core.types import utcnow
from fund.extensions import db

#: The free-text fields a submission needs besides the title and the project leader.
TEXT_FIELDS = ("summary", "description", "background", "goals", "anchoring", "additionality")


def fill_complete(application: Application, measures, *, title: str, project_leader: str,
                  texts: dict[str, str], starts_on: date, ends_on: date,
                  cost: tuple[str, int], own_funds: int, applied: int | None,
                  how: str) -> Application:
    """Fill everything a submission needs: texts, period, plan fit, budget and amount.
    ``measures`` are the plan's measures the project contributes to (their strategies
    follow); ``cost`` is one line (description, amount) financed by ``own_funds``."""
    application.title = title
    application.project_leader = project_leader
    for name in TEXT_FIELDS:
        setattr(application, name, texts[name])
    application.starts_on, application.ends_on = starts_on, ends_on
    application.not_started = True
    choose_measures(application, measures, how)
    description, amount = cost
    application.cost_lines = [CostLine(category=CostCategory.SERVICES,
                                       description=description, amount=amount)]
    application.financing_lines = [FinancingLine(kind=FinancingKind.OWN_FUNDS,
                                                 amount=own_funds)]
    application.amount_applied = applied
    return application


def choose_measures(application: Application, measures, how: str) -> None:
    """The measures in the given order, and the strategies they belong to."""
    application.strategies = sorted({m.strategy for m in measures}, key=lambda s: s.code)
    application.measures = [ApplicationMeasure(measure=m, how=how) for m in measures]


DEMO_APPLICATIONS = [
    # applicant, title, submit?, measure codes, cost, own funds, applied
    ("soker@demo.no", "Varmepumpe og solceller på Kjeller", True, ["5C-2", "1C-6"],
     400_000, 200_000, 200_000),
    ("soker@demo.no", "Kompetanseløft i hydrogenteknologi", False, ["1C-6"], 0, 0, None),
    ("soker2@demo.no", "Lokalmat til konferansegjester", True, ["3B-2"], 180_000, 90_000,
     90_000),
    ("soker2@demo.no", "Kortreist kantine", False, [], 0, 0, None),
]


#: A request for exemption from public access on the cost line, by title.
DEMO_EXEMPTION_REQUESTS = {
    "Varmepumpe og solceller på Kjeller": "Timeprisene er forhandlet fram med leverandøren "
                                          "og er konkurransesensitive.",
}


def demo_applications(call, users) -> list[str]:
    """Drafts and submitted applications for both demo applicants (once)."""
    from fund.applications.operations import submit

    if db.session.execute(select(Application.id).limit(1)).first() is not None:
        return []
    created = []
    for email, title, send, codes, cost, own, applied in DEMO_APPLICATIONS:
        user = users[email]
        application = new_application(call, user, title, codes, send, cost, own, applied)
        if title in DEMO_EXEMPTION_REQUESTS:  # the applicant asks; the municipality decides
            application.cost_lines[0].exemption_reason = DEMO_EXEMPTION_REQUESTS[title]
        if send:
            submit(application, user)
        created.append(title)
    return created


#: A draft never sent to last round's call, whose members have been warned that it will be
#: deleted (``demo_expiring_draft``).
DEMO_EXPIRING_DRAFT = ("soker@demo.no", "Biogass fra matavfall", ["2C-1"])


def demo_expiring_draft(users) -> list[str]:
    """A draft left on the call that closed longest ago, its warning of deletion sent, so
    that the applicant's pages show when it goes (once)."""
    from fund.applications.operations import warn_draft_deletion
    from fund.audit.operations import record
    from fund.calls.models import Call
    from fund.plan.models import Measure, Strategy

    email, title, codes = DEMO_EXPIRING_DRAFT
    now = utcnow()
    call = db.session.scalar(select(Call).where(Call.closes_at <= now, Call.published_at
                                                .is_not(None)).order_by(Call.closes_at))
    if call is None or db.session.scalar(select(Application.id).where(
            Application.title == title)) is not None:
        return []
    user = users[email]
    application = Application(call=call, organisation=user.memberships[0].organisation,
                              created_by=user, updated_by=user, contact_name=user.name,
                              contact_email=user.email, title=title,
                              created_at=call.closes_at - timedelta(days=20),
                              updated_at=call.closes_at - timedelta(days=14))
    chosen = db.session.execute(
        select(Measure).join(Strategy).join(Strategy.area)
        .where(Strategy.area.has(plan_id=call.plan_id), Measure.code.in_(codes))).scalars().all()
    choose_measures(application, chosen, DEMO_TEXT["how"])
    application.description = "Vi vil samle matavfall fra kantinene og lage biogass til " \
                              "egne varebiler."
    db.session.add(application)
    record("application.created", application, actor=user, call=call.id,
           organisation=application.organisation.orgnr)
    db.session.flush()
    if warn_draft_deletion(application.id, now) is None:
        return []  # the call closed too recently for a warning; the draft stays as it is
    return [f"{title} (utkast som slettes)"]


def new_application(call, user, title, codes, complete=True, cost=0, own=0, applied=None):
    """A draft in the user's first organisation; ``complete`` fills all a submission needs."""
    from fund.applications.operations import start_application
    from fund.plan.models import Measure, Strategy

    application = start_application(call, user.memberships[0].organisation, user)
    chosen = db.session.execute(
        select(Measure).join(Strategy).join(Strategy.area)
        .where(Strategy.area.has(plan_id=call.plan_id), Measure.code.in_(codes))).scalars().all()
    chosen = sorted(chosen, key=lambda m: codes.index(m.code))
    if complete:
        start = utcnow().date() + timedelta(days=90)
        fill_complete(
            application, chosen, title=title, project_leader=user.name,
            texts={**DEMO_TEXT, "summary": f"{title}: et prosjekt som gir nye arbeidsplasser "
                                           "og lavere utslipp i Lillestrøm."},
            starts_on=start, ends_on=start + timedelta(days=300),
            cost=("Innleid kompetanse", cost), own_funds=own, applied=applied,
            how=DEMO_TEXT["how"])
        application.knowledge_jobs, application.other_jobs = 2, 1
    else:
        application.title = title
        choose_measures(application, chosen, DEMO_TEXT["how"])
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
