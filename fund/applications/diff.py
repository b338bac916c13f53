"""What changed between two submissions of an application, field by field, for the
caseworker who asked for more information (forvaltningsloven § 17): an answer may change
more than was asked, and what changed must be plain to see.

Works on the frozen snapshots (``Submission.snapshot``), never on the live application.
"""

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from fund.applications.exemptions import requested_fields
from fund.applications.labels import (
    CLIMATE_CATEGORY_LABELS,
    COST_CATEGORY_LABELS,
    FINANCING_KIND_LABELS,
    SDG_LABELS,
    TEXT_FIELD_LABELS,
)
from fund.core.formatting import format_date, format_nok, format_number


@dataclass(frozen=True)
class Change:
    """One changed field: its label and the old and new values as text ("" for none)."""

    label: str
    old: str
    new: str


#: Keys that are not the applicant's content: they differ between any two submissions.
IGNORED = {"case_number", "submission_number", "submitted_at", "call"}


def _text(value) -> str:
    return "" if value is None else str(value)


def _yes_no(value) -> str:
    if value is None:
        return ""
    return str(_l("Ja")) if value else str(_l("Nei"))


def _nok(value) -> str:
    return "" if value is None else format_nok(value)


def _date(value) -> str:
    return format_date(date.fromisoformat(value)) if value else ""


def _number(value) -> str:
    if value in (None, ""):
        return ""
    try:
        return format_number(Decimal(str(value)))
    except InvalidOperation:
        return str(value)


def _percent(value) -> str:
    return f"{_number(value)} %" if value not in (None, "") else ""


def _climate_category(value) -> str:
    return str(CLIMATE_CATEGORY_LABELS.get(value, value or ""))


#: (section, key, label, formatter) for the single fields, in the order of the form.
FIELDS = [
    ("organisation", "name", _l("Organisasjonens navn"), _text),
    ("organisation", "org_form", _l("Organisasjonsform"), _text),
    ("organisation", "address", _l("Adresse"), _text),
    ("organisation", "postcode", _l("Postnummer"), _text),
    ("organisation", "city", _l("Poststed"), _text),
    ("organisation", "municipality_number", _l("Kommunenummer"), _text),
    ("organisation", "bank_account", _l("Kontonummer"), _text),
    ("organisation", "vat_registered", _l("MVA-registrert"), _yes_no),
    ("contact", "name", _l("Kontaktperson"), _text),
    ("contact", "email", _l("Kontaktpersonens e-post"), _text),
    ("contact", "phone", _l("Kontaktpersonens telefon"), _text),
    (None, "project_leader", _l("Prosjektleder"), _text),
    ("project", "title", _l("Prosjekttittel"), _text),
    ("project", "summary", TEXT_FIELD_LABELS["summary"], _text),
    ("project", "description", TEXT_FIELD_LABELS["description"], _text),
    ("project", "background", TEXT_FIELD_LABELS["background"], _text),
    ("project", "goals", TEXT_FIELD_LABELS["goals"], _text),
    ("project", "anchoring", TEXT_FIELD_LABELS["anchoring"], _text),
    ("project", "partners", TEXT_FIELD_LABELS["partners"], _text),
    ("project", "starts_on", _l("Prosjektet starter"), _date),
    ("project", "ends_on", _l("Prosjektet slutter"), _date),
    ("project", "milestones", TEXT_FIELD_LABELS["milestones"], _text),
    ("project", "not_started", _l("Prosjektet er ikke startet"), _yes_no),
    ("project", "additionality", TEXT_FIELD_LABELS["additionality"], _text),
    ("effects", "knowledge_jobs", _l("Nye kunnskapsarbeidsplasser"), _number),
    ("effects", "other_jobs", _l("Andre nye arbeidsplasser"), _number),
    ("effects", "competence", TEXT_FIELD_LABELS["competence"], _text),
    ("effects", "has_education_partners", _l("Samarbeid med utdanningsinstitusjoner"),
     _yes_no),
    ("effects", "education_partners", _l("Hvilke utdanningsinstitusjoner"), _text),
    ("effects", "has_international_cooperation", _l("Internasjonalt samarbeid"), _yes_no),
    ("effects", "international", _l("Internasjonale samarbeidspartnere"), _text),
    ("climate", "category", _l("Type klimaprosjekt"), _climate_category),
    ("climate", "baseline", TEXT_FIELD_LABELS["climate_baseline"], _text),
    ("climate", "co2e_cut_tonnes", _l("Forventet utslippskutt (tonn CO₂e per år)"), _number),
    ("climate", "method", TEXT_FIELD_LABELS["co2e_method"], _text),
    ("budget", "amount_applied", _l("Beløp det søkes om"), _nok),
    ("budget", "total_cost", _l("Sum kostnader"), _nok),
    ("budget", "total_financing", _l("Sum finansiering"), _nok),
    ("budget", "share_applied_percent", _l("Andel av kostnadene"), _percent),
    ("de_minimis", "in_group", _l("Del av «ett foretak»"), _yes_no),
    ("de_minimis", "group_details", TEXT_FIELD_LABELS["group_details"], _text),
]

#: The sections ``FIELDS`` and the lists below cover completely.
HANDLED = {"organisation", "contact", "project_leader", "project", "effects", "climate",
           "budget", "de_minimis", "strategies", "measures", "sdgs", "attachments",
           "confidential", "exemption_requests", "eligibility_warnings"}


def _get(snapshot: dict, section: str | None, key: str):
    part = snapshot if section is None else snapshot.get(section) or {}
    return part.get(key)


