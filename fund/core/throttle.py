"""Rate limits kept in the database, so that every worker process shares them.

A limit counts hits of one ``scope`` (``login.account``, ``mail.address``) by one
``subject`` (an e-mail address, a client address). A window opens at the first hit and
lasts ``window``; the hits in it are counted and checked in one atomic statement, so
concurrent requests cannot slip past a limit. Subjects are stored hashed.
"""

import hashlib
import random
from datetime import timedelta

from sqlalchemy import case, delete, literal, update
from sqlalchemy.dialects import postgresql, sqlite

from fund.core.models import ThrottleCounter
from fund.core.types import UTCDateTime, utcnow
from fund.extensions import db

#: Roughly one hit in this many purges the rows of windows that have ended.
PURGE_ONE_IN = 50


def _key(scope: str, subject: str) -> str:
    digest = hashlib.sha256(f"{scope}:{subject}".encode()).hexdigest()
    return f"{scope}:{digest[:48]}"


def hit(scope: str, subject: str, limit: int, window: timedelta) -> bool:
    """Count one hit; False when the hits in the current window go over ``limit``."""
    now = utcnow()
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    table = ThrottleCounter.__table__
    expired = table.c.expires_at <= now
    ends = literal(now + window, UTCDateTime())
    statement = insert(ThrottleCounter).values(
        key=_key(scope, subject), hits=1, expires_at=now + window)
    statement = statement.on_conflict_do_update(index_elements=["key"], set_={
        "hits": case((expired, 1), else_=table.c.hits + 1),
        "expires_at": case((expired, ends), else_=table.c.expires_at),
    }).returning(table.c.hits)
    hits = db.session.execute(statement).scalar_one()
    if random.randrange(PURGE_ONE_IN) == 0:
        purge()
    return hits <= limit


def undo(scope: str, subject: str) -> None:
    """Take back one hit (a login that succeeded after all)."""
    db.session.execute(update(ThrottleCounter).where(
        ThrottleCounter.key == _key(scope, subject), ThrottleCounter.hits > 0)
        .values(hits=ThrottleCounter.hits - 1))


def reset(scope: str, subject: str) -> None:
    db.session.execute(delete(ThrottleCounter).where(
        ThrottleCounter.key == _key(scope, subject)))


def purge() -> None:
    db.session.execute(delete(ThrottleCounter).where(ThrottleCounter.expires_at < utcnow()))
