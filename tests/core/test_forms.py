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
