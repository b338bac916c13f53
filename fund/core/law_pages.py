"""The pages the law requires of a public web service: the accessibility statement
(tilgjengelighetserklæring, forskrift om universell utforming av IKT) and the privacy notice
(personvernerklæring, GDPR art. 13). Static text; the names and addresses are settings."""

from flask import Blueprint, render_template

bp = Blueprint("law", __name__)


@bp.route("/tilgjengelighet")
def accessibility():
    return render_template("law/accessibility.html")


@bp.route("/personvern")
def privacy():
    return render_template("law/privacy.html")
