"""The forms' faster select widget writes exactly what WTForms' own writes."""

from markupsafe import Markup
from wtforms import Form, SelectField, SelectMultipleField
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
