#!/usr/bin/env python3
"""chartcheck.py: look inside the charts `report --format png|svg` writes.

    chartcheck.py png FILE WIDTH HEIGHT [--drawn]
        a valid PNG (signature, chunk CRCs) of WIDTH x HEIGHT; with --drawn,
        decoded (zlib, the five filters) and not a blank canvas: enough
        pixels off the background, and bars in the bar colour or in at
        least three colours of the palette
    chartcheck.py svgbars FILE CSV
        the SVG parses as XML; one <g class="bar"> per group shown, each
        with a <title> and a label, named and valued exactly as the rows of
        the report's CSV (in order), with lengths in the order of values
    chartcheck.py svgstack FILE JSON KEY
        the SVG parses; every <g class="period"> holds segments whose exact
        values add up to the period's total, which equals the report's
        total_credits for that KEY value (0 for a period with no row)
    chartcheck.py svgtext FILE TEXT
        the SVG parses and TEXT is the data-name of a group or a <text>

Prints nothing and exits 0 when the check passes; else a reason, exit 1.
Python 3 standard library only.
"""

import csv
import json
import struct
import sys
import xml.etree.ElementTree as ET
import zlib
from decimal import Decimal

SVG = "{http://www.w3.org/2000/svg}"
BAR = (0x44, 0x77, 0xAA)
PALETTE = [(0xCC, 0x66, 0x77), (0x33, 0x22, 0x88), (0xDD, 0xCC, 0x77),
           (0x11, 0x77, 0x33), (0x88, 0xCC, 0xEE), (0x88, 0x22, 0x55),
           (0x44, 0xAA, 0x99), (0x99, 0x99, 0x33), (0xAA, 0x44, 0x99)]


def fail(msg):
    print(msg)
    sys.exit(1)


def png_chunks(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("not a PNG signature")
    i = 8
    while i < len(data):
        if i + 12 > len(data):
            fail("truncated chunk at %d" % i)
        n, = struct.unpack(">I", data[i:i + 4])
        kind = data[i + 4:i + 8]
        body = data[i + 8:i + 8 + n]
        crc, = struct.unpack(">I", data[i + 8 + n:i + 12 + n])
        if zlib.crc32(kind + body) != crc:
            fail("bad CRC in chunk %r" % kind)
        yield kind, body
        i += 12 + n


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def png_pixels(w, h, bpp, raw):
    """The rows of an 8-bit, non-interlaced image, unfiltered."""
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    pos = 0
    for _ in range(h):
        ft = raw[pos]
        line = bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        if ft == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 0xff
        elif ft == 2:
            for x in range(stride):
                line[x] = (line[x] + prev[x]) & 0xff
        elif ft == 3:
            for x in range(stride):
                left = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + ((left + prev[x]) >> 1)) & 0xff
        elif ft == 4:
            for x in range(stride):
                left = line[x - bpp] if x >= bpp else 0
                ul = prev[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + paeth(left, prev[x], ul)) & 0xff
        elif ft != 0:
            fail("bad filter type %d" % ft)
        rows.append(line)
        prev = line
    return rows


def check_png(path, want_w, want_h, drawn):
    data = open(path, "rb").read()
    chunks = list(png_chunks(data))
    if not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        fail("IHDR first and IEND last expected")
    w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB",
                                                        chunks[0][1])
    if (w, h) != (want_w, want_h):
        fail("size %dx%d, expected %dx%d" % (w, h, want_w, want_h))
    if any(k == b"tIME" for k, _ in chunks):
        fail("a tIME chunk: the bytes would change on every run")
    if not drawn:
        return
    if depth != 8 or ctype not in (2, 6) or interlace:
        fail("unexpected PNG format depth %d type %d" % (depth, ctype))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT"))
    rows = png_pixels(w, h, bpp, raw)
    off = bar = 0
    colours = set()
    for line in rows:
        for x in range(0, len(line), bpp):
            px = (line[x], line[x + 1], line[x + 2])
            if px != (255, 255, 255):
                off += 1
            if px == BAR:
                bar += 1
            elif px in PALETTE:
                colours.add(px)
    if off < w * h // 20:
        fail("nearly blank: %d of %d pixels drawn" % (off, w * h))
    if bar < w * h // 50 and len(colours) < 3:
        fail("no bars: %d bar pixels, %d palette colours" % (bar,
                                                            len(colours)))


