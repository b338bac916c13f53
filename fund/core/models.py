from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from fund.core.types import UTCDateTime
from fund.extensions import db


class ThrottleCounter(db.Model):
    """How often one thing was done in one time window (login attempts, mail sent).

    ``key`` is ``scope:subject-hash:window``; rows of past windows are purged."""

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)
    #: When the window ends and the row may be purged.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def __repr__(self) -> str:
        return f"<ThrottleCounter {self.key} {self.hits}>"
