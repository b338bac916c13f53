"""Case handling: conflict declarations, assessments, confirmed measures, notes, the
archive reference, access requests and exemption assessments. Each writes the audit log;
the caller commits."""

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from fund.applications.exemptions import exemption_items
from fund.applications.models import Application, ApplicationState
from fund.audit.operations import record
from fund.auth.models import Organisation, User
from fund.calls.models import Call
from fund.calls.operations import CallError, review_closed_now
from fund.calls.operations import close_review as close_call_review
from fund.core import files
from fund.core.errors import DomainError
from fund.core.formatting import format_nok
from fund.core.pdf import RECORD_LOCALE
from fund.core.roles import Role
from fund.core.signals import application_submitted, assessment_completed
from fund.core.types import utcnow
from fund.extensions import db
from fund.mail.operations import queue_mail
from fund.review import scoring
from fund.review.models import (
    AccessRequest,
    Assessment,
    AssessmentState,
    Assignment,
    ConfirmedMeasure,
    ConflictDeclaration,
    ConflictGround,
    CriterionScoreRow,
    ExemptionAssessment,
    ExemptionItemKind,
    ExemptionOutcome,
    FrozenRanking,
    FrozenRankingRow,
    Innstilling,
    InternalNote,
    Outcome,
    Proposal,
    ReviewSettings,
)
from fund.review.permissions import (
    can_assign,
    is_disqualified,
    sees_others_assessments,
)
from fund.review.queries import (
    declarations_of,
    find_assessment,
    frozen_ranking,
    hidden_application_ids,
    innstilling_of,
    own_assessments,
    proposal_lines,
    stored_proposals,
    undeclared_case_numbers,
    vacated_by,
)
from fund.review.ranking import RankingResult, frozen, ranking
from fund.review.settings import settings_to_change


class ReviewError(DomainError):
    """Refused by the rules; the message is for the user."""


class StaleAssessment(ReviewError):
    pass


class IncompleteAssessment(ReviewError):
    def __init__(self, criteria: list[str], missing_recommendation: bool,
                 criterion_ids: list[int] | None = None):
        super().__init__(_("Vurderingen er ikke fullstendig."))
        self.criteria = criteria
        self.missing_recommendation = missing_recommendation
        #: The ids of ``criteria``, in the same order (for a message on each one's field).
        self.criterion_ids = criterion_ids or []


@files.references("letters")
def _referenced_innstillinger():
    return db.session.execute(select(Innstilling.stored_name)).scalars()


def declare(application: Application, user: User, disqualified: bool,
            ground: ConflictGround | None, explanation: str,
            advised: bool | None = None) -> ConflictDeclaration:
    """Record the caseworker's §6 statement. A disqualified caseworker is unassigned.
    ``advised``: the answer to whether they advised the applicant on the application
    (§6 annet ledd); yes needs an explanation, whatever they conclude."""
    explanation = (explanation or "").strip()
    if disqualified and ground is None:
        raise ReviewError(_("Velg hvilken grunn i forvaltningsloven § 6 som gjelder."))
    if advised and not explanation:
        raise ReviewError(_("Du har veiledet søkeren. Forklar hva veiledningen gikk ut på, og "
                            "hvorfor du mener du er habil eller inhabil."))
    declaration = ConflictDeclaration(application=application, caseworker=user,
                                      disqualified=disqualified,
                                      ground=ground if disqualified else None,
                                      explanation=explanation, advised_applicant=advised)
    db.session.add(declaration)
    record("review.conflict_declared", application, actor=user, disqualified=disqualified,
           ground=ground.value if disqualified and ground else None, advised=advised)
    if disqualified:
        declaration.left_assignment = _unassign(application, user)
    return declaration


