"""The floor: the least a Flask page over the same data can cost.

A minimal Flask + Flask-SQLAlchemy + Jinja app with one page listing 50 applications
joined to their organisations, keyset-paginated (``?etter=<id>``), served like the app
(``gunicorn -w 2 bench.floor:app``) against the same database. Every page of the app is
read as a ratio to this one's throughput, measured in the rounds around it.

The database is ``BENCH_FLOOR_DATABASE_URL``.
"""

import os

from flask import Flask, render_template_string, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

PAGE_SIZE = 50

PAGE = """<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><title>Søknader</title></head>
<body><main><h1>Søknader</h1>
<table><thead><tr><th>Id</th><th>Saksnummer</th><th>Tittel</th><th>Status</th>
<th>Organisasjon</th><th>Org.nr.</th></tr></thead><tbody>
{% for a in rows %}<tr><td>{{ a.id }}</td><td>{{ a.case_number or "–" }}</td>
<td>{{ a.title }}</td><td>{{ a.state }}</td><td>{{ a.organisation.name }}</td>
<td>{{ a.organisation.orgnr }}</td></tr>
{% endfor %}</tbody></table>
{% if rows|length == page_size %}<a href="?etter={{ rows[-1].id }}">Neste side</a>{% endif %}
</main></body></html>"""


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Organisation(db.Model):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    orgnr: Mapped[str] = mapped_column(String(9))


class Application(db.Model):
    __tablename__ = "applications"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    case_number: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)


def create_app(url: str | None = None) -> Flask:
    """The floor app on ``url`` (default: ``BENCH_FLOOR_DATABASE_URL``)."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url or os.environ["BENCH_FLOOR_DATABASE_URL"]
    db.init_app(app)

    @app.route("/")
    def applications():
        after = request.args.get("etter", type=int) or 0
        rows = db.session.scalars(select(Application).where(Application.id > after)
                                  .order_by(Application.id).limit(PAGE_SIZE)).all()
        return render_template_string(PAGE, rows=rows, page_size=PAGE_SIZE)

    return app


app = create_app() if os.environ.get("BENCH_FLOOR_DATABASE_URL") else None
