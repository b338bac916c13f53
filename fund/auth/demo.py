"""Demo users of every role and two organisations, one of them verified (``flask demo``)."""

from sqlalchemy import select

from fund.audit.operations import record
from fund.auth.models import Membership, Organisation, User
from fund.auth.operations import update_organisation, verify_organisation
from fund.core.roles import Role
from fund.core.types import utcnow
from fund.extensions import db

DEMO_PASSWORD = "fond-demo-2026"

DEMO_USERS = [
    ("soker@demo.no", "Siri Søker", Role.APPLICANT),
    ("soker2@demo.no", "Sander Søker", Role.APPLICANT),
    ("saksbehandler@demo.no", "Sara Saksbehandler", Role.CASEWORKER),
    ("saksbehandler2@demo.no", "Sverre Saksbehandler", Role.CASEWORKER),
    ("leder@demo.no", "Lene Fondsforvalter", Role.MANAGER),
    ("admin@demo.no", "Adam Administrator", Role.ADMIN),
]

DEMO_ORGANISATIONS = [
    # orgnr, name, form, members, address, næringskode (SN2007)
    ("912345688", "Kjeller Grønn Energi AS", "AS", ["soker@demo.no"],
     ("Gunnar Randers vei 24", "2007", "Kjeller"), "35.113"),
    ("912345696", "Sørumsand Smak SA", "SA", ["soker2@demo.no"],
     ("Fabrikkveien 3", "1920", "Sørumsand"), "10.710"),
]


#: Verified by a caseworker; the other demo organisation is not (yet).
DEMO_VERIFIED = {"912345688": "Ringte daglig leder og kontrollerte rollen i "
                              "Enhetsregisteret (demo)."}


class DemoRefused(Exception):
    pass


def refuse_real_users() -> None:
    """Demo data goes only into a database without real users."""
    real = db.session.execute(select(User.email).where(User.is_demo.is_(False)).limit(1)).first()
    if real is not None:
        raise DemoRefused(f"databasen har ekte brukere (f.eks. {real[0]}); demodata lastes ikke")


def demo_users(created: list[str]) -> dict[str, User]:
    users = {}
    for email, name, role in DEMO_USERS:
        user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            user = User(email=email, name=name, role=role, is_demo=True,
                        email_verified_at=utcnow())
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            db.session.flush()
            record("user.created", user, source="demo", role=role.value)
            created.append(email)
        users[email] = user
    return users


def demo_organisations(users: dict[str, User], created: list[str]) -> None:
    for orgnr, name, form, members, (address, postcode, city), code in DEMO_ORGANISATIONS:
        org = db.session.execute(
            select(Organisation).where(Organisation.orgnr == orgnr)).scalar_one_or_none()
        if org is not None and not org.industry_code:
            # demo data from before the organisations had a næringskode
            update_organisation(org, None, industry_code=code)
            created.append(f"næringskode for {name}")
        if org is None:
            org = Organisation(orgnr=orgnr, name=name, org_form=form, address=address,
                               postcode=postcode, city=city, municipality_number="3205",
                               industry_code=code,
                               bank_account="12345678903", vat_registered=True,
                               memberships=[Membership(user=users[m], responsible=True)
                                            for m in members])
            db.session.add(org)
            record("organisation.created", org, source="demo", orgnr=orgnr)
            if orgnr in DEMO_VERIFIED:
                verify_organisation(org, users["saksbehandler@demo.no"], DEMO_VERIFIED[orgnr])
            created.append(name)
