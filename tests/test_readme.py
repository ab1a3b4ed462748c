"""The README's examples run as written and print what their comments say.

The README is the source of truth; this file holds no expected values. Its conventions:

- Every ```python block is complete: it runs on its own, in a fresh namespace, as written.
  The blocks run in the order the README shows them, each in an empty working directory, so
  a block that saves a file leaves nothing behind.
- A top-level statement that prints carries a comment on its last line that starts with
  exactly what it prints; two spaces end the claim and begin an explanation:
  ``print(x.grad)  # 2.0  (d(xw)/dx = w)``. A statement that prints without such a comment,
  or prints something else, fails its block.
- A ```text block shows the first lines of what the command on the last line of the ```bash
  block just above it prints.
- Fenced blocks say which of these three languages they are in.
"""

from __future__ import annotations

import ast
import contextlib
import io
import itertools
import re
import shlex
import tokenize
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from micrograd_like import PRIMITIVES, fast_paths
from micrograd_like.fastpath import fast_paths_enabled
from tests.cli import run_cli

README = Path(__file__).resolve().parent.parent / "README.md"
LANGUAGES = ("python", "bash", "text")
CLI = "python -m micrograd_like"

_FENCE = re.compile(r"^```(.*)$")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$")
_CLAIM_END = re.compile(r"\s{2,}")


@dataclass(frozen=True)
class Block:
    """A fenced code block: its language, its text, where its code starts, and its section."""

    language: str
    code: str
    line: int
    section: str


def parse_blocks(markdown: str) -> list[Block]:
    """The fenced code blocks of markdown, in order, each with the nearest heading above it."""
    blocks = []
    section = "(before the first heading)"
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence:
            end = i + 1
            while end < len(lines) and lines[end].rstrip() != "```":
                end += 1
            if end == len(lines):
                raise ValueError(f"line {i + 1}: the code block is never closed")
            code = "".join(line + "\n" for line in lines[i + 1 : end])
            blocks.append(Block(fence.group(1).strip(), code, i + 2, section))
            i = end + 1
            continue
        heading = _HEADING.match(lines[i])
        if heading:
            section = heading.group(1)
        i += 1
    return blocks


def slug(heading: str) -> str:
    """The heading's anchor as GitHub spells it: ``The worked example``, ``the-worked-example``."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def block_ids(blocks: list[Block]) -> list[str]:
    """One test id per block: its section's anchor, numbered when a section has several."""
    seen: dict[str, int] = {}
    ids = []
    for block in blocks:
        name = slug(block.section)
        seen[name] = seen.get(name, 0) + 1
        ids.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return ids


def comments_by_line(code: str) -> dict[int, str]:
    """The text of each comment in code, without its ``#``, by line number (from 1)."""
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    return {tok.start[0]: tok.string[1:].strip() for tok in tokens if tok.type == tokenize.COMMENT}


def claim(comment: str) -> str:
    """What a print's comment says it prints: its text up to the first two spaces."""
    return _CLAIM_END.split(comment.strip(), maxsplit=1)[0]


def check_block(code: str, filename: str = "<block>", first_line: int = 1) -> list[str]:
    """Runs code as written, statement by statement, in a fresh namespace, output captured.

    Errors propagate, with tracebacks pointing at filename's lines. Returns one message per
    statement whose printed output is not what the comment on its last line claims.
    """
    tree = ast.parse(code, filename)
    ast.increment_lineno(tree, first_line - 1)
    comments = {line + first_line - 1: text for line, text in comments_by_line(code).items()}
    namespace: dict[str, object] = {"__name__": "__main__"}
    problems = []
    for statement in tree.body:
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(compile(ast.Module([statement], []), filename, "exec"), namespace)
        printed = output.getvalue()
        if not printed:
            continue
        where = f"{filename}:{statement.end_lineno}"
        shown = printed.removesuffix("\n")
        comment = comments.get(statement.end_lineno or 0)
        if comment is None:
            problems.append(f"{where} prints {shown!r}, and no comment says what it prints")
        elif claim(comment) != shown:
            problems.append(f"{where} prints {shown!r}, but its comment says {claim(comment)!r}")
    return problems


def output_examples(blocks: list[Block]) -> list[tuple[Block | None, Block]]:
    """Each ```text block with the block just above it (None for the first block)."""
    return [
        (before, block)
        for before, block in itertools.pairwise([None, *blocks])
        if block is not None and block.language == "text"
    ]


BLOCKS = parse_blocks(README.read_text(encoding="utf-8"))
PYTHON_BLOCKS = [block for block in BLOCKS if block.language == "python"]
OUTPUT_EXAMPLES = output_examples(BLOCKS)


@pytest.fixture
def engine_state() -> Iterator[None]:
    """Gives back the table of primitives and the fast-path switch, whatever a block did."""
    table, fast = dict(PRIMITIVES), fast_paths_enabled()
    yield
    PRIMITIVES.clear()
    PRIMITIVES.update(table)
    fast_paths(fast)


