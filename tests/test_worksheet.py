"""Per-student worksheets: the same ID, the same sheet; blanks on the sheet; the key from backward.

The sheets are read back as a user would read them (the Markdown tables, the HTML's
cells and text), and the key is checked against a fresh ``backward()`` of each graph.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from micrograd_like import PRIMITIVES, topological_order
from micrograd_like.engine import NOT_COMPUTED
from micrograd_like.worksheet import (
    ANSWER_PLACES,
    BLANK,
    LIMIT,
    MAX_CALCULATOR_OPS,
    MAX_PROBLEMS,
    MAX_VALUES,
    MIN_VALUES,
    SMALLEST_GRAD,
    Problem,
    check_student,
    file_names,
    problems,
    read_class,
    to_html,
    to_markdown,
)
from tests.cli import assert_failure, assert_usage_error, run_cli

STUDENTS = [f"s{k:03d}" for k in range(120)] + ["ada", "Bob.Smith_2", "0"]
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.(\d+))?")


def every_problem() -> list[Problem]:
    return [problem for student in STUDENTS for problem in problems(student, 3)]


def table_rows(markdown: str) -> list[list[list[str]]]:
    """Each problem's table, as rows of cells (value, computed as, data, grad)."""
    tables = []
    for section in markdown.split("\n## Problem ")[1:]:
        rows = [
            [cell.strip() for cell in line.strip("|").split("|")]
            for line in section.splitlines()
            if line.startswith("| ") and not line.startswith("| value |")
        ]
        tables.append(rows)
    return tables


def fresh_backward(problem: Problem) -> None:
    for value in problem.values:
        value.grad = NOT_COMPUTED
    problem.output.backward()


def decimals(text: str) -> list[int]:
    """How many decimals each number in text has."""
    return [len(match.group(1) or "") for match in NUMBER.finditer(text)]


def minus_signs(html: str) -> str:
    """The page with Graphviz's escaped minus signs (&#45;) written as "-"."""
    return html.replace("&#45;", "-")


def text_of_html(html: str) -> str:
    """What a reader of the page sees: the text between tags, the SVGs' text included."""
    without_style = re.sub(r"<style>.*?</style>|<title>.*?</title>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", minus_signs(without_style))


# -- the same ID, the same sheet ---------------------------------------------------------


def test_the_same_id_gives_the_same_sheet_and_key():
    for render in (to_markdown, to_html):
        for answers in (False, True):
            first = render("ada", problems("ada", 3), answers=answers)
            assert render("ada", problems("ada", 3), answers=answers) == first


