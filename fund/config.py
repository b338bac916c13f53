"""Default settings. ``instance/config.py`` and environment variables override them.

Order: these defaults, then ``<instance>/config.py``, then the environment
(``DATABASE_URL``, ``SECRET_KEY``, ``FUND_*``), then a test's own overrides.
"""

from datetime import date, timedelta

#: Filled in by create_app from the instance folder when not set anywhere else.
SECRET_KEY = None
#: Default: SQLite in the instance folder (set by create_app).
SQLALCHEMY_DATABASE_URI = None
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

TIMEZONE = "Europe/Oslo"
BABEL_DEFAULT_LOCALE = "nb"
BABEL_DEFAULT_TIMEZONE = "Europe/Oslo"
LANGUAGES = {"nb": "Norsk bokmål", "en": "English"}

#: Secure cookies everywhere but in debug mode (None means "not app.debug").
SESSION_COOKIE_SECURE = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_SECURE = None
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

#: A session ends this long after login however active it is (the cookie's own lifetime,
#: PERMANENT_SESSION_LIFETIME, slides with each request).
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)

PASSWORD_MIN_LENGTH = 12
#: werkzeug's method for new password hashes (tests use a cheap one).
PASSWORD_HASH_METHOD = "scrypt"
EMAIL_TOKEN_MAX_AGE = 48 * 3600
RESET_TOKEN_MAX_AGE = 3600
#: Login attempts allowed within the window: per e-mail address from one client, from one
#: client address in all, and per e-mail address from all clients together.
LOGIN_MAX_FAILURES_PER_EMAIL_AND_CLIENT = 5
LOGIN_MAX_FAILURES_PER_IP = 20
LOGIN_MAX_FAILURES_PER_EMAIL = 50
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
#: Mail sent on request (registration, new password, new link, invitations, claims):
#: at most this many per e-mail address and per client address within the window.
MAIL_MAX_PER_ADDRESS = 3
MAIL_MAX_PER_CLIENT = 20
MAIL_LIMIT_WINDOW = timedelta(hours=1)

#: "file" writes each message to <instance>/outbox/ as .eml; "smtp" sends it.
MAIL_BACKEND = "file"
MAIL_SERVER = "localhost"
MAIL_PORT = 25
MAIL_USE_TLS = False
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_TIMEOUT = 10
MAIL_DEFAULT_SENDER = "Lillestrøm kommune – næringsfond <naeringsfond@lillestrom.kommune.no>"
MAIL_MAX_ATTEMPTS = 8
#: Waiting time before retry n is MAIL_RETRY_BASE * 2**(n-1).
MAIL_RETRY_BASE = timedelta(minutes=1)

#: Enhetsregisteret (Brønnøysund). Off by default; the forms work without it.
BRREG_ENABLED = False
BRREG_BASE_URL = "https://data.brreg.no/enhetsregisteret/api"
BRREG_TIMEOUT = 3.0
#: Attempts at confirming a role in Enhetsregisteret (name and birth date) per member.
ROLE_CHECK_MAX_ATTEMPTS = 5
ROLE_CHECK_WINDOW = timedelta(hours=24)

#: Organisations: invitations a member may send within MAIL_LIMIT_WINDOW (each address
#: invited also counts against MAIL_MAX_PER_ADDRESS), and how long one stays open.
INVITATIONS_MAX_PER_MEMBER = 10
INVITATION_MAX_AGE = timedelta(days=14)
#: Changes of an organisation's bank account within MAIL_LIMIT_WINDOW (each one is mailed
#: to every member).
BANK_ACCOUNT_CHANGES_MAX = 3

#: Lillestrøm since 2024 (3030 in 2020–2023).
MUNICIPALITY_NUMBER = "3205"
MUNICIPALITY_NAME = "Lillestrøm kommune"

#: The letterhead of every PDF (receipt, innstilling, letters): the sender's name, and
#: optional lines under it (unit, postal address, organisation number, contact). Empty
#: lines are left out.
LETTERHEAD_NAME = "Lillestrøm kommune"
LETTERHEAD_UNIT = ""
LETTERHEAD_ADDRESS = ""
LETTERHEAD_ORG_NUMBER = ""
LETTERHEAD_CONTACT = ""

