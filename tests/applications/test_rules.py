"""The checklist and eligibility rules are pure functions: tested on plain objects."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from fund.applications.models import (
    Application,
    CostCategory,
    CostLine,
    DeMinimisAid,
    FinancingKind,
    FinancingLine,
)
from fund.applications.rules import (
    EligibilityRule,
    Settings,
    checklist,
    de_minimis_total_nok,
    eligibility,
    missing,
)
from fund.calls.models import Fund

SETTINGS = Settings("3205", 300_000, 3, Decimal("11.50"))
TODAY = date(2027, 1, 10)


def application(**changes) -> Application:
    """A complete, eligible application, not attached to any database session."""
    strategy = SimpleNamespace(id=1, code="1B")
    measure = SimpleNamespace(id=7, code="1B-3", strategy=strategy)
    app = Application(
        contact_name="Kari", contact_email="kari@example.no", project_leader="Per",
        title="Tittel", summary="Kort.", description="Lang.", background="Fordi.",
        goals="Mål.", anchoring="Styret.", additionality="Avgjørende.",
        starts_on=date(2027, 3, 1), ends_on=date(2027, 12, 1), not_started=True,
        amount_applied=100_000, in_group=False, group_details="")
    app.call = SimpleNamespace(fund=Fund.NAERINGSFOND, max_grant=200_000, max_share_percent=50)
    app.organisation = SimpleNamespace(orgnr="912345688", municipality_number="3205",
                                       bankrupt=False, under_liquidation=False)
    app.strategies = [strategy]
    # a plain stand-in for the chosen measure (the plan tree is not needed here)
    app.__dict__["measures"] = [SimpleNamespace(measure_id=7, measure=measure, how="Slik.")]
    app.cost_lines = [CostLine(category=CostCategory.SERVICES, amount=300_000)]
    app.financing_lines = [FinancingLine(kind=FinancingKind.OWN_FUNDS, amount=200_000)]
    app.aid_received = []
    for name, value in changes.items():
        setattr(app, name, value)
    return app


@pytest.fixture(autouse=True)
def context(app):
    with app.test_request_context():
        yield


def test_a_complete_eligible_application_has_no_problems():
    assert checklist(application(), SETTINGS, TODAY) == []


@pytest.mark.parametrize("change, field", [
    ({"title": ""}, "title"),
    ({"summary": "x" * 501}, "summary"),
    ({"ends_on": date(2027, 1, 1)}, "ends_on"),
    ({"amount_applied": None}, "amount_applied"),
    ({"amount_applied": 50_000}, "financing"),  # no longer balances the costs
    ({"in_group": True}, "group_details"),
    ({"strategies": []}, "plan"),
])
def test_each_missing_or_inconsistent_field_is_named(change, field):
    problems = missing(application(**change))
    assert field in [p.field for p in problems]


@pytest.mark.parametrize("change, organisation, fragment", [
    ({"not_started": False}, {}, "ikke er startet"),
    ({"amount_applied": 250_000}, {}, "største tilskudd"),
    ({}, {"municipality_number": "0301"}, "ikke registrert i Lillestrøm"),
    ({}, {"bankrupt": True}, "konkurs"),
    ({}, {"under_liquidation": True}, "konkurs eller under avvikling"),
    ({}, {"orgnr": "912345687"}, "ikke gyldig"),
])
def test_each_failed_rule_is_a_rule(change, organisation, fragment):
    app = application(**change)
    for name, value in organisation.items():
        setattr(app.organisation, name, value)
    rules = eligibility(app, SETTINGS, TODAY)
    assert any(fragment in p.message and p.rule for p in rules), rules


def test_an_unknown_municipality_is_a_warning_that_it_is_not_verified():
    app = application()
    app.organisation.municipality_number = None
    [warning] = eligibility(app, SETTINGS, TODAY)
    assert warning.rule and warning.code == EligibilityRule.MUNICIPALITY_UNVERIFIED
    assert "ikke verifisert" in warning.message
    app.organisation.municipality_number = ""
    assert [p.code for p in eligibility(app, SETTINGS, TODAY)] == [
        EligibilityRule.MUNICIPALITY_UNVERIFIED]


@pytest.mark.parametrize("applied, cost, allowed", [
    (150_000, 300_000, True),   # exactly 50 %
    (150_001, 300_000, False),  # 50.0003 %: shown as 50.0, but over the limit
    (150_300, 300_000, False),  # 50.1 %
])
def test_the_share_applied_for(applied, cost, allowed):
    app = application(amount_applied=applied)
    app.cost_lines = [CostLine(category=CostCategory.SERVICES, amount=cost)]
    app.financing_lines = [FinancingLine(kind=FinancingKind.OWN_FUNDS, amount=cost - applied)]
    over = any("tillater høyst" in p.message for p in eligibility(app, SETTINGS, TODAY))
    assert over is not allowed


def test_de_minimis_counts_declared_aid_within_three_years_plus_this_grant():
    app = application(amount_applied=100_000)
    app.aid_received = [
        DeMinimisAid(grantor="A", granted_on=TODAY - timedelta(days=365 * 3 + 1),
                     amount=9_000_000),  # outside the rolling period
        DeMinimisAid(grantor="B", granted_on=TODAY - timedelta(days=400), amount=3_000_000)]
    assert de_minimis_total_nok(app, TODAY, 3) == 3_100_000
    assert eligibility(app, SETTINGS, TODAY) == []  # ceiling: 300 000 € × 11.50 = 3 450 000
    app.aid_received[1].amount = 3_350_001
    assert any("bagatellmessig" in p.message.lower()
               for p in eligibility(app, SETTINGS, TODAY))


@pytest.mark.parametrize("organisation, message", [
    ({"orgnr": "912345687"}, "Organisasjonsnummeret 912345687 er ikke gyldig."),
    ({"municipality_number": "0301"},
     "Organisasjonen er ikke registrert i Lillestrøm (kommunenummer 3205)."),
    ({"bankrupt": True}, "Organisasjonen er konkurs eller under avvikling og kan ikke få "
                         "tilskudd."),
])
def test_a_rule_about_the_organisation_links_to_it_and_names_what_is_wrong(organisation,
                                                                         message):
    """The checklist links each organisation rule to the organisation, with the number."""
    app = application()
    for name, value in organisation.items():
        setattr(app.organisation, name, value)
    assert [(p.field, p.message, p.rule) for p in eligibility(app, SETTINGS, TODAY)] == [
        ("organisation", message, True)]


def test_aid_granted_exactly_at_the_start_of_the_rolling_period_counts():
    app = application(amount_applied=None)
    app.aid_received = [DeMinimisAid(grantor="A", granted_on=TODAY - timedelta(days=365 * 3),
                                     amount=10_000)]
    assert de_minimis_total_nok(app, TODAY, 3) == 10_000  # and nothing for no amount yet


def test_every_missing_field_is_explained_and_none_is_a_rule():
    blank = {name: "" for name in ("contact_name", "contact_email", "project_leader", "title",
                                   "summary", "description", "background", "goals",
                                   "anchoring", "additionality")}
    app = application(**blank, starts_on=None, ends_on=None, amount_applied=None)
    app.strategies, app.cost_lines = [], []
    app.__dict__["measures"] = []
    problems = missing(app)
    assert len(problems) == 15  # measures are optional: a strategy is enough
    assert all(isinstance(p.message, str) and len(p.message) > 10 and "None" not in p.message
               and not p.rule for p in problems), problems
    assert "Gi prosjektet en tittel." in [p.message for p in problems]


@pytest.mark.parametrize("length, refused", [(500, False), (501, True)])
def test_a_summary_of_500_characters_is_allowed(length, refused):
    problems = [(p.field, p.message) for p in missing(application(summary="x" * length))]
    assert (("summary", "Sammendraget kan ha høyst 500 tegn.") in problems) is refused


def test_too_much_de_minimis_aid_is_a_rule():
    app = application(amount_applied=100_000)
    app.aid_received = [DeMinimisAid(grantor="B", granted_on=TODAY, amount=3_400_000)]
    assert [(p.field, p.rule) for p in eligibility(app, SETTINGS, TODAY)] == [("aid", True)]