@application_submitted.connect
def notify_answer(application: Application, actor: User, submission, answered=None,
                  **_kwargs) -> None:
    """An answer to an information request came in: the caseworker who asked and the
    caseworkers assigned to the case are told by mail (none who is inhabil)."""
    if answered is None:
        return
    assigned = db.session.execute(select(User).join(
        Assignment, Assignment.caseworker_id == User.id).where(
        Assignment.application_id == application.id)).scalars().all()
    people = {user.id: user for user in [answered.requested_by, *assigned]}
    declarations = {d.caseworker_id: d for d in db.session.execute(
        select(ConflictDeclaration).where(ConflictDeclaration.application_id == application.id,
                                          ConflictDeclaration.caseworker_id.in_(people))
    ).scalars()}
    for user in sorted(people.values(), key=lambda u: u.email):
        if not user.active or user.role not in (Role.CASEWORKER, Role.MANAGER) or \
                is_disqualified(user, application, declarations.get(user.id)):
            continue
        queue_mail(user.email, _l("Svar på forespørsel: %(case)s", case=application.case_number),
                   "info_request_answered", locale=user.mail_locale, application=application,
                   info_request=answered, submission=submission)


def declare_inhabil_after_all(application: Application, user: User,
                              declaration: ConflictDeclaration, ground: ConflictGround,
                              explanation: str) -> ConflictDeclaration:
    """«Jeg er inhabil likevel»: the caseworker changes a habil declaration to inhabil, at
    any time (circumstances change). They are taken off the case, it no longer exists for
    them, and their assessment no longer counts (``models.assessment_counts``)."""
    explanation = (explanation or "").strip()
    if declaration.disqualified:
        raise ReviewError(_("Du er allerede registrert som inhabil i saken."))
    if ground is None or ground == ConflictGround.MEMBER:
        raise ReviewError(_("Velg hvilken grunn i forvaltningsloven § 6 som gjelder."))
    if not explanation:
        raise ReviewError(_("Forklar hvorfor du er inhabil."))
    previous = {"declared_at": declaration.declared_at.isoformat(),
                "explanation": declaration.explanation}
    declaration.disqualified = True
    declaration.ground = ground
    declaration.explanation = explanation
    declaration.revised_at = utcnow()
    record("review.conflict_revised", application, actor=user, disqualified=True,
           ground=ground.value, explanation=explanation, previous=previous)
    declaration.left_assignment = _unassign(application, user)
    return declaration


def _unassign(application: Application, user: User) -> bool:
    """Take an inhabil caseworker off the case; True when they were assigned (the case
    then needs a substitute)."""
    removed = db.session.execute(delete(Assignment).where(
        Assignment.application_id == application.id,
        Assignment.caseworker_id == user.id)).rowcount
    if removed:
        record("review.unassigned", application, actor=user, caseworker=user.email,
               reason="inhabil")
    return bool(removed)


def open_case(application: Application, user: User) -> None:
    """A case handler opened the case page: the access log."""
    record("review.case_opened", application, actor=user)


def assessment_for(application: Application, user: User) -> Assessment:
    """The user's assessment of the application; a new, transient draft (not in the
    session: looking creates nothing) when there is none. ``save_assessment`` stores it."""
    return find_assessment(application, user) or Assessment(
        application_id=application.id, caseworker_id=user.id, state=AssessmentState.DRAFT,
        overall_comment="", scores=[])


def _criterion_scores(assessment: Assessment, criteria) -> list[scoring.CriterionScore]:
    rows = {row.criterion_id: row for row in assessment.scores}
    return [scoring.CriterionScore(
        weight=c.weight, score=rows[c.id].score if c.id in rows else None,
        not_applicable=rows[c.id].not_applicable if c.id in rows else False,
        required=c.required, allow_na=c.allow_na) for c in criteria]


