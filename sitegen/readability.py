"""The reading grade of a page: Flesch-Kincaid on the text a visitor reads in the rendered main
content, and for a Spanish page Fernández Huerta's reading ease. Shared by `review` and the
content tests."""

from __future__ import annotations

from html.parser import HTMLParser

BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dd", "dt", "blockquote", "figcaption"}


class _TextOfBlocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCKS:
            self._close()

    def handle_endtag(self, tag):
        if tag in BLOCKS:
            self._close()

    def handle_data(self, data):
        self.current.append(data)

    def _close(self):
        text = " ".join("".join(self.current).split())
        self.current = []
        if text:
            # A heading or list item is a sentence of its own for the formula.
            self.blocks.append(text if text[-1] in ".?!:;" else text + ".")


def main_text(html: str) -> str:
    """The visible words of an HTML fragment, a block a line."""
    parser = _TextOfBlocks()
    parser.feed(html)
    parser.close()
    parser._close()
    return "\n".join(parser.blocks)


def reading_grade(html: str) -> float:
    """Flesch-Kincaid grade level of the text in an HTML fragment."""
    import textstat

    text = main_text(html)
    textstat.set_lang("en_US")  # textstat's language is its own global: say it each time
    return round(float(textstat.flesch_kincaid_grade(text)), 1) if text else 0.0


# Fernández Huerta's reading ease (0 to 100, higher is easier) that Spanish pages aim at, and
# below which review warns: 70 is "fairly easy", 60 "standard".
SPANISH_AIM, SPANISH_WARN = 70, 60


def spanish_reading_ease(html: str) -> float:
    """Fernández Huerta's reading ease of the Spanish text in an HTML fragment."""
    import textstat

    text = main_text(html)
    textstat.set_lang("es")
    try:
        return round(float(textstat.fernandez_huerta(text)), 1) if text else 0.0
    finally:
        textstat.set_lang("en_US")
