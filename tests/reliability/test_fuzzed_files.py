"""Issue 7: fuzzed experiment files are refused with a clear message and no other exception;
valid files round-trip exactly."""

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from initviz.errors import ExperimentError
from initviz.model.experiment import default_experiment, to_dict
from initviz.model.files import experiment_json, load_experiment, save_experiment

VALID = json.dumps(to_dict(default_experiment()))


def load_bytes(tmp_path, raw: bytes):
    path = tmp_path / "fuzz.json"
    path.write_bytes(raw)
    return load_experiment(str(path))


def refused_or_valid(tmp_path, raw: bytes) -> None:
    """Either a valid experiment, or ExperimentError with a message naming something."""
    try:
        load_bytes(tmp_path, raw)
    except ExperimentError as err:
        assert str(err).strip() and len(str(err)) < 2000


def mutations(seed: int) -> bytes:
    rng = random.Random(seed)
    text = VALID
    kind = seed % 8
    if kind == 0:  # truncated
        return text[: rng.randrange(len(text))].encode()
    if kind == 1:  # random bytes spliced in
        raw = bytearray(text.encode())
        for _ in range(rng.randint(1, 8)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return bytes(raw)
    if kind == 2:  # NaN / Infinity / huge literals in place of a number
        return text.replace("256", rng.choice(["NaN", "Infinity", "-Infinity", "1e999", "9" * 400]), 1).encode()
    if kind == 3:  # wrong types
        data = json.loads(text)
        target = rng.choice(["layers", "input", "seed", "dtype", "name"])
        data[target] = rng.choice([None, [], {}, "x", 3.5, True, [1, 2]])
        return json.dumps(data).encode()
    if kind == 4:  # deep nesting
        depth = rng.randint(100, 5000)
        return ("[" * depth + "]" * depth).encode()
    if kind == 5:  # unknown future version / unknown keys
        data = json.loads(text)
        data[rng.choice(["version", "mystery"])] = rng.choice([99, "2", -1, 3])
        return json.dumps(data).encode()
    if kind == 6:  # encodings
        return rng.choice([b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16"), text.encode("utf-16-le")])
    data = json.loads(text)  # a layer field broken
    layer = data["layers"][rng.randrange(len(data["layers"]))]
    layer[rng.choice(["units", "activation", "init", "bias"])] = rng.choice([0, -3, 1e12, "nope", {"name": 5}, None])
    return json.dumps(data).encode()


@pytest.mark.parametrize("block", range(10))
def test_five_hundred_mutated_files_are_refused_cleanly(tmp_path, block):
    for seed in range(block * 50, block * 50 + 50):
        refused_or_valid(tmp_path, mutations(seed))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
def test_random_bytes_are_refused_cleanly(tmp_path, raw):
    refused_or_valid(tmp_path, raw)


def test_a_ten_megabyte_file_is_refused_before_parsing(tmp_path):
    with pytest.raises(ExperimentError, match="at most"):
        load_bytes(tmp_path, b" " * (10 * 2**20) + VALID.encode())


def test_a_valid_file_round_trips_exactly(tmp_path):
    path = tmp_path / "exp.json"
    save_experiment(default_experiment(), str(path))
    again = load_experiment(str(path))
    assert again == default_experiment() and experiment_json(again) == path.read_text(encoding="utf-8")
