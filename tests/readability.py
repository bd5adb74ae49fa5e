"""How hard a page is to read: the Flesch-Kincaid grade of its visible text (reading age is about the
grade + 5). The public pages aim at a reading age of 9 to 11, GOV.UK's aim, so grade 6 at most.

Syllables are counted twice, by pyphen's British English hyphenation and by vowel groups (less the
silent endings), and the larger count is taken: each alone counts low on some words, so the grade
errs on the hard side."""

import re
from html import unescape

import pyphen

HYPHENATION = pyphen.Pyphen(lang="en_GB")
# Grade 6 = reading age 11: the top of the range the issue asks for.
HIGHEST_GRADE = 6.0
# GOV.UK's longest sentence, in words.
LONGEST_SENTENCE = 25


def visible_text(html: str, *, leave_out: tuple[str, ...] = ()) -> str:
    """The words a reader sees, each heading, label, item and paragraph a sentence of its own.
    `leave_out`: data-testid values of elements whose words are not the page's own (a letter quoted
    in full, the school's address), left out with everything inside them."""
    html = re.sub(r"<(script|style|title|head)[^>]*>.*?</\1>", "", html, flags=re.S)
    html = re.sub(r'<div class="d-none".*?</div>', "", html, flags=re.S)  # the report form's hidden box
    for testid in leave_out:
        html = _without_element(html, testid)
    text = re.sub(r"<(li|p|h1|h2|h3|label|legend|div|dt|dd|address|br|button|summary|td|th)\b[^>]*>", ". ", html)
    return unescape(re.sub(r"<[^>]+>", " ", text))


def _without_element(html: str, testid: str) -> str:
    start = re.search(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>', html)
    if start is None:
        return html
    tag, depth, position = start.group(1), 1, start.end()
    tags = re.compile(rf"<(/?){tag}\b[^>]*>")
    while depth:
        found = tags.search(html, position)
        if found is None:
            return html[:start.start()]
        depth += -1 if found.group(1) else 1
        position = found.end()
    return html[:start.start()] + html[position:]


def syllables(word: str) -> int:
    word = word.lower().strip("'")
    by_hyphens = len(HYPHENATION.inserted(word).split("-"))
    stem = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", "", word) if len(word) > 3 else word
    by_vowels = len(re.findall(r"[aeiouy]+", re.sub(r"^y", "", stem)))
    return max(1, by_hyphens, by_vowels)


def sentences_and_words(text: str) -> tuple[list[str], list[str]]:
    sentences = [s for s in re.split(r"[.!?:]+(?:\s|$)", text) if re.search(r"[A-Za-z]", s)]
    return sentences, re.findall(r"[A-Za-z']+", text)


def flesch_kincaid_grade(text: str) -> float:
    sentences, words = sentences_and_words(text)
    return 0.39 * len(words) / len(sentences) + 11.8 * sum(map(syllables, words)) / len(words) - 15.59


def hardest_sentences(text: str, count: int = 5) -> list[tuple[float, str]]:
    """The sentences that pull the grade up most, to say what to rewrite when a page fails."""
    sentences, _ = sentences_and_words(text)
    scored = [(flesch_kincaid_grade(s + "."), " ".join(s.split())) for s in sentences if len(s.split()) > 2]
    return sorted(scored, reverse=True)[:count]


def longest_sentence(text: str) -> str:
    sentences, _ = sentences_and_words(text)
    return max((" ".join(s.split()) for s in sentences), key=lambda s: len(s.split()), default="")


def assert_plain_english(name: str, html: str, *, leave_out: tuple[str, ...] = ()) -> None:
    """The page `name` reads at grade HIGHEST_GRADE or under, with no sentence over LONGEST_SENTENCE
    words; a failure names the sentences to rewrite."""
    text = visible_text(html, leave_out=leave_out)
    grade = flesch_kincaid_grade(text)
    assert grade <= HIGHEST_GRADE, f"{name}: grade {grade:.1f}; rewrite: {hardest_sentences(text)}"
    assert len(longest_sentence(text).split()) <= LONGEST_SENTENCE, f"{name}: {longest_sentence(text)}"
