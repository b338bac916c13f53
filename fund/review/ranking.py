"""The ranking of a call's applications against its budget: what the innstilling shows.

``ranking`` computes the full ranking from live data; ``frozen`` reads the one stored
when the review was closed. Either is then cut down to what one reader may see with
``for_reader``: rows the reader is inhabil in are left out (§ 6), and rows a reader
bound by blind review has not finished assessing are set aside unranked."""

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import func, select

from fund.applications.models import Application, ApplicationState
from fund.auth.models import Organisation
from fund.calls.models import Call
from fund.core.formatting import format_nok, format_number
from fund.extensions import db
from fund.review import scoring
from fund.review.figures import GRANTS, MICRO
from fund.review.models import (
    Assessment,
    AssessmentFigures,
    AssessmentState,
    CriterionScoreRow,
    FrozenRanking,
    FrozenRankingRow,
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

    def renumbered(self, rank: int, running_total: int) -> "RankingRow":
        """A copy at another place, outside the budget line (``for_reader``); a shallow
        copy of the fields, as ``dataclasses.replace`` but without its cost per row."""
        row = object.__new__(RankingRow)
        row.__dict__.update(self.__dict__, rank=rank, running_total=running_total,
                            within_budget=False)
        return row


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
GRANT_RECOMMENDATIONS = GRANTS


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


def _counted(call: Call):
    """SQL: the completed assessments that count (author not inhabil) of the call's
    submitted applications."""
    return (Assessment.application_id.in_(
        select(Application.id).where(Application.call_id == call.id,
                                     Application.state == ApplicationState.SUBMITTED)),
            Assessment.state == AssessmentState.COMPLETED, assessment_counts())


class _Figures(NamedTuple):
    """One application's figures over its counted assessments, as stored for it;
    sums in millionths for totals, in kroner for amounts (a tuple: thousands are made
    per ranking)."""

    count: int = 0
    middle_sum: int = 0  #: of the middle one or two values in order
    middle_count: int = 0
    total: int = 0
    lowest: int = 0
    highest: int = 0

    def summary(self, median: bool) -> scoring.Summary:
        """What ``scoring.aggregate`` gives for these totals (the median, or else the
        mean): the same exact value, rounded once, half-up."""
        if not self.count:
            return scoring.Summary(value=None, spread=None, count=0)
        if median:
            value = scoring.round_tenth_of(self.middle_sum, self.middle_count * MICRO)
        else:
            value = scoring.round_tenth_of(self.total, self.count * MICRO)
        return scoring.Summary(
            value=value, spread=scoring.round_tenth_of(self.highest - self.lowest, MICRO),
            count=self.count)


def ranking(call: Call, details: bool = True) -> RankingResult:
    """Rank the call's submitted applications by aggregate score and draw the budget line:
    every row, for the record and for readers who may see it all.

    The figures per application (median or mean, spread, the recommended amount, whether
    the recommendations differ) come from the stored ``AssessmentFigures`` (kept by
    ``fund.review.figures`` as the assessments change): one narrow row per application.
    ``details`` adds what only the record and the exports need: the mean per criterion,
    the recommendations and the caseworkers' comments."""
    stored = AssessmentFigures
    applications = db.session.execute(
        select(Application.id, Application.case_number, Application.title,
               Application.amount_applied, Organisation.name, Organisation.orgnr,
               stored.assessments, stored.kinds, stored.rejects, stored.score_count,
               stored.score_middle_sum, stored.score_middle_count, stored.score_sum,
               stored.score_lowest, stored.score_highest, stored.amount_count,
               stored.amount_middle_sum, stored.amount_middle_count)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .outerjoin(stored, stored.application_id == Application.id)
        .where(Application.call_id == call.id,
               Application.state == ApplicationState.SUBMITTED)
        .order_by(Application.submitted_at, Application.id)).all()
    criteria = [CriterionColumn(c.id, c.title, c.weight) for c in call.criteria]
    per_criterion, said = (_details(_counted(call)) if details else ({}, {}))
    settings = settings_for(call)
    threshold = Decimal(settings.disagreement_threshold)
    nothing = scoring.Summary(value=None, spread=None, count=0)
    median = scoring.Aggregate(settings.score_aggregate) is scoring.Aggregate.MEDIAN
    rows = []
    for (application_id, case_number, title, applied, organisation, orgnr, done, kinds,
         rejects, *score, amounts, amount_middle_sum, amount_middle_count) in applications:
        applied = applied or 0
        summary = _Figures(*score).summary(median) if done else nothing
        if amounts:  # the median of the amounts recommended for a grant
            recommended = amount_middle_sum // amount_middle_count
        elif done and rejects == done:  # every completed assessment says «Avslå»
            recommended = 0
        else:
            recommended = applied
        kinds = kinds or 0
        means = per_criterion.get(application_id, {})
        recommendations, comments = said.get(application_id, ([], []))
        rows.append(RankingRow(
            application_id=application_id, case_number=case_number or "", title=title,
            organisation=organisation, orgnr=orgnr, amount_applied=applied,
            recommended_amount=recommended, score=summary.value, spread=summary.spread,
            assessments=summary.count,
            disagreement=kinds > 1 or (summary.spread is not None
                                       and summary.spread > threshold),
            criterion_scores={c.id: means.get(c.id) for c in criteria} if details else {},
            recommendations=recommendations, justification=" ".join(comments)))
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
        call=call, criteria=criteria, rows=ordered, budget=call.budget,
        line=scoring.budget_line_index(ranked), manual_line=line_after is not None,
        reason=settings.funding_line_reason if line_after is not None else "")


