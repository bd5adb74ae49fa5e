"""Letter templates written as paragraphs, not HTML.

An administrator writes a letter as plain paragraphs separated by blank lines; a new line inside a
paragraph is a line break, a line starting "- " is a bullet point, **words** are bold, and the letter's
placeholders are written `{{ parent.salutation }}` (offered from a list on the page). A line holding
only `{% if … %}`, `{% for … %}` or their ends is left as it is, so that a part of the letter can be
optional or repeated. Everything else is text: `<` is printed as "<", never read as HTML.

`paragraphs_to_html` keeps every line on its own line, so the sealed engine's "Line 3: …" refers to the
line the administrator wrote. `html_to_paragraphs` reads a version written as HTML back into paragraphs.
"""

import html
import re

_TEMPLATE_PART = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})")
_CONTROL_LINE = re.compile(r"^\s*(?:\{%.*?%\}\s*)+$")
_LOOP_CONTROL = re.compile(r"^\s*\{%\s*(?:for|endfor|empty)\b")
_BULLET = re.compile(r"^\s*[-•]\s+(?P<text>.*)$")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")

# Markup a letter written as paragraphs has; anything else in an HTML version is named when it is read.
KEPT_TAGS = frozenset({"p", "br", "ul", "li", "strong", "b", "div"})


def _inline(text: str) -> str:
    """Text with its HTML special characters escaped, placeholders and tags as written, **bold** marked."""
    parts = _TEMPLATE_PART.split(text)
    escaped = "".join(part if index % 2 else html.escape(part, quote=False) for index, part in enumerate(parts))
    return _BOLD.sub(r"<strong>\1</strong>", escaped)


def _kind(line: str) -> str:
    if _CONTROL_LINE.match(line):
        return "control"
    return "bullet" if _BULLET.match(line) else "text"


def _block_to_html(lines: list[str]) -> list[str]:
    kinds = [_kind(line) for line in lines]
    if all(kind == "control" for kind in kinds):
        return [line.rstrip() for line in lines]
    # `{% if %}` lines around a whole block stay outside it; a loop stays inside the list it repeats.
    start, end = 0, len(lines)
    while kinds[start] == "control" and not _LOOP_CONTROL.match(lines[start]):
        start += 1
    while kinds[end - 1] == "control" and not _LOOP_CONTROL.match(lines[end - 1]):
        end -= 1
    # A control line inside belongs to the run (paragraph or list) of the next line with words.
    runs: list[str] = []
    for index in range(start, end):
        kind = kinds[index]
        if kind == "control":
            later = [k for k in kinds[index + 1:end] if k != "control"]
            kind = later[0] if later else ([k for k in kinds[start:index] if k != "control"] or ["text"])[-1]
        runs.append("list" if kind == "bullet" else "paragraph")
    out = [line.rstrip() for line in lines[:start]]
    index = start
    while index < end:
        run = runs[index - start]
        last = index
        while last + 1 < end and runs[last + 1 - start] == run:
            last += 1
        out += _run_to_html(lines[index:last + 1], kinds[index:last + 1], run)
        index = last + 1
    out += [line.rstrip() for line in lines[end:]]
    return out


def _run_to_html(lines: list[str], kinds: list[str], run: str) -> list[str]:
    out: list[str] = []
    text_lines = [i for i, kind in enumerate(kinds) if kind != "control"]
    for i, (line, kind) in enumerate(zip(lines, kinds, strict=True)):
        if kind == "control":
            piece = line.strip()
        elif run == "list":
            bullet = _BULLET.match(line)
            piece = f"<li>{_inline(bullet.group('text').strip() if bullet else line.strip())}</li>"
        else:
            piece = _inline(line.strip()) + ("<br>" if text_lines and i != text_lines[-1] else "")
        out.append(piece)
    tag = "ul" if run == "list" else "p"
    out[0] = f"<{tag}>" + out[0]
    out[-1] = out[-1] + f"</{tag}>"
    return out


def paragraphs_to_html(text: str) -> str:
    """The letter's paragraphs as the HTML the sealed engine renders, line for line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    block: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            block.append(line)
            continue
        if block:
            out += _block_to_html(block)
            block = []
        out.append("")
    return "\n".join(out[:-1]).rstrip() + "\n"


def _unescape_text(text: str) -> str:
    parts = _TEMPLATE_PART.split(text)
    return "".join(part if index % 2 else html.unescape(part) for index, part in enumerate(parts))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def html_to_paragraphs(body: str) -> tuple[str, list[str]]:
    """A version written as HTML, as paragraphs; and the names of any markup the paragraphs cannot keep
    (e.g. ["em", "table"]), which the page names before the administrator saves over it."""
    text = body.replace("\r\n", "\n")
    dropped = sorted({name.lower() for name in re.findall(r"</?\s*([a-zA-Z][a-zA-Z0-9]*)", text)} - KEPT_TAGS)
    text = re.sub(r"<(strong|b)\b[^>]*>(.*?)</\1\s*>", r"**\2**", text, flags=re.S | re.I)
    text = re.sub(r"</?div\b[^>]*>", "\n\n", text, flags=re.I)
    text = re.sub(r"</?ul\b[^>]*>", "\n\n", text, flags=re.I)
    text = re.sub(r"<li\b[^>]*>(.*?)</li\s*>", lambda m: "\n- " + _one_line(m.group(1)) + "\n", text,
                  flags=re.S | re.I)
    text = re.sub(
        r"<p\b[^>]*>(.*?)</p\s*>",
        lambda m: "\n\n" + "\n".join(_one_line(part) for part in re.split(r"<br\s*/?>", m.group(1), flags=re.I))
        + "\n\n",
        text, flags=re.S | re.I,
    )
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.I)
    text = re.sub(r"</?\s*[a-zA-Z][^>]*>", "", text)  # markup the paragraphs cannot keep (named in `dropped`)
    lines = [_unescape_text(line).strip() for line in text.split("\n")]
    # One blank line between blocks; none between a bullet and the loop or the bullet beside it.
    kept: list[str] = []
    for index, line in enumerate(lines):
        if not line:
            before = kept[-1] if kept else ""
            after = next((later for later in lines[index + 1:] if later), "")
            if not before or not kept[-1] or (
                    _kind(before) != "text" and _kind(after) != "text" and "bullet" in (_kind(before), _kind(after))):
                continue
        kept.append(line)
    return "\n".join(kept).strip() + "\n", dropped
