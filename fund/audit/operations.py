from flask import has_request_context, request
from flask_login import current_user

from fund.audit.models import AuditEvent
from fund.extensions import db


def record(action: str, obj=None, actor=None, *, by_system: bool = False,
           **details) -> AuditEvent:
    """Add an audit event to the session; it is committed with the change it describes.
    ``by_system``: the system did it (a deadline passed), not whoever's request ran it."""
    if actor is None and not by_system and has_request_context() \
            and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if obj is not None and obj.id is None:
        db.session.flush()
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        object_type=obj.__tablename__ if obj is not None else None,
        object_id=obj.id if obj is not None else None,
        details=details,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
