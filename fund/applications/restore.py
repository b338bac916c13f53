"""Putting a live application back to what a submission says (LAW.md §3.7: the original
submission is the basis). When an information request expires unanswered, what the
applicant saved but never sent in must not reach the ranking, the innstilling or a vedtak:
``restore_submitted`` reads the keys ``operations.snapshot`` writes and maps each back onto
the live columns and lines, so that ``snapshot(restore_submitted(a, s))`` equals ``s``
apart from the submission's own metadata (number, time, warnings)."""

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from fund.applications.models import (
    Application,
    ApplicationMeasure,
    ApplicationSDG,
    Attachment,
    ClimateCategory,
    CostCategory,
    CostLine,
    DeMinimisAid,
    ExemptionRequest,
    FinancingKind,
    FinancingLine,
)
from fund.extensions import db
from fund.plan.models import Area, Measure, Strategy

#: The snapshot's ``project`` texts and flags, and its ``effects``, are live columns of the
#: same name; ``starts_on`` and ``ends_on`` are dates in ISO form.
_PROJECT_DATES = ("starts_on", "ends_on")


def restore_submitted(application: Application, snapshot: dict) -> list[Attachment]:
    """Set every live field and line the snapshot records back to the snapshot's value.
    Attachments not in the snapshot (matched by sha256 and file name) are taken off the
    application and returned, for the caller to remove their files once it commits.
    Lines and rows that already match are kept as they are. The caller logs and commits."""
    contact = snapshot["contact"]
    _set(application, contact_name=contact["name"], contact_email=contact["email"],
         contact_phone=contact["phone"], project_leader=snapshot["project_leader"])
    project = dict(snapshot["project"])
    for name in _PROJECT_DATES:
        value = project.pop(name)
        project[name] = date.fromisoformat(value) if value else None
    _set(application, **project)
    _set(application, **snapshot["effects"])
    climate = snapshot.get("climate")
    if climate is not None:
        _set(application,
             climate_category=ClimateCategory(climate["category"])
             if climate["category"] else None,
             climate_baseline=climate["baseline"],
             co2e_cut_tonnes=Decimal(climate["co2e_cut_tonnes"])
             if climate["co2e_cut_tonnes"] is not None else None,
             co2e_method=climate["method"])
    _restore_plan(application, snapshot)
    _restore_sdgs(application, snapshot["sdgs"])
    budget = snapshot["budget"]
    _set(application, amount_applied=budget["amount_applied"])
    _restore_lines(application, "cost_lines", CostLine, [
        {"category": CostCategory(row["category"]), "description": row["description"],
         "amount": row["amount"], "exemption_reason": row["exemption_reason"]}
        for row in budget["cost_lines"]])
    _restore_lines(application, "financing_lines", FinancingLine, [
        {"kind": FinancingKind(row["kind"]), "description": row["description"],
         "hours": row["hours"], "hourly_rate": row["hourly_rate"], "amount": row["amount"],
         "exemption_reason": row["exemption_reason"]}
        for row in budget["financing_lines"]])
    de_minimis = snapshot["de_minimis"]
    _set(application, in_group=de_minimis["in_group"],
         group_details=de_minimis["group_details"])
    _restore_lines(application, "aid_received", DeMinimisAid, [
        {"grantor": row["grantor"], "granted_on": date.fromisoformat(row["granted_on"]),
         "amount": row["amount"]}
        for row in de_minimis["aid"]])
    _restore_exemptions(application, snapshot["exemption_requests"])
    return _restore_attachments(application, snapshot["attachments"])


def _set(application: Application, **values) -> None:
    for name, value in values.items():
        if getattr(application, name) != value:
            setattr(application, name, value)


def _restore_plan(application: Application, snapshot: dict) -> None:
    """Strategies and measures by their codes in the call's plan; the "how" sentences."""
    plan_id = application.call.plan_id
    codes = [row["code"] for row in snapshot["strategies"]]
    if [s.code for s in application.strategies] != codes:
        strategies = db.session.scalars(
            select(Strategy).join(Area).where(Area.plan_id == plan_id,
                                              Strategy.code.in_(codes))).all()
        application.strategies = sorted(strategies, key=lambda s: s.code)
    how = {row["code"]: row["how"] for row in snapshot["measures"]}
    current = {chosen.measure.code: chosen for chosen in application.measures}
    if {code: chosen.how for code, chosen in current.items()} == how:
        return
    measures = {m.code: m for m in db.session.scalars(
        select(Measure).join(Strategy).join(Area).where(Area.plan_id == plan_id,
                                                        Measure.code.in_(list(how))))}
    # a row kept for a measure chosen again: a new one would be inserted before the old is
    # deleted, against the one-row-per-measure constraint
    application.measures = [current.get(code) or ApplicationMeasure(measure=measures[code])
                            for code in how if code in current or code in measures]
    for chosen in application.measures:
        chosen.how = how[chosen.measure.code]


def _restore_sdgs(application: Application, goals: list[int]) -> None:
    if list(application.sdgs) == list(goals):
        return
    kept = {row.goal: row for row in application.sdg_rows if row.goal in goals}
    application.sdg_rows = [kept.get(goal) or ApplicationSDG(goal=goal)
                            for goal in sorted(goals)]


def _restore_lines(application: Application, name: str, model, rows: list[dict]) -> None:
    """Budget or aid lines: kept if they already read as the snapshot, else replaced."""
    lines = getattr(application, name)
    if len(lines) == len(rows) and all(
            {key: getattr(line, key) for key in row} == row
            for line, row in zip(lines, rows, strict=True)):
        return
    setattr(application, name, [model(**row) for row in rows])


def _restore_exemptions(application: Application, requests: dict[str, str]) -> None:
    if {row.field: row.reason for row in application.exemption_requests} == requests:
        return
    # rows are kept and updated in place, as ``save_draft`` does (one row per field)
    kept = {row.field: row for row in application.exemption_requests if row.field in requests}
    application.exemption_requests = [kept.get(field) or ExemptionRequest(field=field)
                                      for field in requests]
    for row in application.exemption_requests:
        row.reason = requests[row.field]


def _restore_attachments(application: Application, submitted: list[dict]) -> list[Attachment]:
    """Attachments in the snapshot keep the exemption reason they were sent with; the rest
    (uploaded since) are taken off and returned."""
    wanted: dict[tuple[str, str], list[str | None]] = {}
    for row in submitted:
        wanted.setdefault((row["sha256"], row["filename"]), []).append(row["exemption_reason"])
    removed = []
    for attachment in list(application.attachments):
        reasons = wanted.get((attachment.sha256, attachment.filename))
        if reasons:
            reason = reasons.pop(0)
            if attachment.exemption_reason != reason:
                attachment.exemption_reason = reason
        else:
            application.attachments.remove(attachment)
            removed.append(attachment)
    return removed
