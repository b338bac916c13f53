"""Looking up a page's translations once, not for every string (issue 14).

Flask-Babel finds the translations anew for each ``_()``: the request's namespace on ``g``
three times, the locale, and the locale's name as a key (about 6 µs a string; 10 µs from a
template). A form page translates a thousand strings, so that was several milliseconds a
page. Here a template reads them from its context, put there once per rendering, and
Python code from a cache keyed by the locale itself. ``force_locale`` (mail in the
recipient's language, records in Norwegian) sets another locale, so it still gets its own.
"""

from babel import support
from flask import Flask
from flask_babel import Domain, get_babel, get_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup

#: The template context's name for the translations of the rendering.
CONTEXT_KEY = "_translations"


class LocaleDomain(Domain):
    """Flask-Babel's domain, with the translations of each locale kept by the locale."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._by_locale: dict = {}

    def get_translations(self):
        locale = get_locale()
        if locale is None:  # no application context
            return support.NullTranslations()
        try:
            return self._by_locale[locale]
        except KeyError:
            translations = self._by_locale[locale] = super().get_translations()
            return translations


def _of(context):
    # a macro imported without context (``_forms.html``) has none of its own
    return context.get(CONTEXT_KEY) or get_translations()


def _format(context, text, variables):
    """What Jinja's new-style gettext does with a translation: Markup when the template
    escapes, and always a format string (``%%`` is ``%``), here formatted only when it
    can change."""
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables or "%" in text else text


# The parameters' names are Jinja's own: a template may pass ``num`` (a formatted number)
# or ``context`` as a variable of the message.
@pass_context
def _gettext(__context, __string, **variables):
    return _format(__context, _of(__context).ugettext(__string), variables)


@pass_context
def _ngettext(__context, __singular, __plural, __num, **variables):
    variables.setdefault("num", __num)
    return _format(__context, _of(__context).ungettext(__singular, __plural, __num), variables)


@pass_context
def _pgettext(__context, __string_ctx, __string, **variables):
    variables.setdefault("context", __string_ctx)
    return _format(__context, _of(__context).upgettext(__string_ctx, __string), variables)


@pass_context
def _npgettext(__context, __string_ctx, __singular, __plural, __num, **variables):
    variables.setdefault("context", __string_ctx)
    variables.setdefault("num", __num)
    return _format(__context, _of(__context).unpgettext(__string_ctx, __singular, __plural,
                                                         __num), variables)


def translated(labels: dict) -> dict:
    """``labels`` (lazy translations by key) in the reader's language, each translated
    once: for a list page, whose rows would otherwise translate their label again, row
    by row (issue 14)."""
    return {key: str(label) for key, label in labels.items()}


def install(app: Flask) -> None:
    """After ``babel.init_app``: the faster lookups for Python code and for templates.
    The templates' ``_`` is the new-style gettext itself (Jinja's is an alias that looks
    up ``gettext``, which wraps the callable, which looks up the translations)."""
    get_babel(app).instance.domain_instance = LocaleDomain(
        domain=app.config.get("BABEL_DOMAIN", "messages"))
    app.jinja_env.newstyle_gettext = True
    app.jinja_env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext,
                                 pgettext=_pgettext, npgettext=_npgettext)
    app.context_processor(lambda: {CONTEXT_KEY: get_translations()})