def save_assessment(assessment: Assessment, user: User, version: int | None, *,
                    scores: dict[int, tuple[int | None, bool, str]], overall_comment: str,
                    recommended_amount: int | None,
                    recommendation: scoring.Recommendation | None, complete: bool) -> None:
    """Store the caseworker's scores. ``complete`` also requires every required criterion
    and a recommendation, and stores the weighted total."""
    if assessment.id is None:
        assessment.application, assessment.caseworker = \
            db.session.get(Application, assessment.application_id), user
        db.session.add(assessment)
    if review_closed_now(assessment.application.call):
        raise ReviewError(_("Behandlingen av utlysningen er avsluttet, og vurderingen kan "
                            "ikke lenger endres."))
    if version is not None and assessment.id is not None and version != assessment.version:
        raise StaleAssessment(_(
            "Vurderingen ble lagret %(time)s, etter at du åpnet den (kanskje i en annen fane). "
            "Endringene dine er ikke lagret, men står i skjemaet under.",
            time=_time(assessment.updated_at)))
    criteria = assessment.application.call.criteria
    rows = {row.criterion_id: row for row in assessment.scores}
    for criterion in criteria:
        score, not_applicable, comment = scores.get(criterion.id, (None, False, ""))
        row = rows.get(criterion.id)
        if row is None:
            row = CriterionScoreRow(criterion_id=criterion.id)
            assessment.scores.append(row)
        row.score, row.not_applicable, row.comment = score, not_applicable, comment
    assessment.overall_comment = overall_comment
    assessment.recommended_amount = recommended_amount
    assessment.recommendation = recommendation
    assessment.updated_at = utcnow()
    values = _criterion_scores(assessment, criteria)
    if complete:
        blocking = scoring.incomplete(values)
        if blocking or recommendation is None:
            raise IncompleteAssessment([criteria[i].title for i in blocking],
                                       recommendation is None,
                                       [criteria[i].id for i in blocking])
        assessment.total_score = scoring.to_stored(scoring.weighted_total(values))
        if _move(assessment, AssessmentState.COMPLETED):
            assessment.completed_at = utcnow()
            record("review.assessment_completed", assessment.application, actor=user,
                   total=str(scoring.to_display(assessment.total_score)),
                   recommendation=recommendation.value)
            db.session.flush()
            assessment_completed.send(assessment, actor=user)
    else:
        if _move(assessment, AssessmentState.DRAFT):
            record("review.assessment_reopened", assessment.application, actor=user)
        assessment.total_score = None
        assessment.completed_at = None
    db.session.flush()


def _move(assessment: Assessment, state: AssessmentState) -> bool:
    """Take the assessment to ``state`` along ``ASSESSMENT_TRANSITIONS``; True when the
    state changed."""
    if not assessment.can_become(state):
        raise ReviewError(_("Vurderingen kan ikke endres slik."))
    changed = assessment.state != state
    assessment.state = state
    return changed


def confirmation_token(application: Application) -> str:
    """What the confirmed measures were when a form was opened (for optimistic locking)."""
    ids = db.session.execute(select(ConfirmedMeasure.measure_id).where(
        ConfirmedMeasure.application_id == application.id)
        .order_by(ConfirmedMeasure.measure_id)).scalars().all()
    return ",".join(str(i) for i in ids) or "-"


def confirm_measures(application: Application, user: User, measure_ids: set[int],
                     token: str | None = None) -> None:
    """Replace the confirmed measures. Refused if another caseworker changed them since
    the form was opened (``token``)."""
    if token is not None and token != confirmation_token(application):
        raise StaleAssessment(_("En annen saksbehandler har endret tiltakene etter at du åpnet "
                                "siden. Se over de bekreftede tiltakene og prøv igjen."))
    current = {m.measure_id for m in db.session.execute(select(ConfirmedMeasure).where(
        ConfirmedMeasure.application_id == application.id)).scalars()}
    if current == measure_ids and current:
        return
    db.session.execute(delete(ConfirmedMeasure).where(
        ConfirmedMeasure.application_id == application.id))
    db.session.add_all([ConfirmedMeasure(application_id=application.id, measure_id=m,
                                         confirmed_by_id=user.id) for m in sorted(measure_ids)])
    record("review.measures_confirmed", application, actor=user, measures=sorted(measure_ids))


def add_note(application: Application, user: User, text: str) -> InternalNote:
    text = (text or "").strip()
    if not text:
        raise ReviewError(_("Notatet er tomt."))
    note = InternalNote(application_id=application.id, author=user, text=text)
    db.session.add(note)
    record("review.note_added", application, actor=user)
    return note


