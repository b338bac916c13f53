"""The whole story in Chromium, as the people in it would live it: an applicant registers,
applies and submits; two caseworkers declare impartiality (one is inhabil), one scores;
the manager closes the review, proposes, records the decision and sends the letters; the
applicant reads the letter, accepts, asks for a payment and reports; the plan-coverage
report shows the project under its measures.

Only staff accounts and the call are seeded (the UI has no way to make them); everything
the applicant, the caseworkers and the manager do goes through the browser. The served app
runs in a thread of this process, so ``time_machine`` moves its clock (Chromium's clock
does not matter). axe-core runs on every distinct page the story visits.
"""

import re
import struct
import time
import zlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from fund.applications.models import Application
from fund.core.roles import Role
from fund.grants.models import Grant, GrantState
from fund.mail.operations import deliver_due
from fund.plan.models import Measure
from fund.review.models import ConfirmedMeasure
from tests.browser.pages import axe_violations, login, logout, outbox_messages
from tests.helpers import PASSWORD, make_call, make_user
from tests.served import Served

OSLO = ZoneInfo("Europe/Oslo")
expect.set_options(timeout=10_000)
APPLICANT = "kari@gronn-kjeller.no"
APPLICANT_PASSWORD = "Varmepumper-paa-Kjeller-2027"
TITLE = "Solceller og varmepumpe på lageret"
HOW_5C2 = "Vi kutter utslippene fra lageret med egen solstrøm og varmepumpe."
HOW_1C6 = "Vi deler målingene med bedriftene i næringsparken."


@pytest.fixture
def story_site(tmp_path, chromium_path):
    """An app of its own (the story changes the clock and fills the database), with two
    caseworkers, a fund manager and an open call that closes in ten days."""
    server = Served(tmp_path, suffix="story")
    with server.database():
        make_user("sara@lillestrom.kommune.no", Role.CASEWORKER, "Sara Saksbehandler")
        make_user("ivar@lillestrom.kommune.no", Role.CASEWORKER, "Ivar Inhabil")
        make_user("frida@lillestrom.kommune.no", Role.MANAGER, "Frida Forvalter")
        make_call(title="Næringsfondet 2027", closes_in=timedelta(days=10))
    try:
        yield server
    finally:
        server.stop()


def pdf_file(path) -> None:
    """A small, valid PDF with one page of text."""
    body = b"BT /F1 12 Tf 72 720 Td (Budsjett for solceller) Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    path.write_bytes(bytes(out))


