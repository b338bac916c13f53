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
                '{{ hook("application_dashboard_row", application="NF-1") }}')
    finally:
        template_hook.disconnect(panel, sender="case_page_panels")
    assert html == "<section>Vedtak for NF-1</section>"


def test_a_hook_nobody_answers_adds_nothing(app):
    with app.test_request_context():
        assert render_template_string('[{{ hook("call_manage_panels", call=1) }}]') == "[]"
