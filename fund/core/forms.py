"""The base of every form: text and numbers the database can take, refused with a
message on the field instead of an error from the database."""

import math
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.i18n import messages_path
from wtforms.validators import StopValidation
from wtforms.widgets import Select
from wtforms.widgets import core as widgets_core

from fund.core.http import MAX_INT
from fund.core.translations import LocaleDomain

#: Control characters a text field may hold: tab and line breaks (in multi-line fields).
_MULTILINE_ALLOWED = {"\t", "\n", "\r"}
#: The largest decimal number a form accepts (the columns hold 12 digits, 2 decimals).
MAX_DECIMAL = Decimal("9999999999.99")


def clean_text(text: str | None) -> str:
    """Text from a form parsed by hand, without NUL and other control characters (which
    PostgreSQL refuses and which have no place in what a person writes)."""
    return "".join(c for c in (text or "") if c in _MULTILINE_ALLOWED or not _is_control(c))


def _is_control(character: str) -> bool:
    return ord(character) < 32 or ord(character) == 127


def single_line(form, field):
    if isinstance(field.data, str) and any(_is_control(c) for c in field.data):
        raise StopValidation(_l("Feltet kan ikke inneholde linjeskift eller kontrolltegn."))


def no_control_characters(form, field):
    if isinstance(field.data, str) and any(
            _is_control(c) and c not in _MULTILINE_ALLOWED for c in field.data):
        raise StopValidation(_l("Teksten inneholder ugyldige tegn (kontrolltegn). Fjern dem og "
                                 "prøv igjen."))


def fits_database(form, field):
    if isinstance(field.data, int) and abs(field.data) > MAX_INT:
        raise StopValidation(_l("Tallet er for stort."))


def finite_decimal(form, field):
    value = field.data
    if isinstance(value, Decimal) and not value.is_finite() or \
            isinstance(value, float) and not math.isfinite(value):
        raise StopValidation(_l("Skriv et vanlig tall, f.eks. 12,5."))
    if value is not None and abs(value) > MAX_DECIMAL:
        raise StopValidation(_l("Tallet er for stort."))


def blank_choice(form, field):
    """A choice of only white space (a form feed, a tab) is no choice. ``Optional`` stops
    the check of the choices for it and clears its message, and the view would take the
    white space for a value (an enum that does not exist: a server error)."""
    if isinstance(field.data, str) and field.data and not field.data.strip():
        field.data = ""


#: WTForms' own ``html_params``, kept before ``install`` replaces it.
WTFORMS_HTML_PARAMS = widgets_core.html_params


def html_params(**attributes) -> Markup:
    """What WTForms' ``html_params`` writes (the attributes sorted, ``class_`` as
    ``class``, ``data_x_y`` as ``data-x-y``, True as the bare name, False left out, every
    name and value escaped), without ``Markup.format``: that escaping formatter was a
    tenth of the application form and of the queue (issue 14)."""
    params = []
    for key, value in sorted(attributes.items()):
        key = widgets_core.clean_key(key)
        if value is True:
            params.append(str(escape(key)))
        elif value is not False:
            # escape() leaves a Markup value as it is; its quotes must still go
            value = str(escape(value)).replace('"', "&quot;")
            params.append(f'{escape(key)}="{value}"')
    return Markup(" ".join(params))


#: WTForms' own ``__call__`` of the widgets ``install`` gives a faster one, kept.
WTFORMS_CALLS = {widget: widget.__call__ for widget in (widgets_core.Input,
                                                         widgets_core.TextArea)}


def _flag_attributes(widget, field, attributes: dict) -> dict:
    """The attributes a widget writes from its field's flags (``required``,
    ``maxlength``…), as WTForms' widgets do, read from the flags set on the field.
    WTForms looks for them in ``dir()`` of the flags, which lists and sorts every name of
    the object, for every field drawn (issue 14)."""
    flags = getattr(getattr(field, "flags", None), "__dict__", {})
    for key in widget.validation_attrs:
        if key in flags and key not in attributes:
            attributes[key] = flags[key]
    return attributes


