"""Notebook 06 keeps its blanks, its reference solutions pass, and solution() and expect() work.

CI also executes the notebook with the solutions filled in (.ci/run); these tests check the
same solutions without a kernel, and that the notebook in the repository gives none away.
"""

import ast
import importlib.util
import json
import math
from pathlib import Path

import pytest

from micrograd_like.exercises import (
    CATALOGUE,
    SOLUTIONS_VARIABLE,
    Report,
    check_backward,
    check_rule,
    check_value,
    expect,
    solution,
)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "06_exercises.ipynb"
SOLUTIONS = ROOT / "notebooks" / "solutions" / "exercises_06.py"


def load_solutions():
    spec = importlib.util.spec_from_file_location("exercises_06", SOLUTIONS)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def numbers(answers):
    return [(check_value(name, value), None) for name, value in answers.items()]


# Each answer the notebook asks for: its check, as (report, the mistake it must name) pairs.
CHECKS = {
    "forward": numbers,
    "backward": numbers,
    "update": numbers,
    "exp_rule": lambda rule: [(check_rule("exp", rule), None)],
    "tanh_rule": lambda rule: [(check_rule("tanh", rule), None)],
    "sigmoid_rule": lambda rule: [(check_rule("sigmoid", rule), None)],
    "my_backward": lambda fn: [(check_backward(fn), None)],
    "wrong_order_backward": lambda fn: [(check_backward(fn), "wrong-order")],
}


def cells(kind):
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    return [cell for cell in notebook["cells"] if cell["cell_type"] == kind]


def code_cells():
    return ["".join(cell["source"]) for cell in cells("code")]


def solution_calls():
    """The (name, argument) of every solution("name", argument) call in the notebook."""
    found = []
    for source in code_cells():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "solution":
                name, argument = node.args
                found.append((ast.literal_eval(name), argument))
    return found


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_reference_solution_passes_its_check(name):
    answer = getattr(load_solutions(), name)
    for report, mistake in CHECKS[name](answer):
        assert report.mistake == mistake, report


def test_the_notebook_asks_for_every_answer_the_solutions_file_gives():
    module = load_solutions()
    given = {name for name in vars(module) if not name.startswith("_") and name != "math"}
    asked = [name for name, _ in solution_calls()]
    assert sorted(asked) == sorted(set(asked)), "an answer is asked for twice"
    assert set(asked) == given == set(CHECKS)
    for name, argument in solution_calls():  # answer = solution("answer", answer)
        assert isinstance(argument, ast.Name), name
        assert argument.id == name


def is_blank(node):
    if isinstance(node, ast.Constant):
        return node.value is Ellipsis
    if isinstance(node, ast.Dict):
        return all(is_blank(value) for value in node.values)
    return False


def test_the_notebook_has_blanks_where_the_solutions_go():
    blanks = set()
    for source in code_cells():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef) and node.name in CHECKS:
                body = node.body[1:] if ast.get_docstring(node) else node.body
                assert len(body) == 1, f"{node.name} has a body: {ast.unparse(node)}"
                assert isinstance(body[0], ast.Expr), ast.unparse(node)
                assert is_blank(body[0].value), ast.unparse(node)
                blanks.add(node.name)
            if isinstance(node, ast.Assign) and not isinstance(node.value, ast.Call):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id in CHECKS:
                        assert is_blank(node.value), ast.unparse(node)
                        blanks.add(target.id)
    assert blanks == set(CHECKS)


def test_the_notebook_gives_no_number_of_the_solutions_away():
    module = load_solutions()
    sources = "\n".join(code_cells() + ["".join(cell["source"]) for cell in cells("markdown")])
    for answers in (module.forward, module.backward, module.update):
        for name, value in answers.items():
            assert repr(value) not in sources, name


def check_cell_outputs():
    """The printed lines of every cell that checks an answer."""
    printed = []
    for cell in cells("code"):
        if "expect(" in "".join(cell["source"]):
            for output in cell["outputs"]:
                printed += "".join(output.get("text", "")).splitlines()
    return printed


def test_every_check_goes_through_expect():
    for source in code_cells():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "").startswith("check_"):
                assert "expect(" in source, source


def test_the_committed_outputs_are_what_a_learner_sees_before_answering():
    printed = check_cell_outputs()
    assert printed
    assert not [line for line in printed if line.startswith("passed:")]
    blanks = [line for line in printed if "still the blank" in line or "not filled in" in line]
    assert len(blanks) == 8 + 3 + 2  # eight numbers, three rules, two passes


