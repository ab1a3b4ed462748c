"""Recording module and loss calls for diagrams: its own module, still reachable from nn."""

from __future__ import annotations

import subprocess
import sys
import threading

from micrograd_like import Value, nn, recording
from micrograd_like.losses import l2, mse
from micrograd_like.nn import MLP


def test_nn_re_exports_the_recording_names_as_the_same_objects():
    for name in ("ModuleCall", "record_calls", "record_function_call"):
        assert getattr(nn, name) is getattr(recording, name)
        assert name in nn.__all__


def test_recording_and_losses_do_not_need_nn():
    code = (
        "import sys, micrograd_like.recording, micrograd_like.losses; "
        "print('micrograd_like.nn' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"


def test_module_and_loss_calls_are_recorded_in_the_order_they_return():
    model = MLP(2, [1], seed=0)
    with recording.record_calls() as calls:
        out = model([1.0, 2.0])
        loss = mse(out, 1.0)
        penalty = l2(model.parameters())
    assert [(c.name, c.module) for c in calls] == [
        ("Neuron", model.layers[0].neurons[0]),
        ("Layer", model.layers[0]),
        ("MLP", model),
        ("mse", None),
        ("l2", None),
    ]
    assert calls[3].inputs == (out,)
    assert calls[3].outputs == (loss,)
    assert calls[4].outputs == (penalty,)


def test_nothing_is_recorded_outside_the_block_or_in_another_thread():
    with recording.record_calls() as calls:
        thread = threading.Thread(target=lambda: recording.record_function_call("f", [], []))
        thread.start()
        thread.join()
        recording.record_function_call("g", [Value(1.0)], [Value(2.0)])
    recording.record_function_call("h", [], [])
    assert [c.name for c in calls] == ["g"]
    assert recording.CALL_LOG.get() is None