def _time(moment) -> str:
    from fund.core.formatting import format_datetime
    return format_datetime(moment)


def assign(application: Application, caseworker: User, actor: User,
           declaration: ConflictDeclaration | None = None) -> bool:
    """Assign a caseworker; refused if they are disqualified. Returns False if already.
    ``declaration``: the caseworker's own for the application, if already loaded."""
    if declaration is None:
        declaration = declarations_of(caseworker, [application.id]).get(application.id)
    if is_disqualified(caseworker, application, declaration):
        raise ReviewError(_("%(name)s er inhabil i %(case)s og kan ikke tildeles saken.",
                            name=caseworker.name, case=application.case_number))
    exists = db.session.execute(select(Assignment.id).where(
        Assignment.application_id == application.id,
        Assignment.caseworker_id == caseworker.id)).first()
    if exists:
        return False
    if actor.id == caseworker.id and actor.role == Role.CASEWORKER and db.session.execute(
            select(Assignment.id).where(Assignment.application_id == application.id)).first():
        raise ReviewError(_("%(case)s er allerede tildelt en saksbehandler.",
                            case=application.case_number))
    replaced = vacated_by([application.id]).get(application.id)
    db.session.add(Assignment(application_id=application.id, caseworker_id=caseworker.id,
                              assigned_by_id=None if actor.id == caseworker.id else actor.id,
                              substitute_for_id=replaced.id if replaced else None))
    record("review.assigned", application, actor=actor, caseworker=caseworker.email,
           **({"substitute_for": replaced.email} if replaced else {}))
    return True


@dataclass
class Assigned:
    """What ``assign_many`` did: how many were assigned, and the refusals' messages."""

    done: int = 0
    refused: list[str] = field(default_factory=list)


def assign_many(applications: list[Application], caseworker: User, actor: User) -> Assigned:
    """Assign each application to ``caseworker``. One refused (inhabil, or already
    taken) is reported and the others go ahead; one the actor may not assign (a case
    they themself are inhabil in) is passed over without a word: it does not exist for
    them."""
    declarations = declarations_of(caseworker, [a.id for a in applications])
    result = Assigned()
    for application in applications:
        declaration = declarations.get(application.id)
        if not can_assign(actor, caseworker, application, declaration):
            continue
        try:
            result.done += assign(application, caseworker, actor, declaration)
        except ReviewError as exc:
            result.refused.append(str(exc))
    return result


def update_review_settings(call: Call, actor: User, **settings) -> ReviewSettings:
    """How assessments are combined and shown; can change until the review is closed."""
    if call.review_closed or call.archived_at is not None:
        raise ReviewError(_("Vurderingen av utlysningen er avsluttet."))
    stored = settings_to_change(call)
    changes = {name: [_plain(getattr(stored, name)), _plain(value)]
               for name, value in settings.items() if getattr(stored, name) != value}
    for name, value in settings.items():
        setattr(stored, name, value)
    if changes:
        record("call.review_settings_changed", call, actor=actor, changes=changes)
    return stored


def _plain(value):
    return getattr(value, "value", value)


