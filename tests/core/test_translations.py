"""Every user-facing string goes through gettext and has an English translation."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def source_messages() -> set[str]:
    method_map = [("fund/**.py", "python"), ("templates/**.html", "jinja2"),
                  ("templates/**.txt", "jinja2")]
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_in_the_code_has_an_english_translation():
    with open(ROOT / "fund/translations/en/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog
                  if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple)
                                               else m.string)}
    missing = sorted(source_messages() - translated)
    assert missing == [], "run scripts/update-translations.sh and translate: " + repr(missing)


def test_the_english_pages_are_in_english(client):
    from tests.helpers import post_form
    post_form(client, "/sprak", {"lang": "en", "next": "/"}, form_page="/")
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "Apply for grants" in html and "Søk tilskudd" not in html


def test_templates_and_code_translate_in_the_readers_language_and_in_a_forced_one(app):
    """The translations are looked up once per rendering and kept by locale (issue 14),
    yet a page is still in the reader's language, and ``force_locale`` (a letter in
    Norwegian, mail in the recipient's language) still switches it, in a template and
    in Python, and back again."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext, refresh

    page = ("{{ _('Neste side') }}|{{ ngettext('%(num)s brudd', '%(num)s brudd', 2) }}|"
            "{{ _('Velg %(case)s', case=case) }}|{{ _('100 %%') }}|"
            "{{ ngettext('%(num)s brudd', '%(num)s brudd', 1000, num='1 000') }}")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert gettext("Neste side") == "Next page"
        assert render_template_string(page, case="<b>") == \
            "Next page|2 breaches|Select &lt;b&gt;|100 %|1 000 breaches"
        with force_locale("nb"):
            assert gettext("Neste side") == "Neste side"
            assert render_template_string(page, case="<b>") == \
                "Neste side|2 brudd|Velg &lt;b&gt;|100 %|1 000 brudd"
        assert gettext("Neste side") == "Next page"
        assert render_template_string("{{ _('Neste side') }}") == "Next page"
    with app.test_request_context("/", headers={"Accept-Language": "nb"}):
        refresh()
        assert render_template_string(page, case="x") == \
            "Neste side|2 brudd|Velg x|100 %|1 000 brudd"
