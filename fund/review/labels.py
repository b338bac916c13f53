"""What review's events are called on the case page."""

from flask_babel import lazy_gettext as _l

from fund.audit.labels import ACTION_LABELS, name_actions
from fund.review.models import Outcome

#: Case handling's own entries in the case page's history.
REVIEW_ACTIONS = name_actions({
    "review.assessment_completed": _l("Vurdering fullført"),
    "review.assessment_reopened": _l("Vurdering åpnet igjen"),
    "review.assigned": _l("Saksbehandler tildelt"),
    "review.unassigned": _l("Tildeling fjernet"),
    "review.conflict_declared": _l("Habilitet erklært"),
    "review.measures_confirmed": _l("Tiltak bekreftet"),
    "review.note_added": _l("Internt notat skrevet"),
    "review.conflict_revised": _l("Habilitet endret: inhabil likevel"),
    "review.archive_reference_set": _l("Vår referanse (arkivets saksnummer) satt"),
    "review.access_requested": _l("Innsynskrav registrert"),
    "review.exemption_assessed": _l("Kommunens vurdering av unntak fra offentlighet"),
})

#: The case page's history: every action any domain has named (the application's, case
#: handling's, and the decisions' and grants' that higher domains register), staff's words.
CASE_HISTORY_ACTIONS = ACTION_LABELS

#: The innstilling's words for the proposed outcome (what the administration proposes).
PROPOSAL_WORDS = {
    Outcome.GRANTED: _l("Innvilge"),
    Outcome.PARTLY_GRANTED: _l("Innvilge delvis"),
    Outcome.REJECTED: _l("Avslå"),
    Outcome.DISMISSED: _l("Avvise"),
}