# ---------------------------------------------------------------------------
# The README itself.
# ---------------------------------------------------------------------------


def test_every_code_block_names_a_language_this_file_checks():
    assert PYTHON_BLOCKS
    for block in BLOCKS:
        assert block.language in LANGUAGES, (
            f"README.md:{block.line - 1}: a code block in {block.language or 'no language'}; "
            f"use one of {LANGUAGES} or teach tests/test_readme.py the new one"
        )


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=block_ids(PYTHON_BLOCKS))
@pytest.mark.usefixtures("engine_state")
def test_python_block_runs_and_prints_what_its_comments_say(block, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # No time limit here: a timed test fails on a busy machine. The slowest block (100
    # training steps) takes about 6 s alone.
    problems = check_block(block.code, str(README), block.line)
    assert not problems, f"README section {block.section!r}:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("command", "output"),
    OUTPUT_EXAMPLES,
    ids=block_ids([output for _, output in OUTPUT_EXAMPLES]),
)
def test_text_block_is_the_start_of_its_commands_output(command, output, tmp_path):
    assert command is not None, f"README.md:{output.line}: a text block with no command above it"
    above = f"README.md:{output.line}: a text block shows the output of the bash block above it"
    assert command.language == "bash", above
    assert command.section == output.section, above
    last = command.code.strip().splitlines()[-1].split("&&")[-1].strip()
    assert last.startswith(CLI), (
        f"README.md:{output.line}: only the output of `{CLI} ...` is checked, not of `{last}`"
    )
    result = run_cli(*shlex.split(last)[len(CLI.split()) :], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    shown = output.code.splitlines()
    assert result.stdout.splitlines()[: len(shown)] == shown


# ---------------------------------------------------------------------------
# The checker, on markdown written here: it must catch what it is for.
# ---------------------------------------------------------------------------

SAMPLE = """\
# Sample

```python
x = 2
print(x * 3)  # 6  (twice three)
print(
    "two",
    "lines",
)  # two lines  (a claim sits on the statement's last line)
```

## Wrong claim

```python
print(1 + 1)  # 3
print("a  b")  # a  b
```

## No claim

```python
x = 4  # 4
print(x)
```

## Uses a name from above

```python
print(x)  # 2
```

## Output

```bash
echo hi
```

```text
hi
```
"""


def test_parser_finds_each_block_with_its_language_line_and_section():
    blocks = parse_blocks(SAMPLE)
    assert [(b.language, b.section) for b in blocks] == [
        ("python", "Sample"),
        ("python", "Wrong claim"),
        ("python", "No claim"),
        ("python", "Uses a name from above"),
        ("bash", "Output"),
        ("text", "Output"),
    ]
    assert blocks[0].line == 4
    assert blocks[2].code == "x = 4  # 4\nprint(x)\n"
    assert block_ids(blocks) == [
        "sample",
        "wrong-claim",
        "no-claim",
        "uses-a-name-from-above",
        "output",
        "output-2",
    ]
    assert output_examples(blocks) == [(blocks[4], blocks[5])]


def test_parser_refuses_an_unclosed_block():
    with pytest.raises(ValueError, match="line 1: the code block is never closed"):
        parse_blocks("```python\nprint(1)\n")


def test_checker_accepts_true_claims():
    assert check_block(parse_blocks(SAMPLE)[0].code) == []


def test_checker_reports_a_wrong_claim_with_its_markdown_line():
    # The second claim is cut at its first two spaces: output with two spaces in a row
    # cannot be claimed, so an example prints something else.
    block = parse_blocks(SAMPLE)[1]
    assert check_block(block.code, "SAMPLE.md", block.line) == [
        "SAMPLE.md:15 prints '2', but its comment says '3'",
        "SAMPLE.md:16 prints 'a  b', but its comment says 'a'",
    ]


def test_checker_reports_a_print_without_a_claim():
    # A comment on a statement that prints nothing is not a claim about output.
    assert check_block(parse_blocks(SAMPLE)[2].code) == [
        "<block>:2 prints '4', and no comment says what it prints"
    ]


def test_each_block_runs_in_a_fresh_namespace():
    blocks = parse_blocks(SAMPLE)
    assert check_block(blocks[0].code) == []
    with pytest.raises(NameError, match="'x'"):
        check_block(blocks[3].code)


def test_an_error_points_at_the_markdown_line():
    with pytest.raises(ZeroDivisionError) as error:
        check_block("x = 1\nx / 0  # boom\n", "SAMPLE.md", 40)
    frame = traceback.extract_tb(error.value.__traceback__)[-1]
    assert (frame.filename, frame.lineno) == ("SAMPLE.md", 41)


def test_a_text_block_needs_a_command_just_above_it():
    lonely = parse_blocks("## A\n\n```text\nhi\n```\n")
    assert output_examples(lonely) == [(None, lonely[0])]
