"""How the audit log reads for people: what kind of object an entry is about, and its
details as plain values (never Python's None, True or dict reprs)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

#: Table names, as the log stores them, to what an administrator calls them.
OBJECT_LABELS = {
    "users": _l("Bruker"),
    "organisations": _l("Organisasjon"),
    "applications": _l("Søknad"),
    "calls": _l("Utlysning"),
    "assessments": _l("Vurdering"),
    "plan_versions": _l("Handlingsplan"),
    "plan_areas": _l("Innsatsområde"),
    "decisions": _l("Vedtak"),
    "decision_meetings": _l("Møte i vedtaksorganet"),
    "letters": _l("Brev"),
    "appeals": _l("Klage"),
    "exchange_rates": _l("Valutakurs"),
    "outbox_messages": _l("E-post"),
    "grants": _l("Tilskudd"),
    "payment_requests": _l("Utbetalingsanmodning"),
    "final_reports": _l("Sluttrapport"),
    "recoveries": _l("Tilbakekreving"),
    "register_exports": _l("Registereksport"),
    "context_figures": _l("Tall utenfor systemet"),
}


#: What each audit action is called, as the domain that records it names it
#: (``name_actions``): the case page's history reads entries by these words, and an
#: action no domain named is shown as its code.
ACTION_LABELS: dict[str, object] = {}


def name_actions(labels: dict) -> dict:
    """Register a domain's words for its audit actions; returns ``labels``."""
    ACTION_LABELS.update(labels)
    return labels


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def object_label(table: str | None) -> str:
    return str(OBJECT_LABELS.get(table, table or ""))


def plain_value(value) -> str:
    """A detail's value as text: «–» for nothing, «ja»/«nei», lists and mappings spelt
    out one level at a time."""
    if value is None or value == "":
        return "–"
    if value is True:
        return _("ja")
    if value is False:
        return _("nei")
    if isinstance(value, dict):
        return ", ".join(f"{key}: {plain_value(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        if not value:
            return "–"
        return "; ".join(plain_value(item) for item in value)
    return str(value)
