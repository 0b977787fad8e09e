"""The allocator tuning the app and CLI apply at start-up."""

import platform

import pytest

from initviz.engine.memory import tune_allocator


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibc_accepts_the_allocator_thresholds():
    assert tune_allocator() is True


def test_cli_tunes_the_allocator_once_at_start(monkeypatch, capsys):
    from initviz import cli
    calls = []
    monkeypatch.setattr(cli, "tune_allocator", lambda: calls.append(1) or True)
    assert cli.main(["stats", "--json"]) == 0
    assert calls == [1]
