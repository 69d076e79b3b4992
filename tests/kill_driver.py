"""Run build.py's command line, killing the process (SIGKILL, no clean-up) right after a named
step of the publish code has run for the Nth time: `kill_driver.py STEP N build.py-args...`.
STEP is a function or method of sitegen.output (`exchange`, `Writer._save`). The product has no
switch for this: the driver wraps the step from outside, as a test's fault injection."""

from __future__ import annotations

import functools
import os
import runpy
import signal
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitegen import output  # noqa: E402

step, nth, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
owner_name, _, name = step.rpartition(".")
owner = getattr(output, owner_name) if owner_name else output
real = getattr(owner, name)
calls = [0]


@functools.wraps(real)
def then_die(*a, **k):
    result = real(*a, **k)
    calls[0] += 1
    if calls[0] == nth:
        os.kill(os.getpid(), signal.SIGKILL)
    return result


setattr(owner, name, then_die)
sys.argv = [str(REPO / "build.py"), *args]
runpy.run_path(str(REPO / "build.py"), run_name="__main__")
