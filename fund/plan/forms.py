from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import IntegerField, SubmitField
from wtforms.validators import NumberRange, Optional

from fund.core.forms import Form

MAX_PLAN_FILE = 1024 * 1024


class PlanUploadForm(Form):
    file = FileField(_l("Planfil (YAML)"), description=_l(
        "Samme format som handlingsplanen i pakken (fund/plan/data/). Høyst 1 MB."),
        validators=[FileRequired(_l("Velg en fil.")),
                    FileSize(MAX_PLAN_FILE, message=_l("Filen er større enn 1 MB."))])
    submit = SubmitField(_l("Last inn"))


_PERCENT_MESSAGE = _l("Skriv et helt tall fra 0 til 100, eller la feltet stå tomt.")


class PercentField(IntegerField):
    """A whole percent as people write it: «25» or «25 %»; blank is None (not set)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = "".join((valuelist[0] or "").split()).removesuffix("%")
        if not raw:
            self.data = None
            return
        if not raw.isascii() or not raw.isdigit() or len(raw) > 3:
            self.data = None
            raise ValueError(_PERCENT_MESSAGE)
        self.data = int(raw)


class PrioritiesForm(Form):
    submit = SubmitField(_l("Lagre prioriteringene"))

    def priorities(self) -> dict[int, int | None]:
        """Area id → percent (None: not set), as entered."""
        return {area.id: self[f"area-{area.id}"].data for area in self.areas}


def build_priorities_form(areas) -> PrioritiesForm:
    """One percent field per innsatsområde (``area-<id>``), filled from the stored
    priorities on a GET and from the request on a POST."""
    class AreaPrioritiesForm(PrioritiesForm):
        pass

    for area in areas:
        setattr(AreaPrioritiesForm, f"area-{area.id}", PercentField(
            _l("%(code)s. %(title)s (prosent)", code=area.code, title=area.title),
            default=area.priority_percent,
            validators=[Optional(), NumberRange(min=0, max=100, message=_PERCENT_MESSAGE)]))
    AreaPrioritiesForm.areas = list(areas)
    return AreaPrioritiesForm()
