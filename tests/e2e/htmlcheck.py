#!/usr/bin/env python3
"""htmlcheck.py: look inside the page `circleci-usage html` writes.

    htmlcheck.py self-contained FILE [DIR]
        nothing refers to another file or host: no src, href, action or
        url() but data: and #fragments, no <link> but the data: icon, and a
        Content-Security-Policy that allows no request; with DIR (a run
        directory's page), <a href> may name a file of DIR, and every file
        of DIR but the page itself is linked
    htmlcheck.py change FILE ID PREV_CSV CUR_CSV [KEYS]
        the table ID's previous, change and change % columns: each row's
        previous credits are PREV_CSV's for its keys (0 and "new" when it
        has none), its change is credits less previous, its change % that
        over previous rounded half away from zero to 2 decimals; its
        credits are CUR_CSV's
    htmlcheck.py fold FILE ID
        the table ID shows its first 10 body rows, the rest (class x) one
        click away (a button naming how many), when it has more than 12
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
    htmlcheck.py budgets FILE BUDGETS_CSV
        the budgets table (t-budgets) is budgets.csv, row for row: name,
        scope, period and its dates, the exact amount, spent, used %,
        projected and projected %, runs out and status; each row's bar is
        drawn to those figures (spent's width, the projection's line, the
        100% line, on the scale the rule gives) and its highest threshold
        tick at or under used % is the CSV's threshold
    htmlcheck.py anomalies FILE ANOMALIES_CSV
        the anomalies table (t-anomalies) is anomalies.csv, row for row,
        every figure exact; the chart of days has one mark (in its wide
        and its phone drawing) per day with a spike or a new group, its
        value their excess summed and its tooltip naming each, with its
        excess in credits and dollars, in the CSV's order; no other mark
    htmlcheck.py none FILE ID...
        the page has no element with any of these ids

Prints nothing and exits 0 when the check passes; else a reason, exit 1.
Python 3 standard library only.
"""

import csv
import json
import os
import re
import sys
from decimal import ROUND_HALF_UP, Decimal, localcontext
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


def linked_file(tag, name, v, files):
    """An <a href> to a file of the run directory (files: its names)."""
    return (files is not None and tag == "a" and name == "href" and
            v in files)


def check_self_contained(path, run_dir=None):
    p = load(path)
    files = None
    if run_dir is not None:
        files = set(n for n in os.listdir(run_dir)
                    if os.path.isfile(os.path.join(run_dir, n)))
        linked = set(a.get("href") for t, a, _ in p.elements if t == "a")
        missing = files - linked - {os.path.basename(path)}
        if missing:
            fail("files of the run directory not linked: %s" %
                 ", ".join(sorted(missing)))
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
                                      v.startswith("data:") or
                                      linked_file(tag, name, v, files)):
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


def table_heads(p, table_id):
    """The column heads of the table, in order."""
    i = find(p, table_id)
    heads = []
    for tag, attrs, text in p.elements[i + 1:]:
        if tag == "th":
            heads.append(text)
        elif tag == "tbody":
            return heads
    fail("table %s has no body" % table_id)


def column(p, table_id, name):
    heads = table_heads(p, table_id)
    if name not in heads:
        fail("table %s has no column %r: %r" % (table_id, name, heads))
    return heads.index(name)


def read_report(csv_path, nkeys):
    """A report's CSV: {keys: total_credits}, rows in order."""
    with open(csv_path, newline="") as f:
        want = list(csv.reader(f))
    head, want = want[0], [r for r in want[1:] if r[0] != "(other)"]
    credits = head.index("total_credits")
    return [(tuple(r[:nkeys]), Decimal(r[credits])) for r in want]


def row_names(row, nkeys):
    return tuple(c[0] if c[0] != "(none)" else "" for c in row[:nkeys])


