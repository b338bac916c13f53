"""«Dine data»: a person downloads everything held about them, and nothing of others."""

import gc
import hashlib
import io
import json
import zipfile

from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.core.roles import Role
from fund.privacy.operations import write_export
from tests.decisions.conftest import INTERNAL
from tests.helpers import (
    attach,
    count_queries,
    login,
    make_application,
    make_user,
    post_form,
    real_pdfs,
)

PAGE = "/min-side/dine-data"
DOWNLOAD = "/min-side/dine-data/last-ned"


def download(client) -> zipfile.ZipFile:
    response = post_form(client, DOWNLOAD, {}, form_page=PAGE)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/zip"
    assert 'attachment; filename=mine-data-' in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.data))


def everything(archive: zipfile.ZipFile) -> str:
    return "\n".join(archive.read(name).decode("utf-8", "replace")
                     for name in archive.namelist())


def test_the_account_page_leads_to_the_data_page(client, applicant):
    login(client, applicant)
    assert PAGE in client.get("/min-side").get_data(as_text=True)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Dine data" in page and "Last ned dataene mine" in page


def test_an_applicant_downloads_their_applications_files_letters_and_mail_and_nothing_of_others(
        client, sent, db):
    gamma = sent.apps["C"]
    person = sent.applicants["C"]
    attachment = attach(gamma, person, "Budsjett 2027.pdf", b"%PDF-1.4\n% Gamma budsjett\n%%EOF\n")
    draft = make_application(sent.call, gamma.organisation, person, title="Gammas neste idé")
    draft_file = attach(draft, person, "skisse.pdf", b"%PDF-1.4\n% skisse\n%%EOF\n")
    db.session.commit()
    login(client, person)

    archive = download(client)
    names = archive.namelist()
    account = json.loads(archive.read("konto.json"))
    assert account["email"] == "c@example.no" and account["name"] == "Søker C"
    assert account["role"] == "applicant" and account["created_at"].startswith("20")
    assert account["logins"], "the login just made is listed"
    assert "password_hash" not in account
    organisations = json.loads(archive.read("organisasjoner.json"))
    assert [o["name"] for o in organisations] == ["Gamma AS"]
    assert organisations[0]["membership"]["responsible"] is True

    folder = f"soknader/{gamma.case_number}"
    case = json.loads(archive.read(f"{folder}/soknad.json"))
    assert case["title"] == "Gamma grafikk" and case["state"] == "submitted"
    assert case["cost_lines"][0]["amount"] == 300_000
    assert case["measures"] == [{"measure": "1B-2", "how": "Vi søker fondet."}]
    snapshot = case["submissions"][0]["snapshot"]
    assert snapshot["case_number"] == gamma.case_number
    assert "Gamma grafikk" in json.dumps(snapshot, ensure_ascii=False)
    assert archive.read(case["submissions"][0]["receipt"]).startswith(b"%PDF")
    assert [d["outcome"] for d in case["decisions"]] == ["rejected"]
    assert "proposed_amount" not in case["decisions"][0]
    # The files, under readable names, are the very bytes stored.
    entry = next(a for a in case["attachments"] if a["id"] == attachment.id)
    assert entry["file"].endswith("Budsjett 2027.pdf")
    assert hashlib.sha256(archive.read(entry["file"])).hexdigest() == attachment.sha256
    letter = case["letters"][0]
    assert hashlib.sha256(archive.read(letter["file"])).hexdigest() == letter["sha256"]
    drafted = json.loads(archive.read(f"soknader/utkast-{draft.id}/soknad.json"))
    assert drafted["title"] == "Gammas neste idé"
    assert hashlib.sha256(archive.read(drafted["attachments"][0]["file"])).hexdigest() == \
        draft_file.sha256
    # Their mail: the receipt and the notice of the vedtak.
    mail = json.loads(archive.read("epost.json"))
    assert mail and all(m["to_address"] == "c@example.no" for m in mail)
    assert any(m["subject"].startswith("Vedtak i sak") for m in mail)
    assert "filer.json" in names
    readme = archive.read("LESMEG.txt").decode()
    assert "Søker C" in readme and "konto.json" in readme
    assert "Ikke med: saksbehandlernes interne vurderinger" in readme

    # Nothing of the other applicants' cases, nor of the internal case handling.
    text = everything(archive)
    for key in "ABDE":
        assert sent.apps[key].title not in text
        assert sent.apps[key].case_number not in text
        assert f"{key.lower()}@example.no" not in text
    assert INTERNAL not in text
    assert "lene@example.no" not in text and "Lene Leder" not in text

    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "user.data_exported")).all()
    assert [(e.actor_id, e.object_id) for e in events] == [(person.id, person.id)]
    assert events[0].details["applications"] == 2


def test_a_person_with_nothing_gets_their_account_only(client, db):
    person = make_user("ny@example.no", name="Nina Ny")
    db.session.commit()
    login(client, person)
    archive = download(client)
    assert json.loads(archive.read("konto.json"))["email"] == "ny@example.no"
    assert json.loads(archive.read("organisasjoner.json")) == []
    assert json.loads(archive.read("epost.json")) == []
    assert not [name for name in archive.namelist() if name.startswith("soknader/")]


