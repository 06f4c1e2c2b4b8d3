#!/usr/bin/env python3
"""browser.py: the page `circleci-usage html` writes, in headless Chromium.

    browser.py PAGE TOTAL SHOTDIR [WIDE_PAGE]
    browser.py --links PAGE

Loads PAGE (a file) in Debian's Chromium, driven through the DevTools
protocol over --remote-debugging-pipe (no WebSocket library needed), and
checks: no console error or exception, no network request but the page
itself, the headline total reads TOTAL (exact), a click on a table header
sorts its rows (numbers largest first, then smallest first; text A to Z),
the filter box hides the rows without its text, a long table shows its
top 10 rows and the rest at a click (also after sorting, and to the
filter).  Saves screenshots of the whole page on a laptop, on a phone and
in dark mode into SHOTDIR.

With --links (a page `run` wrote): every link, as Chromium resolves it,
is a file:// URL of a file beside the page, and every file beside it is
linked; a click on one navigates to it.

With WIDE_PAGE (a page with every table and column: --previous and
--rightsize), on it: at 1400 px no table scrolls sideways; on a 390 px
phone the page does not, the phone's charts are the ones shown and their
smallest text reads at 10 px or more; the change column sorts.

Prints PASS or FAIL lines and "N passed, M failed".  Python 3 standard
library only.
"""

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

import scratch  # keeps files and outputs for run.sh's secrets scan


