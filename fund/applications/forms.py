"""The applicant's forms. The application form parses everything it shows, the plan fit,
goals and exemption requests included, and turns it into what ``save_draft`` stores."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    Field,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from fund.applications.exemptions import summary_refusal
from fund.applications.labels import (
    CLIMATE_CATEGORY_LABELS,
    COST_CATEGORY_LABELS,
    EXEMPTABLE_FIELD_LABELS,
    FINANCING_KIND_LABELS,
    SDG_LABELS,
)
from fund.applications.models import (
    PUBLIC_FIELD,
    Application,
    ClimateCategory,
    CostCategory,
    FinancingKind,
)
from fund.applications.rules import SUMMARY_MAX, own_work_amount
from fund.calls.queries import measures_open_to_applicants
from fund.core.forms import Form, clean_text
from fund.core.http import MAX_INT
from fund.plan.models import Measure, Strategy

NOT_NEGATIVE = NumberRange(min=0, message=_l("Tallet kan ikke være negativt."))
WHOLE_KRONER = _l("Skriv et beløp i hele kroner, uten mellomrom eller punktum.")


def row_amount(form, field):
    """``Optional`` for the amount of a row: an amount of only white space (a space, a
    form feed, a line separator) is no amount. In a blank row (or one whose amount is
    computed) it may be missing; in a row with anything else in it, it is refused here.
    (``Optional`` would stop the row's own check too, and the row would reach the
    database without its amount.)"""
    if (field.raw_data or [""])[0].strip():
        return  # something written: the other validators judge it
    field.errors[:] = []
    field.data = None
    if form.amount_may_be_blank():
        raise StopValidation()
    raise StopValidation(form.MISSING_AMOUNT)


def _kroner(label):
    return IntegerField(label, validators=[Optional(), NOT_NEGATIVE])


def _text(label, description=None, max_length=20000):
    return TextAreaField(label, description=description,
                         validators=[Optional(), Length(max=max_length)])


#: The longest "how" sentence and business-secret reason kept.
REASON_MAX = 2000


class IdSetField(Field):
    """Checkboxes that share one name: the set of chosen ids among ``allowed``. Anything
    else posted is ignored, as a checkbox that is not on the page cannot be ticked."""

    def __init__(self, label=None, validators=None, allowed=(), **kwargs):
        super().__init__(label, validators, **kwargs)
        self.allowed = frozenset(allowed)

    def process_data(self, value):
        self.data = set(value or ())

    def process_formdata(self, valuelist):
        self.data = {int(raw) for raw in valuelist
                     if raw.isdigit() and len(raw) < 12 and int(raw) in self.allowed}


class CleanTextField(Field):
    """A line of text with control characters dropped and a length limit, for the fields
    the page repeats per measure or per text field. A longer text is refused with a
    message on the field, never cut short without a word."""

    def process_data(self, value):
        self.data = value or ""

    def process_formdata(self, valuelist):
        self.data = clean_text(valuelist[0] if valuelist else "").strip()

    def pre_validate(self, form):
        if len(self.data) > REASON_MAX:
            raise StopValidation(_l("Teksten er for lang: høyst %(max)s tegn, du har skrevet "
                                    "%(count)s.", max=REASON_MAX, count=len(self.data)))


class PartForm(Form):
    """A part of the application form: same request, no prefix, no token of its own."""

    class Meta:
        csrf = False

    def error_messages(self) -> dict[str, list[str]]:
        """Errors by the id of the field they belong to."""
        return {field.id: [str(e) for e in field.errors] for field in self if field.errors}


class PlanFitForm(PartForm):
    """How the project advances the call's plan: strategies (``strategy``), measures
    (``measure``) with a sentence on how for each (``how-<id>``), and the UN goals (``sdg``).
    Choosing a measure chooses its strategy. Measures come only from those open to
    applicants."""

    strategies_by_id: dict[int, Strategy]
    measures_by_id: dict[int, Measure]

    @classmethod
    def build(cls, application: Application, posted: bool) -> "PlanFitForm":
        strategies = {s.id: s for area in application.call.plan.areas for s in area.strategies}
        measures = {m.id: m for m in measures_open_to_applicants(application.call)}
        fields = {"strategy": IdSetField(allowed=strategies),
                  "measure": IdSetField(allowed=measures),
                  "sdg": IdSetField(allowed=SDG_LABELS)}
        fields |= {f"how-{measure_id}": CleanTextField() for measure_id in measures}
        form_class = type("PlanFitForm", (cls,), fields)
        form = form_class() if posted else form_class(formdata=None)
        form.strategies_by_id, form.measures_by_id = strategies, measures
        return form

    def load(self, application: Application) -> None:
        self.strategy.data = {s.id for s in application.strategies}
        # a measure closed to applicants since it was chosen is not offered again
        self.measure.data = {m.measure_id for m in application.measures
                             if m.measure_id in self.measures_by_id}
        self.sdg.data = set(application.sdgs)
        for chosen in application.measures:
            if f"how-{chosen.measure_id}" in self:
                self[f"how-{chosen.measure_id}"].data = chosen.how

    def chosen_strategy_ids(self) -> set[int]:
        return self.strategy.data | {self.measures_by_id[m].strategy_id
                                     for m in self.measure.data}

    def chosen_strategies(self) -> list[Strategy]:
        return sorted((self.strategies_by_id[s] for s in self.chosen_strategy_ids()),
                      key=lambda strategy: strategy.code)

    def chosen_measures(self) -> dict[int, str]:
        """The chosen measures' ids, each with the sentence on how."""
        return {m: self[f"how-{m}"].data for m in sorted(self.measure.data)}

    def how(self, measure_id: int) -> str:
        return self[f"how-{measure_id}"].data if f"how-{measure_id}" in self else ""


