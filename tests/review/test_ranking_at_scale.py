"""The ranking at scale (issue 14): the figures are aggregated in SQL and give exactly what
the Python computation over whole entities gave; the page lists one page of rows in a
constant number of statements; the innstilling PDF stays a few pages."""

import dataclasses
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fund.applications.models import Application, ApplicationState
from fund.core.roles import Role
from fund.extensions import db as _db
from fund.review import scoring
from fund.review.innstilling import to_pdf
from fund.review.models import (
    Assessment,
    AssessmentState,
    ConflictDeclaration,
    ConflictGround,
    CriterionScoreRow,
    assessment_counts,
)
from fund.review.ranking import PAGE_SIZE, ProposalLine, ranking, recommended_amount
from fund.review.scoring import Aggregate, Recommendation
from fund.review.settings import settings_for
from tests.helpers import count_queries, make_application, make_user
from tests.review.conftest import assess, page, ranked_rows, stored_settings
from tests.review.test_innstilling import CALL, CRITERIA, PROPOSALS, ROWS


def python_figures(call) -> dict[int, tuple]:
    """The figures as the ranking computed them before issue 14: every submitted
    application and its counted assessments as entities, aggregated in Python."""
    applications = _db.session.execute(
        select(Application).where(Application.call_id == call.id,
                                  Application.state == ApplicationState.SUBMITTED)
        .order_by(Application.submitted_at, Application.id)).scalars().all()
    assessments = _db.session.execute(
        select(Assessment).where(Assessment.application_id.in_([a.id for a in applications]),
                                 Assessment.state == AssessmentState.COMPLETED,
                                 assessment_counts())
        .options(selectinload(Assessment.scores))).scalars().all()
    settings = settings_for(call)
    figures = {}
    for application in applications:
        done = [a for a in assessments if a.application_id == application.id]
        summary = scoring.aggregate([a.total_score for a in done], settings.score_aggregate)
        figures[application.id] = (
            summary.value, summary.spread, summary.count,
            recommended_amount(done, application.amount_applied or 0),
            scoring.disagreement([a.recommendation for a in done], summary.spread,
                                 Decimal(settings.disagreement_threshold)),
            {c.id: scoring.mean_tenth([s.score for a in done for s in a.scores
                                       if s.criterion_id == c.id and s.score is not None
                                       and not s.not_applicable])
             for c in call.criteria})
    return figures


def sql_figures(result) -> dict[int, tuple]:
    return {r.application_id: (r.score, r.spread, r.assessments, r.recommended_amount,
                               r.disagreement, r.criterion_scores) for r in result.rows}


def scored(application, user, total, amount, recommendation=Recommendation.APPROVE,
           steps=(4, 3), not_applicable=False, state=AssessmentState.COMPLETED):
    completed = state == AssessmentState.COMPLETED
    criteria = application.call.criteria
    _db.session.add(Assessment(
        application=application, caseworker=user, state=state,
        total_score=total if completed else None, recommendation=recommendation,
        recommended_amount=amount, completed_at=_db.func.now() if completed else None,
        scores=[CriterionScoreRow(criterion_id=c.id, score=step,
                                  not_applicable=not_applicable and index == 0)
                for index, (c, step) in enumerate(zip(criteria, steps, strict=False))]))


@pytest.fixture
def varied(competition):
    """Ties, an application nobody has assessed, an even number of totals with six
    decimals, a total of None (everything not applicable), a draft, a reject with an
    amount, a reduced grant, a partly unscored rubric and an inhabil caseworker whose
    assessment must not count."""
    c = competition
    a, b, g, d = (c.apps[k] for k in "ABCD")
    others = [make_user(f"cw{i}@example.no", Role.CASEWORKER, name=f"CW {i}") for i in range(4)]
    scored(a, others[0], Decimal("71.583333"), 120_000, steps=(5, None))
    scored(a, others[1], Decimal("64.216667"), None, Recommendation.REJECT)
    scored(a, others[2], Decimal("99.999999"), 150_000)  # inhabil, below: does not count
    _db.session.add(ConflictDeclaration(application=a, caseworker=others[2],
                                        disqualified=True, ground=ConflictGround.PARTY))
    scored(b, others[0], Decimal("70.000000"), 90_000, Recommendation.APPROVE_REDUCED)
    scored(b, others[1], None, None, Recommendation.REJECT, not_applicable=True)
    scored(b, others[3], Decimal("10"), 1, state=AssessmentState.DRAFT)
    scored(g, others[0], Decimal("87.500000"), 80_001, Recommendation.APPROVE_REDUCED)
    scored(g, others[1], Decimal("87.500000"), 80_000)  # the median amount rounds down
    scored(d, others[0], Decimal("0.050000"), None, Recommendation.REJECT)
    e = make_application(c.call, a.organisation, a.created_by, title="Epsilon",
                         amount_applied=40_000, state=ApplicationState.SUBMITTED,
                         case_number=f"NF-{c.call.year}-0005",
                         submitted_at=c.call.opens_at + timedelta(hours=9))
    f = make_application(c.call, a.organisation, a.created_by, title="Zeta",
                         amount_applied=30_000, state=ApplicationState.SUBMITTED,
                         case_number=f"NF-{c.call.year}-0006",
                         submitted_at=c.call.opens_at + timedelta(hours=10))
    assess(f, others[0], Decimal("87.5"), 30_000)  # ties with Gamma's median
    del e
    _db.session.commit()
    return c


