"""Training: the step against finite differences, optimizers against hand-computed updates, and
the papers' stories (He et al. 2015; Glorot & Bengio 2010) with fixed seeds."""

import ast
import dataclasses
import inspect
import json
import math

import numpy as np
import pytest

from initviz.engine import datasets, losses, network, optimizers, race, training
from initviz.errors import ExperimentError
from initviz.model import Component, Experiment, InputSpec, LayerSpec
from initviz.model.experiment import DataSpec, TrainingSpec

FAST = ()  # no per-layer summaries where a test does not read them


def stack(widths, activation, init, features=2, last="identity", loss="cross_entropy", dtype="float32", seed=0,
          bias="zeros"):
    """Dense layers of ``widths`` (the last one with activation ``last``), every layer ``init``;
    ``activation`` is one name for every hidden layer or a list of names, one per hidden layer."""
    hidden = activation if isinstance(activation, list) else [activation] * (len(widths) - 1)
    acts = hidden + [last]
    layers = tuple(LayerSpec(w, Component(a), Component(init), Component(bias)) for w, a in zip(widths, acts))
    return Experiment(layers=layers, input=InputSpec(features=features, batch=64), loss=loss, dtype=dtype, seed=seed)


def sgd(lr, steps, **changes):
    return TrainingSpec(optimizer="sgd", learning_rate=lr, steps=steps, **changes)


def hand_made(x, y, n_classes):
    return datasets.Dataset("hand-made", x, y, x[:4], y[:4], n_classes, "test data")


# --- losses ------------------------------------------------------------------------------------

def numerical_grad(f, a, h=1e-6):
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        old = a[idx]
        a[idx] = old + h
        up = f(a)
        a[idx] = old - h
        down = f(a)
        a[idx] = old
        g[idx] = (up - down) / (2 * h)
    return g


@pytest.mark.parametrize("name", ["mse", "cross_entropy"])
def test_loss_gradients_match_finite_differences(name):
    rng = np.random.default_rng(1)
    a = rng.normal(size=(5, 3)) * 3
    y = np.array([0, 2, 1, 1, 0])
    fn = losses.get(name).fn
    np.testing.assert_allclose(fn(a, y)[1], numerical_grad(lambda v: fn(v, y)[0], a.copy()), rtol=1e-6, atol=1e-9)


def test_cross_entropy_is_stable_and_matches_the_formula():
    a = np.array([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]])
    loss, da = losses.cross_entropy(a, np.array([0, 2]))
    assert loss == pytest.approx((0.0 + math.log(3)) / 2)  # -log softmax: 0 for a sure right answer, ln 3 for a tie
    np.testing.assert_allclose(da, [[0, 0, 0], [1 / 6, 1 / 6, -1 / 3]], atol=1e-15)
    assert losses.accuracy(np.array([[1.0, 2.0], [np.nan, 0.0]]), np.array([1, 1])) == 0.5  # NaN rows are wrong
    assert losses.chance_loss("cross_entropy", np.array([0, 1, 2, 0, 1, 2]), 3) == pytest.approx(math.log(3))


# --- one step against finite differences ------------------------------------------------------

@pytest.mark.parametrize("loss, n_classes", [("cross_entropy", 3), ("mse", None), ("mse", 3)])
def test_one_sgd_step_is_minus_lr_times_the_numerical_gradient(loss, n_classes):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 3))
    y = rng.integers(0, 3, 12) if n_classes else rng.normal(size=(12, 3))
    data = hand_made(x, y, n_classes)
    exp = stack([5, 4, 3], ["tanh", "sigmoid"], "xavier_normal", features=3, loss=loss, dtype="float64", bias="normal")
    lr = 0.1
    trainer = training.Trainer(exp, data, sgd(lr, 1, batch_size=64), FAST)  # batch > 12 rows: the whole set
    before = [(p.W.copy(), p.b.copy()) for p in trainer.params]

    def loss_of(params):
        return losses.get(loss).fn(network.forward(x, params)[1][-1], y)[0]

    expected = []
    for i, (W, b) in enumerate(before):
        def with_W(v, i=i):
            return loss_of([dataclasses.replace(p, W=v) if j == i else p for j, p in enumerate(trainer.params)])

        def with_b(v, i=i):
            return loss_of([dataclasses.replace(p, b=v) if j == i else p for j, p in enumerate(trainer.params)])
        expected.append((W - lr * numerical_grad(with_W, W.copy()), b - lr * numerical_grad(with_b, b.copy())))
    assert trainer.step(5) == 1 and trainer.done
    for (W_expected, b_expected), p in zip(expected, trainer.params):
        np.testing.assert_allclose(p.W, W_expected, rtol=1e-7, atol=1e-10)
        np.testing.assert_allclose(p.b, b_expected, rtol=1e-7, atol=1e-10)


