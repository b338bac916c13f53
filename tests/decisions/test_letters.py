"""Every vedtak gets a letter: a tagged, archivable PDF, staged in the outbox, read by the
manager and sent in one action that records the notification date and the appeal
deadline. The letters are read back from the PDFs."""

import io

from pypdf import PdfReader
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.core.pdf import read_document
from fund.decisions.models import Letter, LetterKind
from fund.extensions import db as _db
from fund.mail.models import MailState
from tests.decisions.conftest import DEADLINE, INTERNAL, SENT_AT, letter_text, outbox, pdf_text
from tests.helpers import html_of, login, post_form


def letters_path(call, rest="brev"):
    return f"/vedtak/utlysninger/{call.id}/{rest}"


def test_the_manager_stages_a_letter_for_every_vedtak_but_the_withdrawal(client, decided):
    login(client, decided.lene)
    page = html_of(client.get(letters_path(decided.call)))
    assert "4 vedtak har ikke brev ennå." in page
    response = post_form(client, letters_path(decided.call), {})
    assert response.status_code == 302
    page = html_of(client.get(response.headers["Location"]))
    assert "4 vedtaksbrev er laget og venter på utsending." in page
    for key in "ABCD":
        letter = decided.letter(key)
        assert letter is not None and letter.sent_at is None and letter.kind == LetterKind.DECISION
        assert f"/vedtak/brev/{letter.id}.pdf" in page
        # staged: the notices are drafts, nothing has gone out
        assert [m.state for m in letter.notices] == [MailState.DRAFT]
    assert decided.letter("E") is None
    assert "Ingen brev venter" not in page


def test_a_granted_letter_states_the_decision_the_begrunnelse_and_the_appeal_right(sent):
    letter = sent.letter("A")
    text = letter_text(letter)
    application = sent.apps["A"]
    assert f"Søknadsnummer {application.case_number}" in text
    assert "Vår referanse" in text
    assert "Søknaden er innvilget." in text and "inntil kr 150 000" in text
    # the share of the approved costs (300 000 in the test application)
    assert "høyst 50 % av de godkjente kostnadene på kr 300 000" in text
    assert "formannskapet 10. mai 2027" in text and "PS 45/27" in text
    # begrunnelse: rules, facts, main considerations with the criterion scores
    assert "Vedtekter for Lillestrøm kommunes næringsfond" in text
    assert f"Utlysningen «{sent.call.title}»" in text
    assert "Det er søkt om kr 150 000" in text
    assert sent.call.criteria[0].title in text and "4,5" in text
    assert "Samlet poengsum: 88,5 av 100." in text and "nummer 1 av 3" in text
    assert "Prosjektet scorer høyt på klimaeffekt." in text
    # conditions and the de minimis statement
    assert "Prosjektet skal være ferdig innen 31. desember 2027." in text
    assert "reduseres tilskuddet forholdsmessig" in text
    assert "bagatellmessig støtte etter kommisjonsforordning (EU) 2023/2831" in text
    assert "Støttebeløpet er kr 150 000, tildelt 10. mai 2027" in text
    # the appeal right, with the deadline computed at sending
    assert "Klagen må være kommet fram til oss senest 1. juni 2027." in text
    assert "Klagen avgjøres av kommunens klagenemnd." in text
    assert "hvilken endring du ønsker" in text
    assert "forvaltningsloven § 18" in text and "§ 19" in text
    # never another applicant's information, nor caseworkers' comments
    for other in "BCDE":
        assert sent.apps[other].title not in text
        assert sent.apps[other].organisation.name not in text
    assert INTERNAL not in text


def test_a_partial_grant_says_what_was_not_approved_and_why(sent):
    text = letter_text(sent.letter("B"))
    assert "Søknaden er delvis innvilget." in text
    assert "inntil kr 90 000" in text and "Det ble søkt om kr 150 000." in text
    assert "Hva som ikke er innvilget, og hvorfor" in text
    assert "Reisekostnadene på kr 60 000 er ikke godkjent: de er driftskostnader." in text
    assert "Bagatellmessig støtte" not in text  # not a de minimis grant


def test_a_rejection_and_a_dismissal_give_their_reasons_and_the_appeal_right(sent):
    rejected = letter_text(sent.letter("C"))
    assert "Søknaden er avslått." in rejected and "Hvorfor søknaden er avslått" in rejected
    assert "svak på kriteriet om innovasjon" in rejected
    assert "under budsjettlinjen" in rejected
    assert "Vilkår" not in rejected and "inntil kr" not in rejected
    dismissed = letter_text(sent.letter("D"))
    assert "Søknaden er avvist." in dismissed and "ikke forretningsadresse" in dismissed
    assert "Poeng (0–5)" not in dismissed
    for text in (rejected, dismissed):
        assert "senest 1. juni 2027" in text and "kommunens klagenemnd" in text


