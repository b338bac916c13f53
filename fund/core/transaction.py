"""What a transaction leaves outside the database: work to undo if it is rolled back.

A state change that writes a file (a letter, the innstilling) does so before the commit;
if the transaction then fails (a later step refuses or raises, the database goes away at
the commit), the file must go with it, or the letters folder fills with documents no row
names. ``on_rollback`` runs such an undo when the session's outermost transaction rolls
back (or ends with the session, uncommitted), and forgets it when that transaction
commits."""

from collections.abc import Callable

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from fund.extensions import db

_KEY = "undo_on_rollback"
_AFTER_KEY = "after_commit"


def on_rollback(undo: Callable[[], None]) -> None:
    """Run ``undo`` if the current transaction is rolled back instead of committed."""
    db.session().info.setdefault(_KEY, []).append(undo)


def on_commit(then: Callable[[], None]) -> None:
    """Run ``then`` once the current transaction has committed; never if it rolls back
    (removing a file the committed rows no longer name, and only then)."""
    db.session().info.setdefault(_AFTER_KEY, []).append(then)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint's commit is not the commit
        return
    if has_request_context():
        g.committed = True  # what the request sent is kept, whatever fails after this
    session.info.pop(_KEY, None)
    for then in session.info.pop(_AFTER_KEY, []):
        try:
            then()
        except Exception:  # the commit stands; what follows it is logged
            if has_app_context():
                current_app.logger.exception("work after commit failed")


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction) -> None:
    """The outermost transaction ended without a commit: rolled back, or closed with the
    session (a command that raised, a request torn down)."""
    if transaction.parent is not None:  # a savepoint: the outer one goes on
        return
    session.info.pop(_AFTER_KEY, None)
    for undo in reversed(session.info.pop(_KEY, [])):
        try:
            undo()
        except Exception:  # one undo failing must not keep the others from running
            if has_app_context():
                current_app.logger.exception("undo after rollback failed")