@pytest.mark.parametrize("output_format", ["markdown", "html"])
def test_two_processes_with_different_hash_seeds_write_byte_identical_sheets(
    output_format, tmp_path
):
    written = []
    for hash_seed in ("1", "2"):
        target = tmp_path / f"sheet-{hash_seed}.{output_format}"
        result = subprocess.run(
            [sys.executable, "-m", "micrograd_like", "worksheet", "--student", "ada",
             "--format", output_format, "-o", str(target)],
            capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        written.append(target.read_bytes())
    assert written[0] == written[1]
    assert len(written[0]) > 500


def test_different_ids_give_different_sheets():
    sheets = {to_markdown(student, problems(student, 3)) for student in STUDENTS}
    assert len(sheets) == len(STUDENTS)
    # Not only the header differs: the problems do.
    firsts = {to_markdown("x", problems(student, 1)) for student in STUDENTS}
    assert len(firsts) == len(STUDENTS)


def test_problem_k_is_the_same_whatever_the_number_of_problems():
    short, long = problems("ada", 2), problems("ada", 5)
    for a, b in zip(short, long, strict=False):
        assert [(v.label, v.op, v.data) for v in a.values] == [
            (v.label, v.op, v.data) for v in b.values
        ]


# -- the graphs --------------------------------------------------------------------------


def test_every_graph_has_5_to_12_values_all_below_its_output():
    sizes = set()
    for problem in every_problem():
        assert MIN_VALUES <= len(problem.values) <= MAX_VALUES
        assert set(topological_order(problem.output)) == set(problem.values)
        assert problem.values[-1] is problem.output
        sizes.add(len(problem.values))
    assert sizes == set(range(MIN_VALUES, MAX_VALUES + 1))  # every size occurs


def test_graphs_are_built_from_the_engines_primitives():
    ops = {value.op for problem in every_problem() for value in problem.values if value.inputs}
    assert ops <= set(PRIMITIVES) | {"**2"}
    assert ops == {"+", "*", "/", "**2", "exp", "log", "tanh", "sigmoid", "ReLU"}


def test_every_graph_is_well_defined_and_of_a_size_to_work_by_hand():
    for problem in every_problem():
        calculator = 0
        for value in problem.values:
            inputs = [v.data for v in value.inputs]
            if value.op == "log":
                assert inputs[0] >= 0.5
            if value.op == "/":
                assert abs(inputs[1]) >= 0.5
            if value.op in ("exp", "tanh", "sigmoid"):
                assert abs(inputs[0]) <= 3
            if value.op == "ReLU":
                assert abs(inputs[0]) >= 0.1
            calculator += value.op in ("exp", "log", "tanh", "sigmoid")
            assert abs(value.data) <= LIMIT
        assert calculator <= MAX_CALCULATOR_OPS
        grads = [answer.grad for answer in problem.answers]
        assert all(g == 0 or SMALLEST_GRAD <= abs(g) <= LIMIT for g in grads)
        assert 3 * grads.count(0) <= len(grads)


def test_the_inputs_are_distinct_and_have_at_most_two_decimals():
    for problem in every_problem():
        givens = [value.data for value in problem.inputs]
        assert len(set(givens)) == len(givens)
        assert all(round(x, 2) == x and x != 0 for x in givens)


# -- the sheet ---------------------------------------------------------------------------


def test_every_number_on_a_sheet_has_at_most_two_decimals():
    for student in STUDENTS[:30]:
        sheet = to_markdown(student, problems(student, 4))
        assert max(decimals(sheet)) <= 2, student
    html = to_html("ada", problems("ada", 4))
    assert max(decimals(text_of_html(html))) <= 2


def test_a_sheet_has_a_blank_for_every_value_to_compute_and_gives_the_inputs():
    for student in STUDENTS[:30]:
        sheet_problems = problems(student, 3)
        tables = table_rows(to_markdown(student, sheet_problems))
        assert len(tables) == 3
        for problem, rows in zip(sheet_problems, tables, strict=True):
            assert len(rows) == len(problem.values)
            for value, (name, computed, data, grad) in zip(problem.values, rows, strict=True):
                assert name.split()[0] == value.label
                assert grad == BLANK
                if value.inputs:
                    assert data == BLANK
                    assert all(v.label in computed for v in value.inputs)
                else:
                    assert computed == "input"
                    assert float(data) == value.data


def test_no_answer_leaks_into_a_sheet():
    for student in STUDENTS[:20]:
        sheet_problems = problems(student, 3)
        key = to_markdown(student, sheet_problems, answers=True)
        answers = {
            cell
            for rows in table_rows(key)
            for row in rows
            for cell in row[2:]
            if "." in cell and len(cell.split(".")[1]) == ANSWER_PLACES
        }
        html = minus_signs(to_html(student, sheet_problems))
        for sheet in (to_markdown(student, sheet_problems), html):
            assert not [a for a in answers if a in sheet and a.strip("-0.")], student
    html = minus_signs(to_html("ada", problems("ada", 3)))
    # In the diagrams only the inputs have data; no grad is written anywhere.
    inputs = sum(len(problem.inputs) for problem in problems("ada", 3))
    assert len(re.findall(r">data -?\d", html)) == inputs
    assert not re.search(r">grad -?\d", html)


def test_the_html_sheet_has_an_empty_cell_for_every_blank_and_a_diagram_per_problem():
    sheet_problems = problems("ada", 4)
    html = to_html("ada", sheet_problems)
    blanks = sum(len(p.values) + sum(1 for v in p.values if v.inputs) for p in sheet_problems)
    assert html.count('<td class="blank"></td>') == blanks
    assert html.count("<svg") == 4
    assert html.count('<section class="problem"') == 4
    key = to_html("ada", sheet_problems, answers=True)
    assert '<td class="blank">' not in key


def test_the_html_loads_nothing_and_needs_no_script():
    for answers in (False, True):
        html = to_html("ada", problems("ada", 3), answers=answers)
        urls = set(re.findall(r"https?://[^\s\"'<>]+", html))
        assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
        lowered = html.lower()
        for loader in ("<script", "<link", "<img", "<iframe", " src=", "@import", "url("):
            assert loader not in lowered
        assert "default-src 'none'" in html
        assert "<?xml" not in html
        assert "<!doctype svg" not in lowered


def test_the_html_prints_one_problem_a_page():
    html = to_html("ada", problems("ada", 3))
    print_css = html[html.index("@media print") :]
    assert re.search(r"\.problem \+ \.problem \{[^}]*break-before: page", print_css)
    assert "break-inside: avoid" in print_css


def test_the_ids_in_the_svgs_of_one_page_are_unique():
    html = to_html("ada", problems("ada", 4))
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))


