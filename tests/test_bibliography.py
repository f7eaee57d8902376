"""references.bib: labels, LaTeX, and parse problems reported with line numbers."""

from __future__ import annotations

from secondhct.bibliography import parse_bibliography

BIB = r"""@article{kato2012,
  author = {Kato, M. and Horikoshi, Y.},
  title = {Second allogeneic hematopoietic SCT},
  year = {2012},
}
@inproceedings{jplsg2010,
  author = {{Japanese Pediatric Leukemia/Lymphoma Study Group (JPLSG)}},
  title = {Nation-Wide Survey},
  year = {2010},
}
@article{anon2012,
  author = {{Unknown}},
  title = {Second allo-SCT in children},
  year = {2012},
}
@article{mystery,
  title = {No author, no year},
}
@article{stack2015,
  author = {von Stackelberg, Arend and M{\"u}ller, Ingo},
  title = {A {CAR-T} study},
  year = {2015},
}
@article{ebmt2012,
  author = {{Acute Leukemia Working Party of EBMT}},
  shortauthor = {EBMT-ALWP},
  title = {RIC relapse},
  year = {2012},
}
@article{kato2012b,
  author = {Kato, Koji},
  title = {Another Kato paper},
  year = {2012},
}
"""


def test_display_labels() -> None:
    bib = parse_bibliography(BIB, "references.bib")
    assert bib.labels == {
        "kato2012": "Kato 2012a",
        "kato2012b": "Kato 2012b",
        "jplsg2010": "JPLSG 2010",
        "anon2012": "Anonymous 2012",
        "mystery": "Anonymous n.d.",
        "stack2015": "von Stackelberg 2015",
        "ebmt2012": "EBMT-ALWP 2012",
    }


def test_latex_is_decoded_and_corporate_names_kept_whole() -> None:
    bib = parse_bibliography(BIB, "references.bib")
    assert bib.references["stack2015"].authors[1].last == "Müller"
    assert bib.references["stack2015"].fields["title"] == "A CAR-T study"
    (group,) = bib.references["jplsg2010"].authors
    assert group.corporate and group.last == "Japanese Pediatric Leukemia/Lymphoma Study Group (JPLSG)"


def test_entries_start_on_their_one_based_line() -> None:
    bib = parse_bibliography(BIB, "references.bib")
    assert bib.references["kato2012"].line == 1
    assert bib.references["jplsg2010"].line == 6


def test_missing_fields_are_warnings_with_lines() -> None:
    bib = parse_bibliography(BIB, "references.bib")
    assert [(d.line, d.message) for d in bib.diagnostics] == [
        (16, "entry 'mystery' has no year"),
    ]


def test_duplicate_key_and_syntax_error_are_errors_with_lines() -> None:
    text = "@article{a1, title={x}, year={2000}}\n\n@article{a1, title={y}, year={2001}}\n@article{bad,\n  title = {unclosed\n}\n@article{ok, title={z}, year={2002}}\n"
    bib = parse_bibliography(text, "references.bib")
    errors = [(d.line, d.message.split(":")[0]) for d in bib.diagnostics if d.severity == "error"]
    assert errors == [(3, "duplicate BibTeX key 'a1' (first at line 1)"), (4, "BibTeX syntax error in this entry")]
    assert "ok" in bib.references


def test_suggest_close_keys() -> None:
    bib = parse_bibliography(BIB, "references.bib")
    assert bib.suggest("kato2013")[:2] == ["kato2012", "kato2012b"]


def test_missing_authors_fall_back_to_a_named_group_then_the_journal() -> None:
    text = r"""@article{g2012, author = {{German Group for Adult ALL (GMALL) - authors not visible in retrieved text}}, title = {t}, year = {2012}}
@article{j2016, author = {{Authors not visible in retrieved text}}, title = {t}, journal = {Leukemia \& Lymphoma}, year = {2016}}
"""
    bib = parse_bibliography(text, "references.bib")
    assert bib.labels == {"g2012": "GMALL 2012", "j2016": "Leukemia & Lymphoma 2016"}