def move_funding_line(call, line: int | None, reason: str, actor: User) -> None:
    """The manager moves the budget line by hand (or back to automatic), with a reason.
    Refused once the review is closed, and for anyone inhabil in an application of the
    call: the line decides every application in it."""
    db.session.refresh(call, with_for_update=True)  # one change of the line at a time
    if call.review_closed:
        raise ReviewError(_("Behandlingen av utlysningen er avsluttet, og budsjettlinjen kan "
                            "ikke lenger flyttes."))
    if hidden_application_ids(actor, call):
        raise ReviewError(_("Du er inhabil i minst én søknad i utlysningen og kan ikke flytte "
                            "budsjettlinjen. En annen fondsforvalter må gjøre det."))
    undeclared = undeclared_case_numbers(actor, call)
    if undeclared:
        raise ReviewError(undeclared_refusal(undeclared))
    if _unfinished_own(actor, call):
        raise ReviewError(_("Du har begynt å vurdere søknader i utlysningen uten å fullføre. "
                            "Fullfør vurderingene dine først, så du ser hele rangeringen før "
                            "du flytter linjen."))
    reason = (reason or "").strip()
    if line is not None and not reason:
        raise ReviewError(_("Begrunn hvorfor linjen flyttes."))
    if line is not None and line < 0:
        raise ReviewError(_("Linjen kan ikke stå over første søknad."))
    ranked = len(ranking(call, details=False).rows) if line is not None else 0
    if line is not None and line > ranked:
        raise ReviewError(_("Det er bare %(num)s søknader i rangeringen; linjen kan stå etter "
                            "høyst så mange.", num=ranked))
    settings = settings_to_change(call)
    old = settings.funding_line
    settings.funding_line = line
    settings.funding_line_reason = reason if line is not None else ""
    record("call.funding_line_moved", call, actor=actor, old=old, new=line, reason=reason)


# Closing the review ------------------------------------------------------------------------

class NotClosable(ReviewError):
    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


@dataclass
class ClosingCheck:
    """Whether the actor may close the call's review now, and what would be frozen."""

    #: Why not, for the user; empty when the review can be closed.
    reasons: list[str] = field(default_factory=list)
    #: Applications above the line whose organisation is not verified: (case number, org).
    unverified: list[tuple[str, Organisation]] = field(default_factory=list)
    #: The full ranking, when the actor may see all of it.
    result: RankingResult | None = None


def _unfinished_own(actor: User, call: Call) -> list[str]:
    """The case numbers of applications the actor has begun to assess and, under blind
    review, may not yet see the others' assessments of."""
    own = own_assessments(actor, call)
    return sorted(a.application.case_number or "" for a in own.values()
                  if a.application.state == ApplicationState.SUBMITTED
                  and not sees_others_assessments(actor, call, a))


def _cases(numbers) -> str:
    return ", ".join(numbers)


def closing_check(call: Call, actor: User) -> ClosingCheck:
    check = ClosingCheck()
    if call.review_closed:
        check.reasons.append(_("Behandlingen er allerede avsluttet."))
        return check
    if hidden_application_ids(actor, call):  # nothing more about the call, then
        check.reasons.append(_("Du er inhabil i minst én søknad i utlysningen og kan ikke "
                               "avslutte behandlingen. En annen fondsforvalter må gjøre det."))
        return check
    if utcnow() < call.closes_at:
        check.reasons.append(_("Søknadsfristen er ikke ute før %(deadline)s. Behandlingen kan "
                               "avsluttes etter fristen.",
                               deadline=_time(call.closes_at)))
    waiting = db.session.execute(
        select(Application.case_number).where(
            Application.call_id == call.id,
            Application.state == ApplicationState.INFO_REQUESTED)
        .order_by(Application.case_number)).scalars().all()
    if waiting:
        check.reasons.append(_(
            "Disse søknadene venter på svar på en forespørsel om opplysninger: %(cases)s. De "
            "må være sendt inn igjen før behandlingen avsluttes, ellers blir de aldri avgjort.",
            cases=_cases(waiting)))
    unfinished = _unfinished_own(actor, call)
    if unfinished:  # blind review: they would freeze what they may not see yet
        check.reasons.append(_(
            "Du har begynt å vurdere %(cases)s uten å fullføre. Fullfør vurderingene dine "
            "først, så du ser hele innstillingen før den låses.", cases=_cases(unfinished)))
        return check
    result = ranking(call)
    within = [row.application_id for row in result.rows if row.within_budget]
    check.unverified = [(number, organisation) for number, organisation in db.session.execute(
        select(Application.case_number, Organisation)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .where(Application.id.in_(within), Organisation.verified_at.is_(None))
        .order_by(Application.case_number)).all()]
    if check.unverified:
        check.reasons.append(_(
            "Disse søknadene står over budsjettlinjen, men søkerorganisasjonen er ikke "
            "verifisert: %(cases)s. Et tilskudd krever en verifisert organisasjon; kommunens "
            "saksbehandlere verifiserer den på organisasjonens side.",
            cases=_cases(f"{number} ({organisation.name})"
                         for number, organisation in check.unverified)))
    check.result = result
    return check


