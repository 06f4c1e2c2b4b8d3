#!/usr/bin/env python3
"""htmlcheck.py: look inside the page `circleci-usage html` writes.

    htmlcheck.py self-contained FILE
        nothing refers to another file or host: no src, href, action or
        url() but data: and #fragments, no <link> but the data: icon, and a
        Content-Security-Policy that allows no request
    htmlcheck.py totals FILE REPORT_JSON WASTE_JSON
        the headline's exact total credits and jobs equal the report's
        totals, and its credits on failed runs equal those of the report
        filtered to the waste statuses
    htmlcheck.py table FILE ID CSV [KEYS]
        the sortable table ID lists the rows of the report's CSV in order:
        the first KEYS (default 1) columns' names and the exact credits
    htmlcheck.py text FILE TEXT
        TEXT is the text of an element (names escaped right come back whole)
    htmlcheck.py idtext FILE ID TEXT
        TEXT is the text of the element with id ID

Prints nothing and exits 0 when the check passes; else a reason, exit 1.
Python 3 standard library only.
"""

import csv
import json
import re
import sys
from decimal import Decimal
from html.parser import HTMLParser


def fail(msg):
    print(msg)
    sys.exit(1)


class Page(HTMLParser):
    """Every element with its attributes, and each one's own text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []      # [tag, attrs, text]
        self.stack = []
        self.raw_script = []

    def handle_starttag(self, tag, attrs):
        el = [tag, dict(attrs), ""]
        self.elements.append(el)
        if tag not in ("meta", "link", "input", "br", "img"):
            self.stack.append(el)

    def handle_startendtag(self, tag, attrs):
        self.elements.append([tag, dict(attrs), ""])

    def handle_endtag(self, tag):
        while self.stack:
            el = self.stack.pop()
            if el[0] == tag:
                break

    def handle_data(self, data):
        for el in self.stack:
            el[2] += data


def load(path):
    p = Page()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    p.close()
    return p


def check_self_contained(path):
    p = load(path)
    csp = [a.get("content", "") for t, a, _ in p.elements
           if t == "meta" and a.get("http-equiv", "").lower() ==
           "content-security-policy"]
    if not csp or "default-src 'none'" not in csp[0]:
        fail("no Content-Security-Policy with default-src 'none'")
    for tag, attrs, text in p.elements:
        for name in ("src", "href", "action", "srcset", "poster", "data",
                     "xlink:href", "formaction"):
            v = attrs.get(name)
            if v is not None and not (v.startswith("#") or
                                      v.startswith("data:")):
                fail("<%s %s=%r> refers elsewhere" % (tag, name, v))
        if tag in ("iframe", "object", "embed", "base", "form"):
            fail("<%s> in the page" % tag)
        if tag == "link" and attrs.get("href", "").startswith("data:") is \
                False:
            fail("<link> to another file")
        if tag == "style" and re.search(r"url\(|@import", text):
            fail("CSS that loads something: %r" % text[:80])


def find(p, el_id):
    for i, (tag, attrs, text) in enumerate(p.elements):
        if attrs.get("id") == el_id:
            return i
    fail("no element with id %r" % el_id)


def card_exact(p, el_id):
    i = find(p, el_id)
    for tag, attrs, text in p.elements[i:]:
        if "data-exact" in attrs:
            return Decimal(attrs["data-exact"])
    fail("card %s has no exact value" % el_id)


def check_totals(path, report_path, waste_path):
    p = load(path)
    with open(report_path) as f:
        rep = json.load(f, parse_float=Decimal, parse_int=Decimal)
    with open(waste_path) as f:
        waste = json.load(f, parse_float=Decimal, parse_int=Decimal)
    for card, want in (("h-credits", rep["totals"]["total_credits"]),
                       ("h-jobs", rep["totals"]["jobs"]),
                       ("h-waste", waste["totals"]["total_credits"]),
                       ("h-cost", rep["totals"]["cost_usd"])):
        got = card_exact(p, card)
        if got != Decimal(want):
            fail("%s: %s on the page, %s in the report" % (card, got, want))


def table_rows(p, table_id):
    """Each body row of the table as a list of (text, data-v) cells."""
    i = find(p, table_id)
    rows, row, in_body = [], None, False
    for tag, attrs, text in p.elements[i + 1:]:
        if tag == "table":
            break
        if tag == "tbody":
            in_body = True
        elif tag == "tfoot":
            break
        elif tag == "tr" and in_body:
            row = []
            rows.append(row)
        elif tag == "td" and row is not None:
            row.append((text, attrs.get("data-v")))
    return rows


def check_table(path, table_id, csv_path, nkeys):
    p = load(path)
    rows = table_rows(p, table_id)
    with open(csv_path, newline="") as f:
        want = list(csv.reader(f))
    head, want = want[0], [r for r in want[1:] if r[0] != "(other)"]
    credits = head.index("total_credits")
    if len(rows) != len(want):
        fail("%d rows on the page, %d in the report" % (len(rows),
                                                        len(want)))
    for got, w in zip(rows, want):
        names = [c[0] if c[0] != "(none)" else "" for c in got[:nkeys]]
        if names != w[:nkeys]:
            fail("row %r, report %r" % (names, w[:nkeys]))
        if Decimal(got[nkeys + 2][1]) != Decimal(w[credits]):
            fail("%s: %s credits, report %s" % (names, got[nkeys + 2][1],
                                                w[credits]))


def check_text(path, text):
    p = load(path)
    if not any(t == text for _, _, t in p.elements):
        fail("no element reads %r" % text)


def check_idtext(path, el_id, text):
    p = load(path)
    got = p.elements[find(p, el_id)][2]
    if got != text:
        fail("#%s reads %r, not %r" % (el_id, got, text))


def main():
    a = sys.argv[1:]
    if len(a) == 2 and a[0] == "self-contained":
        check_self_contained(a[1])
    elif len(a) == 4 and a[0] == "totals":
        check_totals(a[1], a[2], a[3])
    elif len(a) in (4, 5) and a[0] == "table":
        check_table(a[1], a[2], a[3], int(a[4]) if len(a) == 5 else 1)
    elif len(a) == 3 and a[0] == "text":
        check_text(a[1], a[2])
    elif len(a) == 4 and a[0] == "idtext":
        check_idtext(a[1], a[2], a[3])
    else:
        fail(__doc__)


if __name__ == "__main__":
    main()
