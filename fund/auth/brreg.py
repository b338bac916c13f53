"""Optional lookup in Enhetsregisteret (Brønnøysundregistrene's open API, no key)."""

import json
import unicodedata
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date

from flask import current_app


@dataclass
class RegisterEntry:
    orgnr: str
    name: str
    org_form: str | None
    industry_code: str | None
    address: str | None
    postcode: str | None
    city: str | None
    municipality_number: str | None
    bankrupt: bool
    under_liquidation: bool
    vat_registered: bool
    #: Stiftelsesdato, when the register has one.
    founded_on: date | None = None


class RegisterUnavailable(Exception):
    """The register could not be reached or answered something unexpected."""


def _get(url: str, timeout: float) -> dict | None:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            return None
        raise RegisterUnavailable(str(exc)) from exc
    except (OSError, ValueError) as exc:
        raise RegisterUnavailable(str(exc)) from exc


def _entry(orgnr: str, data: dict, address_key: str) -> RegisterEntry:
    address = data.get(address_key) or {}
    return RegisterEntry(
        orgnr=orgnr,
        name=data.get("navn", ""),
        org_form=(data.get("organisasjonsform") or {}).get("kode"),
        industry_code=(data.get("naeringskode1") or {}).get("kode"),
        address=", ".join(address.get("adresse") or []) or None,
        postcode=address.get("postnummer"),
        city=address.get("poststed"),
        municipality_number=address.get("kommunenummer"),
        bankrupt=bool(data.get("konkurs")),
        vat_registered=bool(data.get("registrertIMvaregisteret")),
        under_liquidation=bool(data.get("underAvvikling")
                               or data.get("underTvangsavviklingEllerTvangsopplosning")),
        founded_on=_date(data.get("stiftelsesdato")),
    )


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def lookup(orgnr: str) -> RegisterEntry | None:
    """The register's entry for ``orgnr``, a main unit or else a sub-unit; None if unknown.

    Raises RegisterUnavailable when the register cannot answer.
    """
    base = current_app.config["BRREG_BASE_URL"].rstrip("/")
    timeout = current_app.config["BRREG_TIMEOUT"]
    data = _get(f"{base}/enheter/{orgnr}", timeout)
    if data is not None:
        return _entry(orgnr, data, "forretningsadresse")
    data = _get(f"{base}/underenheter/{orgnr}", timeout)
    if data is not None:
        return _entry(orgnr, data, "beliggenhetsadresse")
    return None


#: The roles that may act for a unit on their own: daglig leder, styrets leder, and those
#: with signature or prokura.
ACTING_ROLES = ("DAGL", "LEDE", "SIGN", "PROK")


@dataclass
class RoleHolder:
    """A person in one of ACTING_ROLES, still in it."""

    role: str
    role_description: str
    first_name: str
    middle_name: str
    last_name: str
    birth_date: date | None

    @property
    def name(self) -> str:
        return " ".join(n for n in (self.first_name, self.middle_name, self.last_name) if n)


def _holders(data: dict) -> list[RoleHolder]:
    holders = []
    for group in data.get("rollegrupper") or []:
        for role in group.get("roller") or []:
            kind = (role.get("type") or {}).get("kode")
            person = role.get("person")
            if kind not in ACTING_ROLES or not person or role.get("fratraadt") \
                    or person.get("erDoed"):
                continue
            names = person.get("navn") or {}
            try:
                born = date.fromisoformat(person.get("fodselsdato") or "")
            except ValueError:
                born = None
            holders.append(RoleHolder(
                role=kind, role_description=(role.get("type") or {}).get("beskrivelse") or kind,
                first_name=names.get("fornavn") or "", middle_name=names.get("mellomnavn") or "",
                last_name=names.get("etternavn") or "", birth_date=born))
    return holders


def role_holders(orgnr: str) -> list[RoleHolder] | None:
    """The people who may act for ``orgnr`` (for a sub-unit: for its main unit), from
    Enhetsregisteret's roles; None if the register does not know the number.

    Raises RegisterUnavailable when the register cannot answer.
    """
    base = current_app.config["BRREG_BASE_URL"].rstrip("/")
    timeout = current_app.config["BRREG_TIMEOUT"]
    data = _get(f"{base}/enheter/{orgnr}/roller", timeout)
    if data is None:
        unit = _get(f"{base}/underenheter/{orgnr}", timeout)
        parent = (unit or {}).get("overordnetEnhet")
        if not parent or not str(parent).isdigit():
            return None
        data = _get(f"{base}/enheter/{parent}/roller", timeout)
        if data is None:
            return None
    try:
        return _holders(data)
    except (AttributeError, TypeError) as exc:  # not the shape the register documents
        raise RegisterUnavailable(f"unexpected roles: {exc}") from exc


def _words(name: str) -> list[str]:
    """A name as comparable words: case, spacing, hyphens and Unicode forms ignored."""
    name = unicodedata.normalize("NFKC", name).casefold()
    return name.replace("-", " ").replace(".", " ").split()


def is_named(account_name: str, holder: RoleHolder) -> bool:
    """Whether an account's name is the role holder's. The account may leave out middle
    names and extra given names, but has the surname last, begins with one of the given
    names, and adds nothing the register does not have."""
    words = _words(account_name)
    given = _words(holder.first_name) + _words(holder.middle_name)
    surname = _words(holder.last_name)
    full = given + surname
    if len(words) < 2 or not surname or words[-1] != surname[-1] or words[0] not in given:
        return False
    remaining = iter(full)
    return all(word in remaining for word in words)  # in the register's order
