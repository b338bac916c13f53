"""Norwegian labels for the application's enums, its history and the UN sustainable
development goals."""

from flask_babel import lazy_gettext as _l

from fund.applications.models import (
    PUBLIC_FIELD,
    ApplicationState,
    ClimateCategory,
    CostCategory,
    FinancingKind,
)
from fund.applications.rules import EligibilityRule
from fund.audit.labels import name_actions

#: The state as the applicant reads it.
APPLICANT_STATE_LABELS = {
    ApplicationState.DRAFT: _l("Utkast"),
    ApplicationState.SUBMITTED: _l("Sendt inn"),
    ApplicationState.INFO_REQUESTED: _l("Venter på opplysninger fra deg"),
    ApplicationState.WITHDRAWN: _l("Trukket"),
}

#: The state as caseworkers read it.
STAFF_STATE_LABELS = {
    ApplicationState.DRAFT: _l("Utkast"),
    ApplicationState.SUBMITTED: _l("Sendt inn"),
    ApplicationState.INFO_REQUESTED: _l("Venter på opplysninger fra søker"),
    ApplicationState.WITHDRAWN: _l("Trukket av søker"),
}

#: The applicant's pages' states (staff pages use ``STAFF_STATE_LABELS``).
STATE_LABELS = APPLICANT_STATE_LABELS

#: The colour of the state's tag (Designsystemet ``data-color``).
STATE_COLOURS = {
    ApplicationState.DRAFT: "neutral",
    ApplicationState.SUBMITTED: "success",
    ApplicationState.INFO_REQUESTED: "warning",
    ApplicationState.WITHDRAWN: "neutral",
}

#: The audit entries shown as the application's history, in words.
HISTORY_ACTIONS = {
    "application.created": _l("Utkast opprettet"),
    "application.submitted": _l("Sendt inn"),
    "application.info_requested": _l("Saksbehandler ba om flere opplysninger"),
    "application.info_request_answered": _l("Svar på forespørselen sendt inn"),
    "application.info_request_expired": _l(
        "Fristen for å svare gikk ut; søknaden behandles på grunnlag av opplysningene "
        "kommunen har"),
    "application.withdrawn": _l("Trukket av søker"),
    "application.deletion_warned": _l(
        "Varsel sendt på e-post: utkastet slettes fordi søknadsfristen har gått ut"),
}

#: Every entry in an application's history, in the caseworker's words.
STAFF_HISTORY_ACTIONS = name_actions({
    **HISTORY_ACTIONS,
    "application.saved": _l("Utkast lagret"),
    "application.deleted": _l("Utkast slettet"),
    "application.attachment_added": _l("Vedlegg lagt til"),
    "application.attachment_removed": _l("Vedlegg fjernet"),
    "application.attachment_read": _l("Vedlegg lastet ned"),
    "application.info_requested": _l("Opplysninger etterspurt fra søker"),
    "application.info_request_answered": _l("Søker svarte på forespørselen"),
    "application.info_request_expired": _l("Fristen for å svare gikk ut uten svar"),
})

#: What a broken eligibility rule can mean for the application, for the applicant
#: (veiledningsplikt, forvaltningsloven § 11) and the caseworker.
RULE_CONSEQUENCES = {
    EligibilityRule.ORGNR: _l(
        "Saksbehandler kan foreslå å avvise søknaden hvis søkeren ikke kan identifiseres."),
    EligibilityRule.MUNICIPALITY: _l(
        "Fondet gir tilskudd til virksomheter i Lillestrøm. Har dere avdeling eller adresse "
        "i kommunen, skriv det i søknaden; ellers kan saksbehandler foreslå avvisning."),
    EligibilityRule.MUNICIPALITY_UNVERIFIED: _l(
        "Saksbehandler sjekker adressen i Enhetsregisteret. Ligger virksomheten utenfor "
        "kommunen, kan søknaden bli avvist."),
    EligibilityRule.BANKRUPT: _l(
        "En virksomhet som er konkurs eller under avvikling, kan ikke få tilskudd; "
        "saksbehandler kan foreslå avvisning eller avslag."),
    EligibilityRule.STARTED: _l(
        "Tilskudd gis ikke til prosjekter som er i gang; saksbehandler kan foreslå avslag. "
        "Er prosjektet ikke startet, kryss av for det."),
    EligibilityRule.MAX_GRANT: _l(
        "Saksbehandler kan foreslå et lavere tilskudd (delvis innvilgelse) eller avslag."),
    EligibilityRule.MAX_SHARE: _l(
        "Saksbehandler kan foreslå et lavere tilskudd (delvis innvilgelse) eller avslag."),
    EligibilityRule.DE_MINIMIS: _l(
        "Tilskuddet kan bare bli så stort som det er igjen under taket for bagatellmessig "
        "støtte (delvis innvilgelse), eller søknaden kan bli avslått."),
}

