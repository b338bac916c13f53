"""Charts as server-side SVG (issue 11): no script, no external library. Each chart has
a ``<title>`` and ``<desc>`` (role="img", aria-labelledby) and scales with its container
(a viewBox, width 100%), so it reads at 320 px; the page puts the same numbers in a
table next to it. Colours have at least 4.5:1 contrast against white."""

from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

from fund.core.formatting import format_nok, format_number

#: The drawing's own units: at 320 px (288 px of chart) a 16-unit font is about 13.5 px,
#: at the page's widest chart (24rem) 18 px.
WIDTH = 340
FONT = 16
ROW = 48  # label line + bar
BAR = 18
LABEL_WIDTH_CHARS = 37
INK = "#1a1a1a"  # text, 17:1 on white
BAR_COLOUR = "#1e5b8c"  # 7:1 on white
TRACK = "#ffffff"
TRACK_LINE = "#595959"  # the track's outline, 7:1 on white


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  #: in the chart's unit (money, a share); only its size is drawn
    text: str  #: the value as the page writes it (Norwegian format)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_WIDTH_CHARS else label[:LABEL_WIDTH_CHARS - 1] + "…"


def _opening(chart_id: str, height: int, title: str, desc: str) -> list[str]:
    """The ``<svg>`` element with its title and description, named by ``aria-labelledby``."""
    cid = escape(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" '
        f'font-family="inherit" font-size="{FONT}">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def bar_chart(chart_id: str, title: str, desc: str, bars: list[Bar],
              maximum: float | None = None, track: bool = False) -> Markup:
    """Horizontal bars, one per row: the label on a line of its own, the bar below it
    with its value written after it. ``maximum`` is the full bar (default: the largest
    value); ``track`` draws the full bar's outline (for shares)."""
    top = max([maximum or 0] + [b.value for b in bars]) or 1
    value_room = 110
    span = WIDTH - value_room
    height = max(ROW * len(bars), ROW) + 4
    parts = _opening(chart_id, height, title, desc)
    for i, bar in enumerate(bars):
        y = i * ROW
        length = round(span * (bar.value / top), 1) if bar.value > 0 else 0
        parts.append(f'<text x="0" y="{y + FONT}" fill="{INK}">{escape(_short(bar.label))}</text>')
        if track:
            parts.append(f'<rect x="0.5" y="{y + 22.5}" width="{span - 1}" height="{BAR - 1}" '
                         f'fill="{TRACK}" stroke="{TRACK_LINE}"/>')
        if length:
            parts.append(f'<rect x="0" y="{y + 22}" width="{length}" height="{BAR}" '
                         f'fill="{BAR_COLOUR}"/>')
        x = (span if track else length) + 6
        parts.append(f'<text x="{x}" y="{y + 22 + FONT - 2}" fill="{INK}">'
                     f'{escape(bar.text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


SECOND_COLOUR = "#8a4b08"  # the second bar of a pair, 6:1 on white


@dataclass(frozen=True)
class Pair:
    """Two values of one label side by side (e.g. expected and realised), never added."""

    label: str
    first: float
    first_text: str
    second: float
    second_text: str


PAIR_ROW = 70  # label line + two bars


def paired_bar_chart(chart_id: str, title: str, desc: str, names: tuple[str, str],
                     pairs: list[Pair]) -> Markup:
    """Horizontal bars in pairs: per row the label, then the first and the second bar,
    each with its name and value written after it. Each row has its own scale (the
    larger of its two values is the full bar), since the rows' units differ."""
    value_room = 160
    span = WIDTH - value_room
    height = max(PAIR_ROW * len(pairs), PAIR_ROW) + 4
    parts = _opening(chart_id, height, title, desc)
    for i, pair in enumerate(pairs):
        y = i * PAIR_ROW
        top = max(pair.first, pair.second) or 1
        parts.append(f'<text x="0" y="{y + FONT}" fill="{INK}">{escape(_short(pair.label))}</text>')
        for j, (value, text, name, colour) in enumerate((
                (pair.first, pair.first_text, names[0], BAR_COLOUR),
                (pair.second, pair.second_text, names[1], SECOND_COLOUR))):
            bar_y = y + 22 + j * (BAR + 4)
            length = round(span * (value / top), 1) if value > 0 else 0
            if length:
                parts.append(f'<rect x="0" y="{bar_y}" width="{length}" height="{BAR}" '
                             f'fill="{colour}"/>')
            parts.append(f'<text x="{length + 6}" y="{bar_y + FONT - 2}" fill="{INK}">'
                         f'{escape(name)}: {escape(text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


# --- The coverage report's three charts (the page and the PDF draw the same) ---


def coverage_charts(report, prefix: str = "") -> dict:
    """The two charts and the rows of their data tables (the same numbers)."""
    money = [Bar(label=f"{a.code}. {a.title}", value=a.figures.granted,
                 text=format_nok(a.figures.granted)) for a in report.areas]
    coverage_rows = []
    for strategy in report.strategies:
        measures = [m for m in strategy.measures if not m.is_fund]
        funded = sum(1 for m in measures if any(p.funded for p in m.projects))
        coverage_rows.append((strategy, funded, len(measures)))
    strategy_bars = [
        Bar(label=f"{s.code} {s.title}", value=(funded / total) if total else 0,
            text=_("%(funded)s av %(total)s", funded=format_number(funded),
                   total=format_number(total)))
        for s, funded, total in coverage_rows]
    return {
        "money_svg": bar_chart(
            prefix + "chart-money", _("Innvilget beløp per innsatsområde"),
            _("Liggende stolper: innvilget beløp per innsatsområde. Et prosjekt som bidrar "
              "til flere innsatsområder, er med i hvert av dem. Tallene står også i "
              "tabellen ved siden av."), money),
        "coverage_svg": bar_chart(
            prefix + "chart-coverage", _("Dekning per strategi"),
            _("Liggende stolper: andelen av strategiens tiltak som minst ett innvilget "
              "prosjekt bidrar til. Tallene står også i tabellen ved siden av."),
            strategy_bars, maximum=1, track=True),
        "coverage_rows": coverage_rows,
    }


def effects_chart(effects, prefix: str = "") -> dict:
    """The third chart: expected against realised per effect (knowledge jobs, other jobs,
    tCO2e), and the rows of its data table (the same numbers)."""
    e, r = effects.expected, effects.realised
    rows = [(_("Kunnskapsintensive arbeidsplasser"), e.knowledge_jobs, r.knowledge_jobs),
            (_("Andre arbeidsplasser"), e.other_jobs, r.other_jobs),
            (_("Kutt i tonn CO2e per år"), e.co2e_tonnes, r.co2e_tonnes)]
    pairs = [Pair(label=label, first=float(expected), first_text=format_number(expected),
                  second=float(realised), second_text=format_number(realised))
             for label, expected, realised in rows]
    return {
        "effects_svg": paired_bar_chart(
            prefix + "chart-effects", _("Effekter: forventet og realisert"),
            _("Liggende stolper i par: for hver effekt det søknadene forventer og det de "
              "godkjente sluttrapportene har realisert. Hver effekt har sin egen skala. "
              "Tallene står også i tabellen ved siden av."),
            (_("Forventet"), _("Realisert")), pairs),
        "effects_rows": rows,
    }
