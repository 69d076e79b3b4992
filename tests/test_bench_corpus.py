"""The bench's corpora are sites the checks accept: a content rule the bench's pages do not
follow would make `make bench` time a build that publishes nothing (it did, once, when
medical pages came to need sources)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from conftest import REPO, TODAY, run_cli


def bench_module():
    spec = importlib.util.spec_from_file_location("bench", REPO / "scripts/bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("link_heavy", [False, True], ids=["plain", "link-heavy"])
def test_the_bench_corpus_passes_the_checks(tmp_path: Path, link_heavy: bool):
    tree = bench_module().write_tree(tmp_path / "source", 120, link_heavy=link_heavy)
    result = run_cli("check", "--source", str(tree), "--today", TODAY)
    assert result.returncode == 0 and "no errors" in result.stdout + result.stderr, result.stdout + result.stderr
