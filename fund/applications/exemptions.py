"""The applicant's requests for exemption from public access (ber om unntak fra
offentlighet), and the items of an application such a request, or the municipality's own
assessment when someone asks for access (innsyn), can be about.

A request is never a decision: under offentleglova § 13 with forvaltningsloven § 13 første
ledd nr. 2 the municipality decides itself, item by item, when access is requested, and
whether or not the applicant asked (``review.ExemptionAssessment``)."""

from dataclasses import dataclass

from flask_babel import gettext as _

from fund.applications.labels import (
    COST_CATEGORY_LABELS,
    EXEMPTABLE_FIELD_LABELS,
    FINANCING_KIND_LABELS,
)
from fund.applications.models import PUBLIC_FIELD, Application, ApplicationError
from fund.core.formatting import format_nok

#: The kinds of item, as stored in ``review.ExemptionAssessment.item_kind``.
FIELD, ATTACHMENT, COST_LINE, FINANCING_LINE = "field", "attachment", "cost_line", \
    "financing_line"


def summary_refusal() -> str:
    return _("Sammendraget blir offentliggjort når tilskudd gis, og kan ikke unntas fra "
             "offentlighet. Skriv forretningshemmeligheter i et annet felt, og be om unntak "
             "for det feltet.")


def refuse_public(fields) -> None:
    """Refuse a request for the public summary (``ApplicationError``)."""
    if PUBLIC_FIELD in fields:
        raise ApplicationError(summary_refusal())


@dataclass(frozen=True)
class Item:
    """One piece of an application that may hold a business secret."""

    kind: str
    #: The field's name, or the row's id as text.
    ref: str
    #: How the item reads to a person, e.g. «Kostnadslinje: Utstyr – Varmepumpe, kr 400 000».
    label: str
    #: The applicant's reason, when they asked for an exemption; None when they did not.
    requested: str | None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.ref}"


def exemption_items(application: Application) -> list[Item]:
    """Every item of the application an assessment can be about: the text fields that
    have text (not the public summary), the attachments and the budget lines."""
    items = [Item(FIELD, name, str(label), application.exemption_reason(name))
             for name, label in EXEMPTABLE_FIELD_LABELS.items()
             if (getattr(application, name) or "").strip()
             or application.exemption_reason(name) is not None]
    items += [Item(ATTACHMENT, str(a.id), _("Vedlegg: %(name)s", name=a.filename),
                   a.exemption_reason) for a in application.attachments]
    items += [Item(COST_LINE, str(line.id), _(
        "Kostnadslinje: %(category)s – %(description)s, %(amount)s",
        category=COST_CATEGORY_LABELS[line.category], description=line.description or "–",
        amount=format_nok(line.amount)), line.exemption_reason)
        for line in application.cost_lines]
    items += [Item(FINANCING_LINE, str(line.id), _(
        "Finansieringslinje: %(kind)s – %(description)s, %(amount)s",
        kind=FINANCING_KIND_LABELS[line.kind], description=line.description or "–",
        amount=format_nok(line.amount)), line.exemption_reason)
        for line in application.financing_lines]
    return items


def requested_items(application: Application) -> list[Item]:
    """The items the applicant asks to have exempt."""
    return [item for item in exemption_items(application) if item.requested is not None]


def requested_fields(snapshot: dict | None) -> dict[str, str]:
    """The text fields a submission asked to have exempt, with the reasons (snapshots
    from before the requests were renamed keep them under ``confidential``)."""
    if not snapshot:
        return {}
    return snapshot.get("exemption_requests") or snapshot.get("confidential") or {}
