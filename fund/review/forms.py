import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from fund.applications.models import Application
from fund.applications.permissions import STAFF_VISIBLE
from fund.calls.models import Fund
from fund.core.forms import Form, clean_text
from fund.core.http import MAX_INT
from fund.review.models import Assessment, ConflictGround, ExemptionOutcome, Outcome
from fund.review.scoring import MAX_STEP, Aggregate, Recommendation

#: Labels of the score steps 0–MAX_STEP.
SCORE_STEPS = {
    0: _l("Ikke oppfylt"),
    1: _l("Svakt"),
    2: _l("Noe"),
    3: _l("Godt"),
    4: _l("Svært godt"),
    5: _l("Fremragende"),
}
assert list(SCORE_STEPS) == list(range(MAX_STEP + 1))

#: The value a criterion's score field posts for "not applicable".
NOT_APPLICABLE = "na"

AGGREGATE_LABELS = {
    Aggregate.MEDIAN: _l("Median av vurderingene"),
    Aggregate.MEAN: _l("Gjennomsnitt av vurderingene"),
}

#: The grounds in the law's words (forvaltningsloven § 6, as in force 2026). Legal references
#: are labels, never logic (LAW.md: a new forvaltningsloven is coming).
GROUND_LABELS = {
    ConflictGround.PARTY: _l("Jeg er selv part i saken (§ 6 første ledd a)"),
    ConflictGround.FAMILY: _l("Jeg er i slekt eller svogerskap med en part i opp- eller "
                              "nedstigende linje eller i sidelinje så nær som søsken "
                              "(§ 6 første ledd b)"),
    ConflictGround.SPOUSE: _l("Jeg er eller har vært gift med, eller er forlovet med, en part "
                              "(§ 6 første ledd c)"),
    ConflictGround.FOSTER: _l("Jeg er fosterforelder eller fosterbarn til en part "
                              "(§ 6 første ledd c)"),
    ConflictGround.GUARDIAN: _l("Jeg er verge eller fullmektig for en part, eller har vært det "
                                "etter at saken begynte (§ 6 første ledd d)"),
    ConflictGround.BOARD: _l("Jeg er leder av, har ledende stilling i, eller er medlem av "
                             "styret eller bedriftsforsamlingen i et selskap, samvirkeforetak, "
                             "forening, sparebank eller stiftelse som er part i saken "
                             "(§ 6 første ledd e)"),
    ConflictGround.ADVISED: _l("Jeg har veiledet søkeren i utformingen av søknaden "
                               "(§ 6 annet ledd)"),
    ConflictGround.COHABITANT: _l("Jeg er samboer med en part (§ 6 annet ledd, særegne "
                                  "forhold)"),
    ConflictGround.OTHER: _l("Andre særegne forhold som er egnet til å svekke tilliten til at "
                             "jeg er upartisk (§ 6 annet ledd)"),
    ConflictGround.MEMBER: _l("Jeg er medlem av søkerorganisasjonen i systemet"),
}

#: The grounds a caseworker may choose (membership is found by the system itself).
GROUND_CHOICES = [SelectChoice("", _l("Velg grunn …")), *(
    SelectChoice(g.value, label) for g, label in GROUND_LABELS.items()
    if g != ConflictGround.MEMBER)]

RECOMMENDATION_LABELS = {
    Recommendation.APPROVE: _l("Innvilge"),
    Recommendation.APPROVE_REDUCED: _l("Innvilge med redusert beløp"),
    Recommendation.REJECT: _l("Avslå"),
}