def check_table(path, table_id, csv_path, nkeys):
    p = load(path)
    rows = table_rows(p, table_id)
    credits = column(p, table_id, "credits")
    want = read_report(csv_path, nkeys)
    if len(rows) != len(want):
        fail("%d rows on the page, %d in the report" % (len(rows),
                                                        len(want)))
    for got, (keys, w) in zip(rows, want):
        names = row_names(got, nkeys)
        if names != keys:
            fail("row %r, report %r" % (names, keys))
        if Decimal(got[credits][1]) != w:
            fail("%s: %s credits, report %s" % (names, got[credits][1], w))


def pct(change, prev):
    """100 * change / prev to 2 decimals, half away from zero."""
    with localcontext() as ctx:
        ctx.prec = 60
        return (change * 100 / prev).quantize(Decimal("0.01"),
                                              rounding=ROUND_HALF_UP)


def check_change(path, table_id, prev_csv, cur_csv, nkeys):
    p = load(path)
    rows = table_rows(p, table_id)
    c = {n: column(p, table_id, n) for n in ("credits", "previous",
                                             "change", "change %")}
    prev = dict(read_report(prev_csv, nkeys))
    cur = dict(read_report(cur_csv, nkeys))
    if not rows:
        fail("table %s has no rows" % table_id)
    for got in rows:
        keys = row_names(got, nkeys)
        credits = Decimal(got[c["credits"]][1])
        before = Decimal(got[c["previous"]][1])
        change = Decimal(got[c["change"]][1])
        if credits != cur.get(keys):
            fail("%s: %s credits, report %s" % (keys, credits,
                                                 cur.get(keys)))
        if before != prev.get(keys, Decimal(0)):
            fail("%s: previous %s, the previous report %s" % (
                keys, before, prev.get(keys)))
        if change != credits - before:
            fail("%s: change %s, not %s" % (keys, change, credits - before))
        shown = got[c["change %"]][0]
        if keys not in prev:
            if shown != "new":
                fail("%s: not in the previous period, but %r" % (keys,
                                                                 shown))
        elif before != 0:
            want = pct(change, before)
            text = ("+" if want > 0 else "") + "{:,}".format(want) + "%"
            if shown != text:
                fail("%s: change %% %r, not %r" % (keys, shown, text))


def check_fold(path, table_id):
    p = load(path)
    i = find(p, table_id)
    rows = []
    for tag, attrs, text in p.elements[i + 1:]:
        if tag in ("tfoot", "table"):
            break
        if tag == "tr":
            rows.append("x" in attrs.get("class", "").split())
    body = rows[1:]     # the head's row first
    folded = len(body) > 12
    if folded != ("data-fold" in p.elements[i][1]):
        fail("%d rows: data-fold %r" % (len(body),
                                        p.elements[i][1].get("data-fold")))
    want = [folded and k >= 10 for k in range(len(body))]
    if body != want:
        fail("%d rows, folded %r" % (len(body), body))
    buttons = [(a, t) for tag, a, t in p.elements
               if tag == "button" and a.get("data-for") == table_id]
    if folded and (len(buttons) != 1 or buttons[0][1] !=
                   "Show all {:,} rows".format(len(body))):
        fail("button %r" % buttons)
    if not folded and buttons:
        fail("a button for %d rows" % len(body))


def check_text(path, text):
    p = load(path)
    if not any(t == text for _, _, t in p.elements):
        fail("no element reads %r" % text)


def check_idtext(path, el_id, text):
    p = load(path)
    got = p.elements[find(p, el_id)][2]
    if got != text:
        fail("#%s reads %r, not %r" % (el_id, got, text))


def money(v):
    """A Decimal as the page shows it: 2 places, half away from zero,
    thousands separators."""
    return "{:,}".format(Decimal(v).quantize(Decimal("0.01"),
                                             rounding=ROUND_HALF_UP))


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def same(a, b):
    """Two exact decimals (None or "" for an empty cell) are equal."""
    if a in (None, "") or b in (None, ""):
        return (a in (None, "")) == (b in (None, ""))
    return Decimal(a) == Decimal(b)


