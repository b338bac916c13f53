"""A higher domain adds to a lower one's page through a hook, without being imported."""

from flask import render_template_string

from fund.core.signals import template_hook


def test_a_receiver_contributes_to_the_page_and_html_is_kept(app):
    def panel(_name, application, **_context):
        return f"<section>Vedtak for {application}</section>"

    template_hook.connect(panel, sender="case_page_panels")
    try:
        with app.test_request_context():
            html = render_template_string(
                '{{ hook("case_page_panels", application="NF-1") }}'
                '{{ hook("call_manage_panels", call=1) }}')
    finally:
        template_hook.disconnect(panel, sender="case_page_panels")
    assert html == "<section>Vedtak for NF-1</section>"


def test_a_hook_nobody_answers_adds_nothing(app):
    with app.test_request_context():
        assert render_template_string('[{{ hook("call_manage_panels", call=1) }}]') == "[]"


def test_a_rows_fragment_is_in_the_language_in_force_each_time(app):
    """``render_fragment`` makes the template context once per request, and once more
    for another language (a mail in the recipient's language, inside the request)."""
    from types import SimpleNamespace

    from flask_babel import force_locale

    from fund.core.hooks import render_fragment
    grant = SimpleNamespace(id=7, state="offered")
    fragment = dict(grant=grant, deadline=None, GRANT_STATE_LABELS={"offered": "Tilbudt"})
    with app.test_request_context(headers={"Accept-Language": "nb"}):
        assert ">Gå til tilskuddet</a>" in render_fragment("grants/dashboard_row.html",
                                                         **fragment)
        with force_locale("en"):
            assert ">Go to the grant</a>" in render_fragment("grants/dashboard_row.html",
                                                           **fragment)
        assert ">Gå til tilskuddet</a>" in render_fragment("grants/dashboard_row.html",
                                                         **fragment)
