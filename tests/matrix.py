"""The route × role matrix: every route, and what each kind of user gets from it.

Used by tests/test_authorization.py (which requests every route as every role) and
tests/test_pages.py (which audits and fuzzes every page a role can reach). Expected
answers: a status code, or LOGIN for a redirect to the login page. Another party's object
answers 404, not 403.
"""

LOGIN = "login"
#: cw_inhabil: a caseworker who has declared themself disqualified (inhabil, forvaltningsloven
#: § 6) on {application}. Elsewhere they are a caseworker like cw.
ROLES = ["anon", "a", "b", "cw", "mgr", "admin", "cw_inhabil"]


def row(anon, a, b, cw, mgr, admin, cw_inhabil=None):
    return dict(zip(ROLES, (anon, a, b, cw, mgr, admin, cw if cw_inhabil is None else cw_inhabil),
                    strict=True))


EVERYONE_200 = row(200, 200, 200, 200, 200, 200)
EVERYONE_302 = row(302, 302, 302, 302, 302, 302)
SIGNED_IN_200 = row(LOGIN, 200, 200, 200, 200, 200)
MANAGERS = row(LOGIN, 403, 403, 403, 200, 200)
MANAGERS_302 = row(LOGIN, 403, 403, 403, 302, 302)
ADMINS = row(LOGIN, 403, 403, 403, 403, 200)
ANON_ONLY = row(200, 302, 302, 302, 302, 302)
CASE_HANDLERS = row(LOGIN, 403, 403, 200, 200, 403)
CASE_HANDLERS_302 = row(LOGIN, 403, 403, 302, 302, 403)
NO_SUCH_GRANT = row(LOGIN, 404, 404, 404, 404, 404)

