from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from fund.extensions import db

bp = Blueprint("core", __name__)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = True
    except SQLAlchemyError:
        db.session.rollback()
        database = False
    body = {"status": "ok" if database else "degraded", "version": current_app.config["VERSION"],
            "database": database}
    return jsonify(body), 200 if database else 503
