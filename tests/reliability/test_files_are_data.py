"""Issue 7, security: files are data only — no pickle, no eval/exec of file content, and every
.npz the app writes loads with allow_pickle=False."""

import ast
from pathlib import Path

import numpy as np

from initviz.cli import main

PACKAGE = Path(__file__).parents[2] / "initviz"


def test_no_pickle_eval_or_exec_anywhere_in_the_package():
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not any(n.split(".")[0] in ("pickle", "shelve", "marshal", "dill") for n in names), path
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("eval", "exec", "compile", "__import__"), f"{path}:{node.lineno}"
            if isinstance(node, ast.keyword) and node.arg == "allow_pickle":
                assert isinstance(node.value, ast.Constant) and node.value.value is False, f"{path}:{node.lineno}"


def test_dumps_load_without_pickle(tmp_path, capsys):
    out = tmp_path / "run.npz"
    assert main(["dump", "-o", str(out)]) == 0
    with np.load(out, allow_pickle=False) as data:
        assert "W0" in data and data["W0"].dtype == np.float32


def test_training_histories_load_without_pickle(tmp_path, capsys):
    example = Path(__file__).parents[2] / "resources" / "examples" / "spirals_deep_relu_he.json"
    out = tmp_path / "history.npz"
    assert main(["train", str(example), "--steps", "5", "-o", str(out)]) == 0
    with np.load(out, allow_pickle=False) as data:
        assert len(data.files) > 3