def test_training_starts_from_the_drawn_network_and_never_writes_to_the_draw():
    data = datasets.load("blobs", n=60)
    exp = stack([8, 3], "relu", "he_normal")
    drawn = [network.draw_layer(exp, i) for i in range(2)]
    trainer = training.Trainer(exp, data, sgd(0.1, 3), FAST)
    for d, p in zip(drawn, trainer.params):
        np.testing.assert_array_equal(d.W, p.W)
        assert not np.shares_memory(d.W, p.W)
    trainer.step(3)
    np.testing.assert_array_equal(network.draw_layer(exp, 0).W, drawn[0].W)
    assert not np.array_equal(trainer.params[0].W, drawn[0].W)


# --- optimizers against hand-computed updates -------------------------------------------------

def one_param(value):
    return [network.LayerParameters(np.array([[value]]), np.array([0.0]), None, {})]


G1, G2 = 0.5, -1.0


def test_momentum_two_steps_by_hand():
    params, opt = one_param(1.0), optimizers.Momentum(0.1, momentum=0.9)
    opt.step(params, [(np.array([[G1]]), np.array([0.0]))])
    assert params[0].W[0, 0] == pytest.approx(1.0 - 0.1 * 0.5)  # v1 = g1 (torch starts the buffer at g1)
    opt.step(params, [(np.array([[G2]]), np.array([0.0]))])
    assert params[0].W[0, 0] == pytest.approx(0.95 - 0.1 * (0.9 * 0.5 - 1.0))  # v2 = 0.9·v1 + g2 = −0.55
    assert opt.last_updates[0][0][0, 0] == pytest.approx(0.055)


def test_adam_two_steps_by_hand():
    params, opt = one_param(1.0), optimizers.Adam(0.1, 0.9, 0.999, 1e-8)
    opt.step(params, [(np.array([[G1]]), np.array([0.0]))])
    # m1 = 0.05, v1 = 0.00025; m̂ = 0.5, v̂ = 0.25: the first step is lr·sign(g) (up to ε)
    w1 = 1.0 - 0.1 * 0.5 / (0.5 + 1e-8)
    assert params[0].W[0, 0] == pytest.approx(w1, abs=1e-15)
    opt.step(params, [(np.array([[G2]]), np.array([0.0]))])
    m2, v2 = 0.9 * 0.05 + 0.1 * -1.0, 0.999 * 0.00025 + 0.001 * 1.0  # −0.055, 0.00124975
    m_hat, v_hat = m2 / (1 - 0.9**2), v2 / (1 - 0.999**2)  # −0.28947…, 0.62519…
    assert params[0].W[0, 0] == pytest.approx(w1 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8), abs=1e-15)
    assert params[0].W[0, 0] == pytest.approx(0.9 + 0.036610, abs=1e-6)
    assert params[0].b[0] == 0.0  # zero gradient: m = v = 0, no move


def test_sgd_and_bad_optimizer_settings():
    params, opt = one_param(1.0), optimizers.SGD(0.5)
    opt.step(params, [(np.array([[G1]]), np.array([2.0]))])
    assert (params[0].W[0, 0], params[0].b[0]) == (0.75, -1.0)
    with pytest.raises(ExperimentError, match="training.optimizer.*allowed: sgd, momentum, adam"):
        optimizers.make(TrainingSpec(optimizer="rmsprop"))
    with pytest.raises(ExperimentError, match="training.learning_rate"):
        optimizers.make(TrainingSpec(learning_rate=-1.0))


# --- training runs -----------------------------------------------------------------------------

