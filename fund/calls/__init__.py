"""Yearly calls (utlysninger): window, budget, limits and scoring criteria."""

from flask import Blueprint

bp = Blueprint("calls", __name__, cli_group="call")

from fund.calls import cli, views  # noqa: E402,F401
