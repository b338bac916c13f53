"""Accounts, roles and organisations."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from fund.auth import views  # noqa: E402,F401
