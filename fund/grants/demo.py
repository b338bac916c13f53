"""Demo follow-up (``flask demo``): the decided klimafond call's four grants, seven weeks
after the vedtak, each at another stage of a grant's life:

- «Elektrisk varebil og ladepunkt» (kr 200 000): accepted, half paid in advance;
- «Solceller på lagerhallen» (kr 100 000): reported with lower costs than budgeted, the
  report approved, the last payment made: completed, the unspent rest back in the call;
- «LED-belysning i produksjonshallen» (kr 80 000): accepted, half paid, then the project
  was dropped: forhåndsvarsel, the answer, a recovery vedtak revoking the grant (its
  letter sent) and the advance paid back;
- «Kurs i klimaregnskap for de ansatte» (kr 60 000): never accepted, so it lapsed.
"""

import io
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from fund.core.formatting import to_local
from fund.core.pdf import write_pdf
from fund.core.types import utcnow
from fund.extensions import db


def _document(title: str) -> FileStorage:
    """A small real PDF, as a recipient would upload."""
    html = (f'<html lang="nb"><head><title>{title}</title></head><body><h1>{title}</h1>'
            "<p>Bilag og kvitteringer (demo).</p></body></html>")
    return FileStorage(stream=io.BytesIO(write_pdf(html)), filename=f"{title}.pdf",
                       content_type="application/pdf")


def demo_grants(users) -> list[str]:
    """Take the decided call's grants on from their letters (once)."""
    from fund.applications.models import Application
    from fund.decisions.models import DecisionBody
    from fund.decisions.operations import send_letters
    from fund.grants.models import Grant, GrantState, PaymentRequest, RecoveryGround
    from fund.grants.operations import (
        accept_grant,
        answer_recovery,
        approve_final_report,
        decide_payment,
        decide_recovery,
        lapse_overdue,
        notify_recovery,
        record_paid,
        record_repayment,
        request_payment,
        save_final_report,
        submit_final_report,
        verify_authority,
    )
    from fund.grants.queries import confirmed_measures_of

    if db.session.execute(select(PaymentRequest.id).limit(1)).first() is not None:
        return []
    grants = {grant.application.title: grant for grant in db.session.execute(
        select(Grant).join(Application, Application.id == Grant.application_id)
        .order_by(Application.id)).scalars()}
    if len(grants) < 4:
        return []
    siri, sara, lene = users["soker@demo.no"], users["saksbehandler@demo.no"], \
        users["leder@demo.no"]
    now = utcnow()

    def at(days_ago: int, hour: int = 10):
        return (now - timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0,
                                                        microsecond=0)

    van = grants["Elektrisk varebil og ladepunkt"]
    solar = grants["Solceller på lagerhallen"]
    led = grants["LED-belysning i produksjonshallen"]
    course = grants["Kurs i klimaregnskap for de ansatte"]

    # Siri, daglig leder of Kjeller Grønn Energi AS, accepts three of its four grants in
    # time; Sara checks her role.
    for grant in (van, solar, led):
        accept_grant(grant, siri, siri.name, "daglig leder", now=at(44))
        verify_authority(grant, sara, True, "Kontrollert mot Enhetsregisteret: daglig leder.",
                         now=at(43))

    def paid_advance(grant, amount, days_ago, report):
        line = grant.application.cost_lines[0]
        payment = request_payment(grant, siri, {line.id: amount * 2}, amount, report,
                                  [_document("Bilag")], now=at(days_ago))
        decide_payment(payment, sara, "approve", now=at(days_ago - 1))
        record_paid(payment, lene, at(days_ago - 2).date(), now=at(days_ago - 2))
        return payment

    # The van: half paid in advance; the rest after the final report.
    paid_advance(van, 100_000, 30, "Varebilen er bestilt og ladepunktet montert.")

    # The solar panels: half in advance, then the final report with lower real costs.
    paid_advance(solar, 50_000, 35, "Panelene er levert; montasjen er i gang.")
    line = solar.application.cost_lines[0]
    real = line.amount * 9 // 10
    save_final_report(
        solar, siri, costs={line.id: real},
        measures={m.id: "Solcellene dekker en firedel av lagerets strømforbruk."
                  for m in confirmed_measures_of(solar.application)},
        auditor_files=[_document("Revisorbekreftelse")], now=at(12),
        results="Anlegget på 60 kWp er i drift og produserte 9 MWh den første måneden.",
        accounts_comment="Montasjen ble billigere enn tilbudet.", knowledge_jobs=0,
        other_jobs=1, co2e_tonnes=Decimal("2.6"),
        co2e_method="Produksjon målt, omregnet med nordisk strømmiks.",
        # so the yearly evaluation's realised rows and strategy 5C-1 show something
        has_education_partners=True,
        education_partners="OsloMet: to masterstudenter målte produksjonen det første året.",
        funding_innovasjon_norge=150_000)
    submit_final_report(solar, siri, now=at(12))
    approve_final_report(solar.final_report, sara, "Regnskapet er i orden.", now=at(8))
    final = solar.payments[-1]
    record_paid(final, lene, at(7).date(), now=at(7))

    # The LED lighting: half paid, then the project was dropped; the grant is revoked.
    paid_advance(led, 40_000, 38, "Armaturene er bestilt.")
    recovery = notify_recovery(
        led, lene, RecoveryGround.NOT_CARRIED_OUT, 0,
        "Kommunen har fått opplyst at prosjektet er avlyst. Vi vurderer derfor å trekke "
        "tilsagnet tilbake og kreve tilbake forskuddet på kr 40 000.", now=at(25))
    answer_recovery(recovery, siri, "Det stemmer. Leverandøren gikk konkurs, og vi har "
                    "valgt å vente med prosjektet.", now=at(20))
    decide_recovery(recovery, lene,
                    "Prosjektet er ikke gjennomført, og vilkårene for tilskuddet er ikke "
                    "oppfylt. Tilsagnet trekkes tilbake, og forskuddet skal betales tilbake.",
                    DecisionBody.KOMMUNEDIREKTOR, to_local(at(10)).date(),
                    delegation_reference="Delegeringsreglementet pkt. 4.2", now=at(10))
    send_letters(led.application.call, lene, now=at(9))
    record_repayment(led, sara, 40_000, to_local(at(3)).date(),
                     "Innbetalt til kommunens konto.", now=at(3))

    # The course: Kjeller Grønn Energi AS never accepted it (the course was postponed).
    lapse_overdue(now)
    assert course.state == GrantState.LAPSED
    return [f"{van.application.call.title}: fire tilskudd fulgt opp (akseptert og delvis "
            "utbetalt, avsluttet, tilbakekrevd og bortfalt)"]