# -- the key -----------------------------------------------------------------------------


def test_the_key_is_the_engines_backward_rounded_to_the_stated_places():
    assert f"rounded to {ANSWER_PLACES} decimal places" in to_markdown(
        "ada", problems("ada", 1), answers=True
    )
    for student in STUDENTS[:30]:
        key_problems = problems(student, 3)
        tables = table_rows(to_markdown(student, key_problems, answers=True))
        for problem, rows in zip(key_problems, tables, strict=True):
            fresh_backward(problem)
            for value, (_, _, data, grad) in zip(problem.values, rows, strict=True):
                assert grad == f"{value.grad:.{ANSWER_PLACES}f}".replace("-0.0000", "0.0000")
                assert float(grad) == pytest.approx(value.grad, abs=0.5 * 10**-ANSWER_PLACES)
                if value.inputs:
                    assert float(data) == pytest.approx(value.data, abs=0.5 * 10**-ANSWER_PLACES)
                    assert len(data.split(".")[1]) == ANSWER_PLACES
            assert rows[-1][3] == "1.0000"  # d(output)/d(output)


def test_the_key_is_right_by_central_differences():
    # The key's grads are the engine's; here they are checked without the engine's backward.
    for problem in problems("ada", 5):
        fresh_backward(problem)
        for leaf in problem.inputs:
            h, original = 1e-6, leaf.data
            outputs = []
            for shift in (h, -h):
                leaf.data = original + shift
                outputs.append(recompute(problem))
            leaf.data = original
            assert (outputs[0] - outputs[1]) / (2 * h) == pytest.approx(leaf.grad, abs=1e-5)


def recompute(problem: Problem) -> float:
    """The output's value with the leaves' current data, by the primitives' own rows."""
    data = {}
    for value in problem.values:
        if not value.inputs:
            data[value] = value.data
        elif value.op == "**2":
            data[value] = data[value.inputs[0]] ** 2
        else:
            rule = PRIMITIVES[value.op].apply
            assert rule is not None
            data[value] = rule(*(data[v] for v in value.inputs))[0]
    return data[problem.output]


def test_the_html_key_fills_in_the_diagram_even_after_another_backward():
    key_problems = problems("ada", 2)
    first = to_html("ada", key_problems, answers=True)
    for problem in key_problems:
        problem.output.backward()  # leaves accumulate: their grads are now twice the answer
    assert to_html("ada", key_problems, answers=True) == first
    assert re.search(r">grad (-|&#45;)?\d", first)


# -- IDs and class lists -----------------------------------------------------------------


@pytest.mark.parametrize("bad", ["", "a b", "../x", ".hidden", "-x", "x" * 65, "ad\u00e9", "a/b"])
def test_a_bad_id_is_refused(bad):
    with pytest.raises(ValueError, match="is not a student ID"):
        check_student(bad)
    with pytest.raises(ValueError, match="is not a student ID"):
        problems(bad, 1)


