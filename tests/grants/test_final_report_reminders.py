"""Reminders of the final report: 14 and 3 days before the deadline and 7 days after it
(the settings), each once, only for accepted grants whose report is not in.

From ``accepted``: both grants' reports are due Tuesday 29 February 2028, so the
reminders go on 15 and 26 February and 7 March 2028 (Oslo dates)."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.core.types import utcnow
from fund.decisions.deadlines import oslo_date
from fund.grants.models import FinalReport, FinalReportState, GrantState
from fund.grants.operations import remind_final_reports
from tests.decisions.conftest import outbox


def at(day: date, hour: int = 6) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def reminders(world, key):
    return [m for m in outbox(world.applicants[key].email) if "Påminnelse" in m.subject]


def run(app, day: date, hour: int = 6):
    with app.test_request_context():
        grants = remind_final_reports(at(day, hour))
    from fund.extensions import db
    db.session.commit()
    return grants


def test_reminders_go_once_each_14_and_3_days_before_and_7_days_after(accepted, app, db):
    days = {}
    for day in (date(2028, 2, 1), date(2028, 2, 14), date(2028, 2, 15), date(2028, 2, 15),
                date(2028, 2, 16), date(2028, 2, 25), date(2028, 2, 26), date(2028, 2, 27),
                date(2028, 2, 29), date(2028, 3, 1), date(2028, 3, 6), date(2028, 3, 7),
                date(2028, 3, 8), date(2028, 4, 1)):
        days.setdefault(day, 0)
        days[day] += len(run(app, day))
    assert {day: n for day, n in days.items() if n} == {
        date(2028, 2, 15): 2, date(2028, 2, 26): 2, date(2028, 3, 7): 2}  # A and B
    mails = reminders(accepted, "B")
    assert len(mails) == 3
    first, second, overdue = (m.body_text.replace("\u00a0", " ") for m in mails)
    assert "innen 29.02.2028" in first or "29. februar 2028" in first
    assert "om 14 dager" in first and "om 3 dager" in second
    assert "gikk ut" in overdue and "om " not in overdue.split("gikk ut")[0][-20:]
    grant = accepted.grants["B"]
    db.session.refresh(grant)
    assert grant.reminders_sent == 3 and grant.last_reminder_at == at(date(2028, 3, 7))
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "final_report.reminder_sent", AuditEvent.object_id == grant.id)
        .order_by(AuditEvent.id)).all()
    assert [(e.details["step"], e.details["overdue"], e.actor_id) for e in events] == [
        (1, False, None), (2, False, None), (3, True, None)]


def test_the_day_is_the_oslo_date(accepted, app, db):
    # 14 February 2028 at 23:30 UTC is 15 February 00:30 in Oslo (winter time)
    assert len(run(app, date(2028, 2, 14), hour=23)) == 2
    assert run(app, date(2028, 2, 14), hour=22) == []


def test_a_missed_day_sends_the_latest_reminder_only(accepted, app, db):
    assert len(run(app, date(2028, 2, 27))) == 2  # the cron did not run on the 15th or 26th
    assert len(reminders(accepted, "B")) == 1 and "om 2 dager" in reminders(
        accepted, "B")[0].body_text
    assert run(app, date(2028, 2, 28)) == []
    assert len(run(app, date(2028, 3, 7))) == 2


def test_no_reminder_when_the_report_is_in_or_the_grant_is_not_accepted(accepted, app, db):
    db.session.add(FinalReport(grant=accepted.grants["A"], state=FinalReportState.SUBMITTED,
                               submitted_at=at(date(2028, 2, 1))))
    accepted.grants["B"].state = GrantState.COMPLETED
    db.session.commit()
    for day in (date(2028, 2, 15), date(2028, 2, 26), date(2028, 3, 7)):
        assert run(app, day) == []
    assert reminders(accepted, "A") == [] and reminders(accepted, "B") == []


def test_a_draft_or_returned_report_is_still_reminded(accepted, app, db):
    db.session.add(FinalReport(grant=accepted.grants["A"], state=FinalReportState.RETURNED))
    db.session.add(FinalReport(grant=accepted.grants["B"], state=FinalReportState.DRAFT))
    db.session.commit()
    assert len(run(app, date(2028, 2, 15))) == 2


def test_the_command_reminds_from_today(accepted, runner, db):
    grant = accepted.grants["B"]
    grant.final_report_due = oslo_date(utcnow()) + timedelta(days=14)
    db.session.commit()
    result = runner.invoke(args=["grants", "remind-reports"])
    assert result.exit_code == 0, result.output
    assert "1 påminnelser om sluttrapport sendt." in result.output
    assert len(reminders(accepted, "B")) == 1 and reminders(accepted, "A") == []
    result = runner.invoke(args=["grants", "remind-reports"])
    assert "0 påminnelser" in result.output
