"""tally.py: the pass/fail count of a Python suite, one PASS or FAIL line
per check and the closing "N passed, M failed" that tests/e2e/run.sh adds
up.  A failure shows its first five reasons, on one line, at most 800
characters."""


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
