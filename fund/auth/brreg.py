"""Optional lookup in Enhetsregisteret (Brønnøysundregistrene's open API, no key)."""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

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
    )


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
