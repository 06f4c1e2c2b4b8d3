"""tally.py: the pass/fail count of a Python suite, one PASS or FAIL line
per check and the closing "N passed, M failed" that tests/e2e/run.sh adds
up.  A failure shows its first five reasons, on one line, at most 800
characters.  main() is the whole of a suite's command line."""
import argparse
import os
import tempfile

import scratch


class Suite:
    def __init__(self):
        self.passed = self.failed = 0

    def ok(self, name):
        self.passed += 1
        print("PASS %s" % name, flush=True)

    def ko(self, name, why):
        self.failed += 1
        why = str(why).replace("\n", " | ")
        if len(why) > 800:
            why = why[:800] + "..."
        print("FAIL %s: %s" % (name, why), flush=True)

    def check(self, name, errors):
        if not errors:
            self.ok(name)
            return
        why = "; ".join(str(e) for e in errors[:5])
        if len(errors) > 5:
            why += " (+%d more)" % (len(errors) - 5)
        self.ko(name, why)

    def summary(self):
        print("%d passed, %d failed" % (self.passed, self.failed))


def main(name, parts):
    """A suite's main: `--bin BIN [--quick]`, a scratch directory, each of
    parts(suite, binary, tmp, quick) in turn (one that raises is one failed
    check, named after it, and the next still runs), the directory kept
    when something failed, then the count.  Returns the exit code."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    suite = Suite()
    tmp = tempfile.mkdtemp(prefix="cu-%s." % name)
    try:
        for part in parts:
            try:
                part(suite, binary, tmp, a.quick)
            except Exception as e:  # a crash is one failed check
                suite.check(part.__name__, [repr(e)])
    finally:
        if suite.failed:
            print("temp files kept in %s" % tmp)
        else:
            scratch.rmtree(tmp)
    suite.summary()
    return 1 if suite.failed else 0
