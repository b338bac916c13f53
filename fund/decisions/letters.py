"""The letters to an applicant as PDF documents: the vedtaksbrev (for a grant also the
tilsagnsbrev) and the foreløpig svar. A letter is about one application only: it reads
that application, its own row of the frozen ranking and the call, never another
applicant's information (fvl § 24 tredje ledd, § 19).

A recovery vedtak (tilbakekreving, ``DecisionKind.RECOVERY``) has its own letter; the facts
of its forhåndsvarsel belong to the grants domain, which answers ``recovery_letter_facts``."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from blinker import Namespace
from flask import current_app
from sqlalchemy import func, select

from fund.applications.labels import COST_CATEGORY_LABELS, FINANCING_KIND_LABELS
from fund.applications.models import Application
from fund.calls.labels import FUND_LABELS
from fund.core.pdf import RECORD_LOCALE, render_pdf
from fund.decisions.deadlines import acceptance_deadline, next_working_day
from fund.decisions.labels import BODY_LABELS, OUTCOME_LABELS, outcome_label
from fund.decisions.models import Decision, DecisionKind, StateAidBasis
from fund.extensions import db
from fund.review.models import FrozenRanking, FrozenRankingRow, Outcome

#: Asked with a recovery Decision (the sender); the grants domain (which decisions may not
#: import) answers with a dict of the letter's facts: ``ground`` (its label), ``notice_sent_on``,
#: ``answer_by``, ``answer``, ``answered_on``, ``new_amount``, ``reclaim_amount``.
recovery_letter_facts = Namespace().signal("recovery-letter-facts")

#: Days the recipient has to repay what a recovery vedtak reclaims, from the letter's date.
RECOVERY_REPAY_DAYS = 30


@dataclass
class CriterionLine:
    title: str
    weight: int
    score: Decimal | None  #: the mean score, 0–5; None: not relevant


@dataclass
class Scores:
    """The main considerations of the discretionary assessment, as frozen when the review
    was closed: this application's criterion scores, its total, and its place."""

    criteria: list[CriterionLine]
    total: Decimal | None
    rank: int
    ranked: int
    within_budget: bool


def archive_reference(application: Application) -> str | None:
    """The archive's saksnummer («Vår referanse»), once the case has one."""
    return application.archive_reference


def frozen_scores(application: Application) -> Scores | None:
    row = db.session.execute(
        select(FrozenRankingRow).join(FrozenRanking).where(
            FrozenRanking.call_id == application.call_id,
            FrozenRankingRow.application_id == application.id)).scalar_one_or_none()
    if row is None:
        return None
    ranking = row.ranking
    ranked = db.session.execute(
        select(func.count()).select_from(FrozenRankingRow).where(
            FrozenRankingRow.ranking_id == ranking.id)).scalar_one()
    lines = []
    for criterion in ranking.criteria:
        value = row.criterion_scores.get(str(criterion["id"]))
        lines.append(CriterionLine(title=criterion["title"], weight=criterion["weight"],
                                   score=Decimal(value) if value not in (None, "") else None))
    return Scores(criteria=lines, total=row.score, rank=row.rank, ranked=ranked,
                  within_budget=row.within_budget)


def _lines(setting: str) -> list[str]:
    return [line.strip() for line in (current_app.config.get(setting) or "").splitlines()
            if line.strip()]


def _share(amount: int | None, total_cost: int | None) -> Decimal | None:
    if not amount or not total_cost:
        return None
    return (Decimal(amount) * 100 / total_cost).quantize(Decimal("0.1"))