def test_a_download_that_made_letters_turns_the_collector_back_on(client, sent, db, monkeypatch):
    """The archive is a file sent as it is (``send_file``), and a server closes the file,
    never the answer's own close: the collector, paused while the archive's letters were
    rendered (issue 14), is back on and has cleared them when the answer leaves."""
    cleared = real_pdfs(monkeypatch)
    login(client, sent.applicants["C"])
    archive = download(client)
    assert any(name.endswith(".pdf") for name in archive.namelist())
    assert cleared == [True] and gc.isenabled()


def test_each_applicant_gets_only_their_own(client, sent, db):
    login(client, sent.applicants["A"])
    text = everything(download(client))
    assert sent.apps["A"].title in text and sent.apps["C"].title not in text
    assert '"grant"' in text  # A's tilsagn is part of A's case


def test_the_download_needs_a_login_and_the_form_token(client, app, applicant, db):
    db.session.commit()
    response = client.get(PAGE)
    assert response.status_code == 302 and "/logg-inn" in response.headers["Location"]
    response = client.post(DOWNLOAD)
    assert response.status_code in (302, 400) and response.mimetype != "application/zip"
    login(client, applicant)
    response = client.post(DOWNLOAD)  # no CSRF token: another site's form
    assert response.status_code == 400 and response.mimetype != "application/zip"


def test_downloads_are_limited(client, app, applicant, db, monkeypatch):
    db.session.commit()
    monkeypatch.setitem(app.config, "PRIVACY_EXPORT_MAX", 1)
    login(client, applicant)
    download(client)
    response = post_form(client, DOWNLOAD, {}, form_page=PAGE)
    assert response.status_code == 429
    assert "Vent en time" in response.get_data(as_text=True)


def test_the_queries_do_not_grow_with_the_applications(app, sent, db):
    person = sent.applicants["C"]
    organisation = sent.apps["C"].organisation

    def queries() -> int:
        with app.test_request_context(), count_queries() as counted:
            write_export(db.session.get(type(person), person.id), io.BytesIO())
        return counted.count

    def add_drafts(count: int) -> None:
        for n in range(count):
            application = make_application(sent.call, organisation, person, title=f"Utkast {n}")
            attach(application, person, f"fil-{n}.pdf")
        db.session.commit()
        db.session.expire_all()

    add_drafts(1)  # one of each kind: a submitted case with its letter, a draft with a file
    few = queries()
    add_drafts(4)
    assert queries() == few <= 30


def test_staff_may_download_their_own_account(client, db):
    worker = make_user("sb@example.no", Role.CASEWORKER)
    db.session.commit()
    login(client, worker)
    archive = download(client)
    assert json.loads(archive.read("konto.json"))["role"] == "caseworker"
    assert not [name for name in archive.namelist() if name.startswith("soknader/")]


def test_a_recipient_gets_the_grant_with_its_payments_and_documents(client, sent, db):
    """A's tilsagn, with a payment request and the cost documentation sent with it."""
    import secrets
    from pathlib import Path

    from flask import current_app

    from fund.grants.models import DocumentKind, GrantDocument, PaymentRequest
    from fund.grants.queries import grant_of
    person = sent.applicants["A"]
    grant = grant_of(sent.apps["A"])
    content = b"%PDF-1.4\n% faktura fra konsulenten\n%%EOF\n"
    folder = Path(current_app.instance_path) / "grant_documents"
    folder.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16)
    (folder / stored).write_bytes(content)
    payment = PaymentRequest(grant=grant, number=1, amount_requested=50_000,
                             status_report="Halvveis.", submitted_by_id=person.id)
    db.session.add(payment)
    db.session.flush()
    db.session.add(GrantDocument(
        grant_id=grant.id, payment_id=payment.id, kind=DocumentKind.PAYMENT,
        filename="Faktura mars.pdf", stored_name=stored, content_type="application/pdf",
        size=len(content), sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by_id=person.id))
    db.session.commit()
    login(client, person)
    archive = download(client)
    case = json.loads(archive.read(f"soknader/{sent.apps['A'].case_number}/soknad.json"))
    assert case["grant"]["state"] == "offered"
    [paid] = case["grant"]["payments"]
    assert paid["amount_requested"] == 50_000 and paid["status_report"] == "Halvveis."
    [document] = paid["documents"]
    assert document["file"].endswith("Faktura mars.pdf")
    assert hashlib.sha256(archive.read(document["file"])).hexdigest() == \
        hashlib.sha256(content).hexdigest()
    assert [d["outcome"] for d in case["decisions"]] == ["granted"]


def test_the_claims_and_invitations_of_the_person_are_with_the_account(client, world):
    users, _values, _extra = world
    login(client, users["b"])
    account = json.loads(download(client).read("konto.json"))
    assert [c["reason"] for c in account["claims"]] == ["Jeg er daglig leder."]
    assert "decision_note" not in account["claims"][0]
    assert [i["organisation"] for i in account["invitations"]] == ["Kjeller Grønn Energi AS"]