def _input(self, field, **kwargs):
    """WTForms' ``Input.__call__`` (3.3), with the flags from ``_flag_attributes``."""
    kwargs.setdefault("id", field.id)
    kwargs.setdefault("type", self.input_type)
    if "value" not in kwargs:
        kwargs["value"] = field._value()
    datalist = getattr(field, "_datalist", None)
    if datalist is not None and "list" not in kwargs:
        kwargs["list"] = datalist if isinstance(datalist, str) else datalist.id
    for key, value in _flag_attributes(self, field, {}).items():
        kwargs.setdefault(key, value() if callable(value) else value)
    return Markup(f"<input {self.html_params(name=field.name, **kwargs)}>")


def _text_area(self, field, **kwargs):
    """WTForms' ``TextArea.__call__`` (3.3), with the flags from ``_flag_attributes``."""
    kwargs.setdefault("id", field.id)
    _flag_attributes(self, field, kwargs)
    return Markup(f"<textarea {html_params(name=field.name, **kwargs)}>\r\n"
                  f"{escape(field._value())}</textarea>")


def install() -> None:
    """WTForms' widgets and labels write their attributes with ``html_params``: the
    inputs and buttons through their class's, the text areas, selects and labels through
    the module's. The inputs and text areas read their fields' flags without ``dir()``.
    Once per process; the same HTML, faster."""
    widgets_core.html_params = widgets.html_params = html_params
    widgets_core.Input.html_params = widgets_core.Button.html_params = \
        staticmethod(html_params)
    widgets_core.Input.__call__ = _input
    widgets_core.TextArea.__call__ = _text_area


class FastSelect(Select):
    """WTForms' ``Select``, writing each plain option directly: the same HTML, without an
    attribute dictionary, a sort and a format per option (the queue's filters and the
    application form's rows hold hundreds of options between them), and without looking
    up ``render_option``'s signature and the flags' ``dir()`` for each select drawn."""

    def __call__(self, field, **kwargs):
        if field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        if self.multiple:
            kwargs["multiple"] = True
        _flag_attributes(self, field, kwargs)
        options = "".join(self.render_option(choice)
                          for choice in field._iter_choices_normalized())
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""
        label = choice.label
        if not isinstance(label, str) and hasattr(label, "__html__"):
            label = Markup(label.__html__())  # a lazy translation: translated once, not twice
        return Markup(f'<option {selected}value="{escape(value)}">'
                      f'{escape(label or choice.value)}</option>')


class _WTFormsTranslations:
    """WTForms' own messages («Not a valid choice.») in the reader's language, from a
    Flask-Babel domain on WTForms' catalogue, which keeps each language's once loaded.
    Flask-WTF reads the catalogue from disk again for each request that makes a form
    (five file checks and a parse: about 0.4 ms of the queue's 16, issue 14)."""

    def __init__(self):
        self._domain = LocaleDomain(translation_directories=messages_path(), domain="wtforms")

    def gettext(self, string):
        return self._domain.get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return self._domain.get_translations().ungettext(singular, plural, n)


_WTFORMS_TRANSLATIONS = _WTFormsTranslations()


class _Meta:
    def get_translations(self, form):
        if not current_app.config.get("WTF_I18N_ENABLED", True):
            return super().get_translations(form)
        return _WTFORMS_TRANSLATIONS

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if type(field.widget) is Select:
            field.widget = FastSelect(multiple=field.widget.multiple)
        # First, and stopping the chain: the field's own validators may compare the value.
        if isinstance(field, TextAreaField):
            extra = no_control_characters
        elif isinstance(field, StringField):
            extra = single_line
        elif isinstance(field, IntegerField):
            extra = fits_database
        elif isinstance(field, DecimalField):
            extra = finite_decimal
        elif isinstance(field, SelectField | RadioField):
            extra = blank_choice
        else:
            return field
        field.validators = [extra, *field.validators]
        return field


class Form(FlaskForm):
    """A form whose text fields refuse control characters (line breaks in single-line
    fields) and whose number fields refuse what the database cannot store."""

    class Meta(_Meta, FlaskForm.Meta):
        pass
