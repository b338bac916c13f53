"""Reads of the audit log."""

from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.extensions import db


def log_page(page: int, size: int) -> tuple[list[AuditEvent], bool]:
    """One page of the log, newest first, and whether there is a next page."""
    events = db.session.execute(
        select(AuditEvent).order_by(AuditEvent.id.desc())
        .offset((page - 1) * size).limit(size + 1)).scalars().all()
    return list(events[:size]), len(events) > size