def close_review(call: Call, actor: User) -> FrozenRanking:
    """Close the review: the whole ranking (every row, whoever reads it later) is stored
    as the innstilling, and the call is decided. Nothing that would change the
    innstilling is allowed after this."""
    db.session.refresh(call, with_for_update=True)  # one closing at a time
    check = closing_check(call, actor)
    if check.reasons:
        raise NotClosable(check.reasons)
    result = check.result
    stored = FrozenRanking(
        call_id=call.id, closed_by_id=actor.id, budget=result.budget, line=result.line,
        manual_line=result.manual_line, reason=result.reason,
        criteria=[{"id": c.id, "title": c.title, "weight": c.weight} for c in result.criteria],
        rows=[FrozenRankingRow(
            application_id=row.application_id, rank=row.rank, case_number=row.case_number,
            title=row.title, organisation=row.organisation, orgnr=row.orgnr,
            amount_applied=row.amount_applied, recommended_amount=row.recommended_amount,
            running_total=row.running_total, within_budget=row.within_budget,
            score=row.score, spread=row.spread, assessments=row.assessments,
            disagreement=row.disagreement,
            criterion_scores={str(key): None if value is None else str(value)
                              for key, value in row.criterion_scores.items()},
            recommendations=list(row.recommendations), justification=row.justification)
            for row in result.rows])
    db.session.add(stored)
    try:
        close_call_review(call, actor)
    except CallError as exc:
        raise ReviewError(str(exc)) from exc
    stored.closed_at = call.review_closed_at
    record("review.innstilling_frozen", call, actor=actor, applications=len(result.rows),
           line=result.line, recommended=result.recommended, budget=result.budget)
    return stored


# The archive reference ------------------------------------------------------------------------

#: The archive's saksnummer, loosely: saksår/sekvensnummer, e.g. 2026/01234.
ARCHIVE_REFERENCE = re.compile(r"(19|20)\d{2}/\d{1,7}")


def set_archive_reference(application: Application, actor: User, reference: str) -> None:
    """Store the archive's saksnummer («Vår referanse») once the archive has given one;
    blank removes it."""
    reference = (reference or "").strip()
    if reference and not ARCHIVE_REFERENCE.fullmatch(reference):
        raise ReviewError(_("Vår referanse må være arkivets saksnummer på formen ÅÅÅÅ/nnnnn, "
                            "for eksempel 2026/01234."))
    new = reference or None
    if new == application.archive_reference:
        return
    record("review.archive_reference_set", application, actor=actor,
           old=application.archive_reference, new=new)
    application.archive_reference = new


# Access requests (innsyn) and exemption assessments ---------------------------------------------

def record_access_request(application: Application, actor: User, requested_by: str,
                          received_on: date) -> AccessRequest:
    """Someone asked for access to the application: who, and when it came in."""
    from fund.core.formatting import to_local
    requested_by = (requested_by or "").strip()
    if not requested_by:
        raise ReviewError(_("Skriv hvem som ber om innsyn."))
    if received_on is None or received_on > to_local(utcnow()).date():
        raise ReviewError(_("Datoen innsynskravet kom inn, kan ikke være fram i tid."))
    request = AccessRequest(application_id=application.id, requested_by=requested_by[:200],
                            received_on=received_on, recorded_by_id=actor.id)
    db.session.add(request)
    db.session.flush()
    record("review.access_requested", application, actor=actor, access_request=request.id,
           requested_by=requested_by, received_on=received_on.isoformat())
    return request


