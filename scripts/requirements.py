"""Print the pinned requirements from pyproject.toml, one a line: runtime, plus test with --test."""

import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
wanted = list(project["dependencies"])
if "--test" in sys.argv:
    wanted += project["optional-dependencies"]["test"]
print("\n".join(wanted))
