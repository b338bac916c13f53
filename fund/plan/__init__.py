"""The næringsstrategi's action plan as data: goals, innsatsområder, strategies, tiltak."""

from flask import Blueprint

bp = Blueprint("plan", __name__, url_prefix="/plan")

from fund.plan import cli, views  # noqa: E402,F401