def assess_exemption(application: Application, access_request: AccessRequest, actor: User,
                     item_key: str, outcome: ExemptionOutcome, legal_basis: str,
                     reason: str) -> ExemptionAssessment:
    """The municipality's own assessment of one item for an access request: exempt (with
    its legal basis) or released, with a reason. Any item can be assessed, asked for by
    the applicant or not; assessing an item again for the same request replaces the
    assessment (the log keeps both)."""
    item = next((i for i in exemption_items(application) if i.key == item_key), None)
    if item is None or access_request.application_id != application.id:
        raise ReviewError(_("Opplysningen finnes ikke i søknaden."))
    legal_basis, reason = (legal_basis or "").strip(), (reason or "").strip()
    if outcome == ExemptionOutcome.EXEMPT and not legal_basis:
        raise ReviewError(_("Skriv hjemmelen for å unnta opplysningen, for eksempel «offl. § 13 "
                            "jf. fvl. § 13 første ledd nr. 2»."))
    if not reason:
        raise ReviewError(_("Begrunn vurderingen."))
    kind = ExemptionItemKind(item.kind)
    assessment = next((a for a in access_request.assessments
                       if a.item_kind == kind and a.item_ref == item.ref), None)
    if assessment is None:
        assessment = ExemptionAssessment(item_kind=kind, item_ref=item.ref)
        access_request.assessments.append(assessment)
    assessment.item_label = item.label[:500]
    assessment.applicant_requested = item.requested is not None
    assessment.outcome = outcome
    assessment.legal_basis = legal_basis if outcome == ExemptionOutcome.EXEMPT else ""
    assessment.reason = reason
    assessment.assessed_by_id = actor.id
    assessment.assessed_at = utcnow()
    record("review.exemption_assessed", application, actor=actor,
           access_request=access_request.id, item=item.key, outcome=outcome.value,
           legal_basis=assessment.legal_basis, applicant_requested=item.requested is not None)
    return assessment


# The administration's proposals and the innstilling ----------------------------------------

def undeclared_refusal(case_numbers: list[str]) -> str:
    return _("Du har ikke erklært deg habil i disse søknadene: %(cases)s. Den som flytter "
             "budsjettlinjen eller setter innstillingen, må ha erklært seg habil i alle "
             "søknadene i utlysningen (forvaltningsloven § 6).", cases=_cases(case_numbers))


def proposal_refusals(call: Call, actor: User) -> list[str]:
    """Why ``actor`` may not set the proposals of ``call`` now; empty when they may."""
    if not call.review_closed:
        return [_("Forslagene til vedtak settes etter at behandlingen er avsluttet.")]
    if hidden_application_ids(actor, call):
        return [_("Du er inhabil i minst én søknad i utlysningen og kan ikke sette "
                  "innstillingen. En annen fondsforvalter må gjøre det.")]
    reasons = []
    undeclared = undeclared_case_numbers(actor, call)
    if undeclared:
        reasons.append(undeclared_refusal(undeclared))
    proposed = innstilling_of(call)
    if proposed is not None:
        reasons.append(_("Innstillingen ble lagt fram %(time)s og kan ikke endres.",
                         time=_time(proposed.proposed_at)))
    return reasons


class ProposalsInvalid(ReviewError):
    """Some proposals cannot be stored; ``errors`` by application id."""

    def __init__(self, errors: dict[int, str]):
        super().__init__(_("Noen av forslagene må rettes: se under."))
        self.errors = errors


def amount_problem(outcome: Outcome, amount: int | None, applied: int) -> str | None:
    """What is wrong with the amount of a proposed or decided outcome; None when sound.
    A grant has an amount above nought and at most the amount applied for; less than
    applied is a partial grant, and a partial grant is less."""
    if not outcome.is_grant:
        return None
    if not amount or amount <= 0:
        return _("Et tilskudd må ha et beløp over null.")
    if amount > applied:
        return _("Beløpet kan ikke være høyere enn det søkte beløpet (%(applied)s).",
                 applied=format_nok(applied))
    if outcome == Outcome.GRANTED and amount < applied:
        return _("Et beløp lavere enn det søkte er en delvis innvilgelse: velg det utfallet, "
                 "og skriv hva som ikke er innvilget, og hvorfor.")
    if outcome == Outcome.PARTLY_GRANTED and amount >= applied:
        return _("En delvis innvilgelse er et lavere beløp enn det søkte (%(applied)s).",
                 applied=format_nok(applied))
    return None


