"""Reports wholly in their language: the checks the eda and segment report tests share.

``language_problems`` lists what gives a Russian markdown report away as half-translated: a line with no Cyrillic
word (a heading, a sentence, a list item left in English), or a number written the English way (a decimal point).
Link targets and code spans are file names and commands: they are left out before looking.
"""

from __future__ import annotations

import re

CYRILLIC = re.compile(r"[\u0400-\u04FF]")
LINK_TARGET = re.compile(r"\]\([^)]*\)")
CODE = re.compile(r"`[^`]*`")
ENGLISH_DECIMAL = re.compile(r"\d\.\d")


def readable_text(line: str) -> str:
    """A markdown line without its link targets and code spans."""
    return CODE.sub("", LINK_TARGET.sub("]", line))


def language_problems(markdown: str, language: str) -> list[str]:
    """Lines of ``markdown`` that are not in ``language`` (ru: every line holds a Cyrillic word and numbers have a
    decimal comma; en: no Cyrillic heading and numbers with a decimal point)."""
    problems = []
    for line in markdown.splitlines():
        text = readable_text(line)
        if not text.strip() or re.fullmatch(r"\|(---\|)+", line):
            continue
        if language == "ru":
            if not CYRILLIC.search(text):
                problems.append(f"no Russian word: {line}")
            if ENGLISH_DECIMAL.search(text):
                problems.append(f"an English number: {line}")
        elif line.startswith("#") and CYRILLIC.search(text):
            problems.append(f"a Russian heading: {line}")
        elif "\u202f" in text or re.search(r"\d,\d{1,2}(?!\d)", text):
            problems.append(f"a Russian number: {line}")
    return problems


def headings(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("#")]


# Latin words a Russian page or console may hold: names of files, settings and measures a manager meets as such
LATIN_ALLOWED = {"params.yaml", "id", "PSI", "CSV", "Excel", "offers", "drift", "flags", "score", "ROC-AUC", "SHAP"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z_.\-]*[A-Za-z]")


def english_words(text: str, *paths: str) -> set[str]:
    """Latin words in a Russian page's visible text (script, style and tags left out) or console output, less
    LATIN_ALLOWED and the words of ``paths`` (folders and files the command was given)."""
    import html

    visible = html.unescape(
        re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)>.*?</\1>|<!--.*?-->", "", text, flags=re.S))
    )
    allowed = LATIN_ALLOWED | {word for path in paths for word in LATIN_WORD.findall(path)}
    return set(LATIN_WORD.findall(visible)) - allowed
