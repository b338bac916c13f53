"""Template hooks: places in a lower domain's page where a higher domain adds a panel,
without the lower one importing it (Indico's ``template_hook``).

A page says ``{{ hook("case_page_panels", application=application) }}``. A higher domain
contributes with::

    @template_hook.connect_via("case_page_panels")
    def decision_panel(_name, application, **_context):
        return render_template("decisions/_panel.html", application=application)

A list asks once for all its rows: ``{% set extra = row_hooks("application_dashboard_rows",
applications) %}``, then ``{{ extra.get(a.id, "") }}`` in each row. Its receivers get
the rows and answer with the HTML of the rows they add to, by id (``render_fragment``
renders each without running the context processors again).

The hooks in use: ``application_dashboard_rows`` (the applications on a page of the
applicant's list), ``application_page_panels`` (the applicant's page for a submitted
application), ``application_status`` (that page's status tag, replaced once there is an
outcome), ``case_page_panels`` (the caseworker's case page), ``call_manage_panels`` (the
manager's page for one call).
"""

from flask import current_app, request
from flask_babel import get_locale
from markupsafe import Markup

from fund.core.signals import template_hook


def hook(name: str, **context) -> Markup:
    """The HTML the receivers of ``name`` contribute (in blinker's order, which is not
    fixed: one receiver per place or kind of panel)."""
    parts = [result for _receiver, result in template_hook.send(name, **context) if result]
    return Markup("").join(Markup(part) for part in parts)


def row_hooks(name: str, rows, **context) -> dict[int, Markup]:
    """The HTML the receivers of ``name`` add to each of ``rows``, by the row's id, in
    the order of the receivers' modules (blinker keeps none): each receiver is asked once
    for the whole list (a row at a time, two receivers cost a list of fifty rows a third
    of its page). No rows, no question."""
    if not rows:
        return {}
    added: dict[int, list[Markup]] = {}
    answers = sorted(template_hook.send(name, rows=rows, **context),
                     key=lambda answer: (answer[0].__module__, answer[0].__qualname__))
    for _receiver, result in answers:
        for key, html in (result or {}).items():
            if html:
                added.setdefault(key, []).append(Markup(html))
    return {key: Markup("").join(parts) for key, parts in added.items()}


def render_fragment(template: str, **context) -> Markup:
    """A small template for one row of a list, in the request's template context, which
    is made once per request and locale (``render_template`` runs every context
    processor again for each row). Kept with the request itself: an application
    context, and ``g`` with it, can outlive one request (the CLI, a test)."""
    made = request.environ.setdefault("fund.fragment_contexts", {})
    locale = str(get_locale())
    if locale not in made:
        base: dict = {}
        current_app.update_template_context(base)
        made[locale] = base
    return Markup(current_app.jinja_env.get_template(template).render(
        {**made[locale], **context}))
