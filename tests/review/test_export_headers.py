"""The innstilling's downloads name their content type once (security review I2)."""

from tests.helpers import login
from tests.review.test_queue_and_ranking import complete, office  # noqa: F401


def test_each_export_has_one_content_type_with_one_charset(client, office):  # noqa: F811
    call, applications, caseworker, _manager = office
    for application in applications:
        complete(application, caseworker, 80)
    login(client, caseworker)
    path = f"/saksbehandling/utlysninger/{call.id}/innstilling"
    assert client.get(f"{path}.csv").headers["Content-Type"] == "text/csv; charset=utf-8"
    assert client.get(f"{path}.xlsx").headers["Content-Type"] == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert client.get(f"{path}.pdf").headers["Content-Type"] == "application/pdf"