def decision_letter_pdf(decision: Decision, letter_date: date,
                        appeal_deadline: date | None = None) -> bytes:
    """The vedtaksbrev for ``decision``, dated ``letter_date``. The appeal deadline is
    known once the letter is sent; a letter read before that says how it is counted."""
    if decision.kind == DecisionKind.RECOVERY:
        return recovery_letter_pdf(decision, letter_date, appeal_deadline)
    application = decision.application
    snapshot = application.submissions[-1].snapshot if application.submissions else {}
    budget = snapshot.get("budget", {})
    total_cost = budget.get("total_cost", application.total_cost)
    return render_pdf(
        "pdf/decision_letter.html", locale=RECORD_LOCALE, decision=decision,
        application=application,
        call=application.call, organisation=application.organisation, snapshot=snapshot,
        meeting=decision.meeting, outcome_label=OUTCOME_LABELS[decision.outcome],
        body_label=BODY_LABELS[decision.meeting.body] if decision.meeting else "",
        fund_label=FUND_LABELS[application.call.fund],
        amount_applied=budget.get("amount_applied", application.amount_applied),
        total_cost=total_cost, share=_share(decision.amount, total_cost),
        scores=frozen_scores(application) if decision.outcome != Outcome.DISMISSED else None,
        rules=_lines("LETTER_RULES"), grant_terms=_lines("LETTER_GRANT_TERMS"),
        de_minimis=decision.state_aid_basis == StateAidBasis.DE_MINIMIS,
        appeal_body=current_app.config["APPEAL_BODY"], letter_date=letter_date,
        appeal_deadline=appeal_deadline, reference=archive_reference(application),
        replaces=_replaced(decision), **_tilsagn(decision, letter_date, appeal_deadline))


def _tilsagn(decision: Decision, letter_date: date, appeal_deadline: date | None) -> dict:
    """What the tilsagnsbrev states beyond the vedtak (LAW.md §4.E item 12): the approved
    cost and financing plan, the acceptance deadline (a date once the letter is sent, the
    notification date being the letter's), and the final report's deadline."""
    if not decision.is_grant:
        return {}
    application, call = decision.application, decision.application.call
    return dict(
        cost_lines=[(COST_CATEGORY_LABELS[line.category], line.description, line.amount)
                    for line in application.cost_lines],
        financing_lines=[(FINANCING_KIND_LABELS[line.kind], line.description, line.amount)
                         for line in application.financing_lines],
        accept_by=acceptance_deadline(letter_date, call.acceptance_weeks)
        if appeal_deadline is not None else None,
        report_due=application.ends_on + timedelta(days=call.final_report_days)
        if application.ends_on else None)


def recovery_letter_pdf(decision: Decision, letter_date: date,
                        appeal_deadline: date | None = None) -> bytes:
    """The vedtaksbrev of a recovery: the grant reduced or revoked after a forhåndsvarsel
    (fvl § 16), with the reasons (§§ 24–25), the amount to repay and by when, and the
    appeal right (§ 28) with its deadline as in any vedtaksbrev."""
    application = decision.application
    facts: dict = {}
    for _receiver, answer in recovery_letter_facts.send(decision):
        facts.update(answer or {})
    days = current_app.config.get("RECOVERY_REPAY_DAYS", RECOVERY_REPAY_DAYS)
    return render_pdf(
        "pdf/recovery_letter.html", locale=RECORD_LOCALE, decision=decision,
        application=application,
        call=application.call, organisation=application.organisation,
        meeting=decision.meeting, outcome_label=outcome_label(decision),
        body_label=BODY_LABELS[decision.meeting.body] if decision.meeting else "",
        fund_label=FUND_LABELS[application.call.fund], facts=facts,
        repay_by=next_working_day(letter_date + timedelta(days=days)),
        appeal_body=current_app.config["APPEAL_BODY"], letter_date=letter_date,
        appeal_deadline=appeal_deadline, reference=archive_reference(application),
        replaces=_replaced(decision))


def _replaced(decision: Decision) -> Decision | None:
    """The earlier vedtak this one replaces (a reversal after an appeal)."""
    return db.session.execute(select(Decision).where(
        Decision.replaced_by_id == decision.id)).scalar_one_or_none()


def provisional_reply_pdf(application: Application, letter_date: date) -> bytes:
    """The foreløpig svar: the case takes time, why, and when a decision can be expected."""
    return render_pdf(
        "pdf/provisional_reply.html", locale=RECORD_LOCALE, application=application,
        call=application.call,
        organisation=application.organisation,
        fund_label=FUND_LABELS[application.call.fund], letter_date=letter_date,
        reason=current_app.config["PROVISIONAL_REPLY_REASON"],
        reference=archive_reference(application))
