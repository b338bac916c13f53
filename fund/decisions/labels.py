"""What people read for the decisions domain's codes."""

from flask_babel import lazy_gettext as _l

from fund.audit.labels import name_actions
from fund.decisions.models import AppealState, Decision, DecisionBody, DecisionKind, StateAidBasis
from fund.review.models import Outcome

OUTCOME_LABELS = {
    Outcome.GRANTED: _l("Innvilget"),
    Outcome.PARTLY_GRANTED: _l("Delvis innvilget"),
    Outcome.REJECTED: _l("Avslått"),
    Outcome.DISMISSED: _l("Avvist"),
    Outcome.WITHDRAWN: _l("Trukket"),
}

#: A recovery vedtak (tilbakekreving) reads as what it did to the grant.
RECOVERY_OUTCOME_LABELS = {
    Outcome.PARTLY_GRANTED: _l("Tilskuddet er redusert"),
    Outcome.REJECTED: _l("Tilskuddet er trukket tilbake"),
}


def outcome_label(decision: Decision) -> str:
    """What a decision's outcome reads as: «Innvilget» …, or for a recovery vedtak
    «Tilskuddet er redusert» / «Tilskuddet er trukket tilbake»."""
    if decision.kind == DecisionKind.RECOVERY and decision.outcome in RECOVERY_OUTCOME_LABELS:
        return str(RECOVERY_OUTCOME_LABELS[decision.outcome])
    return str(OUTCOME_LABELS[decision.outcome])


#: The innstilling's words: what the administration proposes.
PROPOSAL_LABELS = {
    Outcome.GRANTED: _l("Innvilge"),
    Outcome.PARTLY_GRANTED: _l("Innvilge delvis"),
    Outcome.REJECTED: _l("Avslå"),
    Outcome.DISMISSED: _l("Avvise"),
}

BODY_LABELS = {
    DecisionBody.FORMANNSKAPET: _l("Formannskapet"),
    DecisionBody.KOMMUNEDIREKTOR: _l("Kommunedirektøren (delegert myndighet)"),
    DecisionBody.KOMMUNESTYRET: _l("Kommunestyret"),
}

STATE_AID_LABELS = {
    StateAidBasis.NONE: _l("Ikke offentlig støtte"),
    StateAidBasis.DE_MINIMIS: _l("Bagatellmessig støtte (forordning (EU) 2023/2831)"),
    StateAidBasis.BLOCK_EXEMPTION: _l("Gruppeunntak (GBER)"),
}

APPEAL_STATE_LABELS = {
    AppealState.RECEIVED: _l("Mottatt"),
    AppealState.REVERSED: _l("Omgjort av kommunen"),
    AppealState.FORWARDED: _l("Sendt til klageinstansen"),
    AppealState.CONCLUDED: _l("Avgjort av klageinstansen"),
}

#: KDD's primærkategorier for kommunale næringsfond (Regionalforvaltning.no).
KDD_CATEGORIES = {
    "1110": _l("1110 Direkte støtte til etablerte bedrifter (eldre enn 5 år)"),
    "1310": _l("1310 Bedrifter yngre enn 5 år"),
    "1245": _l("1245 Tiltak for bedriftssamarbeid"),
    "1330": _l("1330 Etablerertjenester"),
    "1375": _l("1375 Forstudier og forprosjekter"),
    "2000": _l("2000 Tilrettelegging for næringsutvikling"),
    "2110": _l("2110 Tilgang på kompetanse"),
}

#: The sectors Reg. (EU) 2023/2831 art. 1 excludes, by the kind ``deminimis.excluded_sectors``
#: gives. The legal references are text to edit, not logic.
SECTOR_LABELS = {
    "fisheries": _l("Fiske og akvakultur (forordning (EU) 2023/2831 art. 1 nr. 1 bokstav a): "
                    "bagatellmessig støtte etter denne forordningen kan ikke gis til denne "
                    "virksomheten."),
    "agriculture": _l("Primærproduksjon av landbruksprodukter (art. 1 nr. 1 bokstav b): egen "
                      "forordning for landbruket med lavere tak."),
    "fish_processing": _l("Foredling av fisk: sjekk om virksomheten hører til fiskeri- og "
                          "akvakultursektoren (art. 1 nr. 1 bokstav a)."),
    "agri_processing": _l("Foredling av landbruksprodukter: støtten kan ikke fastsettes ut fra "
                          "pris eller mengde kjøpt fra primærprodusenter eller gå videre til "
                          "dem (art. 1 nr. 1 bokstav c)."),
}


#: The decisions domain's entries in the case page's history.
DECISION_ACTIONS = name_actions({
    "decision.made": _l("Vedtak fattet"),
    "decision.grant_checked": _l("Statsstøtte og bagatellmessig støtte kontrollert"),
    "decision.abstention_recorded": _l("Fratreden medlem i vedtaksorganet registrert"),
    "decision.linked_undertakings": _l("Foretak i «ett foretak» registrert"),
    "letter.staged": _l("Vedtaksbrev klargjort"),
    "letter.sent": _l("Brev sendt til søker"),
    "letter.provisional_reply_sent": _l("Foreløpig svar sendt til søker"),
    "appeal.received": _l("Klage mottatt"),
    "appeal.reversed": _l("Klagen tatt til følge: vedtaket omgjort"),
    "appeal.forwarded": _l("Klagen sendt til klageinstansen"),
    "appeal.concluded": _l("Klagesaken avsluttet"),
})
