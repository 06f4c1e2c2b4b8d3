#!/usr/bin/env python3
"""pipecheck.py: the checks of pipeline.sh that need arithmetic or JSON.

    pipecheck.py compare PREV.json CUR.json CMP.json [--min-change X] [--top N]
        CMP.json (compare --format json) must hold, for every group of the
        two reports (report --format json, same --by), the exact credits of
        each side, their difference, the percentage rounded half away from
        zero to 2 decimals (null for a new group, -100 for a gone one) and
        the trend; sorted by the absolute change, largest first, ties by
        key; --min-change and --top applied as compare documents them.
    pipecheck.py csv-json CMP.csv CMP.json
        the CSV holds the same rows as the JSON, field by field.
    pipecheck.py slack PAYLOAD.json [--max-text N]
        a Block Kit message within Slack's limits: at most 50 blocks, every
        text at most 3,000 characters (header: 150), no raw <, > or & from
        data (only entities), and prints a digest of its texts on stdout.

Exits 0 when the check passes, else prints why on stderr and exits 1.
Python 3 standard library only.
"""

import csv
import json
import sys
from decimal import Decimal, ROUND_HALF_UP


def fail(msg):
    sys.stderr.write("pipecheck: %s\n" % msg)
    sys.exit(1)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f, parse_float=Decimal, parse_int=Decimal)


def pct(change, prev):
    return (Decimal(100) * change / prev).quantize(Decimal("0.01"),
                                                   rounding=ROUND_HALF_UP)


def key_of(row, keys):
    return tuple(row[k] for k in keys)


def key_sort(k):
    # bytewise, column by column, as the tool sorts
    return tuple(s.encode("utf-8") for s in k)


def check_compare(args):
    prev, cur, cmp = load(args[0]), load(args[1]), load(args[2])
    min_change, top = Decimal(0), 0
    rest = args[3:]
    while rest:
        if rest[0] == "--min-change":
            min_change = Decimal(rest[1])
        elif rest[0] == "--top":
            top = int(rest[1])
        else:
            fail("unknown option %s" % rest[0])
        rest = rest[2:]
    keys = cmp["group_by"]
    if prev["group_by"] != keys or cur["group_by"] != keys:
        fail("group_by differs: %r %r %r" % (prev["group_by"],
                                             cur["group_by"], keys))
    p = {key_of(r, keys): r["total_credits"] for r in prev["rows"]}
    c = {key_of(r, keys): r["total_credits"] for r in cur["rows"]}
    want = []
    for k in set(p) | set(c):
        a, b = p.get(k, Decimal(0)), c.get(k, Decimal(0))
        if k not in p:
            trend, pc = "new", None
        elif k not in c:
            trend, pc = "gone", Decimal("-100.00")
        else:
            trend = "up" if b > a else "down" if b < a else "same"
            pc = pct(b - a, a) if a != 0 else None
        want.append((k, a, b, b - a, pc, trend))
    want.sort(key=lambda w: key_sort(w[0]))
    want.sort(key=lambda w: abs(w[3]), reverse=True)
    shown = [w for w in want if abs(w[3]) >= min_change]
    meta = cmp["meta"]
    if meta["groups"] != len(want):
        fail("meta.groups %s, expected %d" % (meta["groups"], len(want)))
    if meta["new"] != sum(1 for w in want if w[5] == "new") or \
       meta["gone"] != sum(1 for w in want if w[5] == "gone"):
        fail("meta new/gone %s/%s" % (meta["new"], meta["gone"]))
    if meta["hidden"] != len(want) - len(shown):
        fail("meta.hidden %s, expected %d" % (meta["hidden"],
                                             len(want) - len(shown)))
    if top and len(shown) > top:
        rest_rows = shown[top:]
        a = sum((w[1] for w in rest_rows), Decimal(0))
        b = sum((w[2] for w in rest_rows), Decimal(0))
        other = (("(other)",) * len(keys), a, b, b - a,
                 pct(b - a, a) if a != 0 else None,
                 "up" if b > a else "down" if b < a else "same")
        shown = shown[:top] + [other]
    rows = cmp["rows"]
    if len(rows) != len(shown):
        fail("%d rows, expected %d" % (len(rows), len(shown)))
    for i, (r, w) in enumerate(zip(rows, shown)):
        got = (key_of(r, keys), r["previous_credits"], r["current_credits"],
               r["change_credits"], r["change_pct"], r["trend"])
        if got != w:
            fail("row %d: %r, expected %r" % (i, got, w))
    tp = prev["totals"]["total_credits"]
    tc = cur["totals"]["total_credits"]
    t = cmp["totals"]
    wt = {"previous_credits": tp, "current_credits": tc,
          "change_credits": tc - tp,
          "change_pct": pct(tc - tp, tp) if tp != 0 else None}
    if t != wt:
        fail("totals %r, expected %r" % (t, wt))
    print("%d groups, %d rows, %d new, %d gone" % (
        len(want), len(rows), meta["new"], meta["gone"]))