def row_elements(p, table_id):
    """Each body row of the table as the list of its elements."""
    i = find(p, table_id)
    rows, in_body = [], False
    for el in p.elements[i + 1:]:
        tag = el[0]
        if tag in ("table", "tfoot", "section", "button", "h2"):
            break       # the table ended (end tags are not kept)
        if tag == "tbody":
            in_body = True
        elif tag == "tr" and in_body:
            rows.append([])
        elif rows:
            rows[-1].append(el)
    return rows


def bar_scale(thresholds, used, projected):
    """The bar's full width in percent, as html.c's rule."""
    m = max([Decimal(100), used, projected] + thresholds[-1:])
    q = (m / 25).to_integral_value(rounding="ROUND_CEILING") * 25
    return min(q, Decimal(300))


def check_budgets(path, csv_path):
    p = load(path)
    want = read_csv(csv_path)
    rows = table_rows(p, "t-budgets")
    els = row_elements(p, "t-budgets")
    heads = table_heads(p, "t-budgets")
    col = {h: heads.index(h) for h in heads}
    if len(rows) != len(want):
        fail("%d budgets on the page, %d in %s" % (len(rows), len(want),
                                                   csv_path))
    for got, w, el in zip(rows, want, els):
        name = w["budget"]
        if got[col["budget"]][0] != name or got[col["scope"]][0] != \
                w["scope"]:
            fail("row %r %r, CSV %r %r" % (got[0][0], got[1][0], name,
                                           w["scope"]))
        per = "%s: %s to %s" % (w["period"], w["start"], w["end"])
        if got[col["period"]][0] != per:
            fail("%s: period %r, CSV %r" % (name, got[col["period"]][0],
                                            per))
        for h, c in (("amount (credits)", "amount_credits"),
                     ("spent", "spent_credits"), ("used", "used_pct"),
                     ("projected", "projected_credits"),
                     ("projected %", "projected_pct"),
                     ("spent and projected", "used_pct")):
            if not same(got[col[h]][1], w[c]):
                fail("%s: %s %s, CSV %s %s" % (name, h, got[col[h]][1], c,
                                               w[c]))
        for h, c in (("runs out", "runs_out"), ("status", "status")):
            if got[col[h]][0] != w[c]:
                fail("%s: %s %r, CSV %r" % (name, h, got[col[h]][0], w[c]))
        # the bar
        used, proj = Decimal(w["used_pct"]), Decimal(w["projected_pct"])
        svg = [a for t, a, _ in el if t == "svg"]
        ticks = [Decimal(a["data-pct"]) for t, a, _ in el
                 if t == "line" and a.get("class") == "thr"]
        if len(svg) != 1:
            fail("%s: %d bars" % (name, len(svg)))
        scale = bar_scale(ticks, used, proj)
        if Decimal(svg[0].get("data-scale", "0")) != scale:
            fail("%s: bar scale %s, the rule gives %s" % (
                name, svg[0].get("data-scale"), scale))

        def x(pct):
            return float(min(max(pct, Decimal(0)), scale) / scale * 160)
        shapes = {a.get("class", "").split()[0]: a for t, a, _ in el
                  if t in ("rect", "line") and a.get("class") != "thr"}
        for cls, pct, attr in (("spent", used, "width"),
                               ("proj", proj, "x1"),
                               ("limit", Decimal(100), "x1")):
            a = shapes.get(cls)
            if a is None or abs(float(a[attr]) - x(pct)) > 0.006:
                fail("%s: the bar's %s at %s, want %.2f" % (
                    name, cls, a and a.get(attr), x(pct)))
        if "st-" + w["status"] not in shapes["spent"].get("class", ""):
            fail("%s: spent is not coloured by its status" % name)
        crossed = [t for t in ticks if t <= used]
        if not same(str(crossed[-1]) if crossed else "", w["threshold"]):
            fail("%s: highest tick under %s%% is %s, CSV threshold %r" % (
                name, used, crossed[-1:] or None, w["threshold"]))


