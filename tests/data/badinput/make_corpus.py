"""Regenerate tests/data/badinput/ (cases.yaml and the case files) from tests/data/project.

Run: python tests/data/badinput/make_corpus.py (the corpus is committed; this documents how
every case was made from the valid test project).
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "badinput"
smith = (ROOT / "project/studies/smith2020.yaml").read_text()
bib = (ROOT / "project/references.bib").read_text()
cases = []

def line_of(text, needle):
    return text[:text.index(needle)].count("\n") + 1

def study(cid, text, expect, args=("validate",), target="studies/smith2020.yaml", binary=None, **extra):
    rel = f"yaml/{cid}.yaml"
    p = OUT / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if binary is not None:
        p.write_bytes(binary)
    else:
        p.write_text(text)
    cases.append({"id": cid, "files": {target: rel}, "args": list(args), "expect": expect, **extra})

def swap(old, new, count=1):
    assert old in smith, old
    return smith.replace(old, new, count)

def ln(text, needle):
    return line_of(text, needle)

# ---- YAML extractions ----
t = swap("  n: 100\n", "  n: [100\n"); study("yaml_unclosed_bracket", t, ["studies/smith2020.yaml:", "malformed YAML"])
t = swap("  registry: Test Registry\n", "\tregistry: Test Registry\n"); study("yaml_tab_indent", t, [f"studies/smith2020.yaml:{ln(t, chr(9))}:"])
t = swap("  centres: 12\n", "  centres: 12\n  centres: 13\n"); study("yaml_duplicate_key", t, [f"studies/smith2020.yaml:{ln(t, '  centres: 13')}:", "centres"])
study("yaml_not_a_mapping", "- key: smith2020\n- other\n", ["studies/smith2020.yaml:1:"])
study("yaml_empty_file", "", ["studies/smith2020.yaml"])
study("yaml_only_comments", "# nothing here\n# still nothing\n", ["studies/smith2020.yaml"])
study("yaml_scalar_document", "just some text\n", ["studies/smith2020.yaml:1:"])
t = swap("  n: 100\n", "  n: !!python/object/apply:os.system ['echo owned']\n"); study("yaml_python_tag", t, [f"studies/smith2020.yaml:{ln(t, '!!python')}:"])
t = smith.replace("  registry: Test Registry\n", "  registry: Test R\xe9gistry\n").encode("latin-1")
study("yaml_latin1_byte", None, [f"studies/smith2020.yaml:{ln(smith, '  registry:')}:", "UTF-8"], binary=t)
t = swap("  registry: Test Registry\n", "  registry: Test\x00Registry\n"); study("yaml_nul_byte", t, [f"studies/smith2020.yaml:{ln(t, 'Test' + chr(0))}:", "NUL"])
study("yaml_utf16", None, ["studies/smith2020.yaml", "UTF-8"], binary=smith.encode("utf-16"))
t = swap("  centres: 12\n", "  centers: 12\n"); study("yaml_unknown_field", t, [f"studies/smith2020.yaml:{ln(t, '  centers')}:", "centres"])
t = swap("  n: 100\n", "  n: many\n"); study("yaml_wrong_type", t, [f"studies/smith2020.yaml:{ln(t, '  n: many')}:"])
t = swap("  retrospective: true\n", "  retrospective: maybe\n"); study("yaml_bool_wrong", t, [f"studies/smith2020.yaml:{ln(t, 'maybe')}:"])
t = smith.replace("key: smith2020\n", ""); study("yaml_missing_key", t, ["studies/smith2020.yaml", "key"])
t = swap("  design: registry\n", "  design: registery\n"); study("yaml_wrong_choice", t, [f"studies/smith2020.yaml:{ln(t, 'registery')}:", "registry"])
t = swap("    events: 30\n", "    events: 70\n"); study("yaml_events_exceed_total", t, [f"studies/smith2020.yaml:{ln(t, 'events: 70')}:", "exceed"])
t = swap("    estimate: 40.0\n", "    estimate: 140.0\n"); study("yaml_percent_over_100", t, [f"studies/smith2020.yaml:{ln(t, '140.0')}:"])
t = swap("    estimate: 0.45\n", "    estimate: 1.45\n"); study("yaml_proportion_over_1", t, [f"studies/smith2020.yaml:{ln(t, '1.45')}:"])
t = swap("    se: 4.9\n", "    se: -4.9\n"); study("yaml_negative_se", t, [f"studies/smith2020.yaml:{ln(t, '-4.9')}:"])
t = swap("    plus_minus: 0.05\n", "    plus_minus: 0\n"); study("yaml_zero_plus_minus", t, [f"studies/smith2020.yaml:{ln(t, 'plus_minus: 0' + chr(10))}:"])
t = swap("    ci: {lower: 30.4, upper: 49.6, level: 95}\n", "    ci: {lower: 49.6, upper: 30.4, level: 95}\n"); study("yaml_ci_reversed", t, ["studies/smith2020.yaml:", "ci"])
t = swap("    time: 2y\n", "    time: two years\n"); study("yaml_unparseable_time", t, [f"studies/smith2020.yaml:{ln(t, 'two years')}:"])
t = swap("  registry: Test Registry\n", "  registry: TODO\n"); study("yaml_todo_left", t, [f"studies/smith2020.yaml:{ln(t, 'TODO')}:", "TODO"])
t = swap("key: smith2020\n", "key: smyth2021\n"); study("yaml_key_differs_from_stem", t, ["studies/smith2020.yaml:2:", "file name"])
t = swap("key: smith2020\n", "key: nobody1999\n"); study("yaml_key_not_in_bib", t, ["studies/nobody1999.yaml:2:", "references.bib"], target="studies/nobody1999.yaml")
t = swap("key: smith2020\n", "key: Smith2020\n"); study("yaml_key_uppercase", t, ["studies/smith2020.yaml:2:", "key"])
t = swap("key: smith2020\n", "key: ../../x\n"); study("yaml_key_path", t, ["studies/smith2020.yaml:2:", "key"])
study("yaml_two_documents", smith + "---\nkey: other\n", ["studies/smith2020.yaml:"])
study("yaml_deep_nesting", "key: " + "[" * 10000 + "]" * 10000 + "\n", ["studies/smith2020.yaml:1:"])
lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"] + [f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]" for i in range(1, 9)] + ["key: *a8"]
study("yaml_alias_bomb", "\n".join(lines) + "\n", ["studies/smith2020.yaml:"])
t = swap("    subgroup: cr\n", "    subgroup: nonexistent\n"); study("yaml_unknown_subgroup", t, [f"studies/smith2020.yaml:{ln(t, 'nonexistent')}:"])
t = swap("  n: 100\n", "  n: 1e400\n"); study("yaml_huge_number", t, [f"studies/smith2020.yaml:{ln(t, '1e400')}:"])
study("yaml_bad_file_name", smith, ["studies/Smith 2020.yaml", "valid key"], target="studies/Smith 2020.yaml")
study("yaml_yml_extension", smith.replace("key: smith2020", "key: lee2019"), ["studies/lee2019.yml", ".yaml"], target="studies/lee2019.yml")
study("yaml_build_refuses_invalid", swap("    events: 30\n", "    events: 70\n"), ["studies/smith2020.yaml:", "nothing was written"], args=("build",))
study("yaml_validate_strict_warning", swap("    se: 4.9\n", "    se: 8.0\n"), ["studies/smith2020.yaml:", "warning: outcomes[0].se"], args=("validate", "--strict"))

# ---- studies/ entries that are not regular files ----
for cid, kind, expect in [("entry_directory", "dir", "folder"), ("entry_fifo", "fifo", "FIFO"), ("entry_dangling_symlink", "dangling", "dangling"), ("entry_symlink_loop", "loop", "loop")]:
    cases.append({"id": cid, "setup": [kind, "studies/lee2019.yaml"], "args": ["validate"], "expect": ["studies/lee2019.yaml", expect]})
cases.append({"id": "entry_fifo_build", "setup": ["fifo", "studies/lee2019.yaml"], "args": ["build"], "expect": ["studies/lee2019.yaml", "FIFO", "nothing was written"]})

# ---- BibTeX ----
def bibcase(cid, text, expect, args=("validate",), binary=None):
    rel = f"bib/{cid}.bib"
    p = OUT / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if binary is not None:
        p.write_bytes(binary)
    else:
        p.write_text(text)
    cases.append({"id": cid, "files": {"references.bib": rel}, "args": list(args), "expect": expect})

def bswap(old, new):
    assert old in bib, old
    return bib.replace(old, new, 1)

t = bswap("  title   = {Another fictional cohort},\n", "  title   = {Another fictional cohort,\n"); bibcase("bib_unbalanced_brace", t, ["references.bib:", "error"])
t = bib + "\n@article{lee2019,\n  author = {Lee, Dana},\n  title = {Again},\n  year = {2019},\n}\n"; bibcase("bib_duplicate_key", t, [f"references.bib:{ln(t, '@article{lee2019,' + chr(10) + '  author = {Lee, Dana},' + chr(10) + '  title = {Again}') }:", "duplicate"])
t = bswap("@article{smyth2021,", "@article{smyth 2021,"); bibcase("bib_key_with_space", t, [f"references.bib:{ln(t, 'smyth 2021')}:", "not a valid key"])
t = bswap("@article{smyth2021,", "@article{,"); bibcase("bib_empty_key", t, [f"references.bib:{ln(t, '@article{,')}:", "not a valid key"])
t = bswap("@article{smyth2021,", "@article{../../../x,"); bibcase("bib_key_path", t, [f"references.bib:{ln(t, '../../../x')}:", "not a valid key"])
t = bswap("@article{smyth2021,", "@article{Smyth2021,"); bibcase("bib_key_uppercase", t, [f"references.bib:{ln(t, 'Smyth2021')}:", "not a valid key"])
t = bswap("  title   = {Another fictional cohort},\n", "  title   = {" + "{" * 10000 + "deep" + "}" * 10000 + "},\n"); bibcase("bib_deep_braces", t, [f"references.bib:{ln(t, '{{{{')}:", "nested too deeply"])
t = bswap("  year    = {2021},\n", "  year    = {abc},\n"); bibcase("bib_year_text", t, [f"references.bib:{ln(t, '{abc}')}:", "not a year"])
t = bswap("  year    = {2021},\n", "  year    = {20211},\n"); bibcase("bib_year_five_digits", t, [f"references.bib:{ln(t, '{20211}')}:", "not a year"])
t = bswap("  journal = {Journal of Test Data},\n  year    = {2021},", "  journal = jtd,\n  year    = {2021},"); bibcase("bib_undefined_macro", t, [f"references.bib:{ln(t, 'jtd,')}:", "@string macro 'jtd'"])
t = bswap("  journal = {Journal of Test Data},\n  year    = {2021},", "  journal = jtd # { (online)},\n  year    = {2021},"); bibcase("bib_undefined_macro_concatenated", t, [f"references.bib:{ln(t, 'jtd #')}:", "@string macro 'jtd'"])
t = bswap("  title   = {Another fictional cohort},\n", "  title   = {Another\x00cohort},\n"); bibcase("bib_nul_byte", t, [f"references.bib:{ln(t, 'Another' + chr(0))}:", "NUL"])
bibcase("bib_latin1_byte", None, [f"references.bib:{ln(bib, 'Smyth, Carl')}:", "UTF-8"], binary=bswap("Smyth, Carl", "Sm\xffth, Carl").encode("latin-1"))
t = bswap("@article{smyth2021,", "@article{smyth2021\n"); bibcase("bib_missing_comma_after_key", t, ["references.bib:", "error"])
t = bswap("  year    = {2021},\n", "  year    = {2021},\n  title   = {Again},\n"); bibcase("bib_duplicate_field", t, ["references.bib:", "error"])
t = bswap("  year    = {2019},\n", "  year    = {abc},\n"); bibcase("bib_year_text_new", t, [f"references.bib:{ln(t, '{abc}')}:", "not a year", "nothing was written"], args=("new", "lee2019"))
# \href in title / note used by new and build, which render labels and the summary
t = bswap("  title   = {Another fictional cohort},\n", "  title   = {Another fictional cohort},\n  note    = {see \\href{https://example.org/x}{the registry}},\n  year    = {20x1},\n").replace("  year    = {2021},\n", "", 1)
bibcase("bib_href_and_bad_year_new", t, [f"references.bib:{ln(t, '{20x1}')}:", "not a year"], args=("new", "smyth2021"))
t = bswap("  title   = {A fictional cohort for testing secondhct},\n", "  title   = {A \\href{https://example.org}{cohort}},\n  month   = nosuchmonth,\n")
bibcase("bib_href_and_macro_build", t, [f"references.bib:{ln(t, 'nosuchmonth')}:", "nothing was written"], args=("build",))

# ---- protocol.yaml ----
PROTO = """title: A test review
defaults:
  measure: PLO
  ratio_measure: HR
  method: REML
  test: adhoc
  overlap_rule: largest
