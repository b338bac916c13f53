import enum
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.core.types import UTCDateTime, enum_column, utcnow
from fund.extensions import db


class MailState(enum.StrEnum):
    DRAFT = "draft"  #: stored but not sent until released (``fund.mail.operations.release``)
    PENDING = "pending"  #: waiting for (another) delivery attempt
    SENT = "sent"
    FAILED = "failed"  #: gave up after MAIL_MAX_ATTEMPTS; kept, and can be requeued


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    state: Mapped[MailState] = mapped_column(enum_column(MailState, "mail_state"),
                                             default=MailState.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    #: When the next delivery attempt is due.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attachments: Mapped[list["OutboxAttachment"]] = relationship(
        back_populates="message", cascade="all, delete-orphan",
        order_by="OutboxAttachment.id")

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.state} to={self.to_address}>"


class OutboxAttachment(db.Model):
    """A file sent with an outbox message, kept with it until the message is deleted."""

    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    #: MIME type, e.g. application/pdf.
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")

    def __repr__(self) -> str:
        return f"<OutboxAttachment {self.id} {self.filename!r} on {self.message_id}>"
