"""The forms' faster select widget writes exactly what WTForms' own writes."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import (
    BooleanField,
    DecimalField,
    Form,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import Select

from fund.core.forms import FastSelect
from fund.core.forms import Form as FundForm

CHOICES = [("", "Alle"), ("a&b", 'Tre «sitater» & <b>fet</b> "x"'), (7, "Sju"),
           (True, "Ja"), ("tom", "")]


class Plain(Form):
    one = SelectField(choices=CHOICES, default="a&b")
    many = SelectMultipleField(choices=[("x", "X"), ("y", "Y<")], default=["y"])
    grouped = SelectField(choices={"Gruppe <1>": [("g1", "G1")], "To": [("g2", "G2")]},
                          default="g2")
    styled = SelectField(choices=[("r", "R", {"data_x": "1"})], default="r")
    lazy = SelectField(choices=[("a", _l("Reise & <b>opphold</b>")), ("b", _l("Annet"))],
                       default="b")


def test_the_fast_select_writes_what_wtforms_writes(app):
    with app.test_request_context():
        form = Plain()
        for field in form:
            assert isinstance(field.widget, Select) and not isinstance(field.widget, FastSelect)
            original = field(class_="ds-input")
            field.widget = FastSelect(multiple=field.widget.multiple)
            assert field(class_="ds-input") == original, field.name
            assert isinstance(original, Markup)
        assert '<option selected value="a&amp;b">Tre «sitater» &amp; &lt;b&gt;fet&lt;/b&gt; ' \
            '&#34;x&#34;</option>' in str(form.one())
        assert '<option selected value="b">Annet</option>' in str(form.lazy())


def test_every_form_of_the_app_gets_it(app):
    class Mine(FundForm):
        one = SelectField(choices=CHOICES)
        many = SelectMultipleField(choices=[("x", "X")])

    with app.test_request_context():
        form = Mine(meta={"csrf": False})
        assert isinstance(form.one.widget, FastSelect) and not form.one.widget.multiple
        assert isinstance(form.many.widget, FastSelect) and form.many.widget.multiple
        assert "multiple" in str(form.many())


class Choose(FundForm):
    one = SelectField(choices=[("a", "A")])


def _refusal(app, language: str) -> list[str]:
    with app.test_request_context(method="POST", data={"one": "junk"},
                                  headers={"Accept-Language": language}):
        form = Choose(meta={"csrf": False})
        assert not form.validate()
        return form.one.errors


def test_wtforms_own_messages_come_in_the_readers_language_read_once_per_language(
        app, monkeypatch):
    """WTForms' own refusals («Not a valid choice.») are in the reader's language, from
    its catalogue read once per language and process, not for each request (issue 14:
    Flask-WTF read it from disk for every request that made a form)."""
    from babel import support

    from fund.core import forms
    monkeypatch.setattr(forms, "_WTFORMS_TRANSLATIONS", forms._WTFormsTranslations())
    reads = []
    load = support.Translations.load
    monkeypatch.setattr(support.Translations, "load",
                        lambda *args, **kwargs: reads.append(args) or load(*args, **kwargs))
    assert _refusal(app, "nb") == ["Ikke et gyldig valg"]
    assert _refusal(app, "en") == ["Not a valid choice."]
    assert _refusal(app, "nb") == ["Ikke et gyldig valg"]
    assert _refusal(app, "en") == ["Not a valid choice."]
    assert len(reads) == 2


class _Html:
    def __html__(self):
        return '<b class="x">'


ATTRIBUTES = [
    {},
    {"name": "title", "id": "f-title", "class_": "ds-input", "value": "Tre «sitater» & <b>"},
    {"checked": True, "readonly": False, "disabled": True, "name": 'a"b'},
    {"data_sum": "cost", "data_x_y_z": "1", "aria_describedby": "hint err", "for_": "x"},
    {"value": Markup("<i>kept</i>"), "maxlength": 2000, "min": 0, "step": None},
    {"class__": "double", "zeta": "'single'", "alpha": "\u00a0\x00 &amp;"},
    {"x<y": True, 'q&"': "v", "hidden": False},
    # escape() keeps Markup and __html__ as they are: their quotes are WTForms' own step
    {"placeholder": Markup('Hvorfor "ikke"?'), "title": Markup('"'), "alt": _Html()},
]


class Everything(FundForm):
    text = StringField("Tittel <b>", default='«x» & "y"')
    number = IntegerField("Antall", default=3)
    amount = DecimalField("Beløp", default=Decimal("12.50"))
    area = TextAreaField("Tekst", default="<script>&</script>")
    check = BooleanField("Ja", default=True)
    hidden = HiddenField(default="h&")
    pick = SelectField("Velg", choices=CHOICES, default="a&b")
    submit = SubmitField("Send «inn»")


def test_attributes_are_written_as_wtforms_writes_them(app):
    """The faster ``html_params`` (issue 14) writes what WTForms' own writes: sorted,
    escaped, ``class_`` and ``data_`` spelled as HTML, True bare and False left out."""
    from fund.core.forms import WTFORMS_HTML_PARAMS, html_params
    for attributes in ATTRIBUTES:
        assert html_params(**attributes) == WTFORMS_HTML_PARAMS(**attributes), attributes
        assert isinstance(html_params(**attributes), Markup)


def test_every_widget_and_label_writes_what_wtforms_writes(app, monkeypatch):
    from wtforms.widgets import core

    from fund.core.forms import WTFORMS_HTML_PARAMS, html_params
    # the app's forms write with the faster one
    assert core.html_params is core.Input.html_params is core.Button.html_params \
        is html_params
    with app.test_request_context():
        form = Everything(meta={"csrf": False})
        ours = {field.name: (str(field(class_="ds-input", data_x="1", aria_label="L")),
                             str(field.label(class_="ds-label"))) for field in form}
        assert 'value="«x» &amp; &#34;y&#34;"' in ours["text"][0]
        monkeypatch.setattr(core, "html_params", WTFORMS_HTML_PARAMS)
        monkeypatch.setattr("wtforms.widgets.html_params", WTFORMS_HTML_PARAMS)
        for widget in (core.Input, core.Button):
            monkeypatch.setattr(widget, "html_params", staticmethod(WTFORMS_HTML_PARAMS))
        theirs = {field.name: (str(field(class_="ds-input", data_x="1", aria_label="L")),
                               str(field.label(class_="ds-label"))) for field in form}
    assert ours == theirs


class Flagged(FundForm):
    """Fields whose validators set the flags the widgets write as attributes."""

    title = StringField("Tittel", validators=[DataRequired(), Length(min=2, max=200)])
    count = IntegerField("Antall", validators=[Optional(), NumberRange(min=0, max=10)])
    text = TextAreaField("Tekst", validators=[InputRequired(), Length(max=2000)],
                         default="<i>&</i>")
    pick = SelectField("Velg", choices=CHOICES, validators=[InputRequired()], default=7)
    many = SelectMultipleField("Flere", choices=[("x", "X"), ("y", "Y<")], default=["y"])
    grouped = SelectField(choices={"Gruppe <1>": [("g1", "G1")]}, default="g1")
    plain = StringField("Uten flagg")


def test_inputs_text_areas_and_selects_write_their_flags_as_wtforms_does(app, monkeypatch):
    """The widgets read their fields' flags (required, maxlength, min…) without ``dir()``
    (issue 14: a tenth of the application form's template): the same HTML as WTForms'
    own ``__call__``, with the attributes given when drawn winning over the flags."""

    from fund.core.forms import WTFORMS_CALLS

    def drawn(form):
        return {field.name: [str(field()), str(field(class_="ds-input", required=False)),
                             str(field(maxlength=5, min=3))] for field in form}

    with app.test_request_context():
        form = Flagged(meta={"csrf": False})
        form.plain.flags.disabled = True
        ours = drawn(form)
        assert 'maxlength="200" minlength="2"' in ours["title"][0]
        assert 'max="10" min="0"' in ours["count"][0]
        assert " required" in ours["pick"][0] and " required" not in ours["pick"][1]
        assert ours["plain"][0].startswith("<input disabled ")
        for widget, call in WTFORMS_CALLS.items():
            monkeypatch.setattr(widget, "__call__", call)
        monkeypatch.delattr(FastSelect, "__call__")
        theirs = drawn(form)
    assert ours == theirs