def test_loss_falls_on_an_easy_problem():
    data = datasets.load("blobs", n=400)
    history = training.train(stack([16, 3], "relu", "he_normal"), data, sgd(0.1, 150, snapshot_every=50))
    assert history.eval_steps.tolist() == [0, 50, 100, 150] and history.steps.tolist() == list(range(1, 151))
    assert history.eval_train_loss[-1] < 0.2 * history.eval_train_loss[0]
    assert history.train_acc[-1] > 0.9 and history.test_acc[-1] > 0.9  # measured: 97%, 92.5%
    assert history.diverged_at is None and np.all(history.distinct[:, 0] > 8)
    ratio = history.update_ratio
    assert np.isnan(ratio[0]).all() and np.all((ratio[1:] > 1e-5) & (ratio[1:] < 1e-1))  # no update before step 1


def test_pausing_and_resuming_gives_the_same_run():
    data = datasets.load("moons", n=200)
    exp, spec = stack([16, 16, 2], "tanh", "xavier_uniform"), TrainingSpec(optimizer="adam", learning_rate=0.01,
                                                                            steps=40, snapshot_every=10, batch_size=32)
    whole = training.train(exp, data, spec)
    trainer = training.Trainer(exp, data, spec)
    calls = []
    while not trainer.done:
        trainer.step(7, progress=lambda done, total: calls.append((done, total)))
    paused = trainer.history()
    np.testing.assert_array_equal(paused.train_loss, whole.train_loss)
    np.testing.assert_array_equal(paused.test_loss, whole.test_loss)
    assert paused.snapshots[-1][1]["weights"].stats == whole.snapshots[-1][1]["weights"].stats
    assert calls[-1] == (40, 40) and len(calls) == 40
    stop = iter([False] * 5 + [True])
    with pytest.raises(network.Cancelled):
        training.train(exp, data, spec, cancel=lambda: next(stop))


def test_epochs_count_batches_of_the_training_set():
    data = datasets.load("xor", n=100)  # 80 training rows, batches of 32: 3 a epoch (32, 32, 16)
    trainer = training.Trainer(stack([4, 2], "tanh", "lecun_normal"), data,
                               TrainingSpec(steps=None, epochs=2, batch_size=32), FAST)
    assert trainer.total_steps == 6
    seen = [trainer._next_batch() for _ in range(3)]
    assert [len(rows) for rows in seen] == [32, 32, 16]
    assert sorted(np.concatenate(seen).tolist()) == list(range(80))


def test_he_beats_xavier_on_a_30_layer_relu_net():
    """He et al. 2015: with 1/n variance (Xavier for equal fans) a 30-layer ReLU net's signal
    shrinks by 1/√2 a layer (2^-15 in all) and SGD stalls at chance; 2/n (He) trains."""
    data = datasets.load("xor", n=1000)
    exp = stack([32] * 29 + [2], "relu", "he_normal")
    result = race.race(exp, data, ["he_normal", "xavier_normal"], sgd(0.01, 200, snapshot_every=100),
                       snapshot_kinds=FAST)
    he, xavier = result.entries
    assert result.target_loss == pytest.approx(math.log(2) / 2)
    assert he.steps_to_target is not None and he.steps_to_target < 150 and he.status == "reached"
    assert he.final_train_loss < 0.3 and he.final_test_acc > 0.85  # measured: 0.22, 90%
    assert xavier.steps_to_target is None and xavier.stalled and xavier.status == "stalled"
    assert xavier.final_train_loss > 0.99 * math.log(2) and xavier.final_test_acc <= 0.55  # chance: ln 2, 50%


def test_xavier_and_lecun_train_a_deep_tanh_net_that_normal_cannot():
    """Glorot & Bengio 2010: N(0, 1) weights saturate a deep tanh net (σ_w² = 32 per layer);
    Xavier and LeCun keep the signal in tanh's linear range and train."""
    data = datasets.load("moons", n=1000)
    exp = stack([32] * 19 + [2], "tanh", "xavier_normal")
    result = race.race(exp, data, ["xavier_normal", "lecun_normal", "normal"], sgd(0.01, 300, snapshot_every=150),
                       snapshot_kinds=FAST)
    xavier, lecun, normal = result.entries
    for good in (xavier, lecun):
        assert good.final_train_loss < 0.15 and good.final_test_acc > 0.95  # measured: 0.07 and 0.03; 98%, 100%
        assert good.steps_to_target is not None
    assert normal.final_train_loss > 0.6 and normal.final_test_acc < 0.6  # measured: 0.693 (chance), 50%
    assert normal.steps_to_target is None


