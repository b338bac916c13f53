"""The deadline rush of issue 14: many applicants submit complete drafts in the last
minute before ``closes_at``, and keep trying after it.

The data comes from ``flask demo --applications N --rush K``: users ``rush0001@demo.no`` …
each with one complete draft in one open call. The rush:

1. logs every rush user in beforehand (the logins are not what is measured);
2. moves the call's ``closes_at`` to now + ``window`` seconds (SQL on the bench database);
3. gives each applicant an arrival time spread uniformly over the window; ``clients``
   threads take them in order of arrival and do what a browser does: GET the send-inn
   page (CSRF token and the draft's version), POST it with ``confirm``, follow the
   redirect to the receipt. A failure (5xx, network) is retried; a refusal is retried
   too, until ``grace`` seconds after the deadline;
4. counts in the database: every accepted one submitted with a number of its own, every
   refused one still a draft, none lost, none duplicated.
"""

import random
import statistics
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import create_engine, text, update

from bench.client import CSRF, VERSION, login
from bench.client import field as form_field

GRACE_S = 10.0


@dataclass
class Applicant:
    email: str
    application_id: int
    arrival: float = 0.0  #: seconds after the start of the window
    session: requests.Session | None = None
    accepted: bool = False
    accepted_at: float | None = None  #: monotonic time the receipt came back
    post_ms: list[float] = field(default_factory=list)  #: every POST's time
    accepted_post_ms: float | None = None
    refusals: int = 0
    reasons: list[str] = field(default_factory=list)  #: why each refusal, briefly
    refusals_before_deadline: int = 0
    http_5xx: int = 0
    network_errors: int = 0


def rush_drafts(engine) -> list[tuple[str, int, int]]:
    """(email, application id, call id) of each rush user's draft in the rush call (the
    call most of their drafts are in)."""
    with engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(text("""
            SELECT u.email, a.id, a.call_id FROM applications a
            JOIN users u ON u.id = a.created_by_id
            WHERE u.email LIKE 'rush%@demo.no' AND a.state = 'draft'
            ORDER BY u.email, a.id"""))]
    if not rows:
        return []
    calls = Counter(call for _email, _id, call in rows)
    call = calls.most_common(1)[0][0]
    seen, result = set(), []
    for email, app_id, call_id in rows:
        if call_id == call and email not in seen:
            seen.add(email)
            result.append((email, app_id, call_id))
    return result


def set_deadline(engine, call_id: int, closes_at: datetime) -> None:
    """Move the call's deadline (through the model's column type, so SQLite stores UTC
    as the app does)."""
    from fund.calls.models import Call
    with engine.begin() as conn:
        conn.execute(update(Call.__table__).where(Call.__table__.c.id == call_id)
                     .values(closes_at=closes_at))


def attempt(base: str, who: Applicant) -> str:
    """One browser-like submission: "accepted", "refused" or "error"."""
    path = f"{base}/soknader/{who.application_id}/send-inn"
    try:
        page = who.session.get(path, timeout=60)
        if page.status_code >= 500:
            who.http_5xx += 1
            return "error"
        if page.url.endswith("/kvittering"):
            return "accepted"
        token, version = form_field(CSRF, page.text), form_field(VERSION, page.text)
        if token is None or version is None:
            who.reasons.append(f"no form on the send-inn page ({page.url.rsplit('/', 1)[-1]})")
            return "refused"  # no form: the call has closed, or the draft is incomplete
        start = time.perf_counter()
        reply = who.session.post(path, timeout=60, data={
            "csrf_token": token, "version": version, "confirm": "y", "reply": ""})
        who.post_ms.append((time.perf_counter() - start) * 1000)
        if reply.status_code >= 500 or any(r.status_code >= 500 for r in reply.history):
            who.http_5xx += 1
            return "error"
        if reply.url.endswith("/kvittering") and reply.status_code == 200:
            who.accepted_post_ms = who.post_ms[-1]
            return "accepted"
        who.reasons.append(f"POST answered {reply.status_code} at "
                           f"{reply.url.rsplit('/', 1)[-1]}")
        return "refused"
    except requests.RequestException:
        who.network_errors += 1
        return "error"


def applicant_flow(base: str, who: Applicant, start: float, deadline: float,
                   grace: float) -> None:
    """Arrive at the applicant's time; submit until accepted or past the grace period."""
    delay = start + who.arrival - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    while time.monotonic() < deadline + grace:
        sent = time.monotonic()
        outcome = attempt(base, who)
        if outcome == "accepted":
            who.accepted, who.accepted_at = True, time.monotonic()
            return
        if outcome == "refused":
            who.refusals += 1
            if sent < deadline - 1:  # sent well before the deadline, yet refused
                who.refusals_before_deadline += 1
        time.sleep(0.25 + random.random() * 0.25)


def log_in_all(base: str, applicants: list[Applicant], password: str, clients: int) -> float:
    """Log every applicant in (in parallel); the seconds it took."""
    start = time.monotonic()

    def one(who: Applicant) -> None:
        for _ in range(5):
            try:
                who.session = login(base, who.email, password)
                return
            except (requests.RequestException, RuntimeError):
                time.sleep(0.5)
        raise RuntimeError(f"could not log in {who.email}")

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, applicants))
    return time.monotonic() - start


