"""The ranking of a call's applications against its budget: what the innstilling shows.

``ranking`` computes the full ranking from live data; ``frozen`` reads the one stored
when the review was closed. Either is then cut down to what one reader may see with
``for_reader``: rows the reader is inhabil in are left out (§ 6), and rows a reader
bound by blind review has not finished assessing are set aside unranked."""

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fund.applications.models import Application, ApplicationState
from fund.calls.models import Call
from fund.core.formatting import format_nok, format_number
from fund.extensions import db
from fund.review import scoring
from fund.review.models import (
    Assessment,
    AssessmentState,
    FrozenRanking,
    Outcome,
    assessment_counts,
)
from fund.review.settings import settings_for


@dataclass
class RankingRow:
    application_id: int
    case_number: str
    title: str
    organisation: str
    orgnr: str
    amount_applied: int
    #: The median of the amounts of the completed assessments that recommend a grant (in
    #: full or reduced); a reject recommendation is never an amount. Without any: the
    #: amount applied.
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
class WithheldRow:
    """An application a reader bound by blind review has not finished assessing: only what
    the applicant wrote, nothing derived from the scores."""

    application_id: int
    case_number: str
    title: str
    organisation: str
    amount_applied: int


@dataclass(frozen=True)
class CriterionColumn:
    """A criterion as the innstilling names it (from the call, or as frozen)."""

    id: int
    title: str
    weight: int


@dataclass
class RankingResult:
    call: Call
    criteria: list  #: CriterionColumn or Criterion: id, title, weight
    rows: list[RankingRow]
    budget: int
    #: How many rows are above the line; None when the line is not shown to this reader.
    line: int | None
    manual_line: bool
    reason: str
    hidden: int = 0  #: rows left out for this reader (inhabil)
    #: Rows set aside unranked for a reader bound by blind review, in case-number order.
    blinded: list[WithheldRow] = field(default_factory=list)
    #: When and by whom the review was closed, for a frozen ranking.
    closed_at: datetime | None = None
    closed_by: str = ""

    @property
    def withheld(self) -> bool:
        """Rows are kept from this reader: the line, the totals over all rows and the
        exports would give them away."""
        return bool(self.hidden or self.blinded)

    @property
    def applied(self) -> int:
        return sum(row.amount_applied for row in self.rows)

    @property
    def recommended(self) -> int:
        """Recommended for the rows shown; within the line when the line is shown."""
        return sum(row.recommended_amount for row in self.rows
                   if self.line is None or row.within_budget)


#: The recommendations that come with an amount: a grant, in full or reduced.
GRANT_RECOMMENDATIONS = frozenset({scoring.Recommendation.APPROVE,
                                   scoring.Recommendation.APPROVE_REDUCED})


def recommended_amounts(assessments) -> list[int]:
    """The amounts the completed assessments recommend granting. «Avslå» is not an amount
    (LAW.md §3.3): one «Innvilge 200 000» and one «Avslå» gives 200 000, not 100 000."""
    return [a.recommended_amount for a in assessments
            if a.recommended_amount is not None and a.recommendation is not None
            and scoring.Recommendation(a.recommendation) in GRANT_RECOMMENDATIONS]


def recommended_amount(assessments, applied: int) -> int:
    """The row's recommended amount: the median of the amounts recommended for a grant;
    0 when every completed assessment recommends «Avslå»; else (nothing assessed, or no
    amount given) the amount applied."""
    amounts = recommended_amounts(assessments)
    if amounts:
        return scoring.median_amount(amounts)
    if assessments and all(a.recommendation is not None and scoring.Recommendation(
            a.recommendation) == scoring.Recommendation.REJECT for a in assessments):
        return 0
    return applied


def ranking(call: Call) -> RankingResult:
    """Rank the call's submitted applications by aggregate score and draw the budget line:
    every row, for the record and for readers who may see it all."""
    applications = db.session.execute(
        select(Application).where(Application.call_id == call.id,
                                  Application.state == ApplicationState.SUBMITTED)
        .options(selectinload(Application.organisation))
        .order_by(Application.submitted_at, Application.id)).scalars().all()
    assessments = db.session.execute(
        select(Assessment).where(Assessment.application_id.in_([a.id for a in applications]),
                                 Assessment.state == AssessmentState.COMPLETED,
                                 assessment_counts())
        .options(selectinload(Assessment.scores))).scalars().all()
    by_application: dict[int, list[Assessment]] = {}
    for assessment in assessments:
        by_application.setdefault(assessment.application_id, []).append(assessment)
    settings = settings_for(call)
    threshold = Decimal(settings.disagreement_threshold)
    rows = []
    for application in applications:
        done = by_application.get(application.id, [])
        summary = scoring.aggregate([a.total_score for a in done], settings.score_aggregate)
        per_criterion = {c.id: scoring.mean_tenth([s.score for a in done for s in a.scores
                                      if s.criterion_id == c.id and s.score is not None
                                      and not s.not_applicable]) for c in call.criteria}
        rows.append(RankingRow(
            application_id=application.id, case_number=application.case_number or "",
            title=application.title, organisation=application.organisation.name,
            orgnr=application.organisation.orgnr,
            amount_applied=application.amount_applied or 0,
            recommended_amount=recommended_amount(done, application.amount_applied or 0),
            score=summary.value, spread=summary.spread, assessments=summary.count,
            disagreement=scoring.disagreement([a.recommendation for a in done],
                                              summary.spread, threshold),
            criterion_scores=per_criterion,
            recommendations=[a.recommendation.value for a in done if a.recommendation],
            justification=" ".join(a.overall_comment for a in done if a.overall_comment)))
    line = settings.funding_line
    line_after = line if line is not None and line <= len(rows) else None
    ranked = scoring.rank([scoring.RankRow(key=row, score=row.score,
                                           amount=row.recommended_amount) for row in rows],
                          call.budget, line_after=line_after)
    ordered = []
    for item in ranked:
        row = item.key
        row.rank, row.running_total, row.within_budget = \
            item.rank, item.running_total, item.within_budget
        ordered.append(row)
    return RankingResult(
        call=call, criteria=[CriterionColumn(c.id, c.title, c.weight) for c in call.criteria],
        rows=ordered, budget=call.budget, line=scoring.budget_line_index(ranked),
        manual_line=line_after is not None,
        reason=settings.funding_line_reason if line_after is not None else "")