class DeclarationForm(Form):
    """The §6 declaration before a case is opened. It always asks whether the caseworker
    advised the applicant on the application (the common § 6 annet ledd case): that
    usually makes them inhabil, and either answer then needs an explanation."""

    advised = RadioField(_l("Har du veiledet søkeren i utformingen av søknaden?"), choices=[
        SelectChoice("no", _l("Nei")), SelectChoice("yes", _l("Ja"))],
        validators=[DataRequired(_l("Svar på om du har veiledet søkeren."))],
        description=_l("Har du hjulpet søkeren med å skrive eller forme søknaden, gjør det "
                       "deg som regel inhabil (forvaltningsloven § 6 annet ledd). Vanlig "
                       "informasjon om ordningen regnes ikke som slik veiledning."))
    disqualified = RadioField(_l("Er du inhabil i denne saken?"), choices=[
        SelectChoice("no", _l("Nei, jeg er habil")),
        SelectChoice("yes", _l("Ja, jeg er inhabil"))],
        validators=[DataRequired(_l("Svar ja eller nei."))])
    ground = SelectField(_l("Grunn (hvis inhabil)"), default="", choices=GROUND_CHOICES)
    explanation = TextAreaField(_l("Forklaring"), validators=[Optional(), Length(max=5000)],
                                description=_l("Påkrevd hvis du har veiledet søkeren."))
    submit = SubmitField(_l("Lagre erklæringen"))

    def validate_ground(self, field):
        if self.disqualified.data == "yes" and not field.data and self.advised.data != "yes":
            raise ValidationError(_l("Velg hvilken grunn i forvaltningsloven § 6 som gjelder."))

    def validate_explanation(self, field):
        if self.advised.data == "yes" and not (field.data or "").strip():
            raise ValidationError(_l(
                "Du har veiledet søkeren. Forklar hva veiledningen gikk ut på, og hvorfor du "
                "mener du er habil eller inhabil."))

    @property
    def chosen_ground(self) -> ConflictGround | None:
        """The ground chosen; one who advised the applicant and chose none is inhabil for
        that reason."""
        if self.ground.data:
            return ConflictGround(self.ground.data)
        if self.disqualified.data == "yes" and self.advised.data == "yes":
            return ConflictGround.ADVISED
        return None


class InhabilForm(Form):
    """«Jeg er inhabil likevel»: a habil declaration changed to inhabil, at any time."""

    ground = SelectField(_l("Grunn"), default="", choices=GROUND_CHOICES,
                         validators=[DataRequired(_l(
                             "Velg hvilken grunn i forvaltningsloven § 6 som gjelder."))])
    explanation = TextAreaField(_l("Hva har endret seg?"), validators=[
        DataRequired(_l("Forklar hvorfor du er inhabil.")), Length(max=5000)])
    submit = SubmitField(_l("Jeg er inhabil"))


class ArchiveReferenceForm(Form):
    """The archive's saksnummer, «Vår referanse», e.g. 2026/01234."""

    archive_reference = StringField(_l("Vår referanse (arkivets saksnummer)"), validators=[
        Optional(), Length(max=20)], description=_l("Saksnummeret fra arkivet, ÅÅÅÅ/nnnnn, "
                                                    "f.eks. 2026/01234. Tomt fjerner det."))
    submit = SubmitField(_l("Lagre referansen"))


class AccessRequestForm(Form):
    """Someone asks for access (innsyn) to the application."""

    requested_by = StringField(_l("Hvem ber om innsyn?"), validators=[
        DataRequired(_l("Skriv hvem som ber om innsyn.")), Length(max=200)])
    received_on = DateField(_l("Mottatt"), validators=[
        InputRequired(_l("Skriv datoen innsynskravet kom inn."))])
    submit = SubmitField(_l("Registrer innsynskravet"))


EXEMPTION_OUTCOME_LABELS = {
    ExemptionOutcome.EXEMPT: _l("Unntas fra offentlighet"),
    ExemptionOutcome.RELEASED: _l("Offentlig – gis ut"),
}

#: The usual legal basis for a business secret, offered as the default text.
DEFAULT_LEGAL_BASIS = "offl. § 13 jf. fvl. § 13 første ledd nr. 2"


class ExemptionAssessmentForm(Form):
    """The municipality's assessment of one item (``item``: kind:ref) for one access
    request."""

    item = SelectField(_l("Opplysning"), validate_choice=False, validators=[
        DataRequired(_l("Velg hvilken opplysning vurderingen gjelder."))])
    outcome = RadioField(_l("Kommunens vurdering"), choices=[
        SelectChoice(o.value, label) for o, label in EXEMPTION_OUTCOME_LABELS.items()],
        validators=[DataRequired(_l("Velg om opplysningen unntas eller gis ut."))])
    legal_basis = StringField(_l("Hjemmel"), default=DEFAULT_LEGAL_BASIS,
                              validators=[Optional(), Length(max=300)],
                              description=_l("Påkrevd når opplysningen unntas."))
    reason = TextAreaField(_l("Begrunnelse"), validators=[
        DataRequired(_l("Begrunn vurderingen.")), Length(max=5000)])
    submit = SubmitField(_l("Lagre vurderingen"))