def test_the_notebook_lists_every_mistake_of_the_catalogue():
    shown = "".join(
        "".join(output.get("data", {}).get("text/markdown", ""))
        for cell in cells("code")
        for output in cell["outputs"]
    )
    for mistake, meaning in CATALOGUE.items():
        assert f"`{mistake}`" in shown
        assert meaning.split(":")[0] in shown


# -- the checkers on a blank -----------------------------------------------------------------


def blank_rule(a):
    """Returns (tanh(a), d tanh(a) / da)."""
    ...  # your code


def blank_pass(root):
    """A learner's docstring, and nothing else yet."""
    ...


@pytest.mark.parametrize("blank", [..., None])
def test_a_blank_number_is_wrong_type_not_an_error(blank):
    report = check_value("h1", blank)
    assert report.mistake == "wrong-type"
    assert "not filled in yet" in report.message


@pytest.mark.parametrize("blank", [blank_rule, ..., None])
def test_a_blank_rule_is_wrong_type_not_an_error(blank):
    report = check_rule("tanh", blank)
    assert report.mistake == "wrong-type"
    assert "still the blank" in report.message


@pytest.mark.parametrize("blank", [blank_pass, ..., None])
def test_a_blank_backward_pass_is_wrong_type_not_not_seeded(blank):
    report = check_backward(blank)
    assert report.mistake == "wrong-type"
    assert "still the blank" in report.message


def test_a_rule_that_is_not_a_function_is_wrong_type():
    assert check_rule("exp", 2.7).mistake == "wrong-type"  # type: ignore[arg-type]
    assert check_backward(42).mistake == "wrong-type"  # type: ignore[arg-type]


def test_a_rule_that_does_something_is_no_blank():
    assert check_rule("exp", lambda a: (math.exp(a), a)).mistake == "input-for-output"


# -- solution() and expect() -----------------------------------------------------------------


@pytest.fixture
def solutions_file(tmp_path, monkeypatch):
    path = tmp_path / "answers.py"
    path.write_text("h1 = 0.6283\n", encoding="utf-8")
    monkeypatch.setenv(SOLUTIONS_VARIABLE, str(path))
    return path


def test_solution_gives_the_learners_answer_without_the_variable(monkeypatch):
    monkeypatch.delenv(SOLUTIONS_VARIABLE, raising=False)
    assert solution("h1", ...) is ...
    monkeypatch.setenv(SOLUTIONS_VARIABLE, "")
    assert solution("h1", 0.5) == 0.5


def test_solution_gives_the_files_answer_with_the_variable(solutions_file):
    assert solution("h1", ...) == 0.6283


def test_solution_refuses_a_name_the_file_does_not_define(solutions_file):
    with pytest.raises(AttributeError, match=r"answers\.py .* defines no 'h2'"):
        solution("h2", ...)


def test_solution_refuses_a_file_that_is_not_there_or_not_python(tmp_path, monkeypatch):
    monkeypatch.setenv(SOLUTIONS_VARIABLE, str(tmp_path / "missing.py"))
    with pytest.raises(FileNotFoundError, match="no such file"):
        solution("h1", ...)
    text = tmp_path / "answers.txt"
    text.write_text("h1 = 0.6283\n", encoding="utf-8")
    monkeypatch.setenv(SOLUTIONS_VARIABLE, str(text))
    with pytest.raises(ImportError, match="not a Python file"):
        solution("h1", ...)


WRONG = Report(False, "sign", "tanh: the derivative should be 0.4, but your rule gives -0.4.")
RIGHT = Report(True, None, "tanh: right at all 4 probe points.")


def test_expect_prints_the_report_and_never_raises_for_a_learner(monkeypatch, capsys):
    monkeypatch.delenv(SOLUTIONS_VARIABLE, raising=False)
    expect(WRONG)
    expect(RIGHT, mistake="sign")
    assert capsys.readouterr().out.splitlines() == [
        "sign: tanh: the derivative should be 0.4, but your rule gives -0.4.",
        "passed: tanh: right at all 4 probe points.",
    ]


def test_expect_fails_a_solutions_run_on_any_other_report(solutions_file, capsys):
    expect(RIGHT)
    expect(WRONG, mistake="sign")
    with pytest.raises(AssertionError, match="expected a pass, got 'sign'"):
        expect(WRONG)
    with pytest.raises(AssertionError, match="expected the mistake 'sign', got None"):
        expect(RIGHT, mistake="sign")
    assert capsys.readouterr().out.count("\n") == 4  # printed before it fails
