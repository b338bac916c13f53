"""Every piece of text a template shows goes through gettext.

The English pages are only as English as the templates let them be: a word typed straight
into a template stays Norwegian for everybody. This reads every template (pages, PDFs, mail
and the PDFs' style sheets), takes out what Jinja writes (``{{ … }}``, ``{% … %}``,
``{# … #}``) and looks at what is left: text between tags, the attributes a person sees or
hears (title, aria-label, placeholder, alt, an input button's value, the messages a script
shows: ``data-msg-…``, ``data-template``, ``data-over``), every line of a mail,
and what a style sheet writes (``content: "…"``). Whatever still holds a letter was typed in
Norwegian and is reported, unless it is in ``ALLOWED`` below with the reason it is the same
in every language. Strings in Jinja's own code that read as text (``{% set t = "Søknader" %}``,
``{{ "Ja" if … }}``, a macro's ``label="…"``) are reported too.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

#: Text that is the same in both languages, and why.
ALLOWED = {
    "Lillestrøm kommune": "the municipality's name, a proper name (it signs mail and pages "
                          "in both languages)",
    "kB": "the unit kilobyte, written the same in English",
    "PDF": "a file format's name",
    "euro": "the currency's name, written the same (lower case) in English",
    "uutilsynet.no": "a web address",
    "datatilsynet.no": "a web address",
}

#: Attributes whose value a person sees (title, placeholder, alt) or a screen reader speaks.
SPOKEN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description",
                     "aria-roledescription", "aria-valuetext"}
#: Attributes whose text a script shows (fund/static/js): ``data-msg-…`` and these.
SCRIPT_TEXT_ATTRIBUTES = {"data-template", "data-over"}
#: ``value`` is shown only on these inputs (a button's label).
BUTTON_TYPES = {"submit", "button", "reset"}

LETTER = re.compile(r"[^\W\d_]")
JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
#: What Jinja wrote is replaced by this: text on either side of it is two texts.
CUT = " \x00 "
#: A style sheet inside a page (the PDFs' ``{% block style %}`` and page size, ``<style>``).
STYLE_BLOCK = re.compile(r"\{%-?\s*block (?:style|page_size|page_margin)\s*-?%\}(.*?)"
                         r"\{%-?\s*endblock"
                         r"|<style[^>]*>(.*?)</style>", re.S)
#: A string a style sheet shows: ``content: "…"``.
CSS_CONTENT = re.compile(r"content\s*:([^;}]*)")
CSS_STRING = re.compile(r"\"([^\"]*)\"|'([^']*)'")
#: What is not a word at either end of a text (dashes, dots, brackets between the parts).
EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def _without_jinja(source: str) -> str:
    """Jinja's own parts become a cut, keeping line numbers."""
    return JINJA.sub(lambda match: CUT + "\n" * match.group().count("\n"), source)


def _visible(text: str) -> list[str]:
    """The parts of a text (between what Jinja writes) that hold a word not allowed."""
    found = []
    for part in text.split(CUT.strip()):
        part = EDGES.sub("", " ".join(part.split()))
        if LETTER.search(part) and part not in ALLOWED:
            found.append(part)
    return found


def _css_texts(css: str) -> list[tuple[int, str]]:
    """The words a style sheet shows (``content: "…"``), by line."""
    found = []
    for number, line in enumerate(css.splitlines(), 1):
        for declaration in CSS_CONTENT.finditer(line):
            for string in CSS_STRING.finditer(declaration.group(1)):
                found += [(number, text) for text in _visible(string.group(1) or
                                                               string.group(2) or "")]
    return found


class _TextFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._hidden = 0  # inside <script> or <style>

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        values = dict(attrs)
        for name, value in attrs:
            # A <button>'s value is sent, not shown (its content is); an input's is shown.
            shown = name in SPOKEN_ATTRIBUTES or name in SCRIPT_TEXT_ATTRIBUTES \
                or name.startswith("data-msg-") or (
                name == "value" and tag == "input"
                and (values.get("type") or "").lower() in BUTTON_TYPES)
            if shown and value:
                self.found += [(self.getpos()[0], f"{name}={text!r}")
                               for text in _visible(value)]

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data):
        if not self._hidden:
            for text in _visible(data):  # on the line where its first word is
                first = data.find(text.split()[0])
                self.found.append((self.getpos()[0] + data.count("\n", 0, first), text))


def untranslated(path: Path) -> list[str]:
    """What a template shows without ``_()``: ``"file:line: text"``."""
    source = path.read_text(encoding="utf-8")
    found: list[tuple[int, str]] = []
    if path.suffix == ".html":
        def css_apart(match):  # checked as a style sheet, on its own lines
            css = match.group(1) if match.group(1) is not None else match.group(2)
            start = source.count("\n", 0, match.start(1 if match.group(1) is not None else 2))
            found.extend((start + line, text) for line, text in _css_texts(css))
            return CUT + "\n" * match.group().count("\n")
        source = STYLE_BLOCK.sub(css_apart, source)
        finder = _TextFinder()
        finder.feed(_without_jinja(source))
        finder.close()
        found += finder.found
    elif path.suffix == ".css":
        found = _css_texts(_without_jinja(source))
    else:  # mail: every line is text
        for number, line in enumerate(_without_jinja(source).splitlines(), 1):
            found += [(number, text) for text in _visible(line)]
    found.sort()
    name = path.relative_to(ROOT)
    return [f"{name}:{line}: {text}" for line, text in found]