def _comment(value):
    return clean_text(value).strip()[:5000] if value is not None else value


class AssessmentForm(Form):
    """The fields every assessment has; ``build_assessment_form`` adds one score and one
    comment field per criterion of the call."""

    version = HiddenField()
    overall_comment = TextAreaField(_l("Samlet vurdering"),
                                    validators=[Optional(), Length(max=20000)])
    recommended_amount = IntegerField(_l("Anbefalt beløp (kr)"), validators=[
        Optional(), NumberRange(min=0, message=_l("Beløpet kan ikke være negativt."))])
    recommendation = SelectField(_l("Anbefaling"), default="", choices=[
        SelectChoice("", _l("Velg …")), *(SelectChoice(r.value, label) for r, label in
                                          RECOMMENDATION_LABELS.items())])

    criteria: list = []

    def criterion_fields(self, criterion):
        """The score field and the comment field of one criterion."""
        return self[f"score-{criterion.id}"], self[f"comment-{criterion.id}"]

    def scores(self) -> dict[int, tuple[int | None, bool, str]]:
        """Per criterion id: (score, not applicable, comment), as the operation takes it."""
        values = {}
        for criterion in self.criteria:
            score, comment = self.criterion_fields(criterion)
            raw = score.data or ""
            values[criterion.id] = (int(raw) if raw.isdigit() else None,
                                    raw == NOT_APPLICABLE, comment.data or "")
        return values

    @property
    def stored_version(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None

    @property
    def chosen_recommendation(self) -> Recommendation | None:
        return Recommendation(self.recommendation.data) if self.recommendation.data else None


def assessment_data(assessment: Assessment) -> dict:
    """What the form shows for a stored (or new) assessment."""
    data = {"version": str(assessment.version or ""),
            "overall_comment": assessment.overall_comment or "",
            "recommended_amount": assessment.recommended_amount,
            "recommendation": assessment.recommendation.value
            if assessment.recommendation else ""}
    for row in assessment.scores:
        data[f"score-{row.criterion_id}"] = NOT_APPLICABLE if row.not_applicable else (
            "" if row.score is None else str(row.score))
        data[f"comment-{row.criterion_id}"] = row.comment
    return data


def build_assessment_form(criteria, assessment: Assessment | None = None) -> AssessmentForm:
    """The assessment form for a call's criteria (after Indico's ``build_review_form``):
    filled from ``assessment`` when given (the page as stored), else from the request."""
    class CriteriaAssessmentForm(AssessmentForm):
        pass

    for criterion in criteria:
        values = [str(step) for step in SCORE_STEPS] + (
            [NOT_APPLICABLE] if criterion.allow_na else [])
        setattr(CriteriaAssessmentForm, f"score-{criterion.id}", RadioField(
            criterion.title, choices=[SelectChoice(value, value) for value in values],
            validate_choice=False, validators=[Optional(), AnyOf(
                values, message=_l("Velg en verdi fra 0 til 5."))]))
        setattr(CriteriaAssessmentForm, f"comment-{criterion.id}", TextAreaField(
            _l("Begrunnelse"), filters=[_comment]))
    CriteriaAssessmentForm.criteria = list(criteria)
    if assessment is not None:
        return CriteriaAssessmentForm(formdata=None, data=assessment_data(assessment))
    return CriteriaAssessmentForm()


class NoteForm(Form):
    text = TextAreaField(_l("Nytt internt notat"), validators=[
        DataRequired(_l("Notatet er tomt.")), Length(max=10000)],
        description=_l("Bare saksbehandlere og fondsforvaltere ser notatene."))
    submit = SubmitField(_l("Legg til notat"))


class ConfirmForm(Form):
    submit = SubmitField(_l("Bekreft"))


class ReviewSettingsForm(Form):
    score_aggregate = SelectField(_l("Samlet poengsum"), choices=[
        SelectChoice(value.value, label) for value, label in AGGREGATE_LABELS.items()])
    blind_review = BooleanField(_l("Saksbehandlere ser andres vurderinger først når de har "
                                   "fullført sin egen"))
    disagreement_threshold = IntegerField(_l("Uenighet ved spredning over (poeng av 100)"),
                                          validators=[InputRequired(_l("Oppgi et tall.")),
                                                      NumberRange(min=0, max=100, message=_l(
                                                          "Velg et tall mellom 0 og 100."))])
    submit = SubmitField(_l("Lagre oppsettet"))


class LineForm(Form):
    line = IntegerField(_l("Antall søknader over linjen"), validators=[
        Optional(), NumberRange(min=0, message=_l("Tallet kan ikke være negativt."))],
        description=_l("La feltet stå tomt for å la budsjettet bestemme linjen."))
    reason = TextAreaField(_l("Begrunnelse"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Flytt linjen"))

    def validate(self, extra_validators=None) -> bool:
        """A line moved by hand says why (the operation refuses it too); an empty reason
        passes the field's own ``Optional`` and is refused here, on the field."""
        valid = super().validate(extra_validators)
        if self.line.data is not None and not self.line.errors \
                and not (self.reason.data or "").strip():
            self.reason.errors = [*self.reason.errors, _l("Begrunn hvorfor linjen flyttes.")]
            return False
        return valid


# The queue of received applications ------------------------------------------------------

#: The queue's sort keys (``?sorter=``): each sorts on a column, then on the id, both
#: descending or both ascending, so that a page can start right after a row (``?etter=``).
SORTS = {
    "innsendt": (Application.submitted_at, True, _l("Nyeste først")),
    "eldst": (Application.submitted_at, False, _l("Eldste først")),
    "belop": (Application.amount_applied, True, _l("Største beløp")),
    "tittel": (Application.title, False, _l("Tittel")),
}
DEFAULT_SORT = "innsendt"
#: Rows per page (``?rader=``).
PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilters:
    """The queue's filters, cleaned: junk in the address is ignored, never an error."""

    status: str | None = None
    call_id: int | None = None
    fund: Fund | None = None
    strategy: str | None = None
    measure: str | None = None
    mine: bool = False
    unassessed: bool = False
    failing: bool = False
    sort: str = DEFAULT_SORT
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    #: The page starts right after this application (``?etter=``, the «Neste side» link),
    #: or ends right before it (``?foran=``, «Forrige side»): a deep page is then found
    #: from the index at that row, not by skipping every row before it. ``page`` numbers it.
    after: int | None = None
    before: int | None = None

    @property
    def sort_keys(self):
        """The sort's columns, and whether they run downwards."""
        column, descending, _label = SORTS[self.sort]
        return (column, Application.id), descending

    @property
    def order_by(self):
        columns, descending = self.sort_keys
        return tuple(c.desc() for c in columns) if descending else columns

    def measure_matches(self, code_column):
        """The plan-measure filter, whatever the case typed (``1b-3`` finds ``1B-3``); a
        strategy's code alone (``1B``) finds every measure under it."""
        wanted = typed_measure_code(self.measure)
        if "-" in wanted:
            return func.upper(code_column) == wanted
        return func.upper(code_column).like(wanted.replace("%", "").replace("_", "") + "-%")


#: Hyphens and dashes a word processor or a phone may put in a code (``1B–3``).
_DASHES = re.compile(r"\s*[\u002d\u2010-\u2015\u2212]\s*")


def typed_measure_code(typed: str) -> str:
    """A plan code as people type it, the way the plan writes it: upper case, any dash a
    hyphen, no spaces; ``1b 3`` (a space for the hyphen) is ``1B-3``."""
    code = _DASHES.sub("-", typed.strip().upper())
    if "-" not in code:
        code = re.sub(r"^(\S+)\s+(\d+)$", r"\1-\2", code)
    return "".join(code.split())


def _page_number(raw, default):
    raw = str(raw or "")
    return min(int(raw), 100_000) if raw.isdigit() and 0 < len(raw) <= 12 and int(raw) else \
        default


def _row_id(raw) -> int | None:
    raw = str(raw or "")
    return int(raw) if raw.isdigit() and len(raw) <= 12 and 0 < int(raw) <= MAX_INT else None


class QueueFilterForm(Form):
    """The filters of the queue of received applications, read from the address (GET).
    The page renders its fields; ``filters()`` gives the cleaned values."""

    class Meta:
        csrf = False

    utlysning = SelectField(_l("Utlysning"), default="", validate_choice=False)
    fond = SelectField(_l("Fond"), default="", validate_choice=False)
    status = SelectField(_l("Status"), default="", validate_choice=False)
    strategi = SelectField(_l("Strategi"), default="", validate_choice=False)
    tiltak = StringField(_l("Tiltak (kode)"), default="")
    sorter = SelectField(_l("Sorter"), default=DEFAULT_SORT, validate_choice=False, choices=[
        SelectChoice(key, label) for key, (_column, _descending, label) in SORTS.items()])
    rader = SelectField(_l("Rader per side"), default=str(DEFAULT_PAGE_SIZE),
                        validate_choice=False,
                        choices=[SelectChoice(str(n), str(n)) for n in PAGE_SIZES])
    mine = BooleanField(_l("tildelt meg"))
    uvurdert = BooleanField(_l("mangler min vurdering"))
    vilkar = BooleanField(_l("vilkår ikke oppfylt"))
    side = HiddenField(default="1")
    etter = HiddenField(default="")
    foran = HiddenField(default="")

    #: The checkboxes under "Vis bare", in order.
    ONLY = ("mine", "uvurdert", "vilkar")

    def __init__(self, args, **kwargs):
        super().__init__(formdata=args, **kwargs)

    def filters(self) -> QueueFilters:
        staff_states = {state.value for state in STAFF_VISIBLE}
        funds = {fund.value for fund in Fund}
        call = self.utlysning.data or ""
        strategy = clean_text(self.strategi.data).strip()
        measure = clean_text(self.tiltak.data).strip()
        size = _page_number(self.rader.data, DEFAULT_PAGE_SIZE)
        page = _page_number(self.side.data, 1)
        return QueueFilters(
            status=self.status.data if self.status.data in staff_states else None,
            call_id=min(int(call), MAX_INT) if call.isdigit() and len(call) <= 12
            and int(call) else None,
            fund=Fund(self.fond.data) if self.fond.data in funds else None,
            strategy=strategy[:40] or None,
            measure=measure[:20] or None,
            mine=bool(self.mine.data), unassessed=bool(self.uvurdert.data),
            failing=bool(self.vilkar.data),
            sort=self.sorter.data if self.sorter.data in SORTS else DEFAULT_SORT,
            page=page,
            page_size=size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE,
            # a row to start from only on a later page («Neste side» from page 1 is page 2)
            after=_row_id(self.etter.data) if page > 1 else None,
            before=_row_id(self.foran.data) if page > 1 else None)


# The administration's proposals (one row per application, parsed by hand) ---------------

#: The outcomes the administration can propose, in the innstilling's words.
PROPOSAL_CHOICES = (Outcome.GRANTED, Outcome.PARTLY_GRANTED, Outcome.REJECTED,
                    Outcome.DISMISSED)
REASON_MAX = 5000


def read_amount(raw: str | None) -> tuple[int | None, str | None]:
    """A whole number of kroner typed by a person («150 000» too); (None, None) when
    empty, (None, message) when it is not one."""
    text = (raw or "").replace(" ", "").replace("\u00a0", "").replace("\u202f", "").strip()
    if not text:
        return None, None
    if not text.isdigit() or len(text) > 12:
        return None, str(_l("Skriv beløpet som et helt antall kroner."))
    if int(text) > MAX_INT:
        return None, str(_l("Tallet er for stort."))
    return int(text), None


def read_proposals(formdata, ids) -> tuple[dict[int, tuple[Outcome, int | None, str]],
                                           dict[int, str]]:
    """The posted proposal of each application in ``ids``: the fields ``outcome-<id>``,
    ``amount-<id>`` and ``reason-<id>``. Returns the readable entries and, by application
    id, what could not be read."""
    entries, errors = {}, {}
    allowed = {outcome.value: outcome for outcome in PROPOSAL_CHOICES}
    for app_id in ids:
        outcome = allowed.get(formdata.get(f"outcome-{app_id}", ""))
        amount, problem = read_amount(formdata.get(f"amount-{app_id}"))
        reason = clean_text(formdata.get(f"reason-{app_id}", "")).strip()
        if outcome is None:
            errors[app_id] = str(_l("Velg et forslag."))
        elif problem:
            errors[app_id] = problem
        elif len(reason) > REASON_MAX:
            errors[app_id] = str(_l("Begrunnelsen kan ha høyst %(max)s tegn.", max=REASON_MAX))
        else:
            entries[app_id] = (outcome, amount, reason)
    return entries, errors
