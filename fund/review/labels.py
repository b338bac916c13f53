"""What review's events are called on the case page."""

from flask_babel import lazy_gettext as _l

from fund.applications.labels import STAFF_HISTORY_ACTIONS
from fund.review.models import Outcome

#: The case page's history: the application's entries and case handling's own.
CASE_HISTORY_ACTIONS = {
    **STAFF_HISTORY_ACTIONS,
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
}

#: The innstilling's words for the proposed outcome (what the administration proposes).
PROPOSAL_WORDS = {
    Outcome.GRANTED: _l("Innvilge"),
    Outcome.PARTLY_GRANTED: _l("Innvilge delvis"),
    Outcome.REJECTED: _l("Avslå"),
    Outcome.DISMISSED: _l("Avvise"),
}
