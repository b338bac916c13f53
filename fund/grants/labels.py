"""What people read for the grants domain's codes."""

from flask_babel import lazy_gettext as _l

from fund.audit.labels import name_actions
from fund.grants.models import (
    AuthorityCheck,
    FinalReportState,
    GrantState,
    PaymentState,
    RecoveryGround,
    RecoveryState,
)

GRANT_STATE_LABELS = {
    GrantState.OFFERED: _l("Venter på aksept"),
    GrantState.ACCEPTED: _l("Akseptert"),
    GrantState.LAPSED: _l("Bortfalt"),
    GrantState.COMPLETED: _l("Avsluttet"),
    GrantState.REVOKED: _l("Trukket tilbake"),
}

AUTHORITY_LABELS = {
    AuthorityCheck.REGISTER: _l("Kontrollert mot Enhetsregisteret"),
    AuthorityCheck.STATED: _l("Oppgitt av den som aksepterte, ikke kontrollert ennå"),
    AuthorityCheck.VERIFIED: _l("Kontrollert av saksbehandler"),
}

PAYMENT_STATE_LABELS = {
    PaymentState.SUBMITTED: _l("Til behandling"),
    PaymentState.APPROVED: _l("Godkjent, venter på utbetaling"),
    PaymentState.RETURNED: _l("Sendt tilbake"),
    PaymentState.PAID: _l("Utbetalt"),
}

FINAL_REPORT_STATE_LABELS = {
    FinalReportState.DRAFT: _l("Utkast"),
    FinalReportState.SUBMITTED: _l("Sendt inn"),
    FinalReportState.RETURNED: _l("Sendt tilbake"),
    FinalReportState.APPROVED: _l("Godkjent"),
}

RECOVERY_GROUND_LABELS = {
    RecoveryGround.WRONG_INFORMATION: _l("Uriktige eller mangelfulle opplysninger"),
    RecoveryGround.CONDITIONS_NOT_MET: _l("Vilkårene for tilskuddet er ikke oppfylt"),
    RecoveryGround.NOT_FOR_PURPOSE: _l("Midlene er ikke brukt til formålet"),
    RecoveryGround.NOT_CARRIED_OUT: _l("Prosjektet er ikke gjennomført"),
    RecoveryGround.BANKRUPTCY: _l("Konkurs eller avvikling"),
    RecoveryGround.LOWER_COSTS: _l("Lavere kostnader enn i det godkjente budsjettet"),
}

RECOVERY_STATE_LABELS = {
    RecoveryState.NOTIFIED: _l("Forhåndsvarsel sendt"),
    RecoveryState.DECIDED: _l("Vedtak fattet"),
    RecoveryState.DROPPED: _l("Avsluttet uten vedtak"),
}


#: The grants domain's entries in the case page's history.
GRANT_ACTIONS = name_actions({
    "grant.offered": _l("Tilsagn gitt"),
    "grant.restored": _l("Tilsagnet gjelder igjen etter klage"),
    "grant.accepted": _l("Tilsagnet akseptert"),
    "grant.acceptance_refused": _l("Aksept avvist: rollen ble ikke funnet i Enhetsregisteret"),
    "grant.lapsed": _l("Tilsagnet falt bort: ikke akseptert innen fristen"),
    "grant.authority_verified": _l("Fullmakten til å akseptere kontrollert"),
    "grant.authority_rejected": _l("Fullmakten til å akseptere avvist"),
    "grant.payment_requested": _l("Utbetaling anmodet"),
    "grant.payment_returned": _l("Anmodningen om utbetaling sendt tilbake"),
    "grant.payment_approved": _l("Utbetaling godkjent"),
    "grant.payment_paid": _l("Utbetalt"),
    "grant.recovery_notified": _l("Varsel om tilbakekreving sendt"),
    "grant.recovery_answered": _l("Mottakeren svarte på varselet om tilbakekreving"),
    "grant.recovery_decided": _l("Tilbakekreving vedtatt"),
    "grant.recovery_dropped": _l("Tilbakekrevingen frafalt"),
    "grant.repayment_recorded": _l("Tilbakebetaling registrert"),
})
