"""The search index: Pagefind over the rendered pages, as a build step after rendering."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .problems import Problems


def index_site(site: Path, problems: Problems) -> None:
    """Write Pagefind's index into site/pagefind/; a failure is reported, never a traceback."""
    command = [sys.executable, "-m", "pagefind_bin", "--site", str(site), "--output-subdir", "pagefind", "--quiet"]
    try:
        run = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as err:
        problems.error("search", 1, "pagefind", f"could not run Pagefind ({err}); run `make site` to install it, or build with --no-search")
        return
    if run.returncode != 0:
        detail = (run.stderr or run.stdout).strip().splitlines()
        problems.error(
            "search",
            1,
            "pagefind",
            f"the search index failed ({detail[-1] if detail else run.returncode}); build with --no-search to skip it",
        )