# The pages the law requires (/tilgjengelighet, /personvern) and the footer of every page.
# The addresses below are placeholders the municipality must set in instance/config.py.
#: Where applicants write about the fund: shown in the footer and on every call.
FUND_CONTACT_EMAIL = "naeringsfond@lillestrom.kommune.no"
#: Feedback on universell utforming (the accessibility statement's feedback channel).
ACCESSIBILITY_FEEDBACK_EMAIL = "naeringsfond@lillestrom.kommune.no"
#: The date of the accessibility statement: change it whenever the statement is revised.
ACCESSIBILITY_STATEMENT_DATE = date(2026, 11, 28)
#: The data protection officer (personvernombud, GDPR art. 37–39), named in the privacy notice.
PRIVACY_OFFICER_CONTACT = "personvernombudet i Lillestrøm kommune"
PRIVACY_OFFICER_EMAIL = "personvernombud@lillestrom.kommune.no"

#: Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto (0: none).
#: Needed so that rate limits and the audit log see the client's address.
PROXY_COUNT = 0

#: Behind a proxy that stamps each request's arrival (nginx: ``proxy_set_header
#: X-Request-Start "t=${msec}";``, which also replaces what a client sent): the header's
#: name. A submission is then judged against the call's deadline at the time it reached
#: the proxy, not when a busy worker got to it. None: the worker's clock. Only a time
#: at most REQUEST_START_MAX_AGE seconds old (and not in the future) is believed.
REQUEST_START_HEADER = None
REQUEST_START_MAX_AGE = 30

#: The site's canonical address. Every link in mail is built from it, never from the
#: request's Host header.
BASE_URL = "http://127.0.0.1:5000"
#: Host names the app answers to; others get 400. None: the host of BASE_URL.
TRUSTED_HOSTS = None

#: SQLite: how long a request waits for another's write to finish, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 15000

PLAN_DEFAULT_FILE = "handlingsplan-2022-2024.yaml"

#: De minimis (EU 2023/2831): ceiling per single undertaking over a rolling period.
#: EEA incorporation date unverified, so these are settings.
DE_MINIMIS_CEILING_EUR = 300_000
DE_MINIMIS_YEARS = 3
#: Conversion rate used for the ceiling check (NOK per EUR).
NOK_PER_EUR = "11.50"

#: Attachments: per file and per application, in bytes.
UPLOAD_MAX_FILE = 10 * 1024 * 1024
UPLOAD_MAX_TOTAL = 50 * 1024 * 1024
#: Seconds after which `flask files reconcile` removes a `.pending-` file (written by a
#: transaction that never committed: a killed worker) that no row refers to. Longer
#: than any request, so that a file still being uploaded is left alone.
FILES_PENDING_MAX_AGE = 60 * 60
#: Drafts (applications not yet submitted) at a time: per organisation in one call, and
#: started by one user in all. Each may hold UPLOAD_MAX_TOTAL of attachments.
MAX_DRAFTS_PER_ORGANISATION_AND_CALL = 3
MAX_DRAFTS_PER_USER = 20
#: A draft never submitted can no longer be sent once its call's deadline has passed; it
#: is deleted this long after the deadline (``flask applications purge-drafts``), and the
#: members are warned by mail this long before (the deletion waits until the warning
#: has been out that long, whenever it went).
DRAFT_KEEP_AFTER_CLOSE = timedelta(days=90)
DRAFT_DELETION_NOTICE = timedelta(days=14)
#: Information requests: the days to answer the caseworker's form suggests, and the most
#: it accepts (forvaltningsloven § 17: a reasonable time, stated in the request).
INFO_REQUEST_DAYS_TO_ANSWER = 14
INFO_REQUEST_MAX_DAYS_TO_ANSWER = 180
#: Requests larger than this are refused before the view sees them (413).
MAX_CONTENT_LENGTH = 60 * 1024 * 1024

