"""The ranking of a call's applications against its budget: what the innstilling shows."""

from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fund.applications.models import Application, ApplicationState
from fund.calls.models import Call, Criterion
from fund.extensions import db
from fund.review import scoring
from fund.review.models import Assessment, AssessmentState


@dataclass
class RankingRow:
    application_id: int
    case_number: str
    title: str
    organisation: str
    orgnr: str
    amount_applied: int
    #: The median of the completed assessments' recommended amounts (else the amount applied).
    recommended_amount: int
    score: Decimal | None
    spread: Decimal | None
    assessments: int
    disagreement: bool
    #: The mean score (0–5) per criterion id over completed assessments; None if none counted.
    criterion_scores: dict[int, Decimal | None]
    recommendations: list[str]
    #: The caseworkers' overall comments, for the short justification.
    justification: str
    rank: int = 0
    running_total: int = 0
    within_budget: bool = False


@dataclass
class RankingResult:
    call: Call
    criteria: list[Criterion]
    rows: list[RankingRow]
    budget: int
    #: How many rows are above the line.
    line: int
    manual_line: bool
    reason: str
    hidden: int = 0  #: rows left out for this reader (disqualified)
    totals: dict = field(default_factory=dict)


def _mean(values: list[int]) -> Decimal | None:
    return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1")) if values else None


def ranking(call: Call, hide=lambda application: False) -> RankingResult:
    """Rank the call's submitted applications by aggregate score and draw the budget line.

    ``hide`` leaves out rows the reader may not see (a disqualified caseworker)."""
    applications = db.session.execute(
        select(Application).where(Application.call_id == call.id,
                                  Application.state == ApplicationState.SUBMITTED)
        .options(selectinload(Application.organisation))
        .order_by(Application.submitted_at, Application.id)).scalars().all()
    assessments = db.session.execute(
        select(Assessment).where(Assessment.application_id.in_([a.id for a in applications]),
                                 Assessment.state == AssessmentState.COMPLETED)
        .options(selectinload(Assessment.scores))).scalars().all()
    by_application: dict[int, list[Assessment]] = {}
    for assessment in assessments:
        by_application.setdefault(assessment.application_id, []).append(assessment)
    method = scoring.Aggregate(call.score_aggregate.value)
    threshold = Decimal(call.disagreement_threshold)
    rows = []
    for application in applications:
        done = by_application.get(application.id, [])
        summary = scoring.aggregate([a.total_score for a in done], method)
        amounts = [a.recommended_amount for a in done if a.recommended_amount is not None]
        per_criterion = {c.id: _mean([s.score for a in done for s in a.scores
                                      if s.criterion_id == c.id and s.score is not None
                                      and not s.not_applicable]) for c in call.criteria}
        rows.append(RankingRow(
            application_id=application.id, case_number=application.case_number or "",
            title=application.title, organisation=application.organisation.name,
            orgnr=application.organisation.orgnr,
            amount_applied=application.amount_applied or 0,
            recommended_amount=int(median(amounts)) if amounts else
            (application.amount_applied or 0),
            score=summary.value, spread=summary.spread, assessments=summary.count,
            disagreement=scoring.disagreement([a.recommendation for a in done],
                                              summary.spread, threshold),
            criterion_scores=per_criterion,
            recommendations=[a.recommendation.value for a in done if a.recommendation],
            justification=" ".join(a.overall_comment for a in done if a.overall_comment)))
    line_after = call.funding_line if call.funding_line is not None and \
        call.funding_line <= len(rows) else None
    ranked = scoring.rank([scoring.RankRow(key=row, score=row.score,
                                           amount=row.recommended_amount) for row in rows],
                          call.budget, line_after=line_after)
    ordered = []
    for item in ranked:
        row = item.key
        row.rank, row.running_total, row.within_budget = \
            item.rank, item.running_total, item.within_budget
        ordered.append(row)
    visible = [row for row in ordered if not hide(row)]
    within = [row for row in ordered if row.within_budget]
    return RankingResult(
        call=call, criteria=list(call.criteria), rows=visible, budget=call.budget,
        line=scoring.budget_line_index(ranked), manual_line=line_after is not None,
        reason=call.funding_line_reason if line_after is not None else "",
        hidden=len(ordered) - len(visible),
        totals={"recommended": sum(r.recommended_amount for r in within),
                "applied": sum(r.amount_applied for r in ordered)})