@pytest.mark.parametrize("method", [Aggregate.MEDIAN, Aggregate.MEAN])
def test_the_sql_figures_are_the_python_figures(app, varied, method):
    settings = stored_settings(varied.call)
    settings.score_aggregate, settings.disagreement_threshold = method, 5
    _db.session.commit()
    with app.test_request_context():
        result = ranking(varied.call)
        assert sql_figures(result) == python_figures(varied.call)
        # the order: score descending, ties in submission order, unscored last
        scores = [r.score for r in result.rows]
        assert scores[-1] is None
        ties = [r.case_number for r in result.rows if r.score == Decimal("87.5")]
        assert ties == sorted(ties) and len(ties) == (2 if method is Aggregate.MEDIAN else 1)
        # the page does without the details, and its figures are the same
        lean = ranking(varied.call, details=False)
    assert [dataclasses.replace(r, criterion_scores={}, recommendations=[],
                                justification="") for r in result.rows] == lean.rows


def test_the_ranking_page_lists_one_page_in_constant_statements(client, competition):
    c = competition
    _db.session.add(ConflictDeclaration(application=c.apps["A"], caseworker=c.lene,
                                        disqualified=False))
    org, applicant = c.apps["A"].organisation, c.apps["A"].created_by

    def more(count, start):
        for i in range(start, start + count):
            extra = make_application(c.call, org, applicant, title=f"Ekstra {i}",
                                     amount_applied=1_000, state=ApplicationState.SUBMITTED,
                                     case_number=f"NF-2099-{i:04d}",
                                     submitted_at=c.call.opens_at + timedelta(days=1, hours=i))
            assess(extra, c.sverre, Decimal(50) - Decimal(i) / 10, 1_000)
        _db.session.commit()

    from tests.helpers import login
    login(client, c.lene)
    path = c.ranking_path()
    more(PAGE_SIZE, 0)
    page(client, path)
    with count_queries() as few:
        html = page(client, path)
    assert len(ranked_rows(html)) == PAGE_SIZE and "Side 1 av 2" in html
    more(PAGE_SIZE + 10, PAGE_SIZE)
    with count_queries() as many:
        html = page(client, path)
    assert many.count == few.count
    assert len(ranked_rows(html)) == PAGE_SIZE and "Side 1 av 3" in html
    last = page(client, path + "?side=3")
    assert [r[0] for r in ranked_rows(last)] == list(range(2 * PAGE_SIZE + 1, 2 * PAGE_SIZE + 15))
    # The automatic line is on page 1 (the budget is used up there); the manager moves it
    # onto page 2: it is drawn there, and page 1 links to it.
    settings = stored_settings(c.call)
    settings.funding_line, settings.funding_line_reason = PAGE_SIZE + 3, "Flere små tilskudd."
    _db.session.commit()
    second = page(client, path + "?side=2")
    ranks = [r[0] for r in ranked_rows(second)]
    line = second.index('id="budget-line"')
    assert ranks[2] == PAGE_SIZE + 3 and \
        second.index(f"<td>{PAGE_SIZE + 3}</td>") < line < second.index(f"<td>{PAGE_SIZE + 4}</td>")
    first = page(client, path)
    assert 'id="budget-line"' not in first and "?side=2#budget-line" in first
    assert "Side 1 av 3" in page(client, path + "?side=-4")  # nonsense: the nearest page


def test_the_innstilling_pdf_stays_a_few_pages(app):
    """One row and one short paragraph per application, not a block each (about 0.6
    pages per application before issue 14)."""
    rows, proposals = [], {}
    for number in range(1, 61):
        template = ROWS[number % 3]
        rows.append(dataclasses.replace(
            template, application_id=number, case_number=f"NF-2027-{number:04d}",
            rank=number, running_total=number * 5_000, within_budget=number <= 40))
        proposals[number] = PROPOSALS[template.application_id] if number <= 40 else \
            ProposalLine(PROPOSALS[2].outcome, None, PROPOSALS[2].reason)
    from fund.review.ranking import RankingResult
    with app.test_request_context():
        data = to_pdf(RankingResult(call=CALL, criteria=CRITERIA, rows=rows, budget=400_000,
                                    line=40, manual_line=False, reason=""), proposals)
    reader = PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    assert pages <= 10, pages
    # Past 50 applications the table of scores per criterion (a cell per application and
    # criterion: most of the pages and of WeasyPrint's time) is left to the spreadsheet.
    text = " ".join("\n".join(page.extract_text() for page in reader.pages).split())
    assert "Poeng per kriterium" in text
    assert "for hver av de 60 søknadene står i regnearket for innstillingen" in text


def test_a_long_list_of_undeclared_applications_is_cut_short(client, competition):
    """A manager who has declared on none of thousands of applications is told the first
    twenty and how many more, not every case number (issue 14)."""
    from tests.helpers import login
    c = competition
    org, applicant = c.apps["A"].organisation, c.apps["A"].created_by
    for i in range(20):
        make_application(c.call, org, applicant, title=f"Ekstra {i}",
                         state=ApplicationState.SUBMITTED, case_number=f"NF-2099-{i:04d}",
                         submitted_at=c.call.opens_at + timedelta(days=1, hours=i))
    _db.session.commit()
    login(client, c.lene)
    html = page(client, c.ranking_path())
    warning = html[html.index('id="undeclared"'):]
    warning = warning[:warning.index("</div>")]
    assert "og 4 til." in warning and warning.count("NF-") == 20