def anomaly_tip(day, rows, keys):
    lines = ["Anomalies on %s" % day]
    for r in rows:
        lines.append("%s: %s +%s credits ($%s)" % (
            ", ".join(r[k] or "(none)" for k in keys), r["kind"],
            money(r["excess_credits"]), money(r["excess_usd"])))
    return "\n".join(lines)


def check_anomalies(path, csv_path):
    p = load(path)
    want = read_csv(csv_path)
    with open(csv_path, newline="", encoding="utf-8") as f:
        head = next(csv.reader(f))
    keys = head[1:head.index("kind")]
    rows = table_rows(p, "t-anomalies")
    heads = table_heads(p, "t-anomalies")
    if len(rows) != len(want):
        fail("%d anomalies on the page, %d in %s" % (len(rows), len(want),
                                                     csv_path))
    cols = ["day"] + keys + ["kind", "credits", "baseline",
                             "excess_credits", "excess_usd", "score",
                             "samples", "contributor",
                             "contributor_excess_credits"]
    if len(heads) != len(cols):
        fail("columns %r" % heads)
    for got, w in zip(rows, want):
        for (text, v), c in zip(got, cols):
            if c in ("day", "kind", "contributor") or c in keys:
                if text != w[c]:
                    fail("%s %s: %s %r, CSV %r" % (w["day"], w[keys[0]], c,
                                                   text, w[c]))
            elif not same(v, w[c]):
                fail("%s %s: %s %s, CSV %r" % (w["day"], w[keys[0]], c, v,
                                               w[c]))
    # the marks on the chart of days
    days = {}
    for r in want:
        if r["kind"] in ("spike", "new"):
            days.setdefault(r["day"], []).append(r)
    marks = {}
    for i, (tag, attrs, text) in enumerate(p.elements):
        if tag == "g" and attrs.get("class") == "mark":
            tip = next((t for tg, a, t in p.elements[i + 1:]
                        if tg == "title"), None)
            marks.setdefault(attrs.get("data-name"), []).append(
                (attrs.get("data-value"), tip))
    if set(marks) != set(days):
        fail("marks on %s, days with a spike or new group %s" % (
            sorted(marks), sorted(days)))
    for day, rs in days.items():
        total = sum(Decimal(r["excess_credits"]) for r in rs)
        tip = anomaly_tip(day, rs, keys)
        if len(marks[day]) != 2:
            fail("%s: %d marks, want 2 (wide and phone)" % (
                day, len(marks[day])))
        for v, t in marks[day]:
            if Decimal(v) != total or t != tip:
                fail("%s: mark %s %r, want %s %r" % (day, v, t, total, tip))


def check_none(path, ids):
    p = load(path)
    have = set(a.get("id") for _, a, _ in p.elements)
    bad = [i for i in ids if i in have]
    if bad:
        fail("the page has %s" % ", ".join(bad))


def main():
    a = sys.argv[1:]
    if len(a) in (2, 3) and a[0] == "self-contained":
        check_self_contained(*a[1:])
    elif len(a) in (5, 6) and a[0] == "change":
        check_change(a[1], a[2], a[3], a[4], int(a[5]) if len(a) == 6
                     else 1)
    elif len(a) == 3 and a[0] == "fold":
        check_fold(a[1], a[2])
    elif len(a) == 4 and a[0] == "totals":
        check_totals(a[1], a[2], a[3])
    elif len(a) in (4, 5) and a[0] == "table":
        check_table(a[1], a[2], a[3], int(a[4]) if len(a) == 5 else 1)
    elif len(a) == 3 and a[0] == "text":
        check_text(a[1], a[2])
    elif len(a) == 4 and a[0] == "idtext":
        check_idtext(a[1], a[2], a[3])
    elif len(a) == 3 and a[0] == "budgets":
        check_budgets(a[1], a[2])
    elif len(a) == 3 and a[0] == "anomalies":
        check_anomalies(a[1], a[2])
    elif len(a) >= 3 and a[0] == "none":
        check_none(a[1], a[2:])
    else:
        fail(__doc__)


if __name__ == "__main__":
    main()
