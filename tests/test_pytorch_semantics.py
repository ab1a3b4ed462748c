"""The README's paragraph on what follows PyTorch and what is ours, run in both."""

import warnings

import pytest

from micrograd_like import Value

torch = pytest.importorskip("torch")


def graph(x, y):
    """x is used on three paths and y on two; z, h and the loss are inner nodes."""
    z = x * y + x  # x on two paths already
    h = z.tanh() if isinstance(z, Value) else torch.tanh(z)
    loss = h * x + z * y
    return z, h, loss


def ours():
    x, y = Value(0.7), Value(-1.3)
    return (x, y), graph(x, y)


def theirs():
    x = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(-1.3, dtype=torch.float64, requires_grad=True)
    return (x, y), graph(x, y)


def test_the_readme_paragraph_holds_in_torch():
    (x, y), (z, h, loss) = ours()
    (tx, ty), (tz, th, tloss) = theirs()
    for inner in (tz, th):
        inner.retain_grad()

    loss.backward()
    tloss.backward(retain_graph=True)
    first = [x.grad, y.grad, z.grad, h.grad]
    # The sum over paths, and every inner grad, as PyTorch computes them.
    assert first == pytest.approx(
        [tx.grad.item(), ty.grad.item(), tz.grad.item(), th.grad.item()], rel=1e-12
    )

    loss.backward()
    tloss.backward()
    # Leaves accumulate in both: twice the gradient.
    assert [x.grad, y.grad] == pytest.approx([2 * first[0], 2 * first[1]], rel=1e-12)
    assert [tx.grad.item(), ty.grad.item()] == pytest.approx([2 * first[0], 2 * first[1]])
    # Inner values: ours hold the latest pass's gradient, PyTorch's retained ones accumulate.
    assert [z.grad, h.grad] == pytest.approx(first[2:], rel=1e-12)
    assert [tz.grad.item(), th.grad.item()] == pytest.approx([2 * g for g in first[2:]])


def test_pytorch_refuses_a_second_backward_without_retain_graph_and_keeps_no_inner_grad():
    _, (tz, _, tloss) = theirs()
    tloss.backward()
    with pytest.raises(RuntimeError, match="second time"):
        tloss.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch warns on reading a non-leaf .grad
        assert tz.grad is None
    # Ours: the same graph goes backward twice, and inner values keep their grad.
    _, (z, _, loss) = ours()
    loss.backward()
    loss.backward()
    assert z.grad_computed