def count(engine, call_id: int, ids: list[int], closes_at: datetime) -> dict:
    """The database's view after the rush."""
    with engine.connect() as conn:
        rows = conn.execute(text("""
            SELECT id, state, case_number, submitted_at FROM applications
            WHERE call_id = :call"""), {"call": call_id}).all()
        duplicates = conn.execute(text("""
            SELECT count(*) FROM (SELECT case_number FROM applications
            WHERE case_number IS NOT NULL GROUP BY case_number HAVING count(*) > 1) d""")
                                  ).scalar()
        duplicate_submissions = conn.execute(text("""
            SELECT count(*) FROM (SELECT application_id FROM submissions
            WHERE application_id IN (SELECT id FROM applications WHERE call_id = :call)
            GROUP BY application_id HAVING count(*) > 1) d"""), {"call": call_id}).scalar()
    wanted = set(ids)
    mine = [r for r in rows if r.id in wanted]
    submitted = [r for r in mine if r.state != "draft"]
    late = 0
    for r in submitted:
        when = r.submitted_at
        if isinstance(when, str):
            when = datetime.fromisoformat(when)
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if when is not None and when >= closes_at:
            late += 1
    return {"submitted": {r.id for r in submitted}, "drafts": {r.id for r in mine
                                                               if r.state == "draft"},
            "numbers": len({r.case_number for r in submitted if r.case_number}),
            "duplicates": duplicates, "duplicate_submissions": duplicate_submissions,
            "late": late}


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * len(values)) - 1))]


def rush(base: str, url: str, window: float, clients: int, password: str, log,
         grace: float = GRACE_S) -> dict:
    """Run the rush against the served app on database ``url``; the figures."""
    engine = create_engine(url)
    try:
        drafts = rush_drafts(engine)
        if not drafts:
            return {"failed": "no rush drafts in the data (flask demo --rush)"}
        call_id = drafts[0][2]
        applicants = [Applicant(email, app_id) for email, app_id, _call in drafts]
        # keep the call open while logging in
        set_deadline(engine, call_id, datetime.now(UTC) + timedelta(hours=1))
        login_s = log_in_all(base, applicants, password, clients)
        log(f"rush: {len(applicants)} logged in in {login_s:.0f} s")
        rnd = random.Random(14)
        for who in applicants:
            who.arrival = rnd.uniform(0, window)
        applicants.sort(key=lambda a: a.arrival)
        closes_at = (datetime.now(UTC) + timedelta(seconds=window)).replace(microsecond=0)
        set_deadline(engine, call_id, closes_at)
        start = time.monotonic()
        deadline = start + (closes_at - datetime.now(UTC)).total_seconds()
        log(f"rush: deadline {closes_at:%H:%M:%S} UTC; {clients} clients")
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(lambda who: applicant_flow(base, who, start, deadline, grace),
                          applicants))
        db = count(engine, call_id, [a.application_id for a in applicants], closes_at)
    finally:
        engine.dispose()
    accepted = [a for a in applicants if a.accepted]
    refused = [a for a in applicants if not a.accepted]
    post = [a.accepted_post_ms for a in accepted if a.accepted_post_ms is not None]
    result = {
        "drafts": len(applicants), "clients": clients, "window_s": window, "grace_s": grace,
        "call_id": call_id, "login_s": round(login_s, 1),
        "accepted": len(accepted),
        "accepted_before_deadline": sum(1 for a in accepted if a.accepted_at <= deadline),
        "refused": len(refused),
        "refused_still_draft": sum(1 for a in refused if a.application_id in db["drafts"]),
        "refused_before_deadline": sum(a.refusals_before_deadline for a in applicants),
        "lost": sum(1 for a in accepted if a.application_id not in db["submitted"]),
        "submitted_unseen": sum(1 for a in refused if a.application_id in db["submitted"]),
        "db_submitted": len(db["submitted"]), "db_numbers": db["numbers"],
        "db_submitted_after_deadline": db["late"],
        "duplicate_case_numbers": db["duplicates"],
        "duplicate_submissions": db["duplicate_submissions"],
        "http_5xx": sum(a.http_5xx for a in applicants),
        "network_errors": sum(a.network_errors for a in applicants),
        "post_p50_ms": round(statistics.median(post), 1) if post else None,
        "post_p99_ms": round(_percentile(post, 0.99), 1) if post else None,
        "all_posts_p99_ms": round(_percentile([t for a in applicants for t in a.post_ms],
                                              0.99) or 0, 1),
        "accepted_per_s": len(accepted) / window if window else 0.0,
    }
    reasons = Counter(reason for a in applicants for reason in a.reasons)
    result["refusal_reasons"] = dict(reasons.most_common(5))
    result["pass_p99"] = bool(post) and result["post_p99_ms"] <= 1000
    result["pass"] = (result["pass_p99"] and not result["lost"]
                      and not result["duplicate_case_numbers"]
                      and not result["duplicate_submissions"]
                      and not result["refused_before_deadline"]
                      and result["refused_still_draft"] == result["refused"]
                      and result["db_numbers"] == result["db_submitted"]
                      and not result["db_submitted_after_deadline"])
    log(f"rush: accepted {result['accepted']}, refused {result['refused']}, lost "
        f"{result['lost']}, duplicates {result['duplicate_case_numbers']}, POST p50 "
        f"{result['post_p50_ms']} ms p99 {result['post_p99_ms']} ms")
    return result
