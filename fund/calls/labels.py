"""What the calls domain's enums are called on screen and in letters."""

from flask_babel import lazy_gettext as _l

from fund.calls.models import CallState, Fund

FUND_LABELS = {Fund.NAERINGSFOND: _l("Næringsfond"), Fund.KLIMAFOND: _l("Klimafond")}

CALL_STATE_LABELS = {
    CallState.DRAFT: _l("Utkast – ikke publisert"),
    CallState.PLANNED: _l("Planlagt"),
    CallState.OPEN: _l("Åpen"),
    CallState.CLOSED: _l("Stengt for søknader"),
    CallState.REVIEW_CLOSED: _l("Vurderingen er avsluttet"),
    CallState.ARCHIVED: _l("Arkivert"),
}
