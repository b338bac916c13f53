"""A small world for the plan-coverage report, built row by row (as tests/grants and
tests/decisions build theirs), so that every figure can be worked out by hand.

Calls of plan 2022-2024:
- N27: næringsfond 2027, budget 1 000 000;
- K27: klimafond 2027, budget 500 000 (opens 1A-1 to applicants, closes 3A-1);
- N28: næringsfond 2028, budget 2 000 000;
- N29: næringsfond 2029, budget 100 000.

Applications (applied, confirmed measures → outcome):
- P, N27, 250 000, 1B-2 + 1C-6 + 2C-1 (three measures in two areas) → rejected, then
  granted 200 000 on appeal (the rejection is replaced); completed; paid 70 000 + 50 000,
  repaid 20 000; expects 3 + 2 jobs and education partners; its approved final report
  realises 2 + 1 jobs, 5.25 tCO2e («Beregnet»), education partners and international
  cooperation, and 500 000 from Innovasjon Norge.
- W, N27, 100 000, 1B-2 → withdrawn.
- R, N27,  80 000, 1B-2 → rejected (the applicant also claimed 3A-1, never confirmed).
- L, N27,  60 000, 2C-1 + 2C-2 → granted 50 000; the tilsagn lapsed (50 000 returned);
  expects 10 knowledge jobs, which never count.
- U, N27,  40 000, 1C-6 → not decided yet.
- X, N27,  30 000, no confirmed measure.
- a draft in N27 with 1B-2 confirmed by mistake: never counted.
- K, K27, 120 000, 2C-1 → granted 100 000, offered; expects 1 knowledge job and
  40.5 tCO2e («Målt forbruk.»); its final report is only submitted (not approved).
- Y, N28,  70 000, 1B-2 → granted 70 000, the letter not yet sent (no tilsagn).
- V, N29,  90 000, 4B-3 → granted 90 000, paid 30 000, then revoked in full by a recovery
  vedtak (avslått, kind recovery) and the 30 000 repaid: neither a grant nor a rejection."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from fund.applications.models import Application, ApplicationMeasure, ApplicationState
from fund.auth.models import User
from fund.calls.models import Call, CallMeasure, Fund
from fund.core.roles import Role
from fund.decisions.models import Decision, DecisionKind
from fund.extensions import db as _db
from fund.grants.models import (
    FinalReport,
    FinalReportState,
    Grant,
    GrantState,
    PaymentRequest,
    PaymentState,
    Repayment,
)
from fund.plan.models import Measure
from fund.review.models import ConfirmedMeasure, Outcome
from tests.helpers import make_application, make_call, make_organisation, make_user, the_plan

DECIDED_ON = date(2027, 5, 10)


def measure(code: str) -> Measure:
    return _db.session.execute(select(Measure).where(Measure.code == code)).scalar_one()


def confirm(application: Application, codes, by: User) -> None:
    for code in codes:
        _db.session.add(ConfirmedMeasure(application_id=application.id,
                                         measure_id=measure(code).id, confirmed_by_id=by.id))


def decision(application: Application, outcome: Outcome, by: User, amount=None,
             returned=0, replaced=False, kind=DecisionKind.ALLOCATION) -> Decision:
    row = Decision(application_id=application.id, outcome=outcome, amount=amount, kind=kind,
                   returned_amount=returned, decided_on=DECIDED_ON, decided_by_id=by.id,
                   replaced_at=datetime(2027, 6, 20, tzinfo=UTC) if replaced else None)
    _db.session.add(row)
    _db.session.flush()
    return row


def grant(application: Application, state: GrantState) -> Grant:
    row = Grant(application_id=application.id, state=state,
                acceptance_deadline=date(2027, 6, 8))
    _db.session.add(row)
    _db.session.flush()
    return row


def paid(grant_row: Grant, number: int, amount: int) -> None:
    _db.session.add(PaymentRequest(grant_id=grant_row.id, number=number,
                                   state=PaymentState.PAID, amount_requested=amount,
                                   amount_approved=amount, amount_paid=amount,
                                   paid_on=date(2027, 9, number)))


_orgnrs = iter(range(912_300_000, 912_399_999, 7))


def applicant_org(name: str):
    user = make_user(f"{name.lower().replace(' ', '.')}@example.no", name=f"Søker {name}")
    return user, make_organisation(user, orgnr=str(next(_orgnrs)), name=name)


def application(call: Call, name: str, applied: int, **fields) -> Application:
    user, org = applicant_org(name)
    fields.setdefault("state", ApplicationState.SUBMITTED)
    return make_application(call, org, user, complete=False, title=f"Prosjekt {name}",
                            amount_applied=applied, **fields)


@dataclass
class World:
    calls: dict[str, Call]
    apps: dict[str, Application]
    sara: User

    @property
    def plan(self):
        return the_plan()


@pytest.fixture
def world(db):
    sara = make_user("sara@example.no", Role.CASEWORKER, name="Sara Saksbehandler")
    opens = timedelta(days=-60)
    calls = {
        "N27": make_call(Fund.NAERINGSFOND, opens_in=opens, year=2027, budget=1_000_000,
                         title="Næringsfondet 2027"),
        "K27": make_call(Fund.KLIMAFOND, opens_in=opens, year=2027, budget=500_000,
                         title="Klimafondet 2027"),
        "N28": make_call(Fund.NAERINGSFOND, opens_in=opens, year=2028, budget=2_000_000,
                         title="Næringsfondet 2028"),
        "N29": make_call(Fund.NAERINGSFOND, opens_in=opens, year=2029, budget=100_000,
                         title="Næringsfondet 2029"),
    }
    _db.session.add_all([
        CallMeasure(call_id=calls["K27"].id, measure_id=measure("1A-1").id, open=True),
        CallMeasure(call_id=calls["K27"].id, measure_id=measure("3A-1").id, open=False)])
    n27 = calls["N27"]
    apps = {
        "P": application(n27, "Pi AS", 250_000, knowledge_jobs=3, other_jobs=2,
                         has_education_partners=True),
        "W": application(n27, "Wolfram AS", 100_000, state=ApplicationState.WITHDRAWN),
        "R": application(n27, "Rho AS", 80_000),
        "L": application(n27, "Lambda AS", 60_000, knowledge_jobs=10),
        "U": application(n27, "Upsilon AS", 40_000),
        "X": application(n27, "Xi AS", 30_000),
        "draft": application(n27, "Draft AS", 999_000, state=ApplicationState.DRAFT),
        "K": application(calls["K27"], "Kappa AS", 120_000, knowledge_jobs=1, other_jobs=0,
                         co2e_cut_tonnes=Decimal("40.5"), co2e_method="Målt forbruk."),
        "Y": application(calls["N28"], "Ypsilon AS", 70_000),
        "V": application(calls["N29"], "Vau AS", 90_000, knowledge_jobs=5),
    }
    confirm(apps["P"], ["1B-2", "1C-6", "2C-1"], sara)
    confirm(apps["W"], ["1B-2"], sara)
    confirm(apps["R"], ["1B-2"], sara)
    _db.session.add(ApplicationMeasure(application_id=apps["R"].id,
                                       measure_id=measure("3A-1").id, how="Vi hevder det."))
    confirm(apps["L"], ["2C-1", "2C-2"], sara)
    confirm(apps["U"], ["1C-6"], sara)
    confirm(apps["draft"], ["1B-2"], sara)
    confirm(apps["K"], ["2C-1"], sara)
    confirm(apps["Y"], ["1B-2"], sara)
    confirm(apps["V"], ["4B-3"], sara)

    old = decision(apps["P"], Outcome.REJECTED, sara, replaced=True)
    old.replaced_by_id = decision(apps["P"], Outcome.GRANTED, sara, amount=200_000).id
    decision(apps["W"], Outcome.WITHDRAWN, sara)
    decision(apps["R"], Outcome.REJECTED, sara)
    decision(apps["L"], Outcome.GRANTED, sara, amount=50_000, returned=50_000)
    decision(apps["K"], Outcome.GRANTED, sara, amount=100_000)
    decision(apps["Y"], Outcome.GRANTED, sara, amount=70_000)

    grant_p = grant(apps["P"], GrantState.COMPLETED)
    paid(grant_p, 1, 70_000)
    paid(grant_p, 2, 50_000)
    _db.session.add(Repayment(grant_id=grant_p.id, amount=20_000, received_on=date(2027, 12, 1),
                              recorded_by_id=sara.id))
    _db.session.add(FinalReport(
        grant_id=grant_p.id, state=FinalReportState.APPROVED, knowledge_jobs=2, other_jobs=1,
        co2e_tonnes=Decimal("5.25"), co2e_method="Beregnet", has_education_partners=True,
        has_international_cooperation=True, funding_innovasjon_norge=500_000))
    grant(apps["L"], GrantState.LAPSED)
    grant_k = grant(apps["K"], GrantState.OFFERED)
    _db.session.add(FinalReport(grant_id=grant_k.id, state=FinalReportState.SUBMITTED,
                                knowledge_jobs=7, co2e_tonnes=Decimal("30"),
                                co2e_method="Gjettet", has_international_cooperation=True,
                                funding_eu=1_000_000))
    old = decision(apps["V"], Outcome.GRANTED, sara, amount=90_000, replaced=True)
    old.replaced_by_id = decision(apps["V"], Outcome.REJECTED, sara,
                                  kind=DecisionKind.RECOVERY).id
    grant_v = grant(apps["V"], GrantState.REVOKED)
    paid(grant_v, 1, 30_000)
    _db.session.add(Repayment(grant_id=grant_v.id, amount=30_000, received_on=date(2029, 12, 1),
                              recorded_by_id=sara.id))
    _db.session.flush()
    return World(calls=calls, apps=apps, sara=sara)