# (rule, method) -> expected answer per role. {org}: applicant A's organisation,
# {member}: applicant A, {user}: applicant B, {call}: an open call.
MATRIX = {
    ("/", "GET"): EVERYONE_200,
    ("/healthz", "GET"): EVERYONE_200,
    # The pages the law requires: public, linked from every page's footer.
    ("/tilgjengelighet", "GET"): EVERYONE_200,
    ("/personvern", "GET"): EVERYONE_200,
    ("/static/<path:filename>", "GET"): EVERYONE_200,
    ("/plan/", "GET"): EVERYONE_200,
    ("/plan/<period>", "GET"): EVERYONE_200,
    ("/utlysninger/<int:call_id>", "GET"): EVERYONE_200,
    ("/tilskudd-tildelt", "GET"): EVERYONE_200,
    ("/api/tilskudd", "GET"): EVERYONE_200,
    # cw_inhabil is inhabil in a case of the report's default filter: refused (403)
    ("/rapporter/dekning", "GET"): row(LOGIN, 403, 403, 200, 200, 403, cw_inhabil=403),
    # The plan-coverage report's files: case handlers; refused to one inhabil in the filter.
    ("/rapporter/dekning/eksport.csv", "GET"): row(LOGIN, 403, 403, 200, 200, 403, 403),
    ("/rapporter/dekning/eksport.xlsx", "GET"): row(LOGIN, 403, 403, 200, 200, 403, 403),
    ("/rapporter/dekning/eksport.pdf", "GET"): row(LOGIN, 403, 403, 200, 200, 403, 403),
    # Figures from outside the system (NHO, SSB), entered by hand: managers only, as the
    # political priority; {figure_id} is no figure (404 once allowed).
    ("/rapporter/kontekst", "GET"): row(LOGIN, 403, 403, 403, 200, 403),
    ("/rapporter/kontekst", "POST"): row(LOGIN, 403, 403, 403, 200, 403),
    ("/rapporter/kontekst/<int:figure_id>/slett", "GET"): row(LOGIN, 403, 403, 403, 404, 403),
    ("/rapporter/kontekst/<int:figure_id>/slett", "POST"): row(LOGIN, 403, 403, 403, 404, 403),
    ("/sprak", "POST"): EVERYONE_302,
    ("/registrer", "GET"): ANON_ONLY,
    ("/registrer", "POST"): ANON_ONLY,
    ("/logg-inn", "GET"): ANON_ONLY,
    ("/logg-inn", "POST"): ANON_ONLY,
    ("/logg-ut", "POST"): EVERYONE_302,
    ("/bekreft-epost/<token>", "GET"): EVERYONE_302,
    ("/send-bekreftelse", "GET"): EVERYONE_200,
    ("/send-bekreftelse", "POST"): EVERYONE_200,
    ("/glemt-passord", "GET"): EVERYONE_200,
    ("/glemt-passord", "POST"): EVERYONE_200,
    ("/nytt-passord/<token>", "GET"): EVERYONE_302,
    ("/nytt-passord/<token>", "POST"): EVERYONE_302,
    ("/min-side", "GET"): SIGNED_IN_200,
    # «Dine data» (fund.privacy): each person's own, no ids. The download is a zip for
    # anyone signed in. Closing: A has a case running and staff close no account here, so
    # they are told why (200); B's empty form is refused (400).
    ("/min-side/dine-data", "GET"): SIGNED_IN_200,
    ("/min-side/dine-data/last-ned", "POST"): SIGNED_IN_200,
    ("/min-side/avslutt-konto", "GET"): SIGNED_IN_200,
    ("/min-side/avslutt-konto", "POST"): row(LOGIN, 200, 400, 200, 200, 200),
    ("/konto-avsluttet", "GET"): EVERYONE_200,
    ("/organisasjoner/ny", "GET"): row(LOGIN, 200, 200, 403, 403, 403),
    ("/organisasjoner/ny", "POST"): row(LOGIN, 200, 200, 403, 403, 403),
    ("/organisasjoner/<int:organisation_id>", "GET"): row(LOGIN, 200, 404, 200, 200, 200),
    ("/organisasjoner/<int:organisation_id>/rediger", "GET"):
        row(LOGIN, 200, 404, 404, 404, 200),
    ("/organisasjoner/<int:organisation_id>/rediger", "POST"):
        row(LOGIN, 302, 404, 404, 404, 302),
    # Members manage their organisation's members and invitations (with only the CSRF
    # token posted, each is refused with a message: back to the organisation, 302).
    ("/organisasjoner/<int:organisation_id>/invitasjoner", "POST"):
        row(LOGIN, 302, 404, 404, 404, 404),
    ("/organisasjoner/<int:organisation_id>/invitasjoner/<int:invitation_id>/trekk", "POST"):
        row(LOGIN, 302, 404, 404, 404, 404),
    ("/organisasjoner/<int:organisation_id>/medlemmer/<int:user_id>/fjern", "POST"):
        row(LOGIN, 302, 404, 404, 404, 404),
    ("/organisasjoner/<int:organisation_id>/medlemmer/<int:user_id>/ansvarlig", "POST"):
        row(LOGIN, 302, 404, 404, 404, 404),
    # {invitation}: to the one invited only (B accepts A's invitation, A declines B's).
    ("/invitasjoner/<int:invitation_id>/godta", "POST"): row(LOGIN, 404, 302, 404, 404, 404),
    ("/invitasjoner/<int:invitation_id>/avsla", "POST"): row(LOGIN, 302, 404, 404, 404, 404),
    # The right to act: members confirm a register role (the register is off here: back to
    # the organisation); applicants claim; staff verify, decide claims and bank accounts.
    ("/organisasjoner/<int:organisation_id>/bekreft-rolle", "GET"):
        row(LOGIN, 302, 404, 404, 404, 404),
    ("/organisasjoner/<int:organisation_id>/bekreft-rolle", "POST"):
        row(LOGIN, 302, 404, 404, 404, 404),
    ("/organisasjoner/krav", "GET"): row(LOGIN, 200, 200, 403, 403, 403),
    ("/organisasjoner/krav", "POST"): row(LOGIN, 200, 200, 403, 403, 403),
    ("/organisasjoner/oppfolging", "GET"): row(LOGIN, 403, 403, 200, 200, 200),
    ("/organisasjoner/<int:organisation_id>/verifiser", "POST"):
        row(LOGIN, 403, 403, 302, 302, 302),
    ("/organisasjoner/<int:organisation_id>/verifisering/fjern", "POST"):
        row(LOGIN, 403, 403, 302, 302, 302),
    ("/organisasjoner/<int:organisation_id>/krav/<int:claim_id>", "POST"):
        row(LOGIN, 403, 403, 302, 302, 302),
    ("/organisasjoner/<int:organisation_id>/kontonummer", "POST"):
        row(LOGIN, 403, 403, 302, 302, 302),
    ("/admin/brukere", "GET"): ADMINS,
    ("/admin/brukere/<int:user_id>", "GET"): ADMINS,
    ("/admin/brukere/<int:user_id>", "POST"): row(LOGIN, 403, 403, 403, 403, 302),
    ("/admin/logg/", "GET"): ADMINS,
    ("/plan/admin", "GET"): ADMINS,
    ("/plan/admin", "POST"): ADMINS,
    # The political priority of the innsatsområder: managers only (a POST with only the
    # CSRF token leaves every field blank: «ikke satt», saved, back to the page).
    ("/plan/<period>/prioritering", "GET"): row(LOGIN, 403, 403, 403, 200, 403),
    ("/plan/<period>/prioritering", "POST"): row(LOGIN, 403, 403, 403, 302, 403),
    # Publishing or deleting a draft plan: administrators; {period} is published, so it
    # is no draft (404 once allowed).
    ("/plan/<period>/publiser", "GET"): row(LOGIN, 403, 403, 403, 403, 404),
    ("/plan/<period>/publiser", "POST"): row(LOGIN, 403, 403, 403, 403, 404),
    ("/plan/<period>/slett", "GET"): row(LOGIN, 403, 403, 403, 403, 404),
    ("/plan/<period>/slett", "POST"): row(LOGIN, 403, 403, 403, 403, 404),
    ("/soknader", "GET"): row(LOGIN, 200, 200, 403, 403, 403),
    ("/utlysninger/<int:call_id>/soknad", "GET"): row(LOGIN, 200, 200, 403, 403, 403),
    ("/utlysninger/<int:call_id>/soknad", "POST"): row(LOGIN, 200, 200, 403, 403, 403),
    # {application}: applicant A's submitted application. The applicant's pages are for its
    # members; caseworkers open it under /saksbehandling after declaring themselves habile.
    ("/soknader/<int:application_id>", "GET"): row(LOGIN, 200, 404, 404, 404, 404),
    ("/soknader/<int:application_id>", "POST"): row(LOGIN, 302, 404, 404, 404, 404),
    ("/soknader/<int:application_id>/autolagre", "POST"): row(LOGIN, 409, 404, 404, 404, 404),
    ("/soknader/<int:application_id>/send-inn", "GET"): row(LOGIN, 302, 404, 404, 404, 404),
    ("/soknader/<int:application_id>/send-inn", "POST"): row(LOGIN, 302, 404, 404, 404, 404),
    ("/soknader/<int:application_id>/kvittering", "GET"): row(LOGIN, 200, 404, 404, 404, 404),
    ("/soknader/<int:application_id>/kvittering.pdf", "GET"):
        row(LOGIN, 200, 404, 404, 404, 404),
    # the confirmation pages: a submitted application cannot be deleted (back to it), and
    # withdrawing it without a reason shows the form again with the message
    ("/soknader/<int:application_id>/slett", "GET"): row(LOGIN, 302, 404, 404, 404, 404),
    ("/soknader/<int:application_id>/slett", "POST"): row(LOGIN, 302, 404, 404, 404, 404),
    ("/soknader/<int:application_id>/trekk", "GET"): row(LOGIN, 200, 404, 404, 404, 404),
    ("/soknader/<int:application_id>/trekk", "POST"): row(LOGIN, 200, 404, 404, 404, 404),
    ("/soknader/<int:application_id>/vedlegg/<int:attachment_id>", "GET"):
        row(LOGIN, 200, 404, 404, 404, 404),
    ("/soknader/<int:application_id>/vedlegg/<int:attachment_id>/slett", "POST"):
        row(LOGIN, 403, 404, 404, 404, 404),
    # Case handling: caseworkers and managers only; before the §6 declaration every page of
    # the case leads to the declaration (302); see tests/review for after it.
    ("/saksbehandling/soknader", "GET"): CASE_HANDLERS,
    ("/saksbehandling/soknader/<int:application_id>", "GET"): CASE_HANDLERS_302,
    ("/saksbehandling/soknader/<int:application_id>/habilitet", "GET"): CASE_HANDLERS,
    ("/saksbehandling/soknader/<int:application_id>/habilitet", "POST"): CASE_HANDLERS,
    ("/saksbehandling/soknader/<int:application_id>/vurdering", "GET"): CASE_HANDLERS_302,
    ("/saksbehandling/soknader/<int:application_id>/vurdering", "POST"): CASE_HANDLERS_302,
    ("/saksbehandling/soknader/<int:application_id>/soknad.pdf", "GET"): CASE_HANDLERS_302,
    ("/saksbehandling/soknader/<int:application_id>/vedlegg/<int:attachment_id>", "GET"):
        CASE_HANDLERS_302,
    ("/saksbehandling/soknader/<int:application_id>/tiltak", "POST"): CASE_HANDLERS_302,
    ("/saksbehandling/soknader/<int:application_id>/notater", "POST"): CASE_HANDLERS_302,
    ("/saksbehandling/soknader/<int:application_id>/be-om-opplysninger", "POST"):
        CASE_HANDLERS_302,
    # «Jeg er inhabil likevel», «Vår referanse», access requests and the municipality's
    # exemption assessments: case pages like the others (see tests/review).
    ("/saksbehandling/soknader/<int:application_id>/inhabil", "GET"): CASE_HANDLERS_302,
    ("/saksbehandling/soknader/<int:application_id>/inhabil", "POST"): CASE_HANDLERS_302,
    ("/saksbehandling/soknader/<int:application_id>/var-referanse", "POST"): CASE_HANDLERS_302,
    ("/saksbehandling/soknader/<int:application_id>/innsyn", "POST"): CASE_HANDLERS_302,
    ("/saksbehandling/soknader/<int:application_id>/innsyn/<int:request_id>", "POST"):
        CASE_HANDLERS_302,
    ("/saksbehandling/soknader/tildel", "POST"): CASE_HANDLERS_302,
    ("/saksbehandling/utlysninger/<int:call_id>/rangering", "GET"): CASE_HANDLERS,
    # The call has blind review and the caseworker has not assessed the application: the
    # export is refused (back to the ranking page with the reason). See tests/review.
    ("/saksbehandling/utlysninger/<int:call_id>/innstilling.<any(pdf, csv, xlsx):kind>", "GET"):
        row(LOGIN, 403, 403, 302, 200, 403),
    # A large call's export is a job (fund.review.exports): asked for by POST (the same
    # refusal as the export for the blind caseworker; the manager's job is queued and they
    # are sent to its page); {export_id} is nobody's job here: 404 for case handlers.
    ("/saksbehandling/utlysninger/<int:call_id>/eksport/<any(pdf, csv, xlsx):kind>", "POST"):
        row(LOGIN, 403, 403, 302, 303, 403),
    ("/saksbehandling/utlysninger/<int:call_id>/eksport/jobb/<int:export_id>", "GET"):
        row(LOGIN, 403, 403, 404, 404, 403),
    ("/saksbehandling/utlysninger/<int:call_id>/eksport/jobb/<int:export_id>/fil", "GET"):
        row(LOGIN, 403, 403, 404, 404, 403),
    ("/saksbehandling/utlysninger/<int:call_id>/eksport/jobb/<int:export_id>/igjen", "POST"):
        row(LOGIN, 403, 403, 404, 404, 403),
    ("/saksbehandling/utlysninger/<int:call_id>/linje", "POST"):
        row(LOGIN, 403, 403, 403, 302, 403),
    # Closing the review: a confirmation page, then the POST (refused here: the call is
    # still open, so back to the page that says why).
    ("/saksbehandling/utlysninger/<int:call_id>/avslutt", "GET"):
        row(LOGIN, 403, 403, 403, 200, 403),
    ("/saksbehandling/utlysninger/<int:call_id>/avslutt", "POST"):
        row(LOGIN, 403, 403, 403, 302, 403),
    # Letters and appeals (decisions). {letter} and {appeal} do not exist in this
    # world: managers get 404 where the role allows the page; see tests/decisions for the
    # routes on real letters and appeals. The call here has no vedtak: staging and sending
    # are refused with a message (back to the page).
    ("/vedtak/utlysninger/<int:call_id>/brev", "GET"): row(LOGIN, 403, 403, 403, 200, 403),
    ("/vedtak/utlysninger/<int:call_id>/brev", "POST"): row(LOGIN, 403, 403, 403, 302, 403),
    ("/vedtak/utlysninger/<int:call_id>/send", "GET"): row(LOGIN, 403, 403, 403, 200, 403),
    ("/vedtak/utlysninger/<int:call_id>/send", "POST"): row(LOGIN, 403, 403, 403, 302, 403),
    ("/vedtak/brev/<int:letter_id>.pdf", "GET"): row(LOGIN, 403, 403, 404, 404, 403),
    ("/vedtak/klager/<int:appeal_id>", "GET"): row(LOGIN, 403, 403, 404, 404, 403),
    ("/vedtak/klager/<int:appeal_id>/omgjor", "POST"): row(LOGIN, 403, 403, 404, 404, 403),
    ("/vedtak/klager/<int:appeal_id>/oversend", "POST"): row(LOGIN, 403, 403, 404, 404, 403),
    ("/vedtak/klager/<int:appeal_id>/klageinstans", "POST"):
        row(LOGIN, 403, 403, 404, 404, 403),
    # The applicant's: A's application has no sent vedtak (the appeal page sends A back to
    # the application with a message); others' applications do not exist for them.
    ("/mine-vedtak/soknader/<int:application_id>/brev/<int:letter_id>.pdf", "GET"):
        row(LOGIN, 404, 404, 404, 404, 404),
    ("/mine-vedtak/soknader/<int:application_id>/klage", "GET"):
        row(LOGIN, 302, 404, 404, 404, 404),
    ("/mine-vedtak/soknader/<int:application_id>/klage", "POST"):
        row(LOGIN, 302, 404, 404, 404, 404),
    # The administration's proposals: after closing only (here the page says so).
    ("/saksbehandling/utlysninger/<int:call_id>/forslag", "GET"):
        row(LOGIN, 403, 403, 403, 200, 403),
    ("/saksbehandling/utlysninger/<int:call_id>/forslag", "POST"):
        row(LOGIN, 403, 403, 403, 200, 403),
    ("/forvaltning/utlysninger", "GET"): MANAGERS,
    ("/forvaltning/utlysninger/ny", "GET"): MANAGERS,
    ("/forvaltning/utlysninger/ny", "POST"): MANAGERS,
    ("/forvaltning/utlysninger/<int:call_id>", "GET"): MANAGERS,
    ("/forvaltning/utlysninger/<int:call_id>/rediger", "GET"): MANAGERS_302,
    ("/forvaltning/utlysninger/<int:call_id>/rediger", "POST"): MANAGERS_302,
    ("/forvaltning/utlysninger/<int:call_id>/frist", "POST"): MANAGERS_302,
    ("/forvaltning/utlysninger/<int:call_id>/arkiver", "POST"): MANAGERS_302,
    # Publishing a draft call, and taking a published one back: {call} is published and
    # open, so the page says so and the POSTs are refused (back to the page or the call).
    ("/forvaltning/utlysninger/<int:call_id>/publiser", "GET"): MANAGERS,
    ("/forvaltning/utlysninger/<int:call_id>/publiser", "POST"): MANAGERS_302,
    ("/forvaltning/utlysninger/<int:call_id>/avpubliser", "POST"): MANAGERS_302,
    ("/forvaltning/utlysninger/<int:call_id>/vurdering", "POST"): MANAGERS_302,
    ("/forvaltning/utlysninger/<int:call_id>/tiltak", "GET"): MANAGERS,
    ("/forvaltning/utlysninger/<int:call_id>/tiltak", "POST"): MANAGERS,
    ("/forvaltning/utlysninger/<int:call_id>/kriterier", "GET"): MANAGERS,
    ("/forvaltning/utlysninger/<int:call_id>/kriterier", "POST"): MANAGERS,
    # Recording the body's vedtak: managers only. The call's review is still open
    # here, so the pages say so and every change is refused (back to the page, 302; the
    # decision form, posted with only the token, is re-shown with its errors, 422).
    ("/vedtak/utlysninger/<int:call_id>", "GET"): row(LOGIN, 403, 403, 403, 200, 403),
    ("/vedtak/utlysninger/<int:call_id>/moter", "POST"): row(LOGIN, 403, 403, 403, 302, 403),
    ("/vedtak/utlysninger/<int:call_id>/inhabilitet", "POST"):
        row(LOGIN, 403, 403, 403, 302, 403),
    ("/vedtak/soknader/<int:application_id>", "GET"): row(LOGIN, 403, 403, 403, 200, 403),
    ("/vedtak/soknader/<int:application_id>", "POST"): row(LOGIN, 403, 403, 403, 422, 403),
    ("/vedtak/soknader/<int:application_id>/foretak", "POST"):
        row(LOGIN, 403, 403, 403, 302, 403),
    ("/vedtak/soknader/<int:application_id>/trukket", "POST"):
        row(LOGIN, 403, 403, 403, 302, 403),
    ("/vedtak/valutakurser", "GET"): row(LOGIN, 403, 403, 403, 200, 200),
    ("/vedtak/valutakurser", "POST"): row(LOGIN, 403, 403, 403, 422, 422),
    # Grants: the test world has none, so every signed-in reader gets 404 (the grant tests
    # check members, other parties and inhabil staff on real grants).
    ("/tilskudd/<int:grant_id>", "GET"): row(LOGIN, 404, 404, 404, 404, 404),
    ("/tilskudd/utbetalinger/<int:payment_id>", "GET"):
        NO_SUCH_GRANT,
    ("/tilskudd/utbetalinger/<int:payment_id>/avgjor", "POST"):
        NO_SUCH_GRANT,
    ("/tilskudd/utbetalinger/<int:payment_id>/utbetalt", "POST"):
        NO_SUCH_GRANT,
    ("/tilskudd/utbetalinger/<int:payment_id>/dokumenter/<int:document_id>", "GET"):
        NO_SUCH_GRANT,
    ("/tilskudd/sluttrapporter/<int:report_id>", "GET"):
        NO_SUCH_GRANT,
    ("/tilskudd/sluttrapporter/<int:report_id>/godkjenn", "POST"):
        NO_SUCH_GRANT,
    ("/tilskudd/sluttrapporter/<int:report_id>/send-tilbake", "POST"):
        NO_SUCH_GRANT,
    ("/tilskudd/sluttrapporter/<int:report_id>/dokumenter/<int:document_id>", "GET"):
        NO_SUCH_GRANT,
    ("/tilskudd/<int:grant_id>/tilbakekreving", "POST"):
        NO_SUCH_GRANT,
    ("/tilskudd/<int:grant_id>/tilbakekreving/<int:recovery_id>/vedtak", "POST"):
        NO_SUCH_GRANT,
    ("/tilskudd/<int:grant_id>/tilbakekreving/<int:recovery_id>/avslutt", "POST"):
        NO_SUCH_GRANT,
    ("/tilskudd/<int:grant_id>/tilbakebetalinger", "POST"):
        NO_SUCH_GRANT,
    ("/tilskudd/<int:grant_id>/tilbakekreving/<int:recovery_id>/varsel.pdf", "GET"):
        NO_SUCH_GRANT,
    ("/mine-tilskudd/<int:grant_id>/utbetalinger/ny", "GET"):
        NO_SUCH_GRANT,
    ("/mine-tilskudd/<int:grant_id>/utbetalinger/ny", "POST"):
        NO_SUCH_GRANT,
    ("/mine-tilskudd/<int:grant_id>/utbetalinger/<int:payment_id>/dokumenter/"
     "<int:document_id>", "GET"): NO_SUCH_GRANT,
    ("/mine-tilskudd/<int:grant_id>/sluttrapport", "GET"):
        NO_SUCH_GRANT,
    ("/mine-tilskudd/<int:grant_id>/sluttrapport", "POST"):
        NO_SUCH_GRANT,
    ("/mine-tilskudd/<int:grant_id>/sluttrapport/dokumenter/<int:document_id>", "GET"):
        NO_SUCH_GRANT,
    ("/mine-tilskudd/<int:grant_id>/tilbakekreving/<int:recovery_id>/varsel.pdf", "GET"):
        NO_SUCH_GRANT,
    ("/mine-tilskudd/<int:grant_id>/tilbakekreving/<int:recovery_id>/svar", "POST"):
        NO_SUCH_GRANT,
    ("/mine-tilskudd/<int:grant_id>", "GET"): row(LOGIN, 404, 404, 404, 404, 404),
    ("/mine-tilskudd/<int:grant_id>/aksept", "POST"): row(LOGIN, 404, 404, 404, 404, 404),
    ("/tilskudd/<int:grant_id>/fullmakt", "POST"): row(LOGIN, 404, 404, 404, 404, 404),
    ("/tilskudd/utlysninger/<int:call_id>", "GET"): CASE_HANDLERS,
    # Registers and reporting: managers only (not administrators).
    ("/tilskudd/registre/stotteregisteret", "GET"): row(LOGIN, 403, 403, 403, 200, 403),
    ("/tilskudd/registre/stotteregisteret/eksport", "GET"):
        row(LOGIN, 403, 403, 403, 200, 403),
    # Nothing de minimis is decided in this world: the export is refused, back to the page.
    ("/tilskudd/registre/stotteregisteret/eksport", "POST"):
        row(LOGIN, 403, 403, 403, 302, 403),
    ("/tilskudd/registre/eksporter/<int:export_id>.csv", "GET"):
        row(LOGIN, 403, 403, 403, 404, 403),
    ("/tilskudd/registre/eksporter/<int:export_id>/referanse", "POST"):
        row(LOGIN, 403, 403, 403, 404, 403),
    ("/tilskudd/registre/kdd", "GET"): row(LOGIN, 403, 403, 403, 200, 403),
    ("/tilskudd/registre/kdd.csv", "GET"): row(LOGIN, 403, 403, 403, 200, 403),
}

#: Every page of the application the caseworker is inhabil on answers 404, the real
#: attachment's download included.
CASE = "/saksbehandling/soknader/<int:application_id>"
for _key, _expected in MATRIX.items():
    if _key[0] == CASE or _key[0].startswith(CASE + "/"):
        MATRIX[_key] = _expected | {"cw_inhabil": 404}

#: Requested last, in this order: they change the application, membership or session.
LAST = [("/saksbehandling/soknader/<int:application_id>/be-om-opplysninger", "POST"),
        ("/soknader/<int:application_id>/trekk", "POST"),
        ("/invitasjoner/<int:invitation_id>/godta", "POST"), ("/logg-ut", "POST")]


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def expand(rule, values, specific) -> str:
    args = {**values, **specific.get(rule.rule, {})}
    return rule.build(args, append_unknown=False)[1]
