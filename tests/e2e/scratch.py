"""scratch.py: what tests/e2e/run.sh's secrets scan (leakscan.py) needs of
a Python suite, which must see every file and output every test wrote.
When run.sh runs the suite (CU_E2E_KEEP set):
  * rmtree(path) keeps the suite's temporary directory (run.sh removes the
    scratch directory holding them all after the scan);
  * importing this module makes subprocess.run also append the stdout and
    stderr it captures to TMPDIR/outputs.PID, in that scratch directory.
Otherwise both are what they were.  Python 3 standard library only.
"""

import os
import shutil
import subprocess
import tempfile
import threading

KEEP = bool(os.environ.get("CU_E2E_KEEP"))


def rmtree(path):
    """shutil.rmtree(path, ignore_errors=True), unless CU_E2E_KEEP is set."""
    if not KEEP:
        shutil.rmtree(path, ignore_errors=True)


def _recording(run):
    lock = threading.Lock()
    path = os.path.join(tempfile.gettempdir(), "outputs.%d" % os.getpid())

    def recorded_run(*args, **kwargs):
        r = run(*args, **kwargs)
        with lock, open(path, "ab") as f:
            for out in (r.stdout, r.stderr):
                if isinstance(out, str):
                    out = out.encode("utf-8", "surrogateescape")
                if out:
                    f.write(out)
        return r
    return recorded_run


if KEEP and not hasattr(subprocess.run, "scratch_recorded"):
    subprocess.run = _recording(subprocess.run)
    subprocess.run.scratch_recorded = True
