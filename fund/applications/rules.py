"""What an application needs before it can be submitted (``missing``: formal
completeness, the only thing that blocks a submission), and the eligibility rules
(``eligibility``), which warn: an application that breaks one is still received, and
decided (avslag or avvisning is a vedtak, forvaltningsloven § 2).

Pure functions over an application and the settings: no database, no request.
Each problem names the field it is about, so the checklist can link to it.
"""

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from stdnum.no import orgnr

from fund.calls.models import Fund
from fund.core.formatting import format_nok, format_number

SUMMARY_MAX = 500
MAX_STRATEGIES = 3


def own_work_amount(hours: int | None, hourly_rate: int | None) -> int | None:
    """Own work (egeninnsats) counts as hours × hourly rate, in whole kroner; None until
    both are given."""
    if hours is None or hourly_rate is None:
        return None
    return hours * hourly_rate


class EligibilityRule(enum.StrEnum):
    """The eligibility rules. Breaking one does not stop a submission: it is a warning to
    the applicant, stored with the submission for the caseworker, who may propose avslag
    or avvisning (a partial grant may solve the amount, share and de minimis rules)."""

    ORGNR = "orgnr"
    MUNICIPALITY = "municipality"
    #: The organisation's municipality is not known, so the rule could not be checked.
    MUNICIPALITY_UNVERIFIED = "municipality_unknown"
    BANKRUPT = "bankrupt"
    STARTED = "started"
    MAX_GRANT = "max_grant"
    MAX_SHARE = "max_share"
    DE_MINIMIS = "de_minimis"


@dataclass(frozen=True)
class Problem:
    field: str  #: the id of the form field to link to
    message: str
    rule: bool = False  #: an eligibility rule (a warning) rather than a missing field
    #: Which eligibility rule, for a rule; None for a missing field.
    code: EligibilityRule | None = None


@dataclass(frozen=True)
class Settings:
    municipality_number: str
    de_minimis_ceiling_eur: int
    de_minimis_years: int
    nok_per_eur: Decimal

    @classmethod
    def from_config(cls, config) -> "Settings":
        return cls(config["MUNICIPALITY_NUMBER"], config["DE_MINIMIS_CEILING_EUR"],
                   config["DE_MINIMIS_YEARS"], Decimal(str(config["NOK_PER_EUR"])))


REQUIRED_TEXT = [
    ("contact_name", _l("Skriv hvem som er kontaktperson.")),
    ("contact_email", _l("Skriv kontaktpersonens e-postadresse.")),
    ("project_leader", _l("Skriv hvem som er prosjektleder.")),
    ("title", _l("Gi prosjektet en tittel.")),
    ("summary", _l("Skriv et kort sammendrag av prosjektet.")),
    ("description", _l("Beskriv prosjektet.")),
    ("background", _l("Beskriv bakgrunnen for prosjektet.")),
    ("goals", _l("Beskriv prosjektets mål, slik at de kan etterprøves.")),
    ("anchoring", _l("Beskriv hvordan prosjektet er forankret, f.eks. styrevedtak.")),
    ("additionality", _l("Forklar hvorfor tilskuddet er avgjørende for prosjektet.")),
]

CLIMATE_TEXT = [
    ("climate_baseline", _l("Beskriv utgangspunktet (dagens utslipp eller situasjon).")),
    ("co2e_method", _l("Forklar hvordan utslippskuttet er beregnet.")),
]


def missing(application) -> list[Problem]:
    """Required fields that are empty or inconsistent."""
    problems = [Problem(name, str(message)) for name, message in REQUIRED_TEXT
                if not (getattr(application, name) or "").strip()]
    if len(application.summary or "") > SUMMARY_MAX:
        problems.append(Problem("summary", str(_l(
            "Sammendraget kan ha høyst %(n)s tegn.", n=SUMMARY_MAX))))
    if application.starts_on is None:
        problems.append(Problem("starts_on", str(_l("Oppgi når prosjektet starter."))))
    if application.ends_on is None:
        problems.append(Problem("ends_on", str(_l("Oppgi når prosjektet slutter."))))
    elif application.starts_on and application.ends_on < application.starts_on:
        problems.append(Problem("ends_on", str(_l("Sluttdatoen må være etter startdatoen."))))
    if not application.strategies:
        problems.append(Problem("plan", str(_l("Velg minst én strategi prosjektet bidrar til."))))
    elif len(application.strategies) > MAX_STRATEGIES:
        problems.append(Problem("plan", str(_l("Velg høyst %(n)s strategier.",
                                               n=MAX_STRATEGIES))))
    for chosen in application.measures:
        if not (chosen.how or "").strip():
            problems.append(Problem(f"measure-{chosen.measure_id}", str(_l(
                "Skriv en setning om hvordan prosjektet bidrar til tiltak %(code)s.",
                code=chosen.measure.code))))
    if not application.cost_lines:
        problems.append(Problem("costs", str(_l("Før opp prosjektets kostnader."))))
    if application.amount_applied is None:
        problems.append(Problem("amount_applied", str(_l("Oppgi beløpet dere søker om."))))
    elif application.cost_lines and application.total_financing != application.total_cost:
        problems.append(Problem("financing", str(_l(
            "Finansieringen (%(financing)s) må være lik kostnadene (%(cost)s).",
            financing=format_nok(application.total_financing),
            cost=format_nok(application.total_cost)))))
    if application.call.fund == Fund.KLIMAFOND:
        if application.climate_category is None:
            problems.append(Problem("climate_category", str(_l("Velg kategori for klimafondet."))))
        problems += [Problem(name, str(message)) for name, message in CLIMATE_TEXT
                     if not (getattr(application, name) or "").strip()]
        if application.co2e_cut_tonnes is None:
            problems.append(Problem("co2e_cut_tonnes", str(_l(
                "Oppgi forventet utslippskutt i tonn CO2-ekvivalenter per år."))))
    if application.has_education_partners and not (application.education_partners or "").strip():
        problems.append(Problem("education_partners", str(_l(
            "Skriv hvilke utdanningsinstitusjoner prosjektet samarbeider med."))))
    if application.has_international_cooperation and \
            not (application.international or "").strip():
        problems.append(Problem("international", str(_l(
            "Skriv hvem prosjektet samarbeider med internasjonalt."))))
    if application.in_group and not (application.group_details or "").strip():
        problems.append(Problem("group_details", str(_l(
            "Beskriv foretakene dere utgjør ett foretak med."))))
    return problems