#: Calls whose string arguments are translated already, or are names rather than text.
NOT_TEXT_CALLS = {"_", "gettext", "ngettext", "lazy_gettext", "_l", "url_for", "external_url"}
#: Where a string is compared or looked up, not shown.
NOT_TEXT_NODES = (nodes.Compare, nodes.Operand, nodes.Getitem, nodes.Test)
#: A string that reads as text: two words, a Norwegian letter, or a capital first letter.
PROSE = re.compile(r"[^\W\d_] +[^\W\d_]|[æøåÆØÅ]|^[A-ZÆØÅ]")


def _strings(node: nodes.Node, shown: bool = True) -> list[tuple[int, str]]:
    """String constants in Jinja's own code (``{% set %}``, ``{{ "…" if … }}``, a macro's
    arguments) that may end up on the page."""
    found = []
    if shown and isinstance(node, nodes.Const) and isinstance(node.value, str):
        found.append((node.lineno, node.value))
    for child in node.iter_child_nodes():
        child_shown = shown and not isinstance(node, NOT_TEXT_NODES) and not (
            isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name)
            and node.node.name in NOT_TEXT_CALLS)
        found += _strings(child, child_shown)
    return found


def bare_strings(source: str, name: str) -> list[str]:
    """Strings in a template's Jinja code that read as text and are not in ``_()``."""
    tree = Environment(extensions=["jinja2.ext.i18n"]).parse(source)
    return [f"{name}:{line}: {text!r}" for line, text in _strings(tree)
            if PROSE.search(text) and " ".join(text.split()) not in ALLOWED]


def templates() -> list[Path]:
    return sorted(path for path in TEMPLATES.rglob("*")
                  if path.suffix in (".html", ".txt", ".css"))


def test_the_finder_sees_text_and_spoken_attributes(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('{# a comment #}<p>{{ _("Søknad") }} Frist</p>\n'
                    '<a href="/" title="Til forsiden">{{ _("Hjem") }}</a>\n'
                    '<img src="x.png" alt="{{ _(\'Logo\') }}">'
                    '<input type="submit" value="Send"><input type="hidden" value="abc">\n'
                    '<form data-msg-failed="Ikke lagret" data-size="md"></form>\n'
                    '<script src="x.js"></script><p>{% if x %}Lillestrøm kommune{% endif %}'
                    ' {{ amount }} (PDF)</p>', encoding="utf-8")
    source = _without_jinja(page.read_text(encoding="utf-8"))
    finder = _TextFinder()
    finder.feed(source)
    assert [text for _line, text in finder.found] == [
        "Frist", "title='Til forsiden'", "value='Send'", "data-msg-failed='Ikke lagret'"]
    assert _css_texts('@page { @bottom-right { content: "Side " counter(page); } }\n'
                      'body { font-family: "DejaVu Sans"; }') == [(1, "Side")]
    mail = tmp_path / "mail.txt"
    mail.write_text('{{ _("Hei,") }}\n\nVennlig hilsen\n{{ link }}\nLillestrøm kommune\n',
                    encoding="utf-8")
    assert [entry.split(": ", 1)[1] for entry in _untranslated_outside(mail)] == [
        "Vennlig hilsen"]


def _untranslated_outside(path: Path) -> list[str]:
    """``untranslated`` for a file outside the project (named relative to its folder)."""
    source = _without_jinja(path.read_text(encoding="utf-8"))
    return [f"{path.name}:{number}: {text}"
            for number, line in enumerate(source.splitlines(), 1)
            for text in _visible(line)]


def test_the_finder_sees_strings_in_jinja_code():
    assert bare_strings('{% set heading = "Søknader" %}{{ "Ja" if x else _("Nei") }}'
                        '{{ field(form.name, hint="Fyll ut") }}{% if a == "Hei der" %}{% endif %}'
                        '{{ url_for("calls.index") }}{{ x|join(", ") }}', "t") == [
        "t:1: 'Søknader'", "t:1: 'Ja'", "t:1: 'Fyll ut'"]


def test_no_template_shows_a_bare_string_from_its_code():
    found = [entry for path in templates() if path.suffix != ".css"
             for entry in bare_strings(path.read_text(encoding="utf-8"),
                                       str(path.relative_to(ROOT)))]
    assert found == [], "wrap in _(\"…\"):\n" + "\n".join(found)


@pytest.mark.parametrize("folder", sorted({path.parent.relative_to(TEMPLATES).as_posix()
                                           for path in templates()}))
def test_every_template_text_is_marked_for_translation(folder):
    found = [entry for path in templates()
             if path.parent.relative_to(TEMPLATES).as_posix() == folder
             for entry in untranslated(path)]
    assert found == [], "wrap in {{ _(\"…\") }}:\n" + "\n".join(found)


def test_every_allowed_text_is_still_used():
    """The allow-list stays short: an entry no template needs any more goes."""
    shown = set()
    allowed = dict(ALLOWED)
    ALLOWED.clear()
    try:
        for path in templates():
            shown |= {entry.split(": ", 1)[1] for entry in untranslated(path)}
    finally:
        ALLOWED.update(allowed)
    assert sorted(set(ALLOWED) - shown) == []