@pytest.mark.parametrize("n", [0, MAX_PROBLEMS + 1, 2.0, True])
def test_a_bad_number_of_problems_is_refused(n):
    with pytest.raises(ValueError, match="n must be a whole number"):
        problems("ada", n)


def test_a_class_list_skips_blank_lines_and_comments():
    text = "\ufeff# group A\n\nada\n  bob  # resits\n#carl\n\t\ns-3\r\n"
    assert read_class(text) == ["ada", "bob", "s-3"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ada\nno good\n", "line 2: 'no good' is not a student ID"),
        ("ada\nbob\nada\n", "line 3: 'ada' is already on line 1"),
        ("ada\nBob\n\nbob\n", "line 4: 'bob' is already on line 2 (IDs that differ only in case"),
        ("# nobody\n\n", "names no student"),
        ("", "names no student"),
    ],
)
def test_a_bad_class_list_is_refused_with_its_line(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        read_class(text)


def test_no_two_students_files_can_have_the_same_name():
    names = [name for s in ("ann", "ann.key", "ann.sheet", "ANN") for name in file_names(s, "md")]
    assert len(set(names)) == len(names)
    assert file_names("ada", "md") == ("ada.sheet.md", "ada.key.md")


# -- the command line --------------------------------------------------------------------


def test_the_command_prints_the_sheet_and_writes_the_key(tmp_path):
    printed = run_cli("worksheet", "--student", "ada", "--problems", "2")
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == to_markdown("ada", problems("ada", 2))
    key = tmp_path / "key.md"
    written = run_cli("worksheet", "--student", "ada", "--answers", "-o", str(key))
    assert written.returncode == 0, written.stderr
    assert written.stdout == f"wrote {key}\n"
    assert key.read_text(encoding="utf-8") == to_markdown("ada", problems("ada"), answers=True)


def test_an_html_file_name_picks_the_html_format(tmp_path):
    target = tmp_path / "ada.html"
    result = run_cli("worksheet", "--student", "ada", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_text(encoding="utf-8") == to_html("ada", problems("ada"))


def write_class(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "class.txt"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("output_format", "extension"), [("markdown", "md"), ("html", "html")])
def test_a_class_gets_one_sheet_and_one_key_per_student(output_format, extension, tmp_path):
    roster = write_class(tmp_path, "# period 2\nada\n\nbob  # late\ns-042\n")
    out = tmp_path / "sheets"
    result = run_cli(
        "worksheet", "--class", str(roster), "--format", output_format, "--problems", "2",
        "-o", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"wrote 3 sheets and 3 keys to {out}\n"
    render = to_html if output_format == "html" else to_markdown
    expected = {}
    for student in ("ada", "bob", "s-042"):
        sheet, key = file_names(student, extension)
        expected[sheet] = render(student, problems(student, 2))
        expected[key] = render(student, problems(student, 2), answers=True)
    assert sorted(p.name for p in out.iterdir()) == sorted(expected)
    for name, text in expected.items():
        assert (out / name).read_text(encoding="utf-8") == text, name


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ada\nbob\nno good\n", "line 3: 'no good' is not a student ID"),
        ("ada\nbob\nada\n", "line 3: 'ada' is already on line 1"),
        ("ada\nBOB\nbob\n", "line 3: 'bob' is already on line 2"),
        ("# nobody yet\n", "names no student"),
    ],
)
def test_a_bad_class_list_writes_nothing(text, message, tmp_path):
    roster = write_class(tmp_path, text)
    out = tmp_path / "sheets"
    out.mkdir()
    result = run_cli("worksheet", "--class", str(roster), "-o", str(out))
    assert_usage_error(result)
    assert message in result.stderr
    assert list(out.iterdir()) == []
    missing = tmp_path / "new"
    assert_usage_error(run_cli("worksheet", "--class", str(roster), "-o", str(missing)))
    assert not missing.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "one of the arguments --student --class is required"),
        (["--student", "a b"], "argument --student: 'a b' is not a student ID"),
        (["--student", "ada", "--class", "x"], "not allowed with argument"),
        (["--student", "ada", "--problems", "21"], "argument --problems: must be at most 20"),
        (["--student", "ada", "--format", "pdf"], "invalid choice: 'pdf'"),
        (["--class", "CLASS", "--answers", "-o", "out"], "--class writes every student's key"),
        (["--class", "CLASS"], "give the directory to write the sheets in with -o DIR"),
        (["--class", "missing.txt", "-o", "out"], "cannot read it"),
        (["--class", "binary.txt", "-o", "out"], "not UTF-8 text"),
        (["--student", "ada", "-o", "nowhere/x.md"], "does not exist"),
    ],
)
def test_bad_options_give_the_usage_and_one_line(args, message, tmp_path):
    write_class(tmp_path, "ada\n")
    (tmp_path / "binary.txt").write_bytes(b"\xff\xfeada")
    args = [str(tmp_path / "class.txt") if a == "CLASS" else a for a in args]
    result = run_cli("worksheet", *args, cwd=tmp_path)
    assert_usage_error(result)
    assert message in result.stderr
    assert not (tmp_path / "out").exists()


