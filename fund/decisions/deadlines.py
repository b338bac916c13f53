"""The time rules of deciding, as pure functions of dates (no database, no clock):
the appeal deadline, whether an appeal came in time, and when a case is owed a
provisional reply. Tested with dates around month ends, Easter and Christmas.

Which section of the law says so is for the letters' text, not for this module (LAW.md:
the new forvaltningsloven renumbers the sections; the rules carry over)."""

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")

#: The appeal period: three weeks from the notice (forvaltningsloven 1967 § 29).
APPEAL_PERIOD = timedelta(weeks=3)


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def public_holidays(year: int) -> frozenset[date]:
    """Norway's public holidays (helligdager and høytidsdager) in ``year`` (worked out once
    a year: the register's due dates count working days for every grant)."""
    easter = easter_sunday(year)
    return frozenset({
        date(year, 1, 1),  # 1. nyttårsdag
        easter - timedelta(days=3),  # skjærtorsdag
        easter - timedelta(days=2),  # langfredag
        easter,  # 1. påskedag
        easter + timedelta(days=1),  # 2. påskedag
        date(year, 5, 1),  # offentlig høytidsdag
        date(year, 5, 17),  # grunnlovsdag
        easter + timedelta(days=39),  # Kristi himmelfartsdag
        easter + timedelta(days=49),  # 1. pinsedag
        easter + timedelta(days=50),  # 2. pinsedag
        date(year, 12, 25),  # 1. juledag
        date(year, 12, 26),  # 2. juledag
    })


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def appeal_deadline(notified_on: date) -> date:
    """The last day to appeal a vedtak notified on ``notified_on`` (the day the notice
    reached the party).

    Three weeks: the deadline is the same weekday three weeks later (a deadline in weeks
    ends on the day with the same name as the day it runs from; domstolloven § 148). When
    that day is a Saturday, a Sunday or a public holiday, the deadline moves to the next
    day that is none of these (domstolloven § 149). An appeal received by the end of
    that day, Oslo time, is in time (``appeal_in_time``).
    """
    deadline = notified_on + APPEAL_PERIOD
    while not is_working_day(deadline):
        deadline += timedelta(days=1)
    return deadline


def next_working_day(day: date) -> date:
    """``day``, or the first working day after it (domstolloven § 149)."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def acceptance_deadline(notified_on: date, weeks: int) -> date:
    """The last day to accept a tilsagn notified on ``notified_on``: ``weeks`` weeks
    later, moved past a weekend or holiday as the appeal deadline is."""
    return next_working_day(notified_on + timedelta(weeks=weeks))


def add_working_days(day: date, days: int) -> date:
    """The working day ``days`` working days after ``day`` (a register deadline)."""
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def oslo_date(moment: datetime) -> date:
    return moment.astimezone(OSLO).date()


def appeal_in_time(received_at: datetime, deadline: date) -> bool:
    """Received by the end of the deadline day in Oslo (midnight, winter or summer)."""
    return oslo_date(received_at) <= deadline


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day when it is shorter
    (31 January + 1 month = 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month = date(year + month // 12, month % 12 + 1, 1)
    return min(day.replace(year=year, month=month, day=1) + timedelta(days=day.day - 1),
               next_month - timedelta(days=1))


def provisional_reply_due(submitted_at: datetime, now: datetime) -> bool:
    """Whether an application submitted at ``submitted_at`` and still undecided at
    ``now`` has waited more than a month (Oslo dates): it is owed a provisional reply
    (a foreløpig svar) saying why it takes time and when a decision can be expected."""
    return oslo_date(now) > add_months(oslo_date(submitted_at), 1)