def test_constant_init_keeps_every_hidden_layer_one_neuron():
    """Every unit of a constant layer computes the same and gets the same gradient: training
    never tells them apart (the output layer's units differ: each class has its own target)."""
    data = datasets.load("moons", n=300)
    exp = race.with_init(stack([16, 16, 16, 2], "tanh", "xavier_normal"), "constant", {"value": 0.2})
    spec = TrainingSpec(optimizer="adam", learning_rate=0.01, steps=200, snapshot_every=20)
    history = training.train(exp, data, spec)
    assert history.distinct.shape == (11, 4)
    assert np.all(history.distinct[:, :3] == 1)
    assert history.eval_train_loss[-1] < history.eval_train_loss[0] - 0.05  # it did train (as one neuron a layer)
    w = history.snapshots[-1][1]["weights"].stats
    assert w["std"] > 0  # the weights moved off the constant, but identically for every unit
    random = training.train(stack([16, 16, 16, 2], "tanh", "xavier_normal"), data, sgd(0.05, 20), FAST)
    assert np.all(random.distinct[:, :3] == 16)


def test_a_diverging_run_is_flagged_not_crashed():
    data = datasets.load("blobs", n=200)
    exp = stack([32, 32, 32, 3], "relu", "he_normal")
    history = training.train(exp, data, sgd(1e4, 100, snapshot_every=10))  # RuntimeWarnings fail the suite
    assert history.diverged and 1 <= history.diverged_at < 100
    assert not math.isfinite(history.train_loss[-1]) and len(history.train_loss) == history.diverged_at
    assert np.isfinite(history.train_loss[:-1]).all()
    assert history.eval_steps[-1] == history.diverged_at - 1  # the network the NaN loss came from
    doc = json.loads(json.dumps(history.to_dict(), allow_nan=False))
    assert doc["diverged_at"] == history.diverged_at and doc["train_loss"][-1] is None
    entry = race.entry_of("huge", {"name": "he_normal"}, history, 0.5)
    assert entry.diverged and entry.status == "diverged" and not entry.stalled


# --- records, grids, errors ----------------------------------------------------------------------

def test_history_npz_and_json_hold_every_layer_over_time(tmp_path):
    data = datasets.load("xor", n=100)
    history = training.train(stack([8, 2], "relu", "he_normal"), data, sgd(0.1, 20, snapshot_every=10))
    path = tmp_path / "history.npz"
    history.to_npz(path)
    with np.load(path) as npz:
        np.testing.assert_array_equal(npz["train_loss"], history.train_loss)
        assert npz["weights_std"].shape == (3, 2) and npz["activations_counts"].shape == (3, 2, 64)
        assert npz["activation_grads_edges"].shape == (3, 2, 65) and int(npz["diverged_at"]) == -1
        assert npz["weights_std"][2, 0] == history.snapshots[2][0]["weights"].stats["std"]
    assert [p.name for p in tmp_path.iterdir()] == ["history.npz"]  # no temporary file left behind
    doc = history.to_dict(histograms=True)
    assert [e["step"] for e in doc["evaluations"]] == [0, 10, 20]
    assert set(doc["evaluations"][1]["layers"][0]) == {"update_ratio", "distinct", "weights", "activations",
                                                        "activation_grads"}
    assert len(doc["evaluations"][0]["layers"][1]["activations"]["counts"]) == 64
    with pytest.raises(ExperimentError, match="cannot write"):
        history.to_npz(tmp_path / "missing" / "h.npz")


def test_decision_grid_gives_class_probabilities_on_the_plane():
    data = datasets.load("blobs", n=200)
    trainer = training.Trainer(stack([16, 3], "relu", "he_normal"), data, sgd(0.1, 50), FAST)
    trainer.step(50)
    x_range, y_range = training.data_extent(data)
    grid = training.decision_grid(trainer, x_range, y_range, resolution=40)
    assert grid.scores.shape == (40, 40, 3) and grid.predicted.shape == (40, 40)
    np.testing.assert_allclose(grid.scores.sum(axis=-1), 1.0, rtol=1e-5)
    point = np.array([[grid.xs[7], grid.ys[30]]], dtype=np.float32)
    assert grid.predicted[30, 7] == np.argmax(network.forward(point, trainer.params)[1][-1])
    assert set(np.unique(grid.predicted)) == {0, 1, 2}  # three blobs, three regions
    five = datasets.load("blobs", {"features": 5}, n=50)
    wide = training.Trainer(stack([4, 3], "relu", "he_normal", features=5), five, sgd(0.1, 1), FAST)
    with pytest.raises(ExperimentError, match="2 input features"):
        training.decision_grid(wide, (0, 1), (0, 1))


