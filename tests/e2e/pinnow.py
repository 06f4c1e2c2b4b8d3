"""pinnow.py: the tests' pinned "now" (tests/README.md).

Importing this module reads $CIRCLECI_USAGE_NOW (YYYY-MM-DD, meaning
00:00:00Z, or RFC 3339 as the tool takes it: `2026-12-04T12:00:00Z`,
`...T13:00:00.5+01:00`), or takes NOW_DEFAULT when it is unset or empty,
and puts it back in the environment in one spelling, RFC 3339 in UTC
(`2026-12-04T12:00:00Z`), so that the tool and the test double a suite
starts see the same instant as the suite.  A malformed value ends the
suite at once (exit 2): a typo must not quietly test the wall clock.

    NOW       the pinned instant, a naive datetime in UTC
    NOW_RFC   the same as RFC 3339 (what the environment now holds)
    day(n)    the UTC date n days after NOW's, YYYY-MM-DD

`python3 pinnow.py N` prints day(N), for the shell suites.  Python 3 standard library only.
"""

import datetime as dt
import os
import re
import sys

ENV = "CIRCLECI_USAGE_NOW"
# the date every suite runs at unless told otherwise; `make check-dates`
# runs the date-sensitive suites at other ones (tests/check-dates.sh)
NOW_DEFAULT = "2026-12-04T12:00:00Z"

_RFC = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d):(\d\d)"
                  r"(?:\.(\d+))?(Z|[+-]\d\d:\d\d))?\Z")


def parse(s):
    """YYYY-MM-DD or RFC 3339 -> naive UTC datetime, or None."""
    m = _RFC.match(s or "")
    if not m:
        return None
    y, mo, d = (int(x) for x in m.group(1, 2, 3))
    try:
        if m.group(4) is None:
            return dt.datetime(y, mo, d)
        t = dt.datetime(y, mo, d, int(m.group(4)), int(m.group(5)),
                        int(m.group(6)),
                        int(((m.group(7) or "") + "000000")[:6]))
    except ValueError:
        return None
    tz = m.group(8)
    if tz != "Z":
        off = dt.timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
        t = t - off if tz[0] == "+" else t + off
    return t


def rfc(t):
    """naive UTC datetime -> RFC 3339, `.ffffff` only when not zero."""
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        s += (".%06d" % t.microsecond).rstrip("0")
    return s + "Z"


_raw = os.environ.get(ENV) or NOW_DEFAULT
NOW = parse(_raw)
if NOW is None:
    sys.stderr.write("%s '%s': expected YYYY-MM-DD or an RFC 3339 time "
                     "(2026-12-04T12:00:00Z)\n" % (ENV, _raw))
    sys.exit(2)
NOW_RFC = rfc(NOW)
os.environ[ENV] = NOW_RFC


def day(n):
    """The UTC date n days after the pinned now's, YYYY-MM-DD."""
    return (NOW.date() + dt.timedelta(days=n)).isoformat()


if __name__ == "__main__":
    print(day(int(sys.argv[1])) if len(sys.argv) > 1 else NOW_RFC)
