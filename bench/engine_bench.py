"""Engine figures: forward+backward ÷ its GEMMs, ÷ PyTorch, statistics ÷ simulation, peak memory.

Each figure is a ratio of medians measured in one run (these machines are shared and noisy).
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from typing import Any, Callable

import numpy as np

from initviz.engine import network, stats
from initviz.model.experiment import Component, InputSpec, LayerSpec, Experiment

SHAPES = ((10, 256, 512), (50, 512, 256), (100, 128, 1024))  # (depth, width, batch)
ACTIVATIONS = ("relu", "tanh", "sigmoid", "gelu")
SHOWN_KINDS = ("weights", "activations", "activation_grads")  # the app's default columns
INITS = {"relu": "he_normal", "tanh": "xavier_uniform", "sigmoid": "xavier_uniform", "gelu": "he_normal"}


def median_ms(fn: Callable[[], Any], repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def experiment(depth: int, width: int, batch: int, activation: str, dtype: str) -> Experiment:
    layer = LayerSpec(width, Component(activation), Component(INITS[activation]))
    return Experiment(layers=(layer,) * depth, name="bench", dtype=dtype, input=InputSpec(width, batch))


def gemm_only(x: np.ndarray, params: list[network.LayerParameters], zs: list[np.ndarray],
              acts: list[np.ndarray], dzs: list[np.ndarray]) -> None:
    """The same matrix products a forward+backward pass does, and nothing else."""
    for i, p in enumerate(params):
        a_prev = x if i == 0 else acts[i - 1]
        a_prev @ p.W
        a_prev.T @ dzs[i]
        if i:
            dzs[i] @ p.W.T


def forward_backward(exp: Experiment, x: np.ndarray, t: np.ndarray, params: list) -> list:
    with np.errstate(all="ignore"):
        zs, acts = network.forward(x, params)
        diff = acts[-1] - t
        return network.backward(x, params, zs, acts, (2.0 / diff.size) * diff)


def engine_rows(repeats: int) -> list[dict[str, Any]]:
    rows = []
    for depth, width, batch in SHAPES:
        for dtype in ("float32", "float64"):
            for act in ACTIVATIONS:
                exp = experiment(depth, width, batch, act, dtype)
                x, t = network.draw_input(exp), network.draw_targets(exp)
                params = [network.draw_layer(exp, i) for i in range(depth)]
                layers = forward_backward(exp, x, t, params)
                zs, acts, dzs = [l.z for l in layers], [l.a for l in layers], [l.dz for l in layers]
                fb = median_ms(lambda: forward_backward(exp, x, t, params), repeats)
                gemm = median_ms(lambda: gemm_only(x, params, zs, acts, dzs), repeats)
                result = network.simulate(exp)
                st = median_ms(lambda: stats.result_summaries(result), max(3, repeats // 2))
                shown = median_ms(lambda: stats.result_summaries(result, SHOWN_KINDS), max(3, repeats // 2))
                rows.append({"depth": depth, "width": width, "batch": batch, "dtype": dtype, "activation": act,
                             "fwd_bwd_ms": fb, "gemm_ms": gemm, "fwd_bwd_over_gemm": fb / gemm,
                             "stats_ms": st, "stats_over_fwd_bwd": st / fb,
                             "stats_shown_over_fwd_bwd": shown / fb})
    return rows


def peak_memory_rows() -> list[dict[str, Any]]:
    rows = []
    for depth, width, batch in SHAPES[1:]:
        exp = experiment(depth, width, batch, "tanh", "float32")
        tracemalloc.start()
        result = network.simulate(exp)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        held = result.x.nbytes + result.t.nbytes + sum(
            getattr(l, n).nbytes for l in result.layers for n in ("W", "b", "z", "a", "da", "dz", "dW", "db"))
        rows.append({"depth": depth, "width": width, "batch": batch, "peak_mib": peak / 2**20,
                     "result_mib": held / 2**20, "peak_over_result": peak / held,
                     "estimate_mib": network.check_memory(exp) / 2**20})
        del result
    return rows


def torch_rows(repeats: int) -> list[dict[str, Any]] | None:
    """Whole simulation (weights drawn, forward, backward) in initviz vs torch autograd."""
    try:
        import torch
    except ImportError:
        return None
    rows = []
    for depth, width, batch in SHAPES:
        for act in ACTIVATIONS:
            exp = experiment(depth, width, batch, act, "float32")
            ours = median_ms(lambda: network.simulate(exp), repeats)
            fn = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
                  "gelu": torch.nn.functional.gelu}[act]

            def torch_sim() -> None:
                x = torch.randn(batch, width)
                t = torch.randn(batch, width)
                layers = []
                for _ in range(depth):
                    w = torch.empty(width, width, requires_grad=True)
                    with torch.no_grad():
                        if INITS[act] == "he_normal":
                            torch.nn.init.kaiming_normal_(w, nonlinearity="relu")
                        else:
                            torch.nn.init.xavier_uniform_(w)
                    b = torch.zeros(width, requires_grad=True)
                    layers.append((w, b))
                a = x
                for w, b in layers:
                    a = fn(torch.addmm(b, a, w.T))
                torch.nn.functional.mse_loss(a, t).backward()
            time.sleep(0.5)  # let OpenBLAS threads go idle before OpenMP's start (FACTS.md)
            theirs = median_ms(torch_sim, repeats)
            time.sleep(0.5)
            rows.append({"depth": depth, "width": width, "batch": batch, "activation": act,
                         "initviz_ms": ours, "torch_ms": theirs, "initviz_over_torch": ours / theirs})
    return rows
