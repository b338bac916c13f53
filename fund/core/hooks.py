"""Template hooks: places in a lower domain's page where a higher domain adds a panel,
without the lower one importing it (Indico's ``template_hook``).

A page says ``{{ hook("case_page_panels", application=application) }}``. A higher domain
contributes with::

    @template_hook.connect_via("case_page_panels")
    def decision_panel(_name, application, **_context):
        return render_template("decisions/_panel.html", application=application)

The hooks in use: ``application_dashboard_row`` (an applicant's application in the list),
``application_page_panels`` (the applicant's page for a submitted application),
``application_status`` (that page's status tag, replaced once there is an outcome),
``case_page_panels`` (the caseworker's case page), ``call_manage_panels`` (the manager's
page for one call).
"""

from markupsafe import Markup

from fund.core.signals import template_hook


def hook(name: str, **context) -> Markup:
    """The HTML the receivers of ``name`` contribute, in the order they connected."""
    parts = [result for _receiver, result in template_hook.send(name, **context) if result]
    return Markup("").join(Markup(part) for part in parts)
