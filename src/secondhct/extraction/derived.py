"""Derived numbers: a count that follows from printed numbers (``Subgroup.n_derived``, ``Arm.n_derived``).

A derived number is never typed as printed: it records its arithmetic on printed numbers
(``'251 - 187'``) and the quote that prints them. ``validate`` recomputes the arithmetic (only
integers, ``+``, ``-``, ``*`` and parentheses) and finds each of its numbers in the quote, so a
derived count is as checkable as a printed one; the summary marks it as derived.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from .finding import Finding
from .quotes import number_is_printed, quoted_text
from .schema import Derived, StudyExtraction

_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b}


def evaluate(arithmetic: str) -> tuple[int, list[int]]:
    """The value of integer arithmetic with +, - and * (and its numbers); ValueError for anything else."""
    numbers: list[int] = []

    def value(node: ast.AST) -> int:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            numbers.append(node.value)
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return int(_OPS[type(node.op)](value(node.left), value(node.right)))
        raise ValueError("only whole numbers with +, - and * (and parentheses)")

    try:
        tree = ast.parse(arithmetic.replace("−", "-").replace("×", "*"), mode="eval")
    except SyntaxError as err:
        raise ValueError("not arithmetic") from err
    return value(tree.body), numbers


def _check(derived: Derived, path: tuple[str | int, ...]) -> Iterator[Finding]:
    try:
        result, numbers = evaluate(derived.arithmetic)
    except ValueError as err:
        yield Finding("error", (*path, "arithmetic"), f"'{derived.arithmetic}': {err}", "derived")
        return
    if result != derived.value:
        yield Finding("error", (*path, "value"), f"{derived.value} does not equal {derived.arithmetic} = {result}", "derived")
    text = quoted_text(derived.source)
    missing = [str(n) for n in numbers if text is None or not number_is_printed(n, text)]
    if missing:
        yield Finding("error", (*path, "source"), f"{', '.join(missing)} of '{derived.arithmetic}' not printed in the "
                      "quote: a derived number uses printed numbers only (quote the words that print them)", "derived")


def check_derived(study: StudyExtraction) -> Iterator[Finding]:
    """Each derived count recomputed and its inputs found in its quote; a printed n needs no derived one."""
    for section in ("subgroups", "arms"):
        for i, item in enumerate(getattr(study, section)):
            if item.n_derived is None:
                continue
            path: tuple[str | int, ...] = (section, i, "n_derived")
            if isinstance(item.n, int):
                yield Finding("error", path, f"n {item.n} is printed: a derived n is only for a size that is not printed", "derived")
            yield from _check(item.n_derived, path)