def test_mismatched_network_and_data_are_named():
    data = datasets.load("xor", n=50)
    with pytest.raises(ExperimentError, match=r"input.features: got 3; the data set 'xor' has 2"):
        training.Trainer(stack([4, 2], "relu", "he_normal", features=3), data, sgd(0.1, 1))
    with pytest.raises(ExperimentError, match=r"layers\[1\].units: got 3; .* 2 classes"):
        training.Trainer(stack([4, 3], "relu", "he_normal"), data, sgd(0.1, 1))
    teacher = datasets.load("teacher", {"features": 2}, n=50)
    with pytest.raises(ExperimentError, match="cross_entropy needs class labels"):
        training.Trainer(stack([4, 1], "relu", "he_normal"), teacher, sgd(0.1, 1))
    with pytest.raises(ExperimentError, match="training.batch_size"):
        training.Trainer(stack([4, 2], "relu", "he_normal"), data, sgd(0.1, 1, batch_size=0))
    with pytest.raises(ExperimentError, match="^data: missing"):
        training.load_dataset(stack([4, 2], "relu", "he_normal"))
    exp = dataclasses.replace(stack([4, 2], "relu", "he_normal"), data=DataSpec("xor", n=50, seed=3))
    np.testing.assert_array_equal(training.load_dataset(exp).x_train, datasets.load("xor", n=50, seed=3).x_train)


def test_a_regression_trains_with_mse():
    data = datasets.load("teacher", {"features": 4, "outputs": 2}, n=300)
    history = training.train(stack([32, 2], "tanh", "xavier_normal", features=4, loss="mse"), data,
                             TrainingSpec(optimizer="adam", learning_rate=0.01, steps=150, snapshot_every=50))
    assert history.test_loss[-1] < 0.3 * history.test_loss[0]
    assert np.isnan(history.train_acc).all() and history.to_dict()["evaluations"][0]["test_acc"] is None


# --- the race ----------------------------------------------------------------------------------

def test_race_helpers():
    assert race.parse_schemes("zeros, normal(std=0.01,mean=0),kaiming_normal(mode=fan_out,nonlinearity=relu)") == [
        {"name": "zeros"}, {"name": "normal", "std": 0.01, "mean": 0},
        {"name": "kaiming_normal", "mode": "fan_out", "nonlinearity": "relu"}]
    with pytest.raises(ExperimentError, match=r"schemes\[1\]"):
        race.parse_schemes("zeros,normal(std=0.01")
    with pytest.raises(ExperimentError, match=r"schemes\[0\]: unknown init scheme 'nope'"):
        race.scheme_parts("nope", "schemes[0]")
    exp = stack([4, 2], "relu", "he_normal", bias="normal")
    variant = race.with_init(exp, "normal", {"std": 0.01})
    assert [layer.init for layer in variant.layers] == [Component("normal", (("std", 0.01),))] * 2
    assert [layer.bias for layer in variant.layers] == [layer.bias for layer in exp.layers]
    assert race.label("normal", {"std": 0.01}) == "normal(std=0.01)"
    loss = np.array([1.0] * 10 + [0.2] * 10)
    assert race.steps_to(loss, 0.5) == 17  # trailing mean of 10 steps: 0.52 at step 16, (3·1 + 7·0.2)/10 = 0.44 at 17
    assert not race.is_stalled(np.linspace(1, 0.5, 40)) and race.is_stalled(np.full(40, 0.69))


@pytest.mark.parametrize("module", [losses, optimizers, training, race])
def test_training_modules_import_only_the_engine(module):
    tree = ast.parse(inspect.getsource(module))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {m for m in imported if m.startswith(("initviz.model", "initviz.ui", "PySide6", "pyqtgraph"))}