class Browser:
    def __init__(self):
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        if exe is None:
            raise RuntimeError("chromium is not installed")
        self.profile = tempfile.mkdtemp(prefix="cu-chromium-")
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()

        def fds():
            # the pipes may already sit on 3 and 4: move them out of the
            # way first, and make sure the child keeps them (no CLOEXEC)
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             "--remote-debugging-pipe", "--user-data-dir=" + self.profile,
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, preexec_fn=fds, close_fds=False)
        os.close(to_r)
        os.close(from_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def _read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            r, _, _ = select.select([self.from_r], [], [], left)
            if r:
                chunk = os.read(self.from_r, 65536)
                if not chunk:
                    raise RuntimeError("chromium closed the pipe")
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method,
               "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            m = self._read(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method, timeout=30):
        deadline = time.time() + timeout
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            m = self._read(deadline)
            if m.get("method") == method:
                return m
            self.events.append(m)

    def drain(self, seconds):
        deadline = time.time() + seconds
        try:
            while True:
                self.events.append(self._read(deadline))
        except TimeoutError:
            pass

    def eval(self, expr):
        r = self.send("Runtime.evaluate", {"expression": expr,
                                           "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError("script error: %s" % r["exceptionDetails"])
        return r["result"].get("value")

    def attach(self, domains):
        """A new tab, this session's, with the DevTools domains enabled."""
        t = self.send("Target.createTarget", {"url": "about:blank"},
                      session=False)
        s = self.send("Target.attachToTarget", {"targetId": t["targetId"],
                                                "flatten": True},
                      session=False)
        self.session = s["sessionId"]
        for m in domains:
            self.send(m)

    def open(self, url):
        self.events = []    # an earlier page's load is not this one's
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def viewport(self, width, mobile=False):
        self.send("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": 800, "deviceScaleFactor": 1,
            "mobile": mobile})

    def screenshot(self, path, width, mobile=False, dark=False):
        self.send("Emulation.setEmulatedMedia", {"features": [
            {"name": "prefers-color-scheme",
             "value": "dark" if dark else "light"}]})
        self.send("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": 800, "deviceScaleFactor": 1,
            "mobile": mobile})
        h = self.eval("document.documentElement.scrollHeight")
        w = self.eval("document.documentElement.scrollWidth")
        self.send("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": int(h), "deviceScaleFactor": 1,
            "mobile": mobile})
        r = self.send("Page.captureScreenshot", {"format": "png"})
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))
        return w

    def close(self):
        try:
            self.send("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        scratch.rmtree(self.profile)


SORT_JS = r"""
(function(){
 var t=document.getElementById('%s'), th=t.tHead.rows[0].cells;
 var c=Array.prototype.map.call(th,function(h){return h.textContent;})
   .indexOf('%s');
 function col(i){return Array.prototype.map.call(t.tBodies[0].rows,
   function(r){return r.cells[i].getAttribute('data-v')||
   r.cells[i].textContent;});}
 th[c].click(); var down=col(c).map(Number);
 th[c].click(); var up=col(c).map(Number);
 th[0].click(); var names=col(0);
 return JSON.stringify({down:down, up:up, names:names,
   aria:th[0].getAttribute('aria-sort')});
})()
"""

# shown rows of t-projects: at first, unfolded, folded again, after a
# sort, and with a filter that matches its last row only
FOLD_JS = r"""
(function(){
 var t=document.getElementById('t-projects'), b=t.tBodies[0];
 var m=document.querySelector('button.more[data-for="t-projects"]');
 function shown(){return Array.prototype.filter.call(b.rows,
   function(r){return r.offsetParent!==null;}).length;}
 var r={n:b.rows.length, first:shown()};
 m.click(); r.open=shown(); r.text=m.textContent;
 r.expanded=m.getAttribute('aria-expanded');
 m.click(); r.closed=shown();
 t.tHead.rows[0].cells[0].click(); r.sorted=shown();
 var s=document.querySelector('input[data-filter="t-projects"]');
 var last=b.rows[b.rows.length-1].cells[0].textContent;
 s.value=last; s.dispatchEvent(new Event('input'));
 r.filtered=Array.prototype.filter.call(b.rows,function(x){
   return x.offsetParent!==null&&x.cells[0].textContent===last;}).length;
 s.value=''; s.dispatchEvent(new Event('input'));
 return JSON.stringify(r);
})()
"""

# tables that scroll sideways: [id, scrollWidth, clientWidth]
WIDE_JS = r"""
JSON.stringify(Array.prototype.filter.call(
 document.querySelectorAll('.tw'),function(d){
  return d.scrollWidth>d.clientWidth+1;}).map(function(d){
  return [d.firstElementChild.id,d.scrollWidth,d.clientWidth];}))
"""

# the charts shown, and the smallest text in them as drawn, in px
CHART_JS = r"""
(function(){
 var min=1e9, shown=[];
 document.querySelectorAll('.chart svg').forEach(function(s){
  var r=s.getBoundingClientRect(); if(!r.width) return;
  shown.push(s.getAttribute('class'));
  var k=r.width/s.viewBox.baseVal.width;
  s.querySelectorAll('text').forEach(function(t){
   min=Math.min(min,parseFloat(t.getAttribute('font-size'))*k);});});
 return JSON.stringify({min:min, shown:shown});
})()
"""

FILTER_JS = r"""
(function(){
 var s=document.querySelector('input[data-filter="t-projects"]');
 var t=document.getElementById('t-projects');
 var first=t.tBodies[0].rows[0].cells[0].textContent;
 s.value=first; s.dispatchEvent(new Event('input'));
 var shown=Array.prototype.filter.call(t.tBodies[0].rows,
   function(r){return !r.hidden;}).length;
 s.value=''; s.dispatchEvent(new Event('input'));
 var all=Array.prototype.filter.call(t.tBodies[0].rows,
   function(r){return !r.hidden;}).length;
 return JSON.stringify({shown:shown, all:all, n:t.tBodies[0].rows.length});
})()
"""


def wide_checks(b, page, check):
    """The page with every table and column, at 1400 px and on a phone."""
    b.send("Emulation.setEmulatedMedia", {"features": [
        {"name": "prefers-color-scheme", "value": "light"}]})
    b.viewport(1400)
    b.open("file://" + os.path.abspath(page))
    n = b.eval("document.querySelectorAll('.tw').length")
    r = json.loads(b.eval(WIDE_JS))
    check("browser: at 1400 px none of %d tables scrolls sideways" % n,
          n >= 7 and r == [], str(r))
    c = json.loads(b.eval(CHART_JS))
    check("browser: at 1400 px the wide charts, text 10 px or more",
          c["shown"] and set(c["shown"]) == {"wide"} and c["min"] >= 10,
          str(c))
    r = json.loads(b.eval(SORT_JS % ("t-projects", "change")))
    check("browser: the change column sorts", r["down"] ==
          sorted(r["down"], reverse=True) and r["up"] == sorted(r["up"])
          and len(r["up"]) > 1, str(r)[:200])
    b.viewport(390, mobile=True)
    b.open("file://" + os.path.abspath(page))
    w = b.eval("document.documentElement.scrollWidth")
    check("browser: on a 390 px phone the page does not scroll sideways",
          w <= 390, "page is %s px wide" % w)
    c = json.loads(b.eval(CHART_JS))
    check("browser: on a 390 px phone the phone's charts, text 10 px or "
          "more", c["shown"] and set(c["shown"]) == {"narrow"} and
          c["min"] >= 10, str(c))


def checker(results):
    """check(name, cond, why): a PASS or FAIL line, cond kept in results."""
    def check(name, cond, why=""):
        results.append(cond)
        print(("PASS %s" if cond else "FAIL %s" + (": " + why if why else
                                                  "")) % name)
    return check


def links_main(page):
    """--links PAGE: the run directory's links, resolved by Chromium."""
    results = []
    check = checker(results)

    here = os.path.dirname(os.path.abspath(page))
    files = sorted(n for n in os.listdir(here)
                   if os.path.isfile(os.path.join(here, n)) and
                   n != os.path.basename(page))
    b = Browser()
    try:
        b.attach(("Page.enable",))
        b.open("file://" + os.path.abspath(page))
        hrefs = json.loads(b.eval("JSON.stringify(Array.prototype.map.call("
                                  "document.querySelectorAll('a[href]'),"
                                  "function(a){return a.href;}))"))
        want = ["file://" + os.path.join(here, n) for n in files]
        check("browser: the run page links each file beside it, and only "
              "those (%d)" % len(files), sorted(hrefs) == sorted(want) and
              len(files) > 0, "links %r, files %r" % (hrefs[:4], files[:4]))
        want_url = "file://" + os.path.join(here, "summary.md")
        b.events = []   # the page's own navigation is not the click's
        b.eval("document.querySelector('a[href=\"summary.md\"]').click()")
        deadline = time.time() + 10
        url = ""
        while time.time() < deadline:
            try:
                url = b.eval("location.href")
            except RuntimeError:    # between two documents
                url = ""
            if url == want_url:
                break
            time.sleep(0.1)
        check("browser: a click on a link opens the file", url == want_url,
              url)
    except Exception as e:  # noqa: BLE001 - any failure is a FAIL line
        check("browser: the run page could be driven", False, repr(e))
    finally:
        b.close()
    print("%d passed, %d failed" % (results.count(True),
                                    results.count(False)))
    sys.exit(0 if all(results) else 1)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--links":
        links_main(sys.argv[2])
    page, total, shots = sys.argv[1], sys.argv[2], sys.argv[3]
    wide = sys.argv[4] if len(sys.argv) > 4 else None
    url = "file://" + os.path.abspath(page)
    results = []
    check = checker(results)

    b = Browser()
    try:
        b.attach(("Runtime.enable", "Log.enable", "Network.enable",
                  "Page.enable"))
        b.send("Page.navigate", {"url": url})
        b.wait_event("Page.loadEventFired")
        b.drain(0.5)
        errors = []
        requests = []
        for e in b.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                errors.append(p["exceptionDetails"].get("text"))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in (
                    "error", "assert", "warning"):
                errors.append(str(p.get("args")))
            elif m == "Log.entryAdded" and p["entry"].get("level") in (
                    "error", "warning"):
                errors.append(p["entry"].get("text"))
            elif m == "Network.requestWillBeSent":
                u = p["request"]["url"]
                if u != url and not u.startswith("data:"):
                    requests.append(u)
        check("browser: no console error", not errors, "; ".join(
            str(x) for x in errors))
        check("browser: no request but the page", not requests,
              ", ".join(requests))
        got = b.eval("document.querySelector('#h-credits .v')"
                     ".getAttribute('data-exact')")
        check("browser: the headline total is the report's", got == total,
              "%s, report %s" % (got, total))
        r = json.loads(b.eval(SORT_JS % ("t-projects", "credits")))
        check("browser: a click sorts numbers largest first, then "
              "smallest first", r["down"] == sorted(r["down"], reverse=True)
              and r["up"] == sorted(r["up"]) and len(r["up"]) > 1,
              str(r)[:200])
        check("browser: a click sorts names A to Z",
              [n.lower() for n in r["names"]] ==
              sorted(n.lower() for n in r["names"]) and
              r["aria"] == "ascending", str(r["names"][:5]))
        r = json.loads(b.eval(FILTER_JS))
        check("browser: the filter box hides other rows",
              1 <= r["shown"] < r["n"] and r["all"] == r["n"], str(r))
        r = json.loads(b.eval(FOLD_JS))
        check("browser: a long table shows 10 rows, the rest at a click",
              r["n"] > 12 and r["first"] == 10 and r["open"] == r["n"] and
              r["closed"] == 10 and r["expanded"] == "true" and
              r["text"] == "Show the top 10", str(r))
        check("browser: a sorted long table still shows 10 rows, and the "
              "filter finds a folded one", r["sorted"] == 10 and
              r["filtered"] == 1, str(r))
        os.makedirs(shots, exist_ok=True)
        w = b.screenshot(os.path.join(shots, "html-laptop.png"), 1280)
        check("browser: laptop screenshot, no sideways scroll", w <= 1280,
              "page is %s px wide" % w)
        w = b.screenshot(os.path.join(shots, "html-phone.png"), 390,
                         mobile=True)
        check("browser: phone screenshot, no sideways scroll", w <= 390,
              "page is %s px wide" % w)
        b.screenshot(os.path.join(shots, "html-dark.png"), 1280, dark=True)
        bg = b.eval("getComputedStyle(document.body).backgroundColor")
        check("browser: dark mode is dark", bg in ("rgb(13, 17, 23)",),
              bg)
        if wide is not None:
            wide_checks(b, wide, check)
    except Exception as e:  # noqa: BLE001 - any failure is a FAIL line
        check("browser: the page could be driven", False, repr(e))
    finally:
        b.close()
    print("%d passed, %d failed" % (results.count(True),
                                    results.count(False)))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
