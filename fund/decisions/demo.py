"""Demo decisions (``flask demo``): last round's klimafond call, whose review the review
demo closed, is taken through the innstilling, the formannskap's vedtak, the letters and
one appeal, so every stage after the ranking can be seen."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from fund.core.formatting import to_local
from fund.core.types import utcnow
from fund.extensions import db

#: What the administration proposes and the body decides for the review demo's
#: applications, in their order there: outcome, amount, reason for the document.
DEMO_OUTCOMES = [
    ("granted", 200_000, ""),
    ("partly_granted", 100_000,
     "Innkjøp av omformer og montasje er godkjent. Kostnadene til prosjektledelse "
     "(kr 50 000) er ikke godkjent: de er ordinær drift."),
    ("rejected", None,
     "Søknaden er lavere prioritert enn søknadene innenfor rammen, og den er svak på "
     "kriteriene om klima- og miljøeffekt og strategisk forankring."),
    ("dismissed", None,
     "Prosjektet var startet før søknaden kom inn. Etter retningslinjene gis det ikke "
     "tilskudd til prosjekter som er startet, og søknaden avvises."),
    ("granted", 80_000, ""),
    ("granted", 60_000, ""),
]


def demo_decisions(users) -> list[str]:
    """Decide the review demo's closed call, send the letters and register one appeal.
    Runs once: a call with decisions is left alone."""
    from fund.applications.models import Application
    from fund.calls.models import Call
    from fund.decisions.models import Decision, DecisionBody, StateAidBasis
    from fund.decisions.operations import (
        forward_appeal,
        record_decision,
        record_meeting,
        register_appeal,
        send_letters,
        set_rate,
        stage_letters,
    )
    from fund.review.models import FrozenRanking, Outcome
    from fund.review.operations import declare, propose_innstilling, save_proposals

    if db.session.execute(select(Decision.id).limit(1)).first() is not None:
        return []
    ranking = db.session.execute(select(FrozenRanking).order_by(FrozenRanking.id)
                                 ).scalars().first()
    if ranking is None:
        return []
    call = db.session.get(Call, ranking.call_id)
    lene = users["leder@demo.no"]
    applications = sorted(ranking.rows, key=lambda row: row.application_id)
    apps = [db.session.get(Application, row.application_id) for row in applications]

    # The manager declares herself habil on every application before she proposes.
    for application in apps:
        declare(application, lene, False, None, "")
    save_proposals(call, lene, {
        application.id: (Outcome(outcome), amount, reason)
        for application, (outcome, amount, reason) in zip(apps, DEMO_OUTCOMES, strict=True)})
    propose_innstilling(call, lene)

    # The formannskap met seven weeks ago; the letters went out two days later, so the
    # acceptance deadline of four weeks has passed (the grants demo follows them up).
    now = utcnow()
    meeting_day = to_local(now - timedelta(days=50)).date()
    set_rate(meeting_day - timedelta(days=1), Decimal("11.7125"), "Norges Bank (demo)", lene)
    meeting = record_meeting(call, lene, body=DecisionBody.FORMANNSKAPET,
                             meeting_date=meeting_day,
                             political_case_number=f"PS 45/{meeting_day.year % 100:02d}")
    for application, (outcome, amount, reason) in zip(apps, DEMO_OUTCOMES, strict=True):
        grant = Outcome(outcome).is_grant
        record_decision(
            application, meeting, lene, outcome=Outcome(outcome), amount=amount,
            reasons=reason or "Prosjektet er godt begrunnet og scorer høyt på alle kriteriene.",
            conditions="Prosjektet skal være gjennomført innen ett år fra vedtaket. "
                       "Bilag for alle kostnader oppbevares i fem år." if grant else "",
            state_aid_basis=StateAidBasis.DE_MINIMIS if grant else None,
            kdd_category="1110" if grant else None, sector_confirmed=True)
    stage_letters(call, lene)
    send_letters(call, lene, now=now - timedelta(days=48))
    rejected = apps[2]
    appeal = register_appeal(
        rejected, rejected.created_by,
        "Vi klager på avslaget. Varmegjenvinningen kutter utslippene mer enn vurderingen "
        "legger til grunn: målingene i vedlegget viser 40 prosent lavere energibruk. Vi ber "
        "om at søknaden innvilges.", now=now - timedelta(days=40))
    forward_appeal(appeal, lene, "Klagen gir ingen nye opplysninger som endrer rangeringen; "
                   "kommunen opprettholder vedtaket og sender klagen til klagenemnda.",
                   now=now - timedelta(days=33))
    return [f"{call.title}: vedtak, sendte brev og én klage"]