class ExemptionForm(PartForm):
    """The applicant's requests for exemption from public access: per text field
    (``exempt-<field>``, reason ``exempt-reason-<field>``) and per attachment
    (``exempt-attachment-<id>``, ``exempt-reason-attachment-<id>``); a reason is required
    for each. A request for the public summary (``exempt-summary``) is refused. Budget
    lines carry their own request (``LineForm``)."""

    attachment_ids: list[int]

    @classmethod
    def build(cls, application: Application, posted: bool) -> "ExemptionForm":
        fields = {f"exempt-{PUBLIC_FIELD}": BooleanField()}
        for name in EXEMPTABLE_FIELD_LABELS:
            fields |= {f"exempt-{name}": BooleanField(), f"exempt-reason-{name}": CleanTextField()}
        ids = [a.id for a in application.attachments]
        for attachment_id in ids:
            fields |= {f"exempt-attachment-{attachment_id}": BooleanField(),
                       f"exempt-reason-attachment-{attachment_id}": CleanTextField()}
        form_class = type("ExemptionForm", (cls,), fields)
        form = form_class() if posted else form_class(formdata=None)
        form.attachment_ids = ids
        return form

    def load(self, application: Application) -> None:
        for request in application.exemption_requests:
            if f"exempt-{request.field}" in self:
                self[f"exempt-{request.field}"].data = True
                self[f"exempt-reason-{request.field}"].data = request.reason
        for attachment in application.attachments:
            if attachment.exemption_reason is not None:
                self[f"exempt-attachment-{attachment.id}"].data = True
                self[f"exempt-reason-attachment-{attachment.id}"].data = \
                    attachment.exemption_reason

    def _asked(self):
        """(key, label) of every item the form asks about."""
        yield from EXEMPTABLE_FIELD_LABELS.items()
        for attachment_id in self.attachment_ids:
            yield f"attachment-{attachment_id}", _l("vedlegget")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        summary = self[f"exempt-{PUBLIC_FIELD}"]
        if summary.data:
            summary.errors = [*summary.errors, summary_refusal()]
            valid = False
        for key, label in self._asked():
            reason = self[f"exempt-reason-{key}"]
            if self[f"exempt-{key}"].data and not reason.data:
                reason.errors = [*reason.errors, _l(
                    "Skriv hvorfor dere ber om unntak fra offentlighet for «%(field)s».",
                    field=label)]
                valid = False
        return valid

    def requested_fields(self) -> dict[str, str]:
        """The text fields the applicant asks to have exempt, each with the reason."""
        return {name: self[f"exempt-reason-{name}"].data for name in EXEMPTABLE_FIELD_LABELS
                if self[f"exempt-{name}"].data}

    def requested_attachments(self) -> dict[int, str | None]:
        """Every attachment on the form: the reason when an exemption is asked, else None."""
        return {attachment_id: self[f"exempt-reason-attachment-{attachment_id}"].data
                if self[f"exempt-attachment-{attachment_id}"].data else None
                for attachment_id in self.attachment_ids}