def _details(counted):
    """The mean step per criterion (summed and counted in SQL), and the recommendations
    and overall comments, per application."""
    means: dict[int, dict[int, Decimal | None]] = {}
    for application_id, criterion_id, total, count in db.session.execute(
            select(Assessment.application_id, CriterionScoreRow.criterion_id,
                   func.sum(CriterionScoreRow.score), func.count(CriterionScoreRow.score))
            .join(CriterionScoreRow, CriterionScoreRow.assessment_id == Assessment.id)
            .where(*counted, CriterionScoreRow.score.is_not(None),
                   CriterionScoreRow.not_applicable.is_(False))
            .group_by(Assessment.application_id, CriterionScoreRow.criterion_id)):
        means.setdefault(application_id, {})[criterion_id] = \
            scoring.round_tenth_of(int(total), count)
    said: dict[int, tuple[list[str], list[str]]] = {}
    for application_id, recommendation, comment in db.session.execute(
            select(Assessment.application_id, Assessment.recommendation,
                   Assessment.overall_comment)
            .where(*counted).order_by(Assessment.application_id, Assessment.id)):
        recommendations, comments = said.setdefault(application_id, ([], []))
        if recommendation:
            recommendations.append(recommendation.value)
        if comment:
            comments.append(comment)
    return means, said


def _decimal(value) -> Decimal | None:
    """A frozen figure (stored as shown, one decimal) read back."""
    return None if value is None else scoring.to_display(Decimal(str(value)))


def frozen(stored: FrozenRanking, call: Call, details: bool = True) -> RankingResult:
    """The ranking as it stood when the review was closed; every row, read as plain
    columns (``details``: with the criterion means, recommendations and comments)."""
    stored_row = FrozenRankingRow
    columns = [stored_row.application_id, stored_row.case_number, stored_row.title,
               stored_row.organisation, stored_row.orgnr, stored_row.amount_applied,
               stored_row.recommended_amount, stored_row.score, stored_row.spread,
               stored_row.assessments, stored_row.disagreement, stored_row.rank,
               stored_row.running_total, stored_row.within_budget]
    if details:
        columns += [stored_row.criterion_scores, stored_row.recommendations,
                    stored_row.justification]
    rows = []
    for values in db.session.execute(select(*columns).where(
            stored_row.ranking_id == stored.id).order_by(stored_row.rank)):
        rows.append(RankingRow(
            application_id=values.application_id, case_number=values.case_number,
            title=values.title, organisation=values.organisation, orgnr=values.orgnr,
            amount_applied=values.amount_applied,
            recommended_amount=values.recommended_amount, score=_decimal(values.score),
            spread=_decimal(values.spread), assessments=values.assessments,
            disagreement=values.disagreement,
            criterion_scores={int(key): _decimal(value)
                              for key, value in values.criterion_scores.items()}
            if details else {},
            recommendations=list(values.recommendations) if details else [],
            justification=values.justification if details else "",
            rank=values.rank, running_total=values.running_total,
            within_budget=values.within_budget))
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
        rows.append(row.renumbered(position, running))
    return dataclasses.replace(result, rows=rows, line=None, manual_line=False, reason="",
                               hidden=len(result.rows) - len(kept), blinded=set_aside)


#: Rows on one page of the ranking.
PAGE_SIZE = 50


@dataclass(frozen=True)
class RankingPage:
    """One page of a ranking as a reader sees it: its rows, and its share of the rows set
    aside for a reader bound by blind review. The totals stay the ranking's."""

    number: int
    pages: int
    rows: list[RankingRow]
    blinded: list[WithheldRow]
    #: Draw the budget line before the row at this index of ``rows``; None: not here.
    line_before: int | None
    #: The page the budget line is on; None when the line is not shown or not drawn.
    line_page: int | None

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def ranking_page(result: RankingResult, number: int, size: int = PAGE_SIZE) -> RankingPage:
    """Page ``number`` (from 1; out of range: the nearest page) of ``result``. The line is
    drawn between the last row within it and the first below, as on one long list."""
    pages = max(1, math.ceil(len(result.rows) / size), math.ceil(len(result.blinded) / size))
    number = min(max(number, 1), pages)
    start = (number - 1) * size
    line = result.line
    drawn = line is not None and 0 < line < len(result.rows)
    line_before = line - start if drawn and start <= line < start + size else None
    return RankingPage(number=number, pages=pages, rows=result.rows[start:start + size],
                       blinded=result.blinded[start:start + size], line_before=line_before,
                       line_page=line // size + 1 if drawn else None)


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
