"""Pure checks of the transcribed action plan (no app, no database).

The YAML file fund/plan/data/handlingsplan-2022-2024.yaml is a verbatim
transcription of fund/plan/data/handlingsplan-2022-2024.txt (the municipality's
published plan, kept beside it so these checks run in every clone), a PDF text extract
whose three-column table (Strategi | Delstrategier | Tiltak) is interleaved.

Normalisation of the source used for comparisons:

* ``collapsed``: every whitespace run becomes one space.
* ``joined``: like ``collapsed``, but a hyphen that ends a line with no
  trailing whitespace ("SMB-\\nmarkedet", "kultur-\\n, møte-",
  "opplevelses-\\nnæringer") is joined to the next line without a space.
  A hyphen followed by a space before the line break ("konferanse- \\nog")
  is a real suspended compound and keeps its space in both forms.

A text passes the verbatim check if it occurs in either form; separately, no
text may contain the *split* form of a bare line-end hyphen, and the whole
goal list and table are consumed in order from the ``joined`` form so that
nothing is missing, duplicated or out of order.
"""

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).parents[2]
PLAN_FILE = REPO / "fund/plan/data/handlingsplan-2022-2024.yaml"
SOURCE_FILE = REPO / "fund/plan/data/handlingsplan-2022-2024.txt"

# Total number of tiltak in the plan:
# 1A 2, 1B 4, 1C 6, 2A 3, 2B 3, 2C 2, 3A 2, 3B 3, 3C 2,
# 4A 3, 4B 3, 4C 2, 5A 3, 5B 3, 5C 2  ->  43
TOTAL_MEASURES = 43



# --------------------------------------------------------------------------
# helpers


def collapse(text):
    return re.sub(r"\s+", " ", text).strip()


def join_line_end_hyphens(raw):
    # "-" immediately followed by a newline (no trailing blanks): join
    # the following (non-blank) text directly onto the hyphen.
    return re.sub(r"-\n\s*", "-", raw)


@pytest.fixture(scope="module")
def plan():
    with PLAN_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def raw_source():
    return SOURCE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def collapsed(raw_source):
    return collapse(raw_source)


@pytest.fixture(scope="module")
def joined(raw_source):
    return collapse(join_line_end_hyphens(raw_source))


def strategies(plan):
    for area in plan["areas"]:
        for strategy in area["strategies"]:
            yield area, strategy


def measures(plan):
    for _, strategy in strategies(plan):
        for measure in strategy["measures"]:
            yield strategy, measure


def all_texts(plan):
    """(label, text) for every verbatim text in the file."""
    for i, goal in enumerate(plan["main_goals"], 1):
        yield f"main goal {i}", goal
    for i, goal in enumerate(plan["effect_goals"], 1):
        yield f"effect goal {i}", goal
    for area in plan["areas"]:
        yield f"area {area['code']} title", area["title"]
    for _, strategy in strategies(plan):
        code = strategy["code"]
        yield f"strategy {code} title", strategy["title"]
        for i, sub in enumerate(strategy["substrategies"], 1):
            yield f"substrategy {code}/{i}", sub
        for measure in strategy["measures"]:
            yield f"measure {measure['code']}", measure["text"]


def consume(haystack, pieces, start, allowed_gap=r"\s*"):
    """Find ``pieces`` one after another in ``haystack`` from ``start``.

    Everything between consecutive pieces must match ``allowed_gap``.
    Returns the position after the last piece.
    """
    pos = start
    for label, piece in pieces:
        idx = haystack.find(piece, pos)
        assert idx >= 0, f"{label}: {piece!r} not found (in order) after position {pos}"
        gap = haystack[pos:idx]
        assert re.fullmatch(allowed_gap, gap), (
            f"{label}: unexpected source text before it: {gap!r}"
        )
        pos = idx + len(piece)
    return pos


# --------------------------------------------------------------------------
# structure


