#!/usr/bin/env python3
"""readme.py --bin BIN: the README's shown outputs are what the tool prints.

Regenerates the README's sample export with the generator command the
README gives, runs every `$ circleci-usage ...` example on it whose output
the README shows, and compares the output.  (Examples on other data are
illustrative.)  Prints PASS/FAIL lines and
`N passed, M failed`.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile

import scratch  # keeps files and outputs for run.sh's secrets scan

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    gen = re.search(r"(python3 tests/gen/genexport.py -o build/sample[^`]*?)"
                    r"\n```", text, re.S)
    examples = re.findall(r"```\n\$ (circleci-usage [^\n]*)\n(.*?)```", text,
                          re.S)
    passed = failed = 0
    tmp = tempfile.mkdtemp(prefix="cu-readme-")
    try:
        if gen is None or not examples:
            print("FAIL README: no sample command or no examples")
            failed += 1
        else:
            cmd = shlex.split(gen.group(1).replace("\\\n", " "))
            cmd[cmd.index("build/sample")] = os.path.join(tmp, "sample")
            cmd[0] = sys.executable
            cmd[1] = os.path.join(ROOT, cmd[1])
            subprocess.run(cmd + ["--procs", "2"], check=True,
                           capture_output=True)
            for line, want in examples:
                if "build/sample" not in line:
                    continue	# shown on other data: illustrative
                args = shlex.split(line)[1:]
                args = [os.path.join(tmp, "sample") if x == "build/sample"
                        else x for x in args]
                r = subprocess.run([os.path.abspath(a.bin)] + args,
                                   capture_output=True,
                                   env=dict(os.environ, LC_ALL="C"))
                got = (r.stdout + r.stderr).decode("utf-8", "replace")
                if got.strip() == want.strip():
                    passed += 1
                    print("PASS README example: %s" % line)
                else:
                    failed += 1
                    print("FAIL README example: %s: output differs" % line)
    finally:
        scratch.rmtree(tmp)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