COST_CATEGORY_LABELS = {
    CostCategory.PERSONNEL: _l("Personalkostnader"),
    CostCategory.SERVICES: _l("Kjøp av tjenester"),
    CostCategory.EQUIPMENT: _l("Utstyr"),
    CostCategory.MATERIALS: _l("Materialer"),
    CostCategory.TRAVEL: _l("Reiser"),
    CostCategory.OTHER: _l("Andre kostnader"),
}

FINANCING_KIND_LABELS = {
    FinancingKind.OWN_FUNDS: _l("Egne midler"),
    FinancingKind.OWN_WORK: _l("Egeninnsats (timer × sats)"),
    FinancingKind.OTHER_PUBLIC: _l("Annen offentlig støtte"),
    FinancingKind.OTHER_PRIVATE: _l("Andre private midler"),
}

CLIMATE_CATEGORY_LABELS = {
    ClimateCategory.EMISSION_CUT: _l("Karbonfangst eller kutt i klimagassutslipp"),
    ClimateCategory.TRANSITION: _l("Omstilling som fremmer FNs bærekraftsmål"),
}

SDG_LABELS = {
    1: _l("Utrydde fattigdom"),
    2: _l("Utrydde sult"),
    3: _l("God helse og livskvalitet"),
    4: _l("God utdanning"),
    5: _l("Likestilling mellom kjønnene"),
    6: _l("Rent vann og gode sanitærforhold"),
    7: _l("Ren energi til alle"),
    8: _l("Anstendig arbeid og økonomisk vekst"),
    9: _l("Industri, innovasjon og infrastruktur"),
    10: _l("Mindre ulikhet"),
    11: _l("Bærekraftige byer og lokalsamfunn"),
    12: _l("Ansvarlig forbruk og produksjon"),
    13: _l("Stoppe klimaendringene"),
    14: _l("Livet i havet"),
    15: _l("Livet på land"),
    16: _l("Fred, rettferdighet og velfungerende institusjoner"),
    17: _l("Samarbeid for å nå målene"),
}

#: The application's text fields, with their labels.
TEXT_FIELD_LABELS = {
    "summary": _l("Sammendrag"),
    "description": _l("Prosjektbeskrivelse"),
    "background": _l("Bakgrunn"),
    "goals": _l("Mål"),
    "anchoring": _l("Forankring"),
    "partners": _l("Organisering og samarbeidspartnere"),
    "milestones": _l("Milepæler"),
    "additionality": _l("Hvorfor er tilskuddet avgjørende?"),
    "competence": _l("Kompetanse"),
    "education_partners": _l("Samarbeid med utdanningsinstitusjoner"),
    "international": _l("Internasjonalt samarbeid"),
    "climate_baseline": _l("Utgangspunkt"),
    "co2e_method": _l("Beregningsmetode"),
    "group_details": _l("Hvilke foretak?"),
}

#: The text fields the applicant may ask to have exempt from public access: all but the
#: summary, which is published (``models.PUBLIC_FIELD``).
EXEMPTABLE_FIELD_LABELS = {name: label for name, label in TEXT_FIELD_LABELS.items()
                           if name != PUBLIC_FIELD}

#: The kinds of item an exemption request or assessment is about.
EXEMPTION_ITEM_LABELS = {
    "field": _l("Tekstfelt"),
    "attachment": _l("Vedlegg"),
    "cost_line": _l("Kostnadslinje"),
    "financing_line": _l("Finansieringslinje"),
}