def test_header(plan):
    import datetime

    assert plan["period"] == "2022-2024"
    assert plan["title"] == "Handlingsplan 2022–2024"
    assert plan["starts_on"] == datetime.date(2022, 1, 1)
    assert plan["ends_on"] == datetime.date(2024, 12, 31)


def test_goal_counts(plan):
    assert len(plan["main_goals"]) == 7
    assert len(plan["effect_goals"]) == 4
    for goal in plan["main_goals"] + plan["effect_goals"]:
        assert isinstance(goal, str) and goal == goal.strip() and goal


def test_areas_and_strategies(plan):
    assert [a["code"] for a in plan["areas"]] == ["1", "2", "3", "4", "5"]
    codes = [s["code"] for _, s in strategies(plan)]
    assert codes == [f"{n}{letter}" for n in "12345" for letter in "ABC"]
    assert len(codes) == 15
    for area, strategy in strategies(plan):
        assert strategy["code"].startswith(area["code"])
        assert strategy["title"] and not re.match(r"^[A-C]:", strategy["title"])
        assert strategy["substrategies"], strategy["code"]
        assert strategy["measures"], strategy["code"]


def test_codes_unique_and_consecutive(plan):
    all_codes = [a["code"] for a in plan["areas"]]
    all_codes += [s["code"] for _, s in strategies(plan)]
    all_codes += [m["code"] for _, m in measures(plan)]
    assert len(all_codes) == len(set(all_codes))
    for _, strategy in strategies(plan):
        got = [m["code"] for m in strategy["measures"]]
        want = [f"{strategy['code']}-{n}" for n in range(1, len(got) + 1)]
        assert got == want


def test_texts_are_clean_strings(plan):
    for label, text in all_texts(plan):
        assert isinstance(text, str), label
        assert text == text.strip(), label
        assert "\n" not in text and "\t" not in text, label
        assert "  " not in text, label


def test_total_measure_count(plan):
    assert sum(1 for _ in measures(plan)) == TOTAL_MEASURES


def test_measure_texts_unique(plan):
    texts = [m["text"] for _, m in measures(plan)]
    assert len(texts) == len(set(texts))


def test_spot_checks(plan):
    by_code = {s["code"]: s for _, s in strategies(plan)}
    texts = {code: [m["text"] for m in s["measures"]] for code, s in by_code.items()}

    assert "Årlig utlysning av næringsfond, gjerne i samarbeid med klimafondet." in texts["1B"]
    assert "Årlig utlysning av næringsfondet." in texts["2B"]
    assert by_code["1A"]["measures"][0] == {"code": "1A-1", "text": "Utarbeide aktøranalyse.",
                                            "open_to_applicants": False}
    assert len(by_code["5C"]["measures"]) == 2

    # Column-layout decisions called out in the brief.
    assert len(by_code["2B"]["substrategies"]) == 3
    assert texts["2B"] == [
        "Bedriftsbesøk for å motivere til innovasjon.",
        "Bidra til økt kunnskap om offentlige finansieringsmuligheter for innovative prosjekter.",
        "Årlig utlysning av næringsfondet.",
    ]
    assert len(by_code["5A"]["substrategies"]) == 5
    assert by_code["5A"]["substrategies"][3].startswith("Aktiv dialog med utviklere av private")
    assert by_code["5A"]["substrategies"][4].startswith("Søke fortetting")
    assert [t.split()[0] for t in texts["5A"]] == ["Være", "Aktiv", "Dialog"]


def test_area_titles_use_section_headings(plan):
    titles = [a["title"] for a in plan["areas"]]
    assert titles[0] == "Fremtidsrettede virksomheter innenfor klima, miljø, energi og helse"
    assert titles[1] == "Innovasjon, gründerskap og klynger"


# --------------------------------------------------------------------------
# verbatim against the source


def test_every_text_is_verbatim_in_source(plan, collapsed, joined):
    missing = [
        (label, text)
        for label, text in all_texts(plan)
        if text not in collapsed and text not in joined
    ]
    assert not missing, f"not verbatim in source: {missing}"