def parse_svg(path):
    try:
        return ET.parse(path).getroot()
    except ET.ParseError as e:
        fail("not XML: %s" % e)


def groups(root, cls):
    return [g for g in root.iter(SVG + "g") if g.get("class") == cls]


def check_svgbars(path, csv_path):
    root = parse_svg(path)
    bars = groups(root, "bar")
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    if len(bars) != len(rows):
        fail("%d bars for %d rows" % (len(bars), len(rows)))
    key = list(rows[0].keys())[0] if rows else None
    seen = []
    for g, r in zip(bars, rows):
        name, value = g.get("data-name"), Decimal(g.get("data-value"))
        if name != r[key]:
            fail("bar %r, row %r" % (name, r[key]))
        if value != Decimal(r["total_credits"]):
            fail("bar %s: %s, report %s" % (name, value,
                                            r["total_credits"]))
        if g.find(SVG + "title") is None:
            fail("bar %s has no <title>" % name)
        texts = ["".join(t.itertext()) for t in g.iter(SVG + "text")]
        if not texts or not (texts[0] == name or texts[0].endswith("\u2026")
                             and name.startswith(texts[0][:-1])):
            fail("bar %s labelled %r" % (name, texts))
        rect = g.find(SVG + "rect")
        seen.append((value, float(rect.get("width")) if rect is not None
                     else 0.0, name))
    for a in seen:
        for b in seen:
            if a[0] > b[0] and not a[1] > b[1]:
                fail("%s (%s) is not longer than %s (%s)" % (a[2], a[0],
                                                             b[2], b[0]))


def check_svgstack(path, json_path, key):
    root = parse_svg(path)
    with open(json_path) as f:
        report = json.load(f, parse_float=Decimal, parse_int=Decimal)
    want = {}
    for r in report["rows"]:
        want[r[key]] = want.get(r[key], Decimal(0)) + \
            Decimal(r["total_credits"])
    periods = groups(root, "period")
    if not periods:
        fail("no periods")
    got = set()
    for p in periods:
        name = p.get("data-name")
        total = Decimal(p.get("data-value"))
        segs = [s for s in p.iter(SVG + "g") if s.get("class") == "seg"]
        if sum((Decimal(s.get("data-value")) for s in segs),
               Decimal(0)) != total:
            fail("%s: segments do not add up to %s" % (name, total))
        if total != want.get(name, Decimal(0)):
            fail("%s: %s in the chart, %s in the report" % (
                name, total, want.get(name, Decimal(0))))
        got.add(name)
    missing = set(want) - got
    if missing:
        fail("periods missing from the chart: %s" % sorted(missing))
    if len(groups(root, "legend")) < 1:
        fail("no legend")


def check_svgtext(path, text):
    root = parse_svg(path)
    for el in root.iter():
        if el.get("data-name") == text:
            return
        if el.tag == SVG + "text" and "".join(el.itertext()) == text:
            return
    fail("%r not found" % text)


def main():
    a = sys.argv[1:]
    if len(a) >= 4 and a[0] == "png":
        check_png(a[1], int(a[2]), int(a[3]), "--drawn" in a[4:])
    elif len(a) == 3 and a[0] == "svgbars":
        check_svgbars(a[1], a[2])
    elif len(a) == 4 and a[0] == "svgstack":
        check_svgstack(a[1], a[2], a[3])
    elif len(a) == 3 and a[0] == "svgtext":
        check_svgtext(a[1], a[2])
    else:
        fail(__doc__)


if __name__ == "__main__":
    main()