def de_minimis_total_nok(application, today: date, years: int) -> int:
    """Declared aid within the rolling period plus this application."""
    since = today - timedelta(days=365 * years)
    declared = sum(aid.amount for aid in application.aid_received if aid.granted_on >= since)
    return declared + (application.amount_applied or 0)


def _rule(field: str, code: EligibilityRule, message) -> Problem:
    return Problem(field, str(message), True, code)


def eligibility(application, settings: Settings, today: date) -> list[Problem]:
    """The eligibility rules the application breaks, or that cannot be checked. These are
    warnings, not refusals, and checks, not scores."""
    problems = []
    organisation, call = application.organisation, application.call
    if not orgnr.is_valid(organisation.orgnr):
        problems.append(_rule("organisation", EligibilityRule.ORGNR, _l(
            "Organisasjonsnummeret %(orgnr)s er ikke gyldig.", orgnr=organisation.orgnr)))
    if not organisation.municipality_number:
        problems.append(_rule("organisation", EligibilityRule.MUNICIPALITY_UNVERIFIED, _l(
            "Kommunen organisasjonen hører til, er ikke verifisert: kommunenummeret er ikke "
            "oppgitt. Saksbehandler sjekker at organisasjonen har adresse i Lillestrøm.")))
    elif organisation.municipality_number != settings.municipality_number:
        problems.append(_rule("organisation", EligibilityRule.MUNICIPALITY, _l(
            "Organisasjonen er ikke registrert i Lillestrøm (kommunenummer %(n)s).",
            n=settings.municipality_number)))
    if organisation.bankrupt or organisation.under_liquidation:
        problems.append(_rule("organisation", EligibilityRule.BANKRUPT, _l(
            "Organisasjonen er konkurs eller under avvikling og kan ikke få tilskudd.")))
    if not application.not_started:
        problems.append(_rule("not_started", EligibilityRule.STARTED, _l(
            "Tilskudd gis bare til prosjekter som ikke er startet. Bekreft at prosjektet "
            "ikke er i gang.")))
    if application.amount_applied is not None:
        if application.amount_applied > call.max_grant:
            problems.append(_rule("amount_applied", EligibilityRule.MAX_GRANT, _l(
                "Beløpet er høyere enn utlysningens største tilskudd (%(max)s).",
                max=format_nok(call.max_grant))))
        share = application.share_applied_percent
        if application.total_cost and \
                application.amount_applied * 100 > call.max_share_percent * application.total_cost:
            problems.append(_rule("amount_applied", EligibilityRule.MAX_SHARE, _l(
                "Dere søker om %(share)s %% av kostnadene; utlysningen tillater høyst "
                "%(max)s %%.", share=share, max=call.max_share_percent)))
        total = de_minimis_total_nok(application, today, settings.de_minimis_years)
        ceiling_nok = int(settings.de_minimis_ceiling_eur * settings.nok_per_eur)
        if total > ceiling_nok:
            problems.append(_rule("aid", EligibilityRule.DE_MINIMIS, _l(
                "Bagatellmessig støtte de siste %(years)s årene og dette tilskuddet blir til "
                "sammen %(total)s. Det er over taket på %(ceiling)s (%(eur)s euro).",
                years=settings.de_minimis_years, total=format_nok(total),
                ceiling=format_nok(ceiling_nok),
                eur=format_number(settings.de_minimis_ceiling_eur))))
    return problems


def checklist(application, settings: Settings, today: date) -> list[Problem]:
    """Everything the submit page lists: what is missing (blocks submission) and the
    eligibility warnings (do not)."""
    return missing(application) + eligibility(application, settings, today)