def test_area_titles_are_section_headings(plan, collapsed):
    for area in plan["areas"]:
        assert f"{area['code']}. {area['title']}" in collapsed, area["code"]


def test_line_end_hyphens_are_joined(plan, raw_source):
    """A bare line-end hyphen must not be turned into "- " in any text."""
    split_forms = set()
    for match in re.finditer(r"(\S+)-\n\s*(\S+)", raw_source):
        split_forms.add(f"{match.group(1)}- {match.group(2)}")
    assert split_forms, "expected some line-end hyphens in the source"
    for label, text in all_texts(plan):
        for bad in split_forms:
            assert bad not in text, f"{label}: contains split hyphen form {bad!r}"


def test_goals_are_complete_and_in_order(plan, joined):
    start = joined.index("Hovedmål for Lillestrøm kommunes næringsstrategi er:")
    start += len("Hovedmål for Lillestrøm kommunes næringsstrategi er:")
    pieces = []
    for i, goal in enumerate(plan["main_goals"], 1):
        pieces += [(f"bullet {i}", "•"), (f"main goal {i}", goal)]
    pieces.append(("heading", "Effektmål"))
    for i, goal in enumerate(plan["effect_goals"], 1):
        pieces += [(f"bullet {i}", "•"), (f"effect goal {i}", goal)]
    end = consume(joined, pieces, start)
    # Nothing but the page number/footer follows the last effect goal
    # before the next section.
    rest = joined[end:joined.index("INNSATSOMRÅDER MED TILTAK", end)]
    assert re.fullmatch(r"\s*\d*Handlingsplan 2022 - 2024\s*", rest), rest


def test_table_is_consumed_completely_in_order(plan, joined):
    """Walk the whole table: every cell of the source is used exactly once.

    For each area: the column header, then for each strategy "X: title",
    its delstrategier and its tiltak, with nothing but whitespace between.
    Between areas only page furniture (area headings/footers, page
    headers, page numbers) may occur.
    """
    header = "Strategi Delstrategier Tiltak"
    furniture = [f"{a['code']}. {a['title']}" for a in plan["areas"]]
    furniture += ["Handlingsplan 2022 - 2024"]

    pos = joined.index(header)  # the first table
    for area in plan["areas"]:
        gap_end = joined.index(header, pos)
        gap = joined[pos:gap_end]
        for item in furniture:
            gap = gap.replace(item, " ")
        assert re.fullmatch(r"[\s\d]*", gap), f"area {area['code']}: stray text {gap!r}"
        pieces = [(f"area {area['code']} header", header)]
        for strategy in area["strategies"]:
            code = strategy["code"]
            pieces.append((f"{code} title", f"{code[-1]}: {strategy['title']}"))
            pieces += [
                (f"substrategy {code}/{i}", sub)
                for i, sub in enumerate(strategy["substrategies"], 1)
            ]
            pieces += [(f"measure {m['code']}", m["text"]) for m in strategy["measures"]]
        pos = consume(joined, pieces, gap_end)

    tail = joined[pos:]
    for item in furniture:
        tail = tail.replace(item, " ")
    assert re.fullmatch(r"[\s\d]*", tail), f"stray text after the table: {tail!r}"


def test_every_measure_says_whether_applicants_may_choose_it(plan):
    """The municipality's own tasks are closed; the yearly call itself (1B-3, 2B-3) is the
    fund, never an applicant's choice (LAW.md §1.4)."""
    flags = {m["code"]: (m["open_to_applicants"], m.get("is_fund", False))
             for _, m in measures(plan)}
    assert all(isinstance(open_, bool) for open_, _ in flags.values())
    assert {code for code, (_, fund) in flags.items() if fund} == {"1B-3", "2B-3"}
    assert {code for code, (open_, _) in flags.items() if open_} == {
        "1B-2", "1C-6", "2A-3", "2C-1", "2C-2", "3A-1", "3B-1", "3B-2", "3C-1", "3C-2",
        "4B-3", "5C-2"}
