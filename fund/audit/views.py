from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from fund.audit import bp
from fund.audit.models import AuditEvent
from fund.auth.permissions import can_administer
from fund.core.http import int_arg, require
from fund.extensions import db

PAGE_SIZE = 50


@bp.route("/")
@login_required
def log():
    require(can_administer(current_user))
    page = int_arg("side", 1)
    events = db.session.execute(
        select(AuditEvent).order_by(AuditEvent.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).scalars().all()
    return render_template("audit/log.html", events=events[:PAGE_SIZE], page=page,
                           has_next=len(events) > PAGE_SIZE)