def test_without_the_viz_extra_markdown_works_and_html_fails_in_one_line():
    blocked = (
        "import runpy, sys\n"
        "sys.modules['graphviz'] = None  # import graphviz now fails\n"
        "sys.argv = ['micrograd_like', *sys.argv[1:]]\n"
        "runpy.run_module('micrograd_like', run_name='__main__', alter_sys=True)\n"
    )
    for output_format, status in (("markdown", 0), ("html", 1)):
        result = subprocess.run(
            [sys.executable, "-c", blocked, "worksheet", "--student", "ada",
             "--format", output_format],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        if status == 0:
            assert result.returncode == 0, result.stderr
            assert result.stdout.startswith("# Backpropagation worksheet for ada")
        else:
            assert_failure(result)
            assert "micrograd_like[viz]" in result.stderr


def test_no_program_to_draw_with_is_a_one_line_failure_and_writes_nothing(tmp_path):
    target = tmp_path / "ada.html"
    result = subprocess.run(
        [sys.executable, "-m", "micrograd_like", "worksheet", "--student", "ada",
         "-o", str(target)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "MICROGRAD_LIKE_DOT": str(tmp_path / "no-such-dot")},
    )  # fmt: skip
    assert_failure(result)
    assert "could not run" in result.stderr
    assert not target.exists()


# -- in a browser ------------------------------------------------------------------------


def chromium() -> str | None:
    named = os.environ.get("MICROGRAD_LIKE_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None)


def test_printed_each_problem_starts_a_page_and_nothing_is_requested(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    browser_path = chromium()
    if browser_path is None:
        pytest.skip("no Chromium found: apt-get install chromium")
    sheet = tmp_path / "ada.html"
    sheet.write_text(to_html("ada", problems("ada", 3)), encoding="utf-8")
    requested: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=browser_path, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(java_script_enabled=False)

        def refuse_all_but_the_sheet(route):
            requested.append(route.request.url)
            if route.request.url == sheet.as_uri():
                route.continue_()
            else:
                route.abort()

        context.route("**/*", refuse_all_but_the_sheet)
        page = context.new_page()
        page.goto(sheet.as_uri())
        page.emulate_media(media="print")
        breaks = page.eval_on_selector_all(
            ".problem", "sections => sections.map(s => getComputedStyle(s).breakBefore)"
        )
        widths = page.eval_on_selector_all(
            "figure svg", "svgs => svgs.map(s => s.getBoundingClientRect().width)"
        )
        page_width = page.evaluate("document.documentElement.clientWidth")
        pdf = page.pdf(format="A4")
        if os.environ.get("MICROGRAD_LIKE_SCREENSHOTS"):
            page.screenshot(
                path=str(Path(os.environ["MICROGRAD_LIKE_SCREENSHOTS"]) / "worksheet.png"),
                full_page=True,
            )
        browser.close()
    assert requested == [sheet.as_uri()]
    assert breaks == ["auto", "page", "page"]
    assert len(widths) == 3
    assert all(0 < width <= page_width for width in widths)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 3  # one problem a page, each whole
