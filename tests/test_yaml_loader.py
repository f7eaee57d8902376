"""The safe YAML loader: positions, duplicate keys, tags, and YAML 1.1 surprises."""

from __future__ import annotations

from secondhct.yamlsource import load_yaml


def test_positions_of_values_and_keys_are_one_based() -> None:
    loaded = load_yaml("a: 1\nb:\n  - x\n  - {c: 2.5}\n", "f.yaml")
    assert loaded.data == {"a": 1, "b": ["x", {"c": 2.5}]}
    assert loaded.positions.values[("a",)] == (1, 4)
    assert loaded.positions.values[("b", 1, "c")] == (4, 9)
    assert loaded.positions.keys[("b", 1, "c")] == (4, 6)


def test_locate_falls_back_to_the_nearest_recorded_parent() -> None:
    loaded = load_yaml("outcomes:\n  - time: 2y\n", "f.yaml")
    assert loaded.positions.locate(("outcomes", 0, "estimate")) == (2, 5)


def test_duplicate_key_is_an_error_at_the_second_key() -> None:
    loaded = load_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert loaded.data is None
    (diag,) = loaded.diagnostics
    assert (diag.line, diag.column, diag.path) == (3, 1, ("a",))
    assert "first defined at line 1" in diag.message


def test_python_tags_are_refused_without_constructing_anything() -> None:
    loaded = load_yaml("x: !!python/object/apply:os.system ['touch /tmp/pwned']\n", "f.yaml")
    assert loaded.data is None
    assert "not allowed" in loaded.diagnostics[0].message


def test_custom_tags_and_binary_are_refused() -> None:
    for text in ("x: !custom 1\n", "x: !!binary aGk=\n", "x: !!set {a, b}\n"):
        assert load_yaml(text, "f.yaml").data is None, text


def test_dates_stay_text_and_keys_stay_as_typed() -> None:
    loaded = load_yaml("extracted_on: 2026-11-21\nno: 1\n", "f.yaml")
    assert loaded.data == {"extracted_on": "2026-11-21", "no": 1}


def test_recursive_alias_is_an_error_not_a_hang() -> None:
    loaded = load_yaml("a: &x [*x]\n", "f.yaml")
    assert loaded.data is None and "recursive" in loaded.diagnostics[0].message


def test_alias_bomb_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    loaded = load_yaml("\n".join(lines) + "\n", "f.yaml")
    assert loaded.data is None and "too large" in loaded.diagnostics[0].message


def test_multiple_documents_are_an_error() -> None:
    loaded = load_yaml("a: 1\n---\nb: 2\n", "f.yaml")
    assert loaded.data is None and loaded.diagnostics[0].line == 2


def test_scalar_document_is_not_a_mapping() -> None:
    loaded = load_yaml("just text\n", "f.yaml")
    assert "expected a YAML mapping" in loaded.diagnostics[0].message
