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
def test_freezing_start_up_objects_leaves_later_cycles_collectable():
    import gc
    import weakref

    from initviz.engine.memory import freeze_startup_objects

    class Node:
        pass
    try:
        frozen = freeze_startup_objects()
        assert frozen == gc.get_freeze_count() > 1000  # the interpreter's and pytest's objects at least
        node = Node()
        node.me = node  # a cycle made after the freeze
        alive = weakref.ref(node)
        del node
        gc.collect()
        assert alive() is None
    finally:
        gc.unfreeze()