def check_csv_json(args):
    with open(args[0], newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    cmp = load(args[1])
    if len(rows) != len(cmp["rows"]):
        fail("csv has %d rows, json %d" % (len(rows), len(cmp["rows"])))
    for a, b in zip(rows, cmp["rows"]):
        for k, v in b.items():
            if v is None:
                v = ""
            if k in ("previous_credits", "current_credits",
                     "change_credits", "change_pct") and v != "":
                if Decimal(a[k]) != v or (k == "change_pct" and
                                          a[k] != "%.2f" % v):
                    fail("%s: csv %s, json %s" % (k, a[k], v))
            elif a[k] != v:
                fail("%s: csv %r, json %r" % (k, a[k], v))


def texts(block):
    """Every text object of a block, with its limit."""
    out = []
    t = block.get("text")
    if isinstance(t, dict):
        out.append((t, 150 if block["type"] == "header" else 3000))
    for f in block.get("fields", []) or []:
        out.append((f, 2000))
    for e in block.get("elements", []) or []:
        if isinstance(e, dict) and "text" in e:
            out.append((e, 3000))
    return out


def check_slack(args):
    with open(args[0], encoding="utf-8") as f:
        raw = f.read()
    msg = json.loads(raw)
    blocks = msg.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        fail("no blocks")
    if len(blocks) > 50:
        fail("%d blocks, more than 50" % len(blocks))
    if not isinstance(msg.get("text"), str) or not msg["text"]:
        fail("no fallback text")
    longest = 0
    digest = [msg["text"]]
    for i, b in enumerate(blocks):
        if b.get("type") not in ("header", "section", "context", "divider"):
            fail("block %d: type %r" % (i, b.get("type")))
        for t, limit in texts(b):
            s = t.get("text", "")
            if t.get("type") not in ("plain_text", "mrkdwn"):
                fail("block %d: text type %r" % (i, t.get("type")))
            if len(s) > limit:
                fail("block %d: %d characters, more than %d" % (
                    i, len(s), limit))
            longest = max(longest, len(s))
            if t["type"] == "mrkdwn":
                bare = s.replace("&amp;", "").replace("&lt;", "") \
                        .replace("&gt;", "")
                if "&" in bare or "<" in bare or ">" in bare:
                    fail("block %d: raw & < or > in %r" % (i, s[:200]))
            digest.append(s)
    sys.stdout.write("blocks=%d longest=%d\n" % (len(blocks), longest))
    sys.stdout.write("\n".join(digest) + "\n")


def main():
    if len(sys.argv) < 3:
        fail("usage: pipecheck.py compare|csv-json|slack FILE...")
    what, args = sys.argv[1], sys.argv[2:]
    if what == "compare":
        check_compare(args)
    elif what == "csv-json":
        check_csv_json(args)
    elif what == "slack":
        check_slack(args)
    else:
        fail("unknown check %r" % what)


if __name__ == "__main__":
    main()
