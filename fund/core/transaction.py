"""Whether the request's change was kept: the error page for a database that went away
says «lagret» only when the failure came after the commit (``g.committed``).

Files a transaction writes or drops follow it in ``fund.core.files``."""

from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint's commit is not the commit
        return
    if has_request_context():
        g.committed = True  # what the request sent is kept, whatever fails after this
