"""``references.bib``: parsing (bibtexparser v2), display labels and key look-up.

Every study file is named after a BibTeX key; this module resolves those keys,
gives each study its display label ("Kato 2012", "Chang 2004a"), and reports
parse problems as diagnostics with line numbers.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic
from .textio import read_text

if TYPE_CHECKING:
    from .parsecache import ParseCache

_PLACEHOLDER = re.compile(r"\b(unknown|anonymous|anon\.?|not visible|not seen|not stated)\b", re.IGNORECASE)
_ABBREVIATION = re.compile(r"\(([A-Z][A-Za-z0-9\-/&]{1,15})\)")


@dataclass(frozen=True)
class Author:
    """One author as parsed from BibTeX; ``corporate`` for a braced group name."""

    last: str
    first: str = ""
    von: str = ""
    corporate: bool = False

    @property
    def surname(self) -> str:
        return f"{self.von} {self.last}".strip()


@dataclass(frozen=True)
class Reference:
    """One BibTeX entry, with text fields decoded from LaTeX."""

    key: str
    entry_type: str
    line: int
    fields: dict[str, str]
    authors: tuple[Author, ...]
    et_al: bool  # the author list ends in 'and others'

    @property
    def year(self) -> str | None:
        year = self.fields.get("year") or self.fields.get("date", "")[:4]
        return year if year and year.isdigit() else None

    @property
    def authors_known(self) -> bool:
        return bool(self.authors) and not _PLACEHOLDER.search(self.authors[0].last)


@dataclass
class Bibliography:
    """The parsed bibliography: references by key, their labels, and parse diagnostics."""

    file: str
    references: dict[str, Reference]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    problems: dict[str, list[Diagnostic]] = field(default_factory=dict)  # errors inside each entry, by key

    def years(self) -> dict[str, int | None]:
        """Each entry's year of publication (None when not given): the overlap rule's tie-break."""
        return {k: int(r.year) if r.year else None for k, r in self.references.items()}

    def suggest(self, key: str) -> list[str]:
        """Keys that look like ``key`` (for 'did you mean')."""
        return difflib.get_close_matches(key, list(self.references), n=3, cutoff=0.6)


class LatexError(ValueError):
    """A BibTeX field whose LaTeX cannot be decoded (the message says why)."""


def decode_latex(text: str) -> str:
    """LaTeX to plain text (``B{\\"u}cklein`` -> ``Bücklein``); plain text is returned unchanged.

    Raises :class:`LatexError` (never anything else) for text pylatexenc cannot decode.
    """
    if "\\" not in text and "{" not in text and "~" not in text:
        return text
    if _PLAIN_BRACED.fullmatch(text) and _balanced(text) and "{{{{" not in text:  # case-protecting braces only: pylatexenc drops them
        return text.replace("{", "").replace("}", "").strip()
    if text in _DECODED:  # the same field text (a journal, an author) recurs across entries
        return _DECODED[text]
    try:
        _DECODED[text] = _latex_to_text(text).strip()
        return _DECODED[text]
    except RecursionError:
        raise LatexError("braces are nested too deeply to decode") from None
    except Exception as exc:  # pylatexenc raises IndexError, AttributeError... on some inputs
        raise LatexError(f"the LaTeX cannot be decoded ({type(exc).__name__}: {exc})") from None


#: Text with braces but nothing else pylatexenc would translate (no macro, tie, math, comment,
#: special character or ligature such as ``--`` or quotes).
_PLAIN_BRACED = re.compile(r"[A-Za-z0-9 ,.;:()/+=?!*{}\[\]\n\t]*")

_LATEX: dict[str, object] = {}
_DECODED: dict[str, str] = {}  # decode_latex's results for text pylatexenc decoded


def _latex_to_text(text: str) -> str:
    from pylatexenc import latex2text, latexwalker, macrospec  # only when there is LaTeX to decode

    if not _LATEX:
        context = latexwalker.get_default_latex_context_db()
        # \href{url}{text}: pylatexenc's text rule expects two arguments but its parser reads
        # none (IndexError); declare both, so the text and the address are kept.
        context.add_context_category("secondhct", macros=[macrospec.std_macro("href", False, 2)], prepend=True)
        _LATEX["context"] = context
        _LATEX["converter"] = latex2text.LatexNodes2Text(math_mode="verbatim")
    walker = latexwalker.LatexWalker(text, latex_context=_LATEX["context"], tolerant_parsing=True)
    nodes, _, _ = walker.get_latex_nodes()
    return str(_LATEX["converter"].nodelist_to_text(nodes))  # type: ignore[attr-defined]


def parse_authors(raw: str) -> tuple[tuple[Author, ...], bool]:
    """Split a BibTeX author field into authors, and whether it ended in 'and others'."""
    from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names

    names = split_multiple_persons_names(raw)
    et_al = bool(names) and names[-1].strip().lower() == "others"
    if et_al:
        names = names[:-1]
    authors = []
    for name in names:
        name = name.strip()
        if name.startswith("{") and name.endswith("}") and _balanced(name[1:-1]):
            authors.append(Author(last=decode_latex(name[1:-1]), corporate=True))
            continue
        parts = parse_single_name_into_parts(name, strict=False)
        authors.append(
            Author(
                last=decode_latex(" ".join(parts.last)),
                first=decode_latex(" ".join(parts.first)),
                von=decode_latex(" ".join(parts.von)),
            )
        )
    return tuple(authors), et_al


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _author_label(ref: Reference) -> str:
    if "shortauthor" in ref.fields:
        return ref.fields["shortauthor"]
    if not ref.authors_known:
        named = re.search(r"\(([^()]+)\)", ref.authors[0].last) if ref.authors else None
        if named:  # a placeholder that names the group: '... (GMALL) - authors not visible'
            return named.group(1).split(",")[0].strip()
        container = ref.fields.get("journal") or ref.fields.get("booktitle")
        return container.split(" (")[0] if container else "Anonymous"
    first = ref.authors[0]
    if not first.corporate:
        return first.surname
    abbreviation = _ABBREVIATION.search(first.last)
    if abbreviation:
        return abbreviation.group(1)
    words = first.last.split()
    return first.last if len(words) <= 4 else " ".join(words[:4]) + "…"


def display_labels(references: dict[str, Reference]) -> dict[str, str]:
    """Labels such as 'Kato 2012'; colliding labels get 'a', 'b'... in key order.

    An entry whose author is missing or a placeholder ('Unknown', 'Authors not
    visible...') is labelled by its ``shortauthor`` field if present, else by its
    group named in parentheses ('(GMALL) - authors not visible' -> 'GMALL'), else its
    journal (or proceedings) title, else 'Anonymous'; a corporate author by its abbreviation in parentheses
    ('... Study Group (JPLSG)' -> 'JPLSG'); a missing year is 'n.d.'.
    """
    base = {key: f"{_author_label(ref)} {ref.year or 'n.d.'}" for key, ref in references.items()}
    groups: dict[str, list[str]] = defaultdict(list)
    for key in sorted(base):
        groups[base[key]].append(key)
    labels = {}
    for label, keys in groups.items():
        if len(keys) == 1:
            labels[keys[0]] = label
        else:
            for i, key in enumerate(keys):
                labels[key] = label + _suffix(i)
    return labels


def _suffix(index: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[index] if index < 26 else letters[index // 26 - 1] + letters[index % 26]


_MONTHS = frozenset("jan feb mar apr may jun jul aug sep oct nov dec".split())  # BibTeX's predefined macros
_YEAR = re.compile(r"\d{4}")


def _undefined_macros(raw: str, strings: set[str]) -> list[str]:
    """Names in a raw field value (``jhem`` or ``jhem # { x}``) that are no @string macro."""
    if raw.startswith(("{", '"')) and "#" not in raw:
        return []
    names = []
    for part in (p.strip() for p in _concatenated_parts(raw.strip())):
        if part and not part.startswith(("{", '"')) and not part.isdigit() and part.lower() not in strings | _MONTHS:
            names.append(part)
    return names


def _concatenated_parts(raw: str) -> list[str]:
    """The parts of a BibTeX value joined by ``#``: only a ``#`` outside braces and quotes joins
    (``{The {#1} cause}`` is one braced part, not the macro ``1} cause}``)."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(raw):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(raw[start:i])
            start = i + 1
    return [*parts, raw[start:]]


def parse_bibliography(text: str, file: str) -> Bibliography:
    """Parse BibTeX text; problems (syntax, duplicate keys, bad keys, years, LaTeX) become diagnostics."""
    import bibtexparser
    from bibtexparser.entrypoint import default_parse_stack

    from .keys import key_problem

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # we report failures ourselves
    diagnostics: list[Diagnostic] = []
    try:
        library = bibtexparser.parse_string(text, parse_stack=[])
        strings = {s.key.lower() for s in library.strings}
        raw_values = {id(f): str(f.value) for e in library.entries for f in e.fields}
        for middleware in default_parse_stack(allow_inplace_modification=True):
            library = middleware.transform(library=library)
    except RecursionError:
        message = "BibTeX braces are nested too deeply to read"
        return Bibliography(file, {}, [Diagnostic(file, "error", message, 1, 1, code="bib-syntax")])
    references: dict[str, Reference] = {}
    problems: dict[str, list[Diagnostic]] = {}
    for entry in library.entries:
        line = (entry.start_line or 0) + 1
        first_of_entry = len(diagnostics)

        def at(f: object, line: int = line) -> int:
            start = getattr(f, "start_line", None)
            return start + 1 if isinstance(start, int) else line

        problem = key_problem(entry.key)
        if problem:
            diagnostics.append(Diagnostic(file, "error", f"BibTeX key {problem}", line, 1, code="bib-key"))
        raw_fields = {f.key.lower(): str(f.value) for f in entry.fields}
        lines = {f.key.lower(): at(f) for f in entry.fields}
        for f in entry.fields:
            for name in _undefined_macros(raw_values.get(id(f), ""), strings):
                message = (f"entry '{entry.key}': field '{f.key}' uses the @string macro '{name}', which is not defined; "
                           f"define it with @string{{{name} = {{...}}}} or write the value in braces")
                diagnostics.append(Diagnostic(file, "error", message, at(f), 1, code="bib-macro"))
        try:
            authors, et_al = parse_authors(raw_fields["author"]) if "author" in raw_fields else ((), False)
        except (LatexError, RecursionError) as exc:
            diagnostics.append(Diagnostic(file, "error", f"entry '{entry.key}': field 'author': {_reason(exc)}", lines["author"], 1, code="bib-latex"))
            authors, et_al = (), False
        fields, found = _decoded_fields(entry.key, raw_fields, lines, file)
        diagnostics += found
        year = fields.get("year")
        if year is not None and not _YEAR.fullmatch(year.strip()):
            diagnostics.append(Diagnostic(file, "error", f"entry '{entry.key}': year {year!r} is not a year; write four digits (e.g. 2012), or leave the field out", lines["year"], 1, code="bib-year"))
        references[entry.key] = Reference(entry.key, entry.entry_type.lower(), line, fields, authors, et_al)
        problems[entry.key] = diagnostics[first_of_entry:]
    diagnostics += _failed_blocks(library.failed_blocks, references, file)
    diagnostics += [Diagnostic(file, "warning", f"entry '{ref.key}' has no {name}", ref.line, 1, code="bib-field")
                    for ref in references.values() for name in ("title", "year") if name not in ref.fields]  # fmt: skip
    return Bibliography(file, references, diagnostics, display_labels(references), {k: v for k, v in problems.items() if v})


def _decoded_fields(key: str, raw: dict[str, str], lines: dict[str, int], file: str) -> tuple[dict[str, str], list[Diagnostic]]:
    """Each field's LaTeX decoded to text; a field that cannot be decoded, or holds a control character
    (CR, ESC, U+2028, a bidi override: it would reach every output as it is), is an error."""
    from .escape import first_control, visible

    fields, out = {}, []
    for k, v in raw.items():
        try:
            fields[k] = decode_latex(v)
        except LatexError as exc:
            out.append(Diagnostic(file, "error", f"entry '{key}': field '{k}': {exc}", lines[k], 1, code="bib-latex"))
            fields[k] = v
        control = first_control(fields[k])
        if control is not None:
            message = f"entry '{key}': field '{k}' holds the control character {control}; delete it"
            out.append(Diagnostic(file, "error", message, lines[k], 1, code="bib-control"))
            fields[k] = visible(fields[k])
    return fields, out


def _failed_blocks(blocks: list[Any], references: dict[str, Reference], file: str) -> list[Diagnostic]:
    """What bibtexparser could not read: a duplicate key (naming the first), a syntax error (with its reason)."""
    from bibtexparser.model import DuplicateBlockKeyBlock, ParsingFailedBlock

    out = []
    for block in blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            first = references.get(block.key)
            where = f" (first at line {first.line})" if first else ""
            out.append(Diagnostic(file, "error", f"duplicate BibTeX key '{block.key}'{where}", line, 1, code="bib-duplicate"))
        elif isinstance(block, ParsingFailedBlock):
            reason = getattr(block.error, "abort_reason", "") or str(block.error or "")
            reason = " ".join(reason.split()) or "unbalanced braces or a missing comma?"
            out.append(Diagnostic(file, "error", f"BibTeX syntax error in this entry: {reason}", line, 1, code="bib-syntax"))
        else:  # pragma: no cover - other failure kinds of future bibtexparser versions
            out.append(Diagnostic(file, "error", "BibTeX block could not be read", line, 1, code="bib-syntax"))
    return out


def _reason(exc: BaseException) -> str:
    return "braces are nested too deeply to decode" if isinstance(exc, RecursionError) else str(exc)


def load_bibliography(path: Path, display: str, cache: ParseCache | None = None) -> Bibliography:
    """Read ``references.bib`` as UTF-8 and parse it (with ``cache``: the parse of the same
    text is taken from it, see :mod:`secondhct.parsecache`)."""
    text, diagnostics = read_text(path, display)
    if text is None:
        return Bibliography(display, {}, diagnostics)
    if cache is None:
        return parse_bibliography(text, display)
    name = f"<bibliography> {display}"
    key = cache.key(name, text)
    bib = _from_plain(cache.get(name, key), display)
    if bib is None:
        bib = parse_bibliography(text, display)
        cache.put(name, key, _to_plain(bib))
    return bib


def _diag_plain(d: Diagnostic) -> tuple[object, ...]:
    return (d.file, d.severity, d.message, d.line, d.column, d.path, d.code)


def _to_plain(bib: Bibliography) -> tuple[object, ...]:
    """The bibliography as plain data (for the parse cache)."""
    refs = [(r.key, r.entry_type, r.line, r.fields, [(a.last, a.first, a.von, a.corporate) for a in r.authors], r.et_al)
            for r in bib.references.values()]  # fmt: skip
    problems = {k: [_diag_plain(d) for d in v] for k, v in bib.problems.items()}
    return (bib.file, refs, [_diag_plain(d) for d in bib.diagnostics], bib.labels, problems)


def _from_plain(plain: Any, file: str) -> Bibliography | None:
    """The inverse of :func:`_to_plain`; None for anything else (a foreign cache entry)."""
    try:
        stored_file, refs, diags, labels, problems = plain
        if stored_file != file or not isinstance(labels, dict) or not isinstance(problems, dict):
            return None
        references = {
            key: Reference(key, entry_type, line, dict(fields), tuple(Author(*a) for a in authors), bool(et_al))
            for key, entry_type, line, fields, authors, et_al in refs
        }
        return Bibliography(file, references, [Diagnostic(*d) for d in diags], dict(labels),
                            {k: [Diagnostic(*d) for d in v] for k, v in problems.items()})  # fmt: skip
    except (TypeError, ValueError):
        return None
