from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import SubmitField

from fund.core.forms import Form

MAX_PLAN_FILE = 1024 * 1024


class PlanUploadForm(Form):
    file = FileField(_l("Planfil (YAML)"), description=_l(
        "Samme format som handlingsplanen i pakken (fund/plan/data/). Høyst 1 MB."),
        validators=[FileRequired(_l("Velg en fil.")),
                    FileSize(MAX_PLAN_FILE, message=_l("Filen er større enn 1 MB."))])
    submit = SubmitField(_l("Last inn"))
