"""A call's review settings (``ReviewSettings``): stored once the manager saves them,
the defaults until then. Read them through ``settings_for``, never off the call."""

from fund.calls.models import Call
from fund.extensions import db
from fund.review.models import ReviewSettings

_DEFAULTS = "review_settings_defaults"


def settings_for(call: Call) -> ReviewSettings:
    """The call's settings; a transient row with the defaults when none is stored (never
    added to the session). Asked again in the same request, it costs no query."""
    defaults = db.session.info.setdefault(_DEFAULTS, {})
    if call.id in defaults:
        return defaults[call.id]
    stored = db.session.get(ReviewSettings, call.id)
    if stored is not None:
        return stored
    defaults[call.id] = ReviewSettings.defaults(call.id)
    return defaults[call.id]


def settings_to_change(call: Call) -> ReviewSettings:
    """The call's stored settings, locked for this transaction; created from the defaults
    the first time they change."""
    db.session.info.get(_DEFAULTS, {}).pop(call.id, None)
    stored = db.session.get(ReviewSettings, call.id, with_for_update=True,
                            populate_existing=True)
    if stored is None:
        stored = ReviewSettings.defaults(call.id)
        db.session.add(stored)
    return stored