def _cost_line(line: dict) -> str:
    category = COST_CATEGORY_LABELS.get(line.get("category"), line.get("category"))
    return f"{category}, {line.get('description') or '–'}: {_nok(line.get('amount'))}"


def _financing_line(line: dict) -> str:
    kind = FINANCING_KIND_LABELS.get(line.get("kind"), line.get("kind"))
    hours = ""
    if line.get("hours") is not None and line.get("hourly_rate") is not None:
        hours = f" ({_number(line['hours'])} × {_nok(line['hourly_rate'])})"
    return f"{kind}, {line.get('description') or '–'}{hours}: {_nok(line.get('amount'))}"


def _aid_line(aid: dict) -> str:
    return f"{aid.get('grantor')}, {_date(aid.get('granted_on'))}: {_nok(aid.get('amount'))}"


def _lines(label, old: list, new: list, render) -> list[Change]:
    """Budget-like lines, compared by position: line 2 changed, line 3 added or removed."""
    changes = []
    for index in range(max(len(old), len(new))):
        before = render(old[index]) if index < len(old) else ""
        after = render(new[index]) if index < len(new) else ""
        if before != after:
            changes.append(Change(f"{label} {index + 1}", before, after))
    return changes


def _added_removed(label_added, label_removed, old: list[str], new: list[str]) -> list[Change]:
    """Items without an order (attachments, strategies): what came and what went."""
    before, after = Counter(old), Counter(new)
    return [Change(str(label_removed), item, "") for item in sorted((before - after).elements())] \
        + [Change(str(label_added), "", item) for item in sorted((after - before).elements())]


def _attachment(item: dict) -> str:
    return f"{item.get('filename')} ({(item.get('sha256') or '')[:12]})"


def _plain(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def changes(old: dict, new: dict) -> list[Change]:
    """Every field that differs between the snapshots ``old`` and ``new``, in the order of
    the form; lines and attachments one by one."""
    result = [Change(str(label), render(_get(old, section, key)), render(_get(new, section, key)))
              for section, key, label, render in FIELDS]
    result = [change for change in result if change.old != change.new]

    result += _added_removed(
        _l("Strategi lagt til"), _l("Strategi fjernet"),
        [f"{s.get('code')} {s.get('title')}" for s in old.get("strategies") or []],
        [f"{s.get('code')} {s.get('title')}" for s in new.get("strategies") or []])
    old_measures = {m.get("code"): m for m in old.get("measures") or []}
    new_measures = {m.get("code"): m for m in new.get("measures") or []}
    for code in sorted(old_measures.keys() | new_measures.keys()):
        before, after = old_measures.get(code), new_measures.get(code)
        if before is None:
            result.append(Change(str(_l("Tiltak %(code)s lagt til", code=code)), "",
                                 after.get("how") or ""))
        elif after is None:
            result.append(Change(str(_l("Tiltak %(code)s fjernet", code=code)),
                                 before.get("how") or "", ""))
        elif before.get("how") != after.get("how"):
            result.append(Change(str(_l("Tiltak %(code)s: slik bidrar prosjektet", code=code)),
                                 before.get("how") or "", after.get("how") or ""))
    sdgs_before, sdgs_after = old.get("sdgs") or [], new.get("sdgs") or []
    if sorted(sdgs_before) != sorted(sdgs_after):
        def goals(values):
            return ", ".join(f"{goal} {SDG_LABELS.get(goal, '')}".strip()
                             for goal in sorted(values))
        result.append(Change(str(_l("FNs bærekraftsmål")), goals(sdgs_before),
                             goals(sdgs_after)))

    old_budget, new_budget = old.get("budget") or {}, new.get("budget") or {}
    result += _lines(_l("Kostnadslinje"), old_budget.get("cost_lines") or [],
                     new_budget.get("cost_lines") or [], _cost_line)
    result += _lines(_l("Finansieringslinje"), old_budget.get("financing_lines") or [],
                     new_budget.get("financing_lines") or [], _financing_line)
    result += _lines(_l("Bagatellmessig støtte, linje"),
                     (old.get("de_minimis") or {}).get("aid") or [],
                     (new.get("de_minimis") or {}).get("aid") or [], _aid_line)
    result += _added_removed(_l("Vedlegg lagt til"), _l("Vedlegg fjernet"),
                             [_attachment(a) for a in old.get("attachments") or []],
                             [_attachment(a) for a in new.get("attachments") or []])

    secret_before, secret_after = requested_fields(old), requested_fields(new)
    for name in sorted(secret_before.keys() | secret_after.keys()):
        if secret_before.get(name) != secret_after.get(name):
            result.append(Change(
                str(_l("Søker ber om unntak fra offentlighet: %(field)s",
                       field=TEXT_FIELD_LABELS.get(name, name))),
                _plain(secret_before.get(name)).strip('"'),
                _plain(secret_after.get(name)).strip('"')))

    warnings_before = [w.get("message", "") for w in old.get("eligibility_warnings") or []]
    warnings_after = [w.get("message", "") for w in new.get("eligibility_warnings") or []]
    result += _added_removed(_l("Ny merknad om vilkår"), _l("Merknad om vilkår borte"),
                             warnings_before, warnings_after)

    for key in sorted((old.keys() | new.keys()) - HANDLED - IGNORED):
        if old.get(key) != new.get(key):  # a part added to the snapshot after this module
            result.append(Change(key, _plain(old.get(key)), _plain(new.get(key))))
    return result
