"""Reads of one person's data: everything the download holds, and what stops them from
closing their account. A fixed number of queries, however many applications there are."""

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from fund.applications.models import (
    Application,
    ApplicationMeasure,
    ApplicationState,
    Submission,
)
from fund.auth.models import Claim, Invitation, Membership, Organisation, User, UserSession
from fund.decisions.models import Appeal, AppealState, Decision, Letter, letter_notices
from fund.extensions import db
from fund.grants.models import FinalReport, Grant, GrantState, PaymentRequest
from fund.mail.models import MailState, OutboxMessage


@dataclass
class PersonData:
    """What the download holds for one person."""

    user: User
    sessions: list[UserSession]
    memberships: list[Membership]
    applications: list[Application]
    #: Only what the applicant has been told: decisions whose letter is sent, and the
    #: letters sent. By application id.
    decisions: dict[int, list[Decision]] = field(default_factory=dict)
    letters: dict[int, list[Letter]] = field(default_factory=dict)
    appeals: dict[int, list[Appeal]] = field(default_factory=dict)
    grants: dict[int, Grant] = field(default_factory=dict)
    mail: list[OutboxMessage] = field(default_factory=list)
    #: Their claims to act for an organisation, and the invitations to their address.
    claims: list[Claim] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)


def person_data(user: User) -> PersonData:
    memberships = list(db.session.execute(
        select(Membership).where(Membership.user_id == user.id)
        .options(selectinload(Membership.organisation)).order_by(Membership.id)).scalars())
    organisation_ids = [m.organisation_id for m in memberships]
    applications = list(db.session.execute(
        select(Application).where(Application.organisation_id.in_(organisation_ids))
        .options(selectinload(Application.call), selectinload(Application.strategies),
                 selectinload(Application.measures).selectinload(ApplicationMeasure.measure),
                 selectinload(Application.cost_lines), selectinload(Application.financing_lines),
                 selectinload(Application.aid_received),
                 selectinload(Application.exemption_requests),
                 selectinload(Application.attachments),
                 selectinload(Application.submissions).selectinload(Submission.warnings),
                 selectinload(Application.sdg_rows), selectinload(Application.info_requests))
        .order_by(Application.id)).scalars()) if organisation_ids else []
    ids = [a.id for a in applications]
    data = PersonData(user=user, memberships=memberships, applications=applications,
                      sessions=list(db.session.execute(
                          select(UserSession).where(UserSession.user_id == user.id)
                          .order_by(UserSession.id)).scalars()))
    if ids:
        letters = db.session.execute(
            select(Letter).where(Letter.application_id.in_(ids), Letter.sent_at.is_not(None))
            .order_by(Letter.sent_at, Letter.id)).scalars()
        notified = set()
        for letter in letters:
            data.letters.setdefault(letter.application_id, []).append(letter)
            if letter.decision_id is not None:
                notified.add(letter.decision_id)
        decisions = db.session.execute(
            select(Decision).where(Decision.id.in_(notified)).order_by(Decision.id)
        ).scalars() if notified else []
        for decision in decisions:
            data.decisions.setdefault(decision.application_id, []).append(decision)
        appeals = db.session.execute(
            select(Appeal, Decision.application_id)
            .join(Decision, Decision.id == Appeal.decision_id)
            .where(Decision.application_id.in_(ids)).order_by(Appeal.id)).all()
        for appeal, application_id in appeals:
            data.appeals.setdefault(application_id, []).append(appeal)
        grants = db.session.execute(
            select(Grant).where(Grant.application_id.in_(ids)).options(
                selectinload(Grant.payments).selectinload(PaymentRequest.cost_lines),
                selectinload(Grant.payments).selectinload(PaymentRequest.documents),
                selectinload(Grant.final_report).selectinload(FinalReport.cost_lines),
                selectinload(Grant.final_report).selectinload(FinalReport.measures),
                selectinload(Grant.final_report).selectinload(FinalReport.documents),
                selectinload(Grant.recoveries), selectinload(Grant.repayments))).scalars()
        data.grants = {grant.application_id: grant for grant in grants}
    data.mail = mail_to(user.email)
    data.claims = list(db.session.execute(
        select(Claim).where(Claim.claimant_id == user.id)
        .options(selectinload(Claim.organisation)).order_by(Claim.id)).scalars())
    data.invitations = list(db.session.execute(
        select(Invitation).where(Invitation.email == user.email)
        .options(selectinload(Invitation.organisation)).order_by(Invitation.id)).scalars())
    return data