analyses:
  - id: os-2y
    title: Overall survival at 2 years
    outcomes: [os]
    time: {min: 1y, max: 3y}
    population:
      diseases: [ALL, AML]
      age_groups: [pediatric]
      time_origins: [second_hct, not stated]
"""
(OUT / "protocol.yaml").write_text(PROTO)
def protocase(cid, text, expect, args=("validate",), binary=None):
    rel = f"protocol/{cid}.yaml"
    p = OUT / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if binary is not None:
        p.write_bytes(binary)
    else:
        p.write_text(text)
    cases.append({"id": cid, "files": {"protocol.yaml": rel}, "args": list(args), "expect": expect})
def pswap(old, new):
    assert old in PROTO, old
    return PROTO.replace(old, new, 1)
t = pswap("    outcomes: [os]\n", "    outcomes: [os\n"); protocase("protocol_malformed", t, ["protocol.yaml:", "malformed YAML"])
t = pswap("  method: REML\n", "  methd: REML\n"); protocase("protocol_unknown_field", t, [f"protocol.yaml:{ln(t, 'methd')}:"])
t = pswap("  method: REML\n", "  method: REMLL\n"); protocase("protocol_wrong_choice", t, [f"protocol.yaml:{ln(t, 'REMLL')}:"])
t = PROTO + "  - id: os-2y\n    title: Again\n    outcomes: [os]\n    time: {exact: 2y}\n    population: {diseases: [ALL], age_groups: [pediatric], time_origins: [second_hct]}\n"; protocase("protocol_duplicate_id", t, ["protocol.yaml:", "duplicate analysis id"])
t = pswap("    time: {min: 1y, max: 3y}\n", "    time: {min: 1y}\n"); protocase("protocol_window_without_max", t, [f"protocol.yaml:{ln(t, '{min: 1y}')}:"])
protocase("protocol_not_a_mapping", "- just\n- a list\n", ["protocol.yaml:1:"])
t = pswap("title: A test review\n", "title: A test\x00review\n"); protocase("protocol_nul_byte", t, ["protocol.yaml:1:", "NUL"])
t = pswap("  method: REML\n", "  method: REMLL\n"); protocase("protocol_wrong_choice_build", t, [f"protocol.yaml:{ln(t, 'REMLL')}:", "nothing was written"], args=("build",))
cases.append({"id": "protocol_directory", "setup": ["dir-replace", "protocol.yaml"], "args": ["validate"], "expect": ["protocol.yaml", "folder"]})

# ---- command-line arguments ----
for cid, key in [("new_parent_path", "../../../x"), ("new_slash", "a/b"), ("new_absolute", "/tmp/secondhct-absolute"), ("new_space", "smith 2020"),
                 ("new_empty", ""), ("new_uppercase", "Smyth2021"), ("new_dot", "."), ("new_dotdot", ".."), ("new_newline", "smyth2021\n"),
                 ("new_dash_key", "smyth-2021"), ("new_unicode", "smÿth2021"), ("new_trailing_space", "smyth2021 "), ("new_tab", "smyth\t2021")]:
    cases.append({"id": cid, "args": ["new", key], "expect": ["not a valid key"]})
cases.append({"id": "new_very_long_key", "args": ["new", "a" * 300], "expect": ["is not a key in references.bib"]})
cases.append({"id": "new_unknown_key", "args": ["new", "nobody1999"], "expect": ["'nobody1999' is not a key in references.bib"]})
cases.append({"id": "new_existing_file", "args": ["new", "smith2020"], "expect": ["studies/smith2020.yaml already exists"]})
cases.append({"id": "new_over_dangling_symlink", "setup": ["dangling", "studies/lee2019.yaml"], "args": ["new", "lee2019"], "expect": ["studies/lee2019.yaml already exists"]})
cases.append({"id": "validate_missing_file", "args": ["validate", "studies/nope.yaml"], "expect": ["studies/nope.yaml: error: cannot read file"]})
cases.append({"id": "validate_outside_project", "setup": ["no-project", ""], "args": ["validate"], "expect": ["error: no secondhct project"]})
cases.append({"id": "build_outputs_is_a_file", "setup": ["file", "outputs"], "args": ["build"], "expect": ["outputs exists but is not a folder"]})
cases.append({"id": "build_outputs_is_a_symlink", "setup": ["symlink-out", "outputs"], "args": ["build"], "expect": ["outputs is a symbolic link"]})
cases.append({"id": "build_baseline_missing", "args": ["build", "--baseline", "nope.json"], "expect": ["nope.json: cannot read the baseline"]})
cases.append({"id": "build_baseline_not_results", "files": {"baseline.json": "protocol.yaml"}, "args": ["build", "--baseline", "baseline.json"], "expect": ["baseline.json: not a secondhct results.json"]})
cases.append({"id": "build_file_size_limit", "setup": ["fsize", ""], "args": ["build"], "expect": ["file size limit exceeded"]})
cases.append({"id": "build_ctrl_c", "setup": ["prebuilt", ""], "args": ["build", "--force"], "interrupt_after": "[1/1]", "status": 130, "expect": ["secondhct: interrupted"]})
cases.append({"id": "validate_root_missing", "args": ["validate", "--root", "nowhere-at-all"], "expect": ["--root nowhere-at-all: not a folder"]})
cases.append({"id": "build_root_is_a_file", "args": ["build", "--root", "references.bib"], "expect": ["--root references.bib: not a folder"]})

# ---- implausible values ----
t = swap("  n: 100\n", "  n: " + "9" * 500 + "\n"); study("yaml_huge_count", t, [f"studies/smith2020.yaml:{ln(t, '  n: 999')}:", "less than or equal to 10000000", "(500 characters)"])
t = swap("    time: 2y\n", "    time: 99999999999999999999y\n"); study("yaml_absurd_time", t, [f"studies/smith2020.yaml:{ln(t, '99999999999999999999y')}:", "beyond 100 years"])
t = swap("  extracted_on: \"2026-11-21\"\n", "  extracted_on: \"2026-13-45\"\n"); study("yaml_impossible_date", t, [f"studies/smith2020.yaml:{ln(t, '2026-13-45')}:", "not a calendar date"])

# ---- CSV tables for secondhct pool ----
def csvcase(cid, text, expect, extra_args=(), command="pool"):
    rel = f"csv/{cid}.csv"
    p = OUT / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    cases.append({"id": cid, "files": {"table.csv": rel}, "args": [command, "table.csv", *extra_args], "expect": expect})
csvcase("csv_two_layouts", "xi,ni,yi,vi\n3,10,0.1,0.2\n", ["table.csv, line 1:", "more than one input layout (xi,ni and yi,vi)"])
csvcase("csv_fractional_events", "xi,ni\n2.5,10\n3,12\n", ["table.csv, line 2, column 'xi':", "not a whole number"])
csvcase("csv_absurd_se", "yi,sei\n0,1.3407807929942597e+154\n", ["error: table.csv, line 2:"])
csvcase("csv_empty", "", ["table.csv: the file is empty"])
csvcase("csv_not_a_number", "xi,ni\n3,ten\n", ["table.csv, line 2, column 'ni': 'ten' is not a number"])
csvcase("csv_bayes_bad_prior", "xi,ni\n3,10\n5,12\n", ["the scale (upper bound, sdlog, sd) must be positive"], ("--method", "BAYES", "--tau-prior", "halfnormal:-1"))
csvcase("csv_unknown_measure", "xi,ni\n3,10\n", ["--measure 'XYZ' is not one of"], ("--measure", "XYZ"))
# ---- CSV tables for secondhct curve ----
CURVE = "study,time_years,surv,n,se\n"
csvcase("curve_percent_not_proportion", CURVE + "a,1,45,50,\nb,2,0.4,60,\n", ["table.csv, line 2, column 'surv':", "outside (0, 1)"], command="curve")
csvcase("curve_missing_n", CURVE + "a,1,0.6,,\nb,2,0.4,60,\n", ["table.csv, line 2, column 'n':", "needed when se is empty"], command="curve")
csvcase("curve_variance_falls", CURVE + "a,1,0.7,50,0.065\na,2,0.5,50,0.071\nb,1,0.6,40,0.077\nb,3,0.4,40,0.030\n", ["table.csv: report 'b':", "(lines 4 and 5)", "must increase with time"], command="curve")
csvcase("curve_two_values_one_time", CURVE + "a,1,0.7,50,\na,1,0.6,50,\nb,2,0.5,40,\n", ["table.csv: report 'a': two values at 1 years", "(lines 2 and 3)"], command="curve")
csvcase("curve_bad_time_model", CURVE + "a,1,0.7,50,\nb,2,0.5,40,\nc,3,0.4,40,\n", ["--time-model 'spline' is not one of"], ("--time-model", "spline"), command="curve")

SUB = {"build_ctrl_c", "build_file_size_limit", "new_parent_path", "entry_fifo", "bib_deep_braces", "yaml_deep_nesting", "yaml_python_tag", "bib_href_and_macro_build"}
for c in cases:
    c.setdefault("status", 1)
    if c["id"] in SUB:
        c["subprocess"] = True
import yaml

header = "# The bad-input corpus, run by tests/test_bad_input_corpus.py. Each case copies tests/data/project\n# (plus badinput/protocol.yaml) to a scratch folder, puts `files` (project path: corpus file)\n# in place, applies `setup`, runs `secondhct ARGS` there, and expects exit `status`, every\n# `expect` text in the output (the file, and line where there is one), no traceback, and\n# no change anywhere on disk.\n"
(OUT / "cases.yaml").write_text(header + yaml.safe_dump(cases, sort_keys=False, allow_unicode=True, width=200))
print(len(cases))