def _decimal(value) -> Decimal | None:
    """A frozen figure (stored as shown, one decimal) read back."""
    return None if value is None else scoring.to_display(Decimal(str(value)))


def frozen(stored: FrozenRanking, call: Call) -> RankingResult:
    """The ranking as it stood when the review was closed; every row."""
    rows = [RankingRow(
        application_id=row.application_id, case_number=row.case_number, title=row.title,
        organisation=row.organisation, orgnr=row.orgnr, amount_applied=row.amount_applied,
        recommended_amount=row.recommended_amount, score=_decimal(row.score),
        spread=_decimal(row.spread), assessments=row.assessments,
        disagreement=row.disagreement,
        criterion_scores={int(key): _decimal(value)
                          for key, value in row.criterion_scores.items()},
        recommendations=list(row.recommendations), justification=row.justification,
        rank=row.rank, running_total=row.running_total, within_budget=row.within_budget)
        for row in sorted(stored.rows, key=lambda r: r.rank)]
    return RankingResult(
        call=call, criteria=[CriterionColumn(c["id"], c["title"], c["weight"])
                             for c in stored.criteria],
        rows=rows, budget=stored.budget, line=stored.line, manual_line=stored.manual_line,
        reason=stored.reason, closed_at=stored.closed_at,
        closed_by=stored.closed_by.name if stored.closed_by else "")


def for_reader(result: RankingResult, hidden: set[int], blinded: set[int]) -> RankingResult:
    """What one reader sees of a full ranking. Rows in ``hidden`` (inhabil) are left out;
    rows in ``blinded`` are listed apart, unranked. When anything is kept back, the
    others are numbered 1..n and summed among themselves, and the line, its marking and
    the reason for moving it are not shown: they would tell what the missing rows hold."""
    kept = [row for row in result.rows if row.application_id not in hidden]
    set_aside = sorted((WithheldRow(row.application_id, row.case_number, row.title,
                                    row.organisation, row.amount_applied)
                        for row in kept if row.application_id in blinded),
                       key=lambda row: (row.case_number, row.application_id))
    shown = [row for row in kept if row.application_id not in blinded]
    if len(shown) == len(result.rows):
        return result
    rows, running = [], 0
    for position, row in enumerate(shown, start=1):
        running += row.recommended_amount
        rows.append(dataclasses.replace(row, rank=position, running_total=running,
                                        within_budget=False))
    return dataclasses.replace(result, rows=rows, line=None, manual_line=False, reason="",
                               hidden=len(result.rows) - len(kept), blinded=set_aside)


# The administration's proposal per application ------------------------------------------

@dataclass(frozen=True)
class ProposalLine:
    """One application's line in the innstilling: the administration's proposal, stored
    (``models.Proposal``) or suggested from the ranking (``suggest``)."""

    outcome: Outcome
    amount: int | None  #: whole kroner, for a grant only
    reason: str  #: written for the document, never the caseworkers' comments
    stored: bool = True

    @property
    def granted(self) -> int:
        """What the line counts towards the sums: a reject is never an amount."""
        return self.amount or 0 if self.outcome.is_grant else 0


def suggest(row: RankingRow, count: int) -> ProposalLine:
    """The proposal a row of a complete ranking suggests (the manager changes it): within
    the line, a grant of the recommended amount (partial when it is lower than applied);
    below it, a rejection with a neutral sentence naming the rank and score. Nothing the
    caseworkers wrote is used."""
    amount = min(row.recommended_amount, row.amount_applied)
    if row.within_budget and amount > 0:
        if amount >= row.amount_applied:
            return ProposalLine(Outcome.GRANTED, amount, _(
                "Søknaden er rangert som nr. %(rank)s av %(count)s og prioriteres innenfor "
                "budsjettet.", rank=row.rank, count=count), stored=False)
        return ProposalLine(Outcome.PARTLY_GRANTED, amount, _(
            "Søknaden er rangert som nr. %(rank)s av %(count)s og prioriteres innenfor "
            "budsjettet, med et lavere beløp enn søkt (%(applied)s).", rank=row.rank,
            count=count, applied=format_nok(row.amount_applied)), stored=False)
    score = _("%(score)s av 100 poeng", score=format_number(row.score)) \
        if row.score is not None else _("ingen poengsum")
    return ProposalLine(Outcome.REJECTED, None, _(
        "Søknaden er rangert som nr. %(rank)s av %(count)s med %(score)s og når ikke opp i "
        "konkurransen om midlene innenfor budsjettet.", rank=row.rank, count=count,
        score=score), stored=False)
