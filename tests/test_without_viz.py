"""Without the viz extra: importing viz says what to install, and Jupyter shows text.

Each test runs a fresh Python in which ``import graphviz`` fails, as it does
where the extra is not installed (``sys.modules["graphviz"] = None``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

NO_GRAPHVIZ = "import sys\nsys.modules['graphviz'] = None  # import graphviz now fails\n"


def run_without_graphviz(code: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", NO_GRAPHVIZ + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_importing_viz_names_the_extra_and_says_no_system_graphviz_is_needed():
    found = run_without_graphviz(
        """
        import json
        try:
            from micrograd_like.viz import draw_dot
        except ModuleNotFoundError as error:
            print(json.dumps({"type": type(error).__name__, "name": error.name,
                              "message": str(error)}))
        """
    )
    assert found["type"] == "ModuleNotFoundError"
    assert found["name"] == "graphviz"
    message = str(found["message"])
    assert 'pip install "micrograd_like[viz]"' in message
    assert "No system Graphviz is needed" in message
    assert "graphviz-pure" in message


def test_a_value_in_jupyter_falls_back_to_its_repr():
    found = run_without_graphviz(
        """
        import json
        from micrograd_like import Value
        y = Value(2.0, label="x") * 3
        y.backward()
        bundles = [y._repr_mimebundle_(), y._repr_mimebundle_(include=["image/svg+xml"])]
        print(json.dumps({"bundles": bundles}))
        """
    )
    text = {"text/plain": "Value(data=6.0, grad=1)"}
    assert found["bundles"] == [text, text]  # no diagram, no exception: the notebook goes on