def mail_to(address: str) -> list[OutboxMessage]:
    """The mail sent (or on its way) to ``address``; drafts not yet released are the
    municipality's until they are sent."""
    return list(db.session.execute(
        select(OutboxMessage).where(func.lower(OutboxMessage.to_address) == address.lower(),
                                    OutboxMessage.state != MailState.DRAFT)
        .options(selectinload(OutboxMessage.attachments)).order_by(OutboxMessage.id)).scalars())


def case_record_mail_ids(address: str) -> set[int]:
    """The mail to ``address`` that is part of a case record: the notices of letters
    (vedtak, foreløpig svar), whose sending is the date of notification (fvl § 27)."""
    to_address = func.lower(OutboxMessage.to_address) == address.lower()
    notices = select(letter_notices.c.mail_id).join(
        OutboxMessage, OutboxMessage.id == letter_notices.c.mail_id).where(to_address)
    letter_mail = select(Letter.mail_id).join(
        OutboxMessage, OutboxMessage.id == Letter.mail_id).where(to_address)
    return set(db.session.scalars(notices.union(letter_mail)).all())


def running_case_organisations(organisation_ids: list[int]) -> list[Organisation]:
    """Of ``organisation_ids``, those with a case still running: an application with the
    municipality and no vedtak sent yet, or answering a request, a grant still open, or an
    appeal not concluded."""
    if not organisation_ids:
        return []
    sent_decision = select(Decision.id).join(Letter, Letter.decision_id == Decision.id).where(
        Decision.application_id == Application.id, Decision.replaced_at.is_(None),
        Letter.sent_at.is_not(None)).exists()
    open_grant = select(Grant.id).where(
        Grant.application_id == Application.id,
        Grant.state.in_([state for state in GrantState if state.is_open])).exists()
    open_appeal = select(Appeal.id).join(Decision, Decision.id == Appeal.decision_id).where(
        Decision.application_id == Application.id,
        Appeal.state.in_([AppealState.RECEIVED, AppealState.FORWARDED])).exists()
    with_state = Application.state.in_([ApplicationState.SUBMITTED,
                                        ApplicationState.INFO_REQUESTED])
    return list(db.session.execute(
        select(Organisation).where(Organisation.id.in_(organisation_ids), select(Application.id)
                                   .where(Application.organisation_id == Organisation.id,
                                          or_(with_state & ~sent_decision, open_grant,
                                              open_appeal)).exists())
        .order_by(Organisation.name)).scalars())


def drafts_left_alone(user: User) -> list[Application]:
    """The never-submitted drafts of the organisations where ``user`` is the only member:
    nobody can carry them on once the account is closed."""
    mine = list(db.session.scalars(select(Membership.organisation_id).where(
        Membership.user_id == user.id)).all())
    shared = set(db.session.scalars(select(Membership.organisation_id).where(
        Membership.organisation_id.in_(mine), Membership.user_id != user.id)).all()) \
        if mine else set()
    alone_ids = [i for i in mine if i not in shared]
    if not alone_ids:
        return []
    return list(db.session.execute(
        select(Application).where(Application.organisation_id.in_(alone_ids),
                                  Application.state == ApplicationState.DRAFT)
        .options(selectinload(Application.attachments), selectinload(Application.submissions))
        .order_by(Application.id)).scalars())


def drafts_carried_on(user: User) -> list[Application]:
    """The drafts of the organisations where others than ``user`` are members too."""
    shared = select(Membership.organisation_id).where(
        Membership.organisation_id.in_(select(Membership.organisation_id).where(
            Membership.user_id == user.id)), Membership.user_id != user.id)
    return list(db.session.execute(
        select(Application).where(Application.organisation_id.in_(shared),
                                  Application.state == ApplicationState.DRAFT)).scalars())