def test_the_letter_is_a_tagged_pdf_a_2a(sent):
    letter = sent.letter("A")
    data = read_document(letter.stored_name)
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "nb"
    xmp = reader.xmp_metadata.stream.get_data()
    assert b'pdfaid:part="2"' in xmp and b'pdfaid:conformance="A"' in xmp
    import hashlib
    assert hashlib.sha256(data).hexdigest() == letter.sha256


def test_sending_records_the_notice_date_and_the_deadline_and_releases_the_notices(
        client, decided, app):
    login(client, decided.lene)
    post_form(client, letters_path(decided.call), {})
    drafts = {key: decided.letter(key).sha256 for key in "ABCD"}
    page = html_of(client.get(letters_path(decided.call, "send")))
    assert "4 brev sendes nå." in page and "klagefristen blir" in page
    response = post_form(client, letters_path(decided.call, "send"), {})
    assert response.status_code == 302
    assert "4 vedtaksbrev er sendt." in html_of(client.get(response.headers["Location"]))
    _db.session.expire_all()
    for key in "ABCD":
        letter = decided.letter(key)
        assert letter.sent_at is not None and letter.sent_by_id == decided.lene.id
        assert letter.appeal_deadline is not None
        assert letter.sha256 != drafts[key]  # written again with the date and the deadline
        assert [m.state for m in letter.notices] == [MailState.SENT]
        notice = letter.notices[0]
        assert notice.to_address == decided.applicants[key].email
        assert f"http://fond.test/soknader/{decided.apps[key].id}" in notice.body_text
        assert not notice.attachments  # a notice with a link, never the PDF itself
    events = _db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "letter.sent")).scalars().all()
    assert len(events) == 4 and all(e.actor_id == decided.lene.id for e in events)
    # nothing is left to send
    assert "Ingen brev venter på å bli sendt." in html_of(
        client.get(letters_path(decided.call, "send")))


def test_sent_with_an_explicit_time_the_deadline_is_three_weeks_later(sent):
    for key in "ABCD":
        letter = sent.letter(key)
        assert letter.sent_at == SENT_AT and letter.appeal_deadline == DEADLINE


def test_a_manager_inhabil_in_one_application_can_neither_stage_nor_send(client, decided):
    login(client, decided.mona)
    page = html_of(client.get(letters_path(decided.call)))
    assert "Du er inhabil i 1 søknad i utlysningen" in page
    assert decided.apps["B"].title not in page
    post_form(client, letters_path(decided.call), {}, form_page="/")
    assert _db.session.execute(select(Letter)).first() is None


def test_an_inhabil_manager_cannot_send_staged_letters(client, app, decided):
    from fund.decisions.operations import stage_letters
    with app.test_request_context():
        stage_letters(decided.call, decided.lene)
    _db.session.commit()
    login(client, decided.mona)
    assert "kan ikke sende brevene" in html_of(client.get(letters_path(decided.call, "send")))
    post_form(client, letters_path(decided.call, "send"), {}, form_page="/")
    _db.session.expire_all()
    assert all(decided.letter(key).sent_at is None for key in "ABCD")
    # and the letter of the application she is inhabil in does not exist for her
    assert client.get(f"/vedtak/brev/{decided.letter('B').id}.pdf").status_code == 404
    assert client.get(f"/vedtak/brev/{decided.letter('A').id}.pdf").status_code == 200


def test_the_letter_pages_are_for_managers(app, db, decided):
    for user in (decided.sara, decided.applicants["A"]):
        client = app.test_client()
        login(client, user)
        assert client.get(letters_path(decided.call)).status_code == 403
        assert client.get(letters_path(decided.call, "send")).status_code == 403
        for path in (letters_path(decided.call), letters_path(decided.call, "send")):
            assert post_form(client, path, {}, form_page="/").status_code == 403
    anonymous = app.test_client()
    response = anonymous.get(letters_path(decided.call))
    assert response.status_code == 302 and "/logg-inn" in response.headers["Location"]


def test_staff_read_a_staged_letter_and_the_applicant_does_not(client, app, decided):
    from fund.decisions.operations import stage_letters
    with app.test_request_context():
        stage_letters(decided.call, decided.lene)
    _db.session.commit()
    letter = decided.letter("A")
    login(client, decided.sara)
    response = client.get(f"/vedtak/brev/{letter.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Klagefristen er tre uker fra du mottok dette brevet." in pdf_text(response.data)
    client2 = app.test_client()
    login(client2, decided.applicants["A"])
    assert client2.get(f"/vedtak/brev/{letter.id}.pdf").status_code == 403
    assert client2.get(
        f"/mine-vedtak/soknader/{decided.apps['A'].id}/brev/{letter.id}.pdf").status_code == 404


def test_outbox_has_no_notice_before_sending(decided, app):
    from fund.decisions.operations import stage_letters
    with app.test_request_context():
        stage_letters(decided.call, decided.lene)
    _db.session.commit()
    notices = outbox(decided.applicants["A"].email)
    assert [m.state for m in notices if m.subject.startswith("Vedtak")] == [MailState.DRAFT]
