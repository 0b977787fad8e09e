"""Small sweeps for the tests: nets of a few units, so every cell costs microseconds."""

import copy

BASE = {"name": "tiny", "seed": 3, "dtype": "float64", "input": {"features": 12, "batch": 24},
        "layers": [{"units": 10, "activation": "tanh", "init": "xavier_normal"},
                   {"units": 4, "activation": "tanh", "init": "xavier_normal"}]}


def tiny_spec(**changes):
    """A 2 × 2 × 2 sweep (init × depth × seed) over :data:`BASE`, with ``changes`` on top (None drops a key)."""
    spec = {"format": "initviz.sweep", "version": 1, "name": "tiny sweep", "experiment": copy.deepcopy(BASE),
            "grid": {"init": ["xavier_normal", "he_normal"], "depth": [2, 4]}, "seeds": [0, 1]}
    spec.update(copy.deepcopy(changes))
    return {k: v for k, v in spec.items() if v is not None}


def layers_for(depth, init, activation="tanh", width=10, last_units=4):
    """What the sweep's ``depth``/``init`` rules make of :data:`BASE`, written out by hand."""
    hidden = {"units": width, "activation": activation, "init": init}
    last = {"units": last_units, "activation": "tanh", "init": init}
    return [dict(hidden) for _ in range(depth - 1)] + [last]
