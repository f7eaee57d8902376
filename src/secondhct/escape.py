"""One escaping function per output language: R, Markdown, HTML/XML, YAML and the terminal.

Every string that comes from a data file (a study, ``protocol.yaml``, ``references.bib``)
and reaches generated code or markup goes through exactly one of these functions, so a
title holding a newline and R code, a label holding ``|`` or a DOI holding ``<script>``
stays text wherever it is written. The module is a leaf: it imports nothing from the package.

*Control characters* here are the characters that can change how text is displayed or
parsed beyond the character itself: the C0 controls but tab and newline (NUL, CR, ESC...),
DEL and the C1 controls (NEL...), the Unicode line and paragraph separators (U+2028/2029)
and the bidirectional formatting characters (U+202A-202E, U+2066-2069, U+200E/200F, U+061C).
``validate`` refuses them in every text field (:func:`first_control`); the functions below
still escape them, so an output is safe even from a file that was never validated.
"""

from __future__ import annotations

import html
import json
import re
import urllib.parse

_CONTROL_CLASS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
#: Control characters a text field may not hold (tab and newline are ordinary text).
CONTROL = re.compile(f"[{_CONTROL_CLASS}]")
#: The same, with tab and newline: what may not appear on one line of code or a table cell.
LINE_BREAKING = re.compile(f"[{_CONTROL_CLASS}\t\n]")


def _code(char: str) -> str:
    return f"\\u{ord(char):04x}"


def first_control(text: str) -> str | None:
    """The first control character of ``text`` as ``U+XXXX``, or None; for validation messages."""
    match = CONTROL.search(text)
    return None if match is None else f"U+{ord(match.group()):04X}"


def visible(text: str) -> str:
    """``text`` with each control character written as a visible ``\\uXXXX`` (tab and newline kept):
    for the terminal, where an ESC or a bidi override would otherwise act on the screen."""
    return CONTROL.sub(lambda m: _code(m.group()), str(text))


def one_line(text: str) -> str:
    """``text`` on one line: every control character, tab and newline as a visible ``\\uXXXX``."""
    return LINE_BREAKING.sub(lambda m: _code(m.group()), str(text))


# --- R -------------------------------------------------------------------------------------

_R_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\uFFFD"}  # R has no NUL in strings


def r_string(text: str) -> str:
    """An R double-quoted string literal holding ``text``: backslash, quote and every control
    character escaped, so the literal ends on the line it starts and nothing in it is code."""
    return '"' + re.sub(f'[\\\\"{_CONTROL_CLASS}\t\n]', lambda m: _R_ESCAPES.get(m.group(), _code(m.group())), str(text)) + '"'


def r_comment(text: str) -> str:
    """``text`` for the rest of an R ``# ...`` comment line: on one line, so nothing after a
    newline in a title can become a statement."""
    return one_line(text)


# --- Markdown, HTML, XML -------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|])")
_MD_BREAK = re.compile("[\r\n\u2028\u2029\x85]+")


def markdown_text(text: object) -> str:
    """Text from extractions or BibTeX as literal Markdown on one line: HTML and link syntax escaped
    (``<script>`` or ``[x](javascript:...)`` in a title stays text), table pipes escaped, a line
    break a space (a table row stays one row), any other control character a visible escape."""
    flat = one_line(_MD_BREAK.sub(" ", str(text)).replace("\t", " "))
    return _MD_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


#: Characters a DOI may keep in a URL path as they are; everything else is percent-encoded.
_DOI_SAFE = "/:;()._-~+,=@!$&'*"


def doi_url(doi: str) -> str:
    """``https://doi.org/<doi>`` with the DOI percent-encoded where it must be, so it is one URL
    in a Markdown autolink or an HTML attribute (no space, ``<``, ``>``, quote or control character)."""
    return "https://doi.org/" + urllib.parse.quote(str(doi).strip(), safe=_DOI_SAFE)


def xml_text(text: object, quote: bool = False) -> str:
    """Text for an XML/SVG/HTML element (``quote=True``: an attribute): ``&<>`` (and quotes) escaped,
    control characters (which XML 1.0 forbids or which reorder the display) written as visible escapes."""
    return html.escape(visible(str(text)), quote=quote)


# --- YAML ----------------------------------------------------------------------------------

_YAML_RAW = re.compile(f"[{_CONTROL_CLASS}]")


def yaml_string(value: object) -> str:
    """A YAML double-quoted scalar holding ``value`` exactly (JSON escapes plus ``\\uXXXX`` for the
    characters YAML reads as line breaks or JSON leaves raw), so it never ends its line early."""
    return _YAML_RAW.sub(lambda m: _code(m.group()), json.dumps(str(value), ensure_ascii=False))


# --- Terminal ------------------------------------------------------------------------------

def terminal_text(text: object) -> str:
    """A message for the terminal: control characters (ESC sequences, bidi overrides, CR) made visible."""
    return visible(str(text))
