from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.core.http import int_arg, require
from fund.core.roles import is_admin
from fund.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/admin/logg")

PAGE_SIZE = 50


@bp.route("/")
@login_required
def log():
    require(is_admin(current_user))
    page = int_arg("side", 1)
    events = db.session.execute(
        select(AuditEvent).order_by(AuditEvent.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).scalars().all()
    return render_template("audit/log.html", events=events[:PAGE_SIZE], page=page,
                           has_next=len(events) > PAGE_SIZE)
