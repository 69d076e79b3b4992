"""Run build.py's command line with a fault at a named step of the generator:
`fault_driver.py STEP N FAULT build.py-args...`.

STEP is a function or method of a module of sitegen (`output.exchange`, `output.Writer._save`,
`search._run_pagefind`), N which call of it, and FAULT what happens then:

    kill     the process kills itself (SIGKILL, no clean-up) right after the call
    EACCES   the call raises that OSError instead of running (any errno name: ENOSPC, EXDEV)
    full     the call runs with a file system of 16 KB mounted on its last argument, a folder
             (run the driver under `unshare -rm`, which gives it a mount namespace of its own)

The product has no switch for this: the driver wraps the step from outside, as a test's fault
injection, and the build runs as `build.py` would."""

from __future__ import annotations

import errno
import functools
import importlib
import os
import runpy
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

step, nth, fault, args = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
module_name, *path = step.split(".")
owner = importlib.import_module(f"sitegen.{module_name}")
for name in path[:-1]:
    owner = getattr(owner, name)
real = getattr(owner, path[-1])
calls = [0]


@functools.wraps(real)
def faulty(*a, **k):
    calls[0] += 1
    if calls[0] != nth:
        return real(*a, **k)
    if fault == "kill":
        result = real(*a, **k)
        os.kill(os.getpid(), signal.SIGKILL)
        return result
    if fault == "full":
        folder = Path(a[-1])
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(folder)], check=True)
        return real(*a, **k)
    code = getattr(errno, fault)
    raise OSError(code, os.strerror(code), str(a[-1]) if a else step)


setattr(owner, path[-1], faulty)
sys.argv = [str(REPO / "build.py"), *args]
runpy.run_path(str(REPO / "build.py"), run_name="__main__")
