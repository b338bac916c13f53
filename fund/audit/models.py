from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.core.types import UTCDateTime, utcnow
from fund.extensions import db


class AuditEvent(db.Model):
    """One state change. Rows are never updated or deleted (also enforced by triggers)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: None for the system itself (CLI, cron).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Dotted verb such as ``call.extended`` or ``user.login_failed``.
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    #: Free-form context for the reader of the log; never read by rules.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(45))

    actor = relationship("User", lazy="joined")

    __table_args__ = (db.Index("ix_audit_events_object", "object_type", "object_id"),)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.object_type}:{self.object_id}>"


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise RuntimeError("the audit log is append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise RuntimeError("the audit log is append-only")