class LineForm(Form):
    class Meta:
        csrf = False  # rows of the outer form

    #: Budget lines (not de minimis rows) may be asked to be exempt from public access.
    exemptable = False

    def is_blank(self) -> bool:
        return not any((field.raw_data or [""])[0].strip() for field in self
                       if field.type not in ("SelectField", "HiddenField"))

    #: What an amount missing from a row that is not blank is told.
    MISSING_AMOUNT = WHOLE_KRONER

    def amount_may_be_blank(self) -> bool:
        return self.is_blank()

    def values(self) -> dict:
        """The row as the model's columns."""
        raise NotImplementedError

    def load(self, line) -> dict:
        """The form data of a stored row."""
        raise NotImplementedError


class ExemptableLineForm(LineForm):
    """A budget line, with the applicant's request for exemption from public access."""

    exemptable = True
    exempt = BooleanField(_l("Be om unntak fra offentlighet"))
    exempt_reason = StringField(_l("Hvorfor?"), validators=[Optional(), Length(max=REASON_MAX)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        reason = self.exempt_reason
        if self.exempt.data and not (reason.data or "").strip():
            reason.errors = [*reason.errors,
                             _l("Skriv hvorfor dere ber om unntak for linjen.")]
            valid = False
        return valid

    def exemption_reason(self) -> str | None:
        return (self.exempt_reason.data or "").strip() if self.exempt.data else None

    @staticmethod
    def load_exemption(line) -> dict:
        return {"exempt": line.exemption_reason is not None,
                "exempt_reason": line.exemption_reason or ""}


class CostLineForm(ExemptableLineForm):
    category = SelectField(_l("Kategori"), default="personnel", choices=[
        SelectChoice(value.value, label) for value, label in COST_CATEGORY_LABELS.items()])
    description = StringField(_l("Beskrivelse"), validators=[Optional(), Length(max=300)])
    amount = IntegerField(_l("Beløp (kr)"), validators=[row_amount, NOT_NEGATIVE])

    def validate_amount(self, field):
        if field.data is None and not self.is_blank():
            raise ValidationError(WHOLE_KRONER)

    def values(self) -> dict:
        return {"category": CostCategory(self.category.data),
                "description": (self.description.data or "").strip(),
                "amount": self.amount.data, "exemption_reason": self.exemption_reason()}

    @classmethod
    def load(cls, line) -> dict:
        return {"category": line.category.value, "description": line.description,
                "amount": line.amount} | cls.load_exemption(line)


class FinancingLineForm(ExemptableLineForm):
    kind = SelectField(_l("Type"), default="own_funds", choices=[
        SelectChoice(value.value, label) for value, label in FINANCING_KIND_LABELS.items()])
    description = StringField(_l("Beskrivelse"), validators=[Optional(), Length(max=300)])
    hours = IntegerField(_l("Timer (egeninnsats)"), validators=[Optional(), NOT_NEGATIVE])
    hourly_rate = IntegerField(_l("Timesats (kr)"), validators=[Optional(), NOT_NEGATIVE])
    amount = IntegerField(_l("Beløp (kr)"), validators=[row_amount, NOT_NEGATIVE])

    def own_work(self) -> int | None:
        """Hours × rate, for own work with both given."""
        if self.kind.data != FinancingKind.OWN_WORK.value:
            return None
        return own_work_amount(self.hours.data, self.hourly_rate.data)

    def validate_hourly_rate(self, field):
        if (self.own_work() or 0) > MAX_INT:
            raise ValidationError(_l("Timer × timesats blir et for stort beløp."))

    def amount_may_be_blank(self) -> bool:
        return self.is_blank() or self.own_work() is not None  # computed as hours × rate

    def validate_amount(self, field):
        if self.own_work() is not None:
            return  # computed as hours × rate
        if field.data is None and not self.is_blank():
            raise ValidationError(WHOLE_KRONER)

    def values(self) -> dict:
        own_work = self.own_work()
        return {"kind": FinancingKind(self.kind.data),
                "description": (self.description.data or "").strip(),
                "hours": self.hours.data, "hourly_rate": self.hourly_rate.data,
                "amount": self.amount.data if own_work is None else own_work,
                "exemption_reason": self.exemption_reason()}

    @classmethod
    def load(cls, line) -> dict:
        return {"kind": line.kind.value, "description": line.description, "hours": line.hours,
                "hourly_rate": line.hourly_rate, "amount": line.amount} | \
            cls.load_exemption(line)


class AidForm(LineForm):
    grantor = StringField(_l("Hvem ga støtten"), validators=[Optional(), Length(max=200)])
    granted_on = DateField(_l("Dato for vedtak"), validators=[Optional()])
    amount = IntegerField(_l("Beløp (kr)"), validators=[row_amount, NOT_NEGATIVE])

    MISSING_AMOUNT = _l("Fyll ut hvem, dato og beløp for støtten.")

    def validate_amount(self, field):
        if not self.is_blank() and (field.data is None or self.granted_on.data is None
                                    or not (self.grantor.data or "").strip()):
            raise ValidationError(_l("Fyll ut hvem, dato og beløp for støtten."))

    def values(self) -> dict:
        return {"grantor": self.grantor.data.strip(), "granted_on": self.granted_on.data,
                "amount": self.amount.data}

    @staticmethod
    def load(line) -> dict:
        return {"grantor": line.grantor, "granted_on": line.granted_on, "amount": line.amount}


class ApplicationForm(Form):
    #: The version the form was opened at (optimistic locking).
    version = HiddenField()

    contact_name = StringField(_l("Kontaktperson"), validators=[Optional(), Length(max=200)])
    contact_email = EmailField(_l("Kontaktpersonens e-post"), validators=[
        Optional(), Email(_l("E-postadressen ser ikke riktig ut."), check_deliverability=False),
        Length(max=254)])
    contact_phone = TelField(_l("Kontaktpersonens telefon"),
                             validators=[Optional(), Length(max=30)])
    project_leader = StringField(_l("Prosjektleder"), validators=[Optional(), Length(max=200)])

    title = StringField(_l("Prosjektets tittel"), validators=[Optional(), Length(max=200)])
    summary = TextAreaField(_l("Sammendrag"), description=_l(
        "Høyst %(n)s tegn. Brukes også når tilskudd offentliggjøres.", n=SUMMARY_MAX),
        validators=[Optional(), Length(max=5000)])
    description = _text(_l("Prosjektbeskrivelse"), _l("Hva skal gjøres, og hvordan?"))
    background = _text(_l("Bakgrunn"), _l("Hvorfor er prosjektet nødvendig nå?"))
    goals = _text(_l("Mål"), _l("Mål som kan etterprøves: hva skal være oppnådd, og når?"))
    anchoring = _text(_l("Forankring"), _l("F.eks. styrevedtak eller ledelsens beslutning."))
    partners = _text(_l("Organisering og samarbeidspartnere"))
    starts_on = DateField(_l("Startdato"), validators=[Optional()])
    ends_on = DateField(_l("Sluttdato"), validators=[Optional()])
    milestones = _text(_l("Milepæler"), _l("Én milepæl per linje, med dato."))
    not_started = BooleanField(_l("Prosjektet er ikke startet"), description=_l(
        "Det gis ikke tilskudd til prosjekter som allerede er i gang."))
    additionality = _text(_l("Hvorfor er tilskuddet avgjørende?"), _l(
        "Hva skjer med prosjektet uten tilskudd? Tilskudd gis ikke til drift eller "
        "nedbetaling av gjeld."))

    knowledge_jobs = IntegerField(_l("Nye kunnskapsintensive arbeidsplasser"),
                                  validators=[Optional(), NOT_NEGATIVE])
    other_jobs = IntegerField(_l("Andre nye arbeidsplasser"),
                              validators=[Optional(), NOT_NEGATIVE])
    competence = _text(_l("Kompetanse"), _l("Hvilken kompetanse bygges?"))
    has_education_partners = BooleanField(_l("Prosjektet samarbeider med "
                                             "utdanningsinstitusjoner"))
    education_partners = _text(_l("Hvilke utdanningsinstitusjoner samarbeider prosjektet med?"))
    has_international_cooperation = BooleanField(_l("Prosjektet har internasjonalt samarbeid"))
    international = _text(_l("Hvem samarbeider prosjektet med internasjonalt?"))

    climate_category = SelectField(_l("Kategori"), default="", choices=[
        SelectChoice("", _l("Velg …")), *(SelectChoice(value.value, label)
                                          for value, label in CLIMATE_CATEGORY_LABELS.items())])
    climate_baseline = _text(_l("Utgangspunkt"), _l("Dagens utslipp eller situasjon."))
    co2e_cut_tonnes = DecimalField(_l("Forventet utslippskutt (tonn CO2e per år)"), places=2,
                                   validators=[Optional(), NOT_NEGATIVE])
    co2e_method = _text(_l("Beregningsmetode"), _l("Hvordan er kuttet beregnet?"))

    cost_lines = FieldList(FormField(CostLineForm), min_entries=0)
    financing_lines = FieldList(FormField(FinancingLineForm), min_entries=0)
    amount_applied = _kroner(_l("Beløp det søkes om (kr)"))

    in_group = BooleanField(_l("Vi utgjør «ett foretak» sammen med andre foretak"),
                            description=_l("F.eks. når et annet foretak har flertallet av "
                                           "stemmene, kan utnevne styret eller har "
                                           "bestemmende innflytelse."))
    group_details = _text(_l("Hvilke foretak?"))
    aid = FieldList(FormField(AidForm), min_entries=0)

    files = MultipleFileField(_l("Last opp vedlegg"), description=_l(
        "PDF, Word, Excel, ODT, PNG eller JPEG, høyst 10 MB per fil. Du kan velge flere filer "
        "samtidig."))

    save = SubmitField(_l("Lagre utkast"))

    #: Fields that are not a column of the application.
    NOT_COLUMNS = frozenset({"csrf_token", "version", "cost_lines", "financing_lines", "aid",
                             "files", "save"})
    #: The row lists, each with the application's relationship it fills and its row form.
    ROWS = {"cost_lines": ("cost_lines", CostLineForm),
            "financing_lines": ("financing_lines", FinancingLineForm),
            "aid": ("aid_received", AidForm)}

    plan_fit: PlanFitForm
    secrets: ExemptionForm

    @classmethod
    def for_application(cls, application: Application, posted: bool,
                        extra_rows: int = 0) -> "ApplicationForm":
        """The form for ``application``: what was posted, or what is stored plus
        ``extra_rows`` blank rows in each table."""
        form = cls() if posted else cls(formdata=None)
        form.plan_fit = PlanFitForm.build(application, posted)
        form.secrets = ExemptionForm.build(application, posted)
        if not posted:
            form.load(application, extra_rows)
        return form

    def load(self, application: Application, extra_rows: int) -> None:
        for field in self._columns():
            value = getattr(application, field.name)
            field.data = value.value if isinstance(value, ClimateCategory) else value
        self.version.data = str(application.version)
        for name, (relationship, row_form) in self.ROWS.items():
            field_list = self[name]
            for line in getattr(application, relationship):
                field_list.append_entry(row_form.load(line))
            for _row in range(extra_rows):
                field_list.append_entry()
        self.plan_fit.load(application)
        self.secrets.load(application)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for flag, names, message in (
                (self.has_education_partners, self.education_partners, _l(
                    "Skriv hvilke utdanningsinstitusjoner prosjektet samarbeider med.")),
                (self.has_international_cooperation, self.international, _l(
                    "Skriv hvem prosjektet samarbeider med internasjonalt."))):
            if flag.data and not names.errors and not (names.data or "").strip():
                names.errors = [*names.errors, message]  # yes, then say who
                valid = False
        return all((self.plan_fit.validate(), self.secrets.validate(), valid))

    def part_errors(self) -> dict[str, list[str]]:
        """The errors of the plan fit and the exemption requests, by field id."""
        return self.plan_fit.error_messages() | self.secrets.error_messages()

    def has_errors(self) -> bool:
        return bool(self.errors or self.part_errors())

    def version_number(self) -> int | None:
        """The version the form was opened at, if it came back intact."""
        return int(self.version.data) if (self.version.data or "").isdigit() else None

    def _columns(self):
        return (field for field in self if field.name not in self.NOT_COLUMNS)

    def changes(self) -> dict:
        """What ``save_draft`` stores: every valid part (a part with an error is left as
        it is, and the error shown)."""
        fields = {}
        for field in self._columns():
            if field.errors:
                continue
            value = field.data
            if isinstance(field, StringField):
                value = (value or "").strip()
            if field.name == "climate_category":
                value = ClimateCategory(value) if value else None
            fields[field.name] = value
        rows = {name: None if any(entry.form.errors for entry in self[name])
                else [entry.form.values() for entry in self[name] if not entry.form.is_blank()]
                for name in self.ROWS}
        return {"fields": fields,
                "strategies": self.plan_fit.chosen_strategies(),
                "measures": self.plan_fit.chosen_measures(),
                "sdgs": self.plan_fit.sdg.data,
                "exemptions": None if self.secrets.errors else self.secrets.requested_fields(),
                "attachment_exemptions": None if self.secrets.errors
                else self.secrets.requested_attachments(),
                "cost_lines": rows["cost_lines"], "financing_lines": rows["financing_lines"],
                "aid": rows["aid"]}


class ConfirmForm(Form):
    submit = SubmitField(_l("Bekreft"))


#: The most a withdrawal's reason may hold.
WITHDRAW_REASON_MAX = 2000


class WithdrawForm(Form):
    """Withdrawing asks why: the caseworkers read it in the case history."""
    reason = TextAreaField(
        _l("Hvorfor trekker dere søknaden?"),
        validators=[DataRequired(_l("Skriv hvorfor dere trekker søknaden.")),
                    Length(max=WITHDRAW_REASON_MAX,
                           message=_l("Begrunnelsen kan ha høyst %(max)d tegn."))],
        description=_l("Saksbehandlerne ser begrunnelsen i saken, og den står i "
                       "bekreftelsen du får på e-post."))
    submit = SubmitField(_l("Trekk søknaden"))


class SubmitForm(Form):
    version = HiddenField()
    #: The answer to an information request (required then; the operation checks it).
    reply = TextAreaField(_l("Svar til saksbehandler"), validators=[Length(max=10_000)],
                          description=_l("Svar på det saksbehandler spurte om, og skriv hva "
                                         "du har endret i søknaden."))
    confirm = BooleanField(_l("Jeg bekrefter at opplysningene i søknaden er riktige og "
                              "fullstendige."))
    submit = SubmitField(_l("Send inn søknaden"))

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError(_l("Du må bekrefte at opplysningene er riktige."))


class StartForm(Form):
    organisation = SelectField(_l("Søk på vegne av"))
    submit = SubmitField(_l("Start søknad"))


class _AnswerDateField(DateField):
    """The answer date; left out of the post altogether, it keeps its default."""

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            raise ValueError(_l("Velg en dato for svarfristen."))
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Velg en gyldig dato for svarfristen.")) from exc


def _default_answer_date():
    from datetime import timedelta

    from flask import current_app

    from fund.core.formatting import to_local
    from fund.core.types import utcnow
    return to_local(utcnow()).date() + timedelta(
        days=current_app.config["INFO_REQUEST_DAYS_TO_ANSWER"])


class InfoRequestForm(Form):
    message = TextAreaField(_l("Hva mangler?"), validators=[
        DataRequired(_l("Skriv hva søkeren må sende.")), Length(max=5000)],
                            description=_l("Søkeren får meldingen på e-post og kan svare "
                                           "selv om søknadsfristen har gått ut."))
    answer_by = _AnswerDateField(
        _l("Svarfrist"), default=_default_answer_date,
        description=_l("Siste dag søkeren kan svare. Kommer det ikke svar, går søknaden "
                       "tilbake til «mottatt» dagen etter og behandles på grunnlag av "
                       "opplysningene dere har."))
    submit = SubmitField(_l("Be om opplysninger"))
