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


def test_a_fragment_has_its_own_requests_context_even_in_one_application_context(
        app, monkeypatch):
    """The context is kept with the request: two requests inside one application context
    (the CLI, a test) each render with their own."""
    from jinja2 import ChoiceLoader, DictLoader

    from fund.core.hooks import render_fragment
    monkeypatch.setattr(app.jinja_env, "loader", ChoiceLoader(
        [DictLoader({"path.html": "{{ request.path }}"}), app.jinja_env.loader]))
    with app.app_context():
        for path in ("/first", "/second"):
            with app.test_request_context(path):
                assert render_fragment("path.html") == path


def test_a_list_asks_its_receivers_once_in_the_order_of_their_names_and_not_at_all_empty(
        app):
    from types import SimpleNamespace

    from fund.core.hooks import row_hooks
    asked = []

    def second(_name, rows, **_context):
        asked.append("second")
        return {row.id: "<i>2</i>" for row in rows}

    def first(_name, rows, **_context):
        asked.append("first")
        return {rows[0].id: "<b>1</b>"}

    for receiver in (second, first):
        template_hook.connect(receiver, sender="test_rows")
    try:
        with app.test_request_context():
            assert row_hooks("test_rows", []) == {} and asked == []
            added = row_hooks("test_rows", [SimpleNamespace(id=1), SimpleNamespace(id=2)])
    finally:
        for receiver in (second, first):
            template_hook.disconnect(receiver, sender="test_rows")
    assert sorted(asked) == ["first", "second"]
    assert added == {1: "<b>1</b><i>2</i>", 2: "<i>2</i>"}