#: Decision letters (vedtaksbrev). Legal references are text here, not logic: when the new
#: forvaltningsloven (LOV-2025-06-20-81) takes effect, change the words, not the code.
#: The body that hears appeals on the fund's vedtak (fvl § 28 annet ledd).
APPEAL_BODY = "kommunens klagenemnd"
#: The rules every vedtak rests on, named in the begrunnelse (one per line): the fund's
#: vedtekter and retningslinjer. The call and its criteria are added by the letter itself.
LETTER_RULES = (
    "Vedtekter for Lillestrøm kommunes næringsfond og klimafond.\n"
    "Retningslinjer for tildeling av tilskudd fra næringsfondet og klimafondet."
)
#: The standard terms of a grant (tilsagnsvilkår), one per line, printed in every grant
#: letter after the conditions particular to the grant.
LETTER_GRANT_TERMS = (
    "Tilskuddet skal bare brukes til prosjektet slik det er beskrevet i søknaden.\n"
    "Prosjektet skal være gjennomført innen prosjektperioden. Deretter faller tilsagnet bort.\n"
    "Tilskuddet utbetales etter anmodning med dokumenterte kostnader og sluttrapport.\n"
    "Blir kostnadene lavere enn budsjettert, reduseres tilskuddet forholdsmessig.\n"
    "Kommunen har rett til å kontrollere at tilskuddet brukes etter forutsetningene.\n"
    "Tilskuddet kan kreves tilbakebetalt helt eller delvis dersom det er gitt på grunnlag av "
    "uriktige opplysninger, ikke brukes etter formålet, eller vilkårene ikke oppfylles."
)
#: Why a case can take longer than a month, as the provisional reply (foreløpig svar,
#: fvl § 11a tredje ledd) says it.
PROVISIONAL_REPLY_REASON = (
    "Alle søknadene i utlysningen vurderes samlet og rangeres mot hverandre før "
    "vedtaksorganet fordeler tilskuddene i ett møte."
)

# Following up grants (fund.grants).
#: Registeret for offentlig støtte: de minimis grants of this many euro or more are
#: reported (EUR 100 000 from 11 Dec 2023; NFD has proposed every grant, i.e. 0) within
#: this many working days of the grant date (proposed: 20; today six months).
STOTTEREGISTER_THRESHOLD_EUR = 0
STOTTEREGISTER_DEADLINE_WORKING_DAYS = 20
#: The grant-giver, as the register names it.
STOTTEREGISTER_GRANTOR = "Lillestrøm kommune"
#: Reg. (EU) 2023/2831 art. 6(4): the de minimis record is kept ten years.
DE_MINIMIS_RETENTION_YEARS = 10
#: Days before the final report's deadline to remind the recipient, and days after it
#: to remind again.
FINAL_REPORT_REMINDER_DAYS_BEFORE = (14, 3)
FINAL_REPORT_REMINDER_DAYS_AFTER = 7
#: Days the recipient has to answer a forhåndsvarsel (fvl § 16).
RECOVERY_ANSWER_DAYS = 14

#: The download of a person's own data (fund.privacy): at most this many per person within
#: the window (each one reads every case of their organisations and renders the receipts).
PRIVACY_EXPORT_MAX = 5
PRIVACY_EXPORT_WINDOW = timedelta(hours=1)

#: How a long export of the innstilling (a large call's PDF or Excel) is made outside the
#: request: "process" (a thread of the worker runs `flask --app fund exports run --job N`
#: and waits; the memory is given back when it ends), "thread" (in the worker), or "cron"
#: (only `flask --app fund exports run`, from cron). The CLI also takes what is left.
EXPORT_JOB_RUNNER = "process"
#: Up to how many applications an innstilling export is made while the reader waits; above
#: it, as a job ("propose" is «legg fram»). A PDF of 300 takes about 2.5 s of WeasyPrint on
#: the idle 2-core test machine (5 s loaded); the workers' timeout is 30 s.
EXPORT_DIRECT_ROWS = {"pdf": 300, "propose": 300, "xlsx": 2000}
#: A job running for longer than this (seconds) has lost its runner: the CLI takes it again.
EXPORT_JOB_STALE_AFTER = 900
#: How long a finished export (its file) is kept for download; `exports run` removes older.
EXPORT_KEEP = timedelta(days=7)

#: Freeze the objects the app made at start out of the cycle collector's reach (see
#: ``fund._freeze_what_lives_as_long_as_the_process``). None: yes, except when testing.
GC_FREEZE = None
#: With it: allocations (less deallocations) between two collections of the youngest
#: generation, above what one request of a large page leaves alive (Python's own is 700).
GC_YOUNG_THRESHOLD = 10_000