def png_file(path) -> None:
    """A small, valid PNG: a 4×4 green square."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + b"\x20\xa0\x40" * 4 for _ in range(4))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0,
                                                                       0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class Story:
    """The browser, the site and what axe found on each distinct page."""

    def __init__(self, page: Page, site: Served):
        self.page, self.site = page, site
        page.set_default_timeout(10_000)
        self.checked: dict[str, list] = {}

    def go(self, path: str) -> None:
        self.page.goto(self.site.url + path)

    def axe(self, name: str) -> None:
        """Run axe on the page as it is now, once per distinct page."""
        if name not in self.checked:
            self.checked[name] = axe_violations(self.page)

    def heading(self, text) -> None:
        expect(self.page.locator("h1")).to_have_text(text)

    def flash(self, text) -> None:
        expect(self.page.locator(".flash, [role=status], [role=alert], .ds-alert")
               .filter(has_text=text).first).to_be_visible()

    def mail(self, to: str, subject_contains: str):
        """The newest mail to ``to`` with the words in its subject.

        The app delivers mail once the response has been sent. Under werkzeug's server that
        can wait until Chromium lets go of the connection, so after a moment the outbox is
        run as ``flask mail send`` from cron would."""
        cron_at, deadline = time.monotonic() + 0.5, time.monotonic() + 10
        while True:
            outbox = outbox_messages(self.site.instance)
            found = [m for m in outbox if to in m["To"] and subject_contains in m["Subject"]]
            if found:
                return found[-1]
            assert time.monotonic() < deadline, [(m["To"], m["Subject"]) for m in outbox]
            if cron_at and time.monotonic() > cron_at:
                with self.site.database():
                    deliver_due()
                cron_at = None
            time.sleep(0.05)

    def login(self, email: str, password: str = PASSWORD) -> None:
        login(self.page, self.site.url, email, password)

    def logout(self) -> None:
        logout(self.page)
        self.flash("Du er logget ut.")

    def open_grant(self, email: str, case_number: str | None = None,
                   password: str = PASSWORD) -> None:
        """Log in and open the grant: staff from the case in the queue, the applicant
        from «Mine søknader»."""
        self.login(email, password)
        if case_number:
            self.page.get_by_role("row").filter(has_text=case_number).get_by_role(
                "link", name=case_number).click()
        else:
            self.page.get_by_role("link", name="Mine søknader").first.click()
        self.page.get_by_role("link", name="Gå til tilskuddet").click()


def link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+", text).group(0)


def test_the_whole_story(page, story_site, tmp_path):
    story = Story(page, story_site)
    try:
        case_number = applicant_registers_and_applies(story, tmp_path)
        caseworkers_declare_and_assess(story, case_number)
        # The deadline passes (the served app's clock: it runs in this process).
        with time_machine.travel(datetime.now(OSLO) + timedelta(days=11), tick=True):
            manager_decides(story, case_number)
            applicant_follows_up(story, case_number, tmp_path)
            plan_coverage_shows_the_project(story, case_number)
    except Exception as exc:  # say where the story stopped, as a person would see it
        try:
            exc.add_note(f"at {page.url}:\n{page.inner_text('main', timeout=2000)[:1500]}")
        except Exception:  # noqa: BLE001 (the page itself may be gone)
            exc.add_note(f"at {page.url}")
        raise

    # Behind the pages: the grant is closed, and the confirmed measures are what the
    # reports read.
    with story_site.database() as session:
        application = session.scalars(select(Application)).one()
        assert session.scalars(select(Grant.state)).one() == GrantState.COMPLETED
        assert sorted(session.scalars(
            select(Measure.code).join(ConfirmedMeasure,
                                      ConfirmedMeasure.measure_id == Measure.id)
            .where(ConfirmedMeasure.application_id == application.id))) == ["1C-6", "5C-2"]
        assert len(application.attachments) == 2

    problems = {name: found for name, found in story.checked.items() if found}
    assert problems == {}, problems


def applicant_registers_and_applies(story: Story, tmp_path) -> str:
    page = story.page
    # The front page shows the open call; «Søk nå» asks for a login; she has no account.
    story.go("/")
    story.axe("forside")
    page.get_by_role("link", name="Opprett konto").first.click()
    story.heading("Opprett konto")
    story.axe("registrer")
    page.get_by_label("Fullt navn", exact=True).fill("Kari Nordmann")
    page.get_by_label("E-postadresse", exact=True).fill(APPLICANT)
    page.get_by_label("Passord", exact=True).fill(APPLICANT_PASSWORD)
    page.get_by_label("Gjenta passordet", exact=True).fill(APPLICANT_PASSWORD)
    page.get_by_role("button", name="Opprett konto").click()
    story.heading("Sjekk e-posten din")
    story.axe("sjekk e-post")

    page.goto(link_in(story.mail(APPLICANT, "")))
    story.heading("Logg inn")
    story.flash("bekreftet")
    story.axe("logg inn")
    story.login(APPLICANT, APPLICANT_PASSWORD)
    story.heading("Min side")
    story.axe("min side")

    page.get_by_role("link", name="Registrer organisasjon").first.click()
    story.heading("Registrer organisasjon")
    story.axe("ny organisasjon")
    page.get_by_label("Organisasjonsnummer", exact=True).fill("923456783")
    page.get_by_label("Navn", exact=True).fill("Grønn Kjeller AS")
    page.get_by_label("Forretningsadresse (valgfritt)", exact=True).fill("Kjellerveien 1")
    page.get_by_label("Postnummer (valgfritt)", exact=True).fill("2007")
    page.get_by_label("Poststed (valgfritt)", exact=True).fill("Kjeller")
    page.get_by_label("Kommunenummer (valgfritt)", exact=True).fill("3205")
    page.get_by_label("Kontonummer (valgfritt)", exact=True).fill("1503.12.34503")
    page.get_by_role("button", name="Lagre").click()
    story.heading("Grønn Kjeller AS")
    story.axe("organisasjon")

    # «Søk nå» on the open call, for her organisation.
    story.go("/")
    page.get_by_role("link", name=re.compile("^Søk nå")).first.click()
    story.heading("Start søknad: Næringsfondet 2027")
    story.axe("start søknad")
    page.get_by_role("button", name="Start søknad").click()
    story.heading("Ny søknad")
    story.flash("Utkastet er opprettet.")
    story.axe("søknadsskjema")
    fill_application(page, tmp_path)
    page.get_by_role("button", name="Lagre utkast").click()
    story.flash("Utkastet er lagret")
    story.heading(TITLE)
    expect(page.locator(".attachment-list li")).to_have_count(2)

    # She leaves, and comes back to the draft as she left it.
    story.logout()
    story.login(APPLICANT, APPLICANT_PASSWORD)
    page.get_by_role("link", name="Mine søknader").first.click()
    story.heading("Mine søknader")
    story.axe("mine søknader")
    page.get_by_role("link", name=TITLE).click()
    story.heading(TITLE)
    assert_draft_intact(page)

    # Send inn: the checklist is clear; she confirms.
    page.get_by_role("button", name="Lagre og gå til innsending").click()
    story.heading("Send inn søknaden")
    story.axe("send inn")
    expect(page.get_by_text("Alt som trengs er fylt ut")).to_be_visible()
    page.get_by_label(re.compile("^Jeg bekrefter at opplysningene")).check()
    page.get_by_role("button", name="Send inn søknaden").click()
    story.flash("Søknaden er sendt inn. Søknadsnummeret er NF-")
    story.axe("kvittering")
    case_number = re.search(r"NF-\d{4}-\d{4}", page.inner_text("main")).group(0)
    assert case_number in story.mail(APPLICANT, "Kvittering")["Subject"]
    story.logout()
    return case_number


def fill_application(page: Page, tmp_path) -> None:
    page.get_by_label("Kontaktperson", exact=True).fill("Kari Nordmann")
    page.get_by_label("Prosjektleder", exact=True).fill("Kari Nordmann")
    page.get_by_label("Prosjektets tittel", exact=True).fill(TITLE)
    page.get_by_label("Sammendrag", exact=True).fill(
        "Solceller og varmepumpe på lageret på Kjeller gir lavere utslipp og to nye "
        "arbeidsplasser.")
    page.get_by_label("Prosjektbeskrivelse", exact=True).fill(
        "Vi monterer solceller og en varmepumpe.")
    page.get_by_label("Bakgrunn", exact=True).fill("Strømprisen har doblet seg.")
    page.get_by_label("Mål", exact=True).fill("Halvere energibruken innen 2028.")
    page.get_by_label("Forankring", exact=True).fill("Styret vedtok prosjektet 12. januar.")
    page.get_by_label("Startdato", exact=True).fill("2027-04-01")
    page.get_by_label("Sluttdato", exact=True).fill("2027-12-31")
    page.get_by_label("Prosjektet er ikke startet", exact=True).check()
    page.get_by_label("Hvorfor er tilskuddet avgjørende?", exact=True).fill(
        "Uten tilskudd må vi vente tre år.")
    # The plan: two measures, each with its sentence; their strategies follow.
    for area, code, how in (("5", "5C-2", HOW_5C2), ("1", "1C-6", HOW_1C6)):
        page.locator("summary", has_text=f"Innsatsområde {area}:").click()
        page.get_by_label(re.compile(rf"^{code} ")).check()
        page.get_by_label(f"Hvordan bidrar prosjektet til {code}?", exact=True).fill(how)
    page.get_by_label("Nye kunnskapsintensive arbeidsplasser", exact=True).fill("2")
    page.get_by_label("Andre nye arbeidsplasser", exact=True).fill("1")
    # The budget: two cost lines, own funds, and the amount applied for.
    page.get_by_label("Kategori, kostnadslinje 1", exact=True).select_option(label="Utstyr")
    page.get_by_label("Beskrivelse, kostnadslinje 1", exact=True).fill(
        "Solcellepaneler og varmepumpe")
    page.get_by_label("Beløp, kostnadslinje 1", exact=True).fill("300000")
    page.get_by_label("Kategori, kostnadslinje 2", exact=True).select_option(
        label="Kjøp av tjenester")
    page.get_by_label("Beskrivelse, kostnadslinje 2", exact=True).fill("Montering")
    page.get_by_label("Beløp, kostnadslinje 2", exact=True).fill("100000")
    page.get_by_label("Type, finansieringslinje 1", exact=True).select_option(label="Egne midler")
    page.get_by_label("Beskrivelse, finansieringslinje 1", exact=True).fill("Egenkapital")
    page.get_by_label("Beløp, finansieringslinje 1", exact=True).fill("200000")
    page.get_by_label("Beløp det søkes om (kr)", exact=True).fill("200000")
    expect(page.locator("#share-applied")).to_have_text(re.compile(r"50"))
    # Two attachments: a budget (PDF) and a photo of the roof (PNG).
    pdf_file(tmp_path / "budsjett.pdf")
    png_file(tmp_path / "taket.png")
    page.get_by_label("Last opp vedlegg", exact=True).set_input_files(
        [tmp_path / "budsjett.pdf", tmp_path / "taket.png"])


def assert_draft_intact(page: Page) -> None:
    expect(page.get_by_label("Prosjektets tittel", exact=True)).to_have_value(TITLE)
    expect(page.get_by_label("Prosjektleder", exact=True)).to_have_value("Kari Nordmann")
    expect(page.get_by_label("Forankring", exact=True)).to_have_value(
        "Styret vedtok prosjektet 12. januar.")
    expect(page.get_by_label("Startdato", exact=True)).to_have_value("2027-04-01")
    expect(page.get_by_label("Sluttdato", exact=True)).to_have_value("2027-12-31")
    expect(page.get_by_label("Prosjektet er ikke startet", exact=True)).to_be_checked()
    for code, how in (("5C-2", HOW_5C2), ("1C-6", HOW_1C6)):
        expect(page.get_by_label(re.compile(rf"^{code} "))).to_be_checked()
        expect(page.get_by_label(f"Hvordan bidrar prosjektet til {code}?", exact=True)
               ).to_have_value(how)
    expect(page.get_by_label("Prosjektet bidrar til strategi 5C", exact=True)).to_be_checked()
    expect(page.get_by_label("Prosjektet bidrar til strategi 1C", exact=True)).to_be_checked()
    expect(page.get_by_label("Kategori, kostnadslinje 1", exact=True)).to_have_value("equipment")
    expect(page.get_by_label("Beløp, kostnadslinje 1", exact=True)).to_have_value("300000")
    expect(page.get_by_label("Beskrivelse, kostnadslinje 2", exact=True)).to_have_value("Montering")
    expect(page.get_by_label("Beløp, kostnadslinje 2", exact=True)).to_have_value("100000")
    expect(page.get_by_label("Beløp, finansieringslinje 1", exact=True)).to_have_value("200000")
    expect(page.get_by_label("Beløp det søkes om (kr)", exact=True)).to_have_value("200000")
    expect(page.locator("#total-cost")).to_have_text(re.compile(r"400\s000"))
    expect(page.locator(".attachment-list a")).to_have_text(["budsjett.pdf", "taket.png"])


def caseworkers_declare_and_assess(story: Story, case_number: str) -> None:
    page = story.page
    # Ivar knows the applicant: he declares himself inhabil, and the case is gone for him.
    story.login("ivar@lillestrom.kommune.no")
    story.heading("Innkomne søknader")
    story.axe("innkomne søknader")
    row = page.get_by_role("row").filter(has_text=case_number)
    case_href = row.get_by_role("link", name=case_number).get_attribute("href")
    row.get_by_role("link", name="Erklær habilitet").click()
    story.heading(f"Er du habil i sak {case_number}?")
    story.axe("habilitet")
    page.get_by_role("group", name="Har du veiledet").get_by_label("Nei", exact=True).check()
    page.get_by_label("Ja, jeg er inhabil", exact=True).check()
    page.get_by_label("Grunn (hvis inhabil)", exact=True).select_option(index=1)
    page.get_by_label("Forklaring", exact=True).fill("Søkerens daglige leder er søsteren min.")
    page.get_by_role("button", name="Lagre erklæringen").click()
    story.heading("Innkomne søknader")
    story.flash("Du er registrert som inhabil")
    response = page.goto(story.site.url + case_href)
    assert response.status == 404
    expect(page.get_by_text("Vi finner ikke siden du leter etter.")).to_be_visible()
    story.axe("404")
    story.logout()

    # Sara is habil; she verifies the organisation, scores, and confirms the measures.
    story.login("sara@lillestrom.kommune.no")
    page.get_by_role("row").filter(has_text=case_number).get_by_role(
        "link", name="Erklær habilitet").click()
    page.get_by_role("group", name="Har du veiledet").get_by_label("Nei", exact=True).check()
    page.get_by_label("Nei, jeg er habil", exact=True).check()
    page.get_by_role("button", name="Lagre erklæringen").click()
    story.heading(f"{case_number}: {TITLE}")
    story.axe("saken")
    page.get_by_role("link", name="Vurder søknaden").click()
    story.heading(f"Vurdering av {case_number}")
    story.axe("vurdering")
    for criterion in page.locator("fieldset.criterion").all():
        criterion.get_by_label(re.compile("^4 –")).check()
    page.get_by_label("Samlet vurdering", exact=True).fill("Et godt prosjekt med klare mål.")
    page.get_by_label("Anbefalt beløp (kr)", exact=True).fill("200000")
    page.get_by_label("Anbefaling", exact=True).select_option(label="Innvilge")
    page.get_by_role("button", name="Fullfør vurderingen").click()
    story.flash("Vurderingen er fullført. Summen er 80 av 100.")
    story.heading(f"{case_number}: {TITLE}")
    measures = page.locator("#tiltak")
    expect(measures.get_by_label(re.compile("^5C-2 "))).to_be_checked()
    expect(measures.get_by_label(re.compile("^1C-6 "))).to_be_checked()
    page.get_by_role("button", name="Bekreft tiltakene").click()
    story.flash("Tiltakene er bekreftet.")
    story.logout()


def manager_decides(story: Story, case_number: str) -> None:
    page = story.page
    today = datetime.now(OSLO).date()
    story.login("frida@lillestrom.kommune.no")
    story.heading("Utlysninger")
    story.axe("forvaltning")
    # She declares herself habil first: the proposals need it.
    page.get_by_role("link", name="Innkomne søknader").first.click()
    page.get_by_role("row").filter(has_text=case_number).get_by_role(
        "link", name="Erklær habilitet").click()
    page.get_by_role("group", name="Har du veiledet").get_by_label("Nei", exact=True).check()
    page.get_by_label("Nei, jeg er habil", exact=True).check()
    page.get_by_role("button", name="Lagre erklæringen").click()
    story.heading(f"{case_number}: {TITLE}")

    # The ranking: one application, above the line.
    page.get_by_role("link", name="Forvaltning").first.click()
    page.get_by_role("link", name="Næringsfondet 2027").click()
    story.heading("Næringsfondet 2027")
    story.axe("utlysningen (forvaltning)")
    page.get_by_role("link", name="Rangering og innstilling", exact=True).click()
    story.heading("Rangering og innstilling: Næringsfondet 2027")
    story.axe("rangering")
    expect(page.get_by_role("row").filter(has_text=case_number)).to_contain_text("80")

    # Closing the review: the organisation must be verified first.
    page.get_by_role("link", name="Avslutt behandlingen …").click()
    story.heading("Avslutt behandlingen: Næringsfondet 2027")
    expect(page.locator("#refusals")).to_contain_text("Grønn Kjeller AS")
    story.axe("avslutt (nektet)")
    page.locator("#refusals").get_by_role("link", name="Grønn Kjeller AS").click()
    story.heading("Grønn Kjeller AS")
    page.get_by_label("Hva har du sjekket?", exact=True).fill(
        "Firmaattest sjekket: Kari Nordmann er daglig leder.")
    page.get_by_role("button", name="Verifiser organisasjonen").click()
    expect(page.get_by_text("Verifisert", exact=True)).to_be_visible()
    page.go_back()
    page.go_back()
    page.reload()
    story.heading("Avslutt behandlingen: Næringsfondet 2027")
    story.axe("avslutt")
    page.get_by_role("button", name="Avslutt behandlingen og lås innstillingen").click()
    story.flash("Behandlingen er avsluttet, og innstillingen er låst.")

    # Proposals, and the innstilling laid before the decision body.
    page.get_by_role("link", name="Forslag til vedtak").first.click()
    story.heading("Forslag til vedtak: Næringsfondet 2027")
    story.axe("forslag")
    page.get_by_label(f"Forslag for {case_number}", exact=True).select_option(label="Innvilge")
    page.get_by_label("Beløp (kr), for tilskudd", exact=True).fill("200000")
    page.get_by_label("Begrunnelse i innstillingen", exact=True).fill(
        "Prosjektet kutter utslipp og gir nye arbeidsplasser.")
    page.get_by_role("button", name="Lagre og legg fram innstillingen").click()
    story.flash("Innstillingen er lagt fram.")

    # The meeting and the decision.
    page.get_by_role("link", name="Forvaltning").first.click()
    page.get_by_role("link", name="Næringsfondet 2027").click()
    page.get_by_role("link", name="Vedtakene i utlysningen").click()
    story.heading("Vedtak: Næringsfondet 2027")
    story.axe("vedtak (utlysning)")
    page.get_by_label("Vedtaksorgan", exact=True).select_option(label="Formannskapet")
    page.get_by_label("Møtedato (vedtaksdato)", exact=True).fill(today.isoformat())
    page.get_by_label("Politisk saksnummer", exact=True).fill("PS 45/27")
    page.get_by_role("button", name="Registrer møtet").click()
    story.flash("Møtet er registrert.")
    page.get_by_role("link", name=f"Registrer vedtaket {case_number}").click()
    story.heading(f"Vedtak på {case_number}")
    # No exchange rate for the day yet (de minimis): the page shows the way to the rates.
    expect(page.locator("#no-rate")).to_contain_text("Ingen kurs for datoen")
    page.locator("#no-rate").get_by_role("link", name="Valutakurser").click()
    story.heading("Valutakurser (kroner per euro)")
    story.axe("valutakurser")
    page.get_by_label("Dato", exact=True).fill(today.isoformat())
    page.get_by_label("Kroner per euro", exact=True).fill("11.62")
    page.get_by_label("Kilde", exact=True).fill("Norges Bank")
    page.get_by_role("button", name="Lagre kursen").click()
    story.flash("Kursen er lagt inn.")
    page.go_back()
    page.go_back()
    page.reload()
    story.heading(f"Vedtak på {case_number}")
    expect(page.locator("#headroom")).to_be_visible()
    story.axe("vedtak (søknad)")
    page.get_by_label("Utfall", exact=True).select_option(label="Innvilget")
    page.get_by_label("Vedtatt beløp (kr), for tilskudd", exact=True).fill("200000")
    page.get_by_label("Begrunnelse særskilt for denne søknaden", exact=True).fill(
        "Prosjektet scorer høyt på alle kriteriene.")
    page.get_by_label("Grunnlag for støtten", exact=True).select_option(
        label="Bagatellmessig støtte (forordning (EU) 2023/2831)")
    page.get_by_label("KDD-kategori", exact=True).select_option(value="1110")
    page.get_by_role("button", name="Registrer vedtaket").click()
    story.flash(f"Vedtaket på {case_number} er registrert.")

    # The letters: made, read, and sent together.
    page.get_by_role("link", name="Vedtaksbrev og klager").first.click()
    story.heading("Vedtaksbrev og klager: Næringsfondet 2027")
    page.get_by_role("button", name="Lag vedtaksbrevene").click()
    story.axe("vedtaksbrev")
    page.get_by_role("link", name="Send brevene …").click()
    story.heading("Send vedtaksbrevene: Næringsfondet 2027")
    story.axe("send brevene")
    page.get_by_role("button", name="Send alle brevene").click()
    story.flash("sendt")
    story.mail(APPLICANT, f"Vedtak i sak {case_number}")
    story.logout()


def applicant_follows_up(story: Story, case_number: str, tmp_path) -> None:
    page = story.page
    # The mail's link leads through the login to the application and its decision.
    page.goto(link_in(story.mail(APPLICANT, f"Vedtak i sak {case_number}")))
    story.heading("Logg inn")
    page.get_by_label("E-post").fill(APPLICANT)
    page.get_by_label("Passord", exact=True).fill(APPLICANT_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    story.heading(TITLE)
    story.axe("søknaden (vedtak)")
    decision = page.locator("#decision")
    expect(decision).to_contain_text("Innvilget")
    expect(decision).to_contain_text("inntil kr 200 000")
    letter = decision.get_by_role("link", name=re.compile("^Vedtaksbrev"))
    response = page.request.get(story.site.url + letter.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    # She accepts the grant.
    page.get_by_role("link", name="Gå til tilskuddet: aksept, utbetaling og sluttrapport").click()
    story.heading(f"Tilskudd: {TITLE}")
    story.axe("tilskuddet (tilsagn)")
    page.get_by_label("Ditt fulle navn", exact=True).fill("Kari Nordmann")
    page.get_by_label("Din rolle i organisasjonen", exact=True).select_option(label="Daglig leder")
    page.get_by_label(re.compile("^Jeg har lest tilsagnsbrevet")).check()
    page.get_by_role("button", name="Aksepter tilsagnet").click()
    story.flash("Tilsagnet er akseptert.")
    story.logout()

    # Sara checks her authority; nothing is paid before that.
    story.open_grant("sara@lillestrom.kommune.no", case_number)
    story.heading(f"Tilskudd: {TITLE}")
    story.axe("tilskuddet (saksbehandler)")
    page.get_by_label("Ja, fullmakten er kontrollert", exact=True).check()
    page.get_by_label("Merknad", exact=True).fill("Firmaattesten viser at hun er daglig leder.")
    page.get_by_role("button", name="Lagre kontrollen").click()
    story.flash("Fullmakten er kontrollert.")
    story.logout()

    # She asks for the advance (half), with the costs so far and a receipt.
    story.open_grant(APPLICANT, password=APPLICANT_PASSWORD)
    page.get_by_role("link", name="Be om utbetaling").click()
    story.heading("Be om utbetaling")
    story.axe("be om utbetaling")
    page.get_by_label("Kostnader hittil på Utstyr", exact=True).fill("150000")
    page.get_by_label("Kostnader hittil på Kjøp av tjenester", exact=True).fill("50000")
    page.get_by_label("Beløp dere ber om (kr)", exact=True).fill("100000")
    page.get_by_label("Statusrapport", exact=True).fill("Panelene er montert; varmepumpen kommer.")
    pdf_file(tmp_path / "faktura.pdf")
    page.get_by_label("Dokumentasjon av kostnadene", exact=True).set_input_files(
        tmp_path / "faktura.pdf")
    page.get_by_role("button", name="Send anmodningen").click()
    story.flash("Anmodningen om utbetaling er sendt.")
    story.logout()

    # Sara approves it; Frida (another person) records the payout.
    story.open_grant("sara@lillestrom.kommune.no", case_number)
    page.get_by_role("link", name="Anmodning 1").click()
    story.heading("Anmodning om utbetaling 1")
    story.axe("utbetaling (saksbehandler)")
    page.get_by_label("Godkjenn beløpet det er bedt om", exact=True).check()
    page.get_by_role("button", name="Lagre avgjørelsen").click()
    story.flash("Anmodningen er behandlet, og mottakeren har fått beskjed.")
    payment_url = page.url
    story.logout()
    story.login("frida@lillestrom.kommune.no")
    page.goto(payment_url)
    page.get_by_label("Utbetalt dato", exact=True).fill(datetime.now(OSLO).date().isoformat())
    page.get_by_role("button", name="Registrer som utbetalt").click()
    story.flash("Utbetalingen er registrert, og mottakeren har fått beskjed.")
    story.logout()

    # The final report, with the auditor's confirmation.
    story.open_grant(APPLICANT, password=APPLICANT_PASSWORD)
    expect(page.locator("#payments-h")).to_be_visible()
    page.get_by_role("link", name="Skriv sluttrapporten").click()
    story.heading(f"Sluttrapport: {TITLE}")
    story.axe("sluttrapport")
    page.get_by_label("Resultater opp mot målene", exact=True).fill(
        "Energibruken er halvert, og to nye stillinger er besatt.")
    page.get_by_label("Solcellepaneler og varmepumpe", exact=True).fill("300000")
    page.get_by_label("Montering", exact=True).fill("100000")
    page.get_by_label("Nye kunnskapsintensive arbeidsplasser", exact=True).fill("2")
    page.get_by_label("Andre nye arbeidsplasser", exact=True).fill("1")
    page.get_by_label(re.compile("^5C-2 ")).fill("Solstrømmen dekker lageret om sommeren.")
    page.get_by_label(re.compile("^1C-6 ")).fill("Målingene er delt i næringsparken.")
    pdf_file(tmp_path / "revisor.pdf")
    page.locator("#auditor_files").set_input_files(tmp_path / "revisor.pdf")
    page.get_by_label(re.compile("^Jeg bekrefter")).check()
    page.get_by_role("button", name="Send inn sluttrapporten").click()
    story.flash("Sluttrapporten er sendt inn.")
    story.logout()

    # Sara approves the report; the grant is closed.
    story.open_grant("sara@lillestrom.kommune.no", case_number)
    page.locator("#sluttrapport-heading").locator("..").get_by_role("link").first.click()
    story.heading(f"Sluttrapport: {TITLE}")
    story.axe("sluttrapport (saksbehandler)")
    page.get_by_label(re.compile("^Jeg har kontrollert regnskapet")).check()
    page.get_by_role("button", name="Godkjenn sluttrapporten").click()
    story.flash("Sluttrapporten er godkjent, og tilskuddet er avsluttet.")


def plan_coverage_shows_the_project(story: Story, case_number: str) -> None:
    page = story.page
    page.get_by_role("link", name="Rapporter").first.click()
    story.heading("Dekning av handlingsplanen")
    story.axe("dekningsrapport")
    for strategy, measure in (("5C", "5C-2"), ("1C", "1C-6")):
        projects = page.locator(f"#projects-{strategy}")
        expect(projects).to_contain_text(TITLE)
        expect(projects).to_contain_text(case_number)
        expect(page.locator(f"#node-{measure}")).to_contain_text("200 000")
    story.logout()
