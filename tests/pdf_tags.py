"""Reading a tagged PDF as a screen reader does: its structure tree, element by element in
reading order, each with the text of the marked content it owns (pikepdf; the text is
decoded through each font's ToUnicode map, as WeasyPrint writes it)."""

import io
import re
from dataclasses import dataclass, field

import pikepdf

_HEX = re.compile(rb"<([0-9a-fA-F]+)>")


@dataclass
class Element:
    """A structure element: its type (``H1``, ``Table`` …), language, text and children."""
    tag: str
    lang: str | None
    children: list["Element"] = field(default_factory=list)
    own_text: str = ""

    @property
    def text(self) -> str:
        return " ".join(" ".join([self.own_text, *(child.text for child in self.children)])
                        .split())

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def _to_unicode(font) -> dict[int, str]:
    """A font's codes and the text they stand for (``bfchar`` and ``bfrange``)."""
    mapping: dict[int, str] = {}
    if "/ToUnicode" not in font:
        return mapping
    cmap = font.ToUnicode.read_bytes()
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        values = _HEX.findall(block)
        for code, text in zip(values[::2], values[1::2], strict=True):
            mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for line in block.strip().splitlines():
            values = _HEX.findall(line)
            if len(values) < 3:
                continue
            start, end = int(values[0], 16), int(values[1], 16)
            if b"[" in line:
                for offset, text in enumerate(values[2:]):
                    mapping[start + offset] = bytes.fromhex(text.decode()).decode("utf-16-be")
            else:
                first = int(values[2], 16)
                for offset in range(end - start + 1):
                    mapping[start + offset] = chr(first + offset)
    return mapping


def _decode(data: bytes, mapping: dict[int, str]) -> str:
    """Two-byte codes (Identity-H, as WeasyPrint's fonts are)."""
    return "".join(mapping.get(int.from_bytes(data[i:i + 2], "big"), "")
                   for i in range(0, len(data) - 1, 2))


def _marked_text(page) -> dict[int, str]:
    """The text of each marked-content id (MCID) on a page."""
    fonts = {str(name): _to_unicode(font)
             for name, font in (page.Resources.get("/Font") or {}).items()}
    texts: dict[int, list[str]] = {}
    stack: list[int | None] = []
    mapping: dict[int, str] = {}
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op == "BDC":
            properties = operands[1]
            mcid = properties.get("/MCID") if isinstance(properties, pikepdf.Dictionary) \
                else None
            stack.append(int(mcid) if mcid is not None else None)
        elif op == "BMC":
            stack.append(None)
        elif op == "EMC" and stack:
            stack.pop()
        elif op == "Tf":
            mapping = fonts.get(str(operands[0]), {})
        elif op in ("Tj", "TJ", "'", '"'):
            current = next((m for m in reversed(stack) if m is not None), None)
            if current is None:
                continue
            parts = operands[-1] if op == "TJ" else [operands[-1]]
            text = "".join(_decode(bytes(part), mapping) for part in parts
                           if isinstance(part, pikepdf.String))
            texts.setdefault(current, []).append(text)
        elif op in ("Td", "TD", "T*", "Tm") and stack:
            current = next((m for m in reversed(stack) if m is not None), None)
            if current is not None:
                texts.setdefault(current, []).append(" ")
    return {mcid: "".join(parts) for mcid, parts in texts.items()}


def structure(data: bytes) -> Element:
    """The document's structure tree, from StructTreeRoot down through each /K."""
    pdf = pikepdf.open(io.BytesIO(data))
    pages = {page.obj.objgen: page for page in pdf.pages}
    marked: dict[tuple, dict[int, str]] = {}

    def text_of(page_ref, mcid: int) -> str:
        key = page_ref.objgen
        if key not in marked:
            marked[key] = _marked_text(pages[key]) if key in pages else {}
        return marked[key].get(mcid, "")

    def element(node, page_ref, lang) -> Element:
        page_ref = node.get("/Pg", page_ref)
        lang = str(node["/Lang"]) if "/Lang" in node else lang
        made = Element(str(node.get("/S", "/?"))[1:], lang)
        kids = node.get("/K")
        if kids is None:
            return made
        own = []
        for kid in (list(kids) if isinstance(kids, pikepdf.Array) else [kids]):
            if isinstance(kid, int) or (isinstance(kid, pikepdf.Object)
                                        and kid._type_code == pikepdf.ObjectType.integer):
                own.append(text_of(page_ref, int(kid)))
            elif isinstance(kid, pikepdf.Dictionary) and "/MCID" in kid:
                own.append(text_of(kid.get("/Pg", page_ref), int(kid.MCID)))
            elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                made.children.append(element(kid, page_ref, lang))
        made.own_text = " ".join(own)
        return made

    root = pdf.Root.StructTreeRoot
    document = Element("StructTreeRoot", str(pdf.Root.get("/Lang", "")) or None)
    kids = root.get("/K")
    for kid in (list(kids) if isinstance(kids, pikepdf.Array) else [kids]):
        document.children.append(element(kid, None, document.lang))
    return document


HEADING = re.compile(r"H[1-6]")


def headings(tree: Element) -> list[tuple[str, str]]:
    """(tag, text) of each heading, in the structure tree's (reading) order."""
    return [(node.tag, node.text) for node in tree.walk() if HEADING.fullmatch(node.tag)]


def table_problems(tree: Element) -> list[str]:
    """Where the tables' tags break Table > (THead|TBody|TFoot >) TR > TH|TD."""
    problems = []

    def check(node: Element, parent: str | None) -> None:
        allowed_parents = {"TR": {"Table", "THead", "TBody", "TFoot"},
                           "TH": {"TR"}, "TD": {"TR"},
                           "THead": {"Table"}, "TBody": {"Table"}, "TFoot": {"Table"}}
        if node.tag in allowed_parents and parent not in allowed_parents[node.tag]:
            problems.append(f"{node.tag} in {parent}: {node.text[:60]!r}")
        if node.tag == "Table" and not any(n.tag == "TR" for n in node.walk()):
            problems.append(f"a table without rows: {node.text[:60]!r}")
        for child in node.children:
            check(child, node.tag)

    check(tree, None)
    return problems
