"""scratch.py: removing a suite's temporary directory, unless tests/e2e/run.sh
keeps it (CU_E2E_KEEP set): its secrets scan (leakscan.py) must see every
file every test wrote, and removes them all itself afterwards.  Python 3
standard library only.
"""

import os
import shutil


def rmtree(path):
    """shutil.rmtree(path, ignore_errors=True), unless CU_E2E_KEEP is set."""
    if not os.environ.get("CU_E2E_KEEP"):
        shutil.rmtree(path, ignore_errors=True)
