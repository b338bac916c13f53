"""A report's twenty-odd statements read the filtered applications' rows from a temporary
table filled once per report (``coverage.applications_once``, issue 14), not each from its
own joins over decisions, grants and payments. These stories check that the figures are
the live statements' own, to the øre and the tenth of a tonne, and that the table never
outlives its report."""

import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from fund.reports.coverage import CoverageFilter, applications_once, coverage
from fund.reports.evaluation import evaluation
from fund.reports.extras import extras
from fund.reports.selection import report_part
from tests.helpers import count_queries

KEPT = "report_applications_kept"


def live(plan, flt):
    """The three parts of a report, each statement computing the applications itself."""
    return coverage(plan, flt), extras(plan, flt), evaluation(plan, flt)


@pytest.mark.parametrize("flt", [CoverageFilter(), CoverageFilter(years=(2027,))],
                         ids=["all calls", "2027"])
def test_a_report_sums_the_payments_once_and_shows_the_live_figures(db, world, flt):
    expected = live(world.plan, flt)
    with count_queries() as counted:
        part = report_part(world.plan.id, flt)
    assert (part.report, part.extras, part.evaluation) == expected
    # the figures are the world's: P's 200 000 granted and 100 000 paid (70 + 50 - 20)
    assert part.report.total.granted >= 200_000
    assert part.report.total.paid == 100_000
    summed = [s for s in counted.statements if "payment_requests" in s]
    assert len(summed) == 1, summed


def test_a_figure_of_another_selection_in_the_block_is_its_own(db, world):
    plan = world.plan
    other = CoverageFilter(years=(2028,))
    expected = coverage(plan, other)
    with applications_once(plan.id, CoverageFilter(years=(2027,))):
        assert coverage(plan, other) == expected
    assert expected.total.granted == 70_000  # Y's grant in 2028, none of 2027's


def kept_table_exists(db) -> bool:
    savepoint = db.session.begin_nested()
    try:
        db.session.execute(text(f"SELECT count(*) FROM {KEPT}"))
    except DBAPIError:
        savepoint.rollback()
        return False
    savepoint.rollback()
    return True


def test_the_kept_rows_go_with_their_report_and_with_a_failed_one(db, world):
    plan = world.plan
    report_part(plan.id, CoverageFilter())
    assert not kept_table_exists(db)

    with applications_once(plan.id, CoverageFilter()):
        assert kept_table_exists(db)
        with pytest.raises(RuntimeError), applications_once(plan.id, CoverageFilter()):
            pass
    assert not kept_table_exists(db)

    savepoint = db.session.begin_nested()  # a request's transaction, as far as the block knows
    with pytest.raises(LookupError), applications_once(plan.id, CoverageFilter()):
        raise LookupError("the report failed half-way")
    savepoint.rollback()
    assert not kept_table_exists(db)
    # and the next report in the same connection is made as before, from the same rows
    again = report_part(plan.id, CoverageFilter()).report
    assert again == coverage(plan, CoverageFilter())
    assert again.total.paid == 100_000


def test_a_table_left_on_the_connection_does_not_stop_the_next_report(db, world):
    """A block that failed after its transaction was committed leaves its table on the
    pooled connection (a rollback no longer removes it); the next report starts afresh."""
    plan = world.plan
    db.session.execute(text(f"CREATE TEMPORARY TABLE {KEPT} (id INTEGER)"))
    part = report_part(plan.id, CoverageFilter())
    assert part.report == coverage(plan, CoverageFilter())


def test_the_figures_by_year_fund_place_and_industry_read_no_application_again(db, world):
    """The kept rows carry each application's call and organisation, so the statements
    that group by call year, fund, place or industry join those small tables, not the
    applications table again (a join back cost 40-80 ms a statement at 100,000)."""
    with count_queries() as counted:
        report_part(world.plan.id, CoverageFilter())
    reading = [s for s in counted.statements
               if re.search(r"(FROM|JOIN) applications\b", s)]
    # the fill, the funded projects' titles, and the partners of the leverage figures
    assert len(reading) == 3, reading