def proposal_problem(outcome: Outcome, amount: int | None, reason: str, applied: int) -> str | None:
    """What is wrong with one proposal, for the manager; None when it can be stored."""
    if outcome == Outcome.WITHDRAWN:
        return _("Bare søkeren kan trekke en søknad.")
    problem = amount_problem(outcome, amount, applied)
    if problem:
        return problem
    if outcome != Outcome.GRANTED and not reason.strip():
        return _("Skriv en begrunnelse: den står i innstillingen og i vedtaksbrevet.")
    return None


def save_proposals(call: Call, actor: User,
                   entries: dict[int, tuple[Outcome, int | None, str]]) -> int:
    """Store the administration's proposal for every application in the frozen ranking
    (``entries``: outcome, amount and reason by application id). Refused, as a whole,
    while any is wrong; returns how many changed."""
    db.session.flush()  # a refresh would drop unflushed changes to the call
    db.session.refresh(call, with_for_update=True)  # one manager at a time
    reasons = proposal_refusals(call, actor)
    if reasons:
        raise ReviewError(" ".join(reasons))
    stored_ranking = frozen_ranking(call)
    stored = stored_proposals(call)
    errors, changed = {}, 0
    for row in stored_ranking.rows:
        if row.application_id not in entries:
            errors[row.application_id] = _("Velg et forslag.")
            continue
        outcome, amount, reason = entries[row.application_id]
        reason = (reason or "").strip()
        problem = proposal_problem(outcome, amount, reason, row.amount_applied)
        if problem:
            errors[row.application_id] = problem
            continue
        amount = amount if outcome.is_grant else None
        proposal = stored.get(row.application_id)
        if proposal is None:
            proposal = Proposal(application_id=row.application_id, proposed_by_id=actor.id)
            db.session.add(proposal)
        elif (proposal.outcome, proposal.amount, proposal.reason) == (outcome, amount, reason):
            continue
        proposal.outcome, proposal.amount, proposal.reason = outcome, amount, reason
        proposal.proposed_by_id, proposal.updated_at = actor.id, utcnow()
        changed += 1
    if errors:
        raise ProposalsInvalid(errors)
    if changed:
        record("review.proposals_saved", call, actor=actor, changed=changed)
    return changed


def propose_innstilling(call: Call, actor: User) -> Innstilling:
    """Lay the innstilling before the deciding body: the proposals are locked, and the
    PDF is rendered and stored (random name and its SHA-256); it is the document the
    body gets from now on."""
    from fund.review import innstilling as document
    db.session.flush()  # a refresh would drop unflushed changes to the call
    db.session.refresh(call, with_for_update=True)
    reasons = proposal_refusals(call, actor)
    if reasons:
        raise ReviewError(" ".join(reasons))
    stored = frozen_ranking(call)
    result = frozen(stored, call)
    stored_ids = set(stored_proposals(call))
    missing = [row.case_number for row in result.rows if row.application_id not in stored_ids]
    if missing:
        raise ReviewError(_("Disse søknadene mangler forslag: %(cases)s.",
                            cases=_cases(missing)))
    proposed_at = utcnow()
    with force_locale(RECORD_LOCALE):  # the record the decision body gets: Norwegian
        data = document.to_pdf(result, proposal_lines(call, result), generated_at=proposed_at)
    name, sha256 = document.store(data)
    innstilling = Innstilling(call_id=call.id, proposed_by_id=actor.id,
                              proposed_at=proposed_at, stored_name=name, sha256=sha256)
    db.session.add(innstilling)
    db.session.flush()
    record("review.innstilling_proposed", call, actor=actor, applications=len(result.rows),
           sha256=sha256)
    return innstilling
