#!/usr/bin/env python3
"""test_ui.py: the web UI in a real browser (headless Chromium driven by Selenium)
against a real gliad.

Starts `gliad serve` on an ephemeral loopback port with a temporary data dir, then
drives Debian's chromium through chromium-driver:
  - GET / redirects to /ui/; assets are served with their types, ETags (304) and gzip;
    deep links under /ui/ load the app; a missing asset is 404;
  - the sessions list shows every session with the API's state, accuracy, distinct
    outputs and constant-output flag; the state and experiment filters work;
  - the acceptance path: create the exp 024 (`maturity`) seed 314 session from the
    form, run it 20,000 episodes, watch the accuracy chart grow while it runs, then
    find Table 5 in the inference table (0.775, 8 distinct: 00000 00100 10001 00110
    10011 01100 10101 10010), equal to GET .../inference, and the output-vector grid;
  - a stream cut by a daemon restart resumes with Last-Event-ID and the chart holds
    exactly the API's points;
  - the exp021 template, created from the experiments page, shows Table 4 equal to its
    report (means, CIs, W/T/L, Wilcoxon and sign-test p, per-seed records) and the
    seed-aggregated curves with CI bands;
  - compare: two sessions side by side, curves overlaid, the config diff listing exactly
    the JSON pointers whose values differ;
  - sweeps: a two-field grid and a one-field grid show their swept fields as columns with
    their values, the daemon's ranking with its Holm-corrected "worse" marks, a heatmap
    (two fields) or a line with CIs (one field) of the mean accuracy over the values, and
    curves filtered to the best k conditions;
  - one number, one text: every statistic on the experiment page is the daemon's text,
    the same digits as its Markdown report (exp021's astrocyte mean is 66.7% in the
    ranking and in the conditions table alike);
  - live pages: the session page says which episode each panel shows, the learner panel
    follows the run, a control session gets the constant-output badge /inference
    reports, and CI bands show n and stop where fewer than 2 seeds report;
  - layout at 1280 and 1920 px: screenshots of every page, and no element wider than the
    viewport or cut by its card without a scrollbar;
  - keyboard and text alternatives: controls reachable with Tab, charts with role=img,
    a summary and a data table;
  - with a token: the prompt, a refused token, then the bearer header on /v1 requests
    and ?access_token= only on the event stream;
  - saving charts: the PNG and SVG buttons of a session's charts and output grid and of
    an experiment's curves and CI plot download real files (Chrome's download directory),
    a PNG with its signature and size, an SVG that parses with one path per series, the
    title, axis labels and legend; each SVG rendered by Chromium for a screenshot;
  - across everything: no request to any host but the daemon (Chrome's performance
    log), no Content-Security-Policy violation, no uncaught script error.
Screenshots of each page go to --out (the build dir), for people and for README.md's
picture (docs/ui-session.png).

usage: test_ui.py --gliad PATH --out DIR [--chromium PATH] [--chromedriver PATH]
"""
import argparse
import base64
import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import struct
import urllib.error
import xml.etree.ElementTree as ET
import zlib
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

TABLE5 = ["00000", "00100", "10001", "00110", "10011", "01100", "10101", "10010"]
TOKEN = "ui-test-token"

failures = []


def check(ok, what):
    print(("ok:   " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        failures.append(what)
    return ok


# Loopback only: never through a proxy from the environment (Selenium's own connection
# to chromedriver included).
for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    os.environ.pop(var, None)
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


raw_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())


class Daemon:
    """A gliad on 127.0.0.1 with its own data dir; restartable on the same port."""

    def __init__(self, gliad, root, token=None):
        self.gliad = gliad
        self.dir = tempfile.mkdtemp(prefix="glia-ui-", dir=root)
        self.token = token
        self.port = 0
        self.proc = None
        self.log = open(os.path.join(self.dir, "gliad.log"), "ab")

    def start(self):
        port_file = os.path.join(self.dir, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        args = [self.gliad, "serve", "--listen", "127.0.0.1:%d" % self.port, "--data-dir",
                os.path.join(self.dir, "data"), "--workers", "2", "--port-file", port_file]
        if self.token:
            args += ["--token", self.token]
        os.makedirs(os.path.join(self.dir, "data"), exist_ok=True)
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gliad exited at startup; see " + self.log.name)
            try:
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    return self
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        raise RuntimeError("gliad did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return -9
        return self.proc.returncode if self.proc else 0

    @property
    def origin(self):
        return "http://127.0.0.1:%d" % self.port

    def request(self, method, path, body=None, headers=None, opener_=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.origin + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with (opener_ or opener).open(req, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def json(self, method, path, body=None, want=None):
        status, _, data = self.request(method, path, body)
        if want is not None and status != want:
            raise AssertionError("%s %s: %d %s" % (method, path, status, data[:300]))
        return json.loads(data) if data else None

    def get(self, path):
        return self.json("GET", path, want=200)

    def wait(self, pred, what, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            v = pred()
            if v:
                return v
            time.sleep(0.2)
        raise AssertionError("timed out (%d s) waiting for %s" % (timeout, what))

    def wait_state(self, name, states, timeout):
        return self.wait(lambda: self.get("/v1/sessions/" + name)["state"] in states and True,
                         "%s to be %s" % (name, "/".join(states)), timeout)


class Browser:
    """Headless Chromium through chromium-driver, with its network log collected."""

    def __init__(self, chromium, chromedriver, root, out):
        o = Options()
        o.binary_location = chromium
        self.profile = tempfile.mkdtemp(prefix="chromium-", dir=root)
        for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-extensions",
                  "--disable-default-apps", "--no-default-browser-check",
                  "--no-proxy-server", "--window-size=1280,1000",
                  "--user-data-dir=" + self.profile]:
            o.add_argument(a)
        o.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.downloads = tempfile.mkdtemp(prefix="downloads-", dir=root)
        o.add_experimental_option("prefs", {"download.default_directory": self.downloads,
                                            "download.prompt_for_download": False})
        self.d = webdriver.Chrome(service=Service(chromedriver), options=o)
        self.d.execute_cdp_cmd("Page.setDownloadBehavior",
                               {"behavior": "allow", "downloadPath": self.downloads})
        self.d.set_page_load_timeout(30)
        self.out = out
        self.requests = []  # [(url, headers)] of every request the pages made
        self.console = []  # browser console entries
        self.urls = {}  # requestId -> url
        self.finished = {}  # requestId -> bytes received (encoded: after gzip)

    def drain(self):
        for e in self.d.get_log("performance"):
            m = json.loads(e["message"])["message"]
            if m.get("method") == "Network.requestWillBeSent":
                r = m["params"]["request"]
                self.requests.append((r["url"], r.get("headers", {})))
                self.urls[m["params"]["requestId"]] = r["url"]
            elif m.get("method") == "Network.loadingFinished":
                self.finished[m["params"]["requestId"]] = m["params"]["encodedDataLength"]
            elif m.get("method") == "Network.requestWillBeSentExtraInfo":
                # the headers actually sent (Last-Event-ID, Authorization, ...)
                self.requests.append(("", m["params"].get("headers", {})))
        self.console.extend(self.d.get_log("browser"))

    def get(self, url):
        self.d.get(url)

    def q(self, css):
        return self.d.find_element(By.CSS_SELECTOR, css)

    def qa(self, css):
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def wait(self, pred, what, timeout=20):
        try:
            return WebDriverWait(self.d, timeout, poll_frequency=0.1).until(lambda d: pred())
        except TimeoutException:
            raise AssertionError("timed out (%d s) waiting for %s" % (timeout, what))

    def wait_css(self, css, timeout=20):
        return self.wait(lambda: self.qa(css) and self.qa(css)[0], css, timeout)

    def screenshot(self, name, full=True, width=1280):
        path = os.path.join(self.out, name)
        if full:
            height = self.js("return document.documentElement.scrollHeight")
            self.d.set_window_size(width, min(max(height + 40, 600), 8000))
            time.sleep(0.5)
        self.d.save_screenshot(path)
        if full:
            self.d.set_window_size(width, 1000)
        print("      screenshot " + path)

    def quit(self):
        try:
            self.d.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


# Elements that stick out of the viewport, or out of a card/figure that does not scroll:
# what a person would see cut. Inside a horizontally scrolling box (overflow-x auto or
# scroll) overflow is reachable with its scrollbar, so it is fine.
OVERFLOW_JS = """
const vw = document.documentElement.clientWidth;
const bad = [];
const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
  (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
const scrolls = (e) => { const o = getComputedStyle(e).overflowX; return o === 'auto' || o === 'scroll'; };
if (document.documentElement.scrollWidth > vw + 1)
  bad.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + vw);
for (const e of document.querySelectorAll('main *, header.top *')) {
  let a = e.parentElement, inside = false;
  while (a && a !== document.body) { if (scrolls(a)) { inside = true; break; } a = a.parentElement; }
  if (inside) continue;
  const r = e.getBoundingClientRect();
  if (r.width > 0 && (r.right > vw + 1 || r.left < -1)) bad.push(name(e) + ' spans ' +
    Math.round(r.left) + '..' + Math.round(r.right) + ' of ' + vw);
}
for (const e of document.querySelectorAll('main .card, main figure.chart, main .cols > *')) {
  if (!scrolls(e) && e.scrollWidth > e.clientWidth + 1)
    bad.push(name(e) + ' content ' + e.scrollWidth + ' wider than its box ' + e.clientWidth);
}
return bad.slice(0, 8);
"""


def layout(b, what, ready, shot):
    """At 1280 and 1920 px: nothing overflows; a full-page screenshot of each width."""
    for w in (1280, 1920):
        b.d.set_window_size(w, 1000)
        time.sleep(0.6)
        b.wait_css(ready)
        bad = b.js(OVERFLOW_JS)
        check(bad == [], "layout at %d px, %s: nothing cut or wider than the viewport %s" %
              (w, what, bad))
        b.screenshot("%s-%d.png" % (shot, w), width=w)
    b.d.set_window_size(1280, 1000)


def attr(el, name):
    return el.get_attribute(name)


def fval(el):
    """The exact API value an element carries (data-value)."""
    v = attr(el, "data-value")
    return None if v in (None, "null", "undefined") else float(v)


def same(a, b):
    return a == b or (a is None and b is None)


# ---- the steps ------------------------------------------------------------------------

def http_basics(d):
    s, h, _ = d.request("GET", "/", opener_=raw_opener)
    check(s == 302 and h.get("Location") == "/ui/", "GET / redirects (302) to /ui/")
    s, h, _ = d.request("GET", "/ui", opener_=raw_opener)
    check(s == 301 and h.get("Location") == "/ui/", "GET /ui redirects (301) to /ui/")
    s, h, index = d.request("GET", "/ui/")
    check(s == 200 and h.get("Content-Type") == "text/html; charset=utf-8",
          "/ui/ is the app (text/html)")
    check("default-src 'self'" in (h.get("Content-Security-Policy") or ""),
          "the UI carries a CSP that allows only this origin")
    s, h, deep = d.request("GET", "/ui/sessions/anything/at/all")
    check(s == 200 and deep == index, "a deep link under /ui/ answers with the app")
    s, h, js = d.request("GET", "/ui/assets/app.js")
    etag = h.get("ETag")
    check(s == 200 and h.get("Content-Type") == "text/javascript; charset=utf-8" and etag,
          "a script is served as text/javascript with an ETag")
    s, _, _ = d.request("GET", "/ui/assets/app.js", headers={"If-None-Match": etag})
    check(s == 304, "If-None-Match with its ETag is 304")
    s, h, z = d.request("GET", "/ui/assets/vendor/uplot/uPlot.iife.min.js",
                        headers={"Accept-Encoding": "gzip"})
    s2, _, plain = d.request("GET", "/ui/assets/vendor/uplot/uPlot.iife.min.js")
    check(s == 200 and h.get("Content-Encoding") == "gzip" and gzip.decompress(z) == plain
          and len(z) < len(plain), "gzip when accepted: %d bytes instead of %d" %
          (len(z), len(plain)))
    s, _, _ = d.request("GET", "/ui/assets/missing.js")
    check(s == 404, "a missing asset is 404, not the app")
    s, _, _ = d.request("GET", "/ui/assets/vendor/uplot/LICENSE")
    check(s == 200, "uPlot's licence is served with it")


def create_from_form(b, name, preset, seed, episodes, button):
    """Fill the sessions page's New session form and press `button` (#create, #create-run)."""
    b.wait_css("#new-session")
    if not b.q("#new-session").get_attribute("open"):
        b.q("#new-session summary").click()
    b.q("#new-name").send_keys(name)
    Select(b.q("#new-preset")).select_by_value(preset)
    b.q("#new-seed").send_keys(str(seed))
    if episodes:
        b.q("#new-episodes").send_keys(str(episodes))
    b.q(button).click()
    b.wait(lambda: b.d.current_url.endswith("/ui/sessions/" + name), "the page of " + name)


def sessions_list(b, d):
    b.get(d.origin + "/")
    b.wait(lambda: b.d.current_url == d.origin + "/ui/", "the browser to land on /ui/")
    check(True, "the browser follows / to /ui/")
    create_from_form(b, "c42", "cursor", 42, 500, "#create-run")
    check(d.get("/v1/sessions/c42")["progress"]["episodes"] == 500,
          "Create and run made c42 and started 500 episodes")
    d.json("POST", "/v1/sessions", {"name": "idle-control", "preset": "control", "seed": 1},
           want=201)
    d.wait_state("c42", ["completed"], 60)
    b.get(d.origin + "/ui/")
    b.wait(lambda: len(b.qa("#sessions tbody tr")) == 2, "two session rows")
    api = {s["name"]: s for s in d.get("/v1/sessions")["items"]}
    for name, s in api.items():
        row = b.q('#sessions tr[data-session="%s"]' % name)
        state = attr(row.find_element(By.CSS_SELECTOR, "[data-state]"), "data-state")
        check(state == s["state"], "list: %s state %s (API %s)" % (name, state, s["state"]))
        lp = s["latest_point"]
        cells = row.find_elements(By.CSS_SELECTOR, "td")
        nums = [fval(e) for e in row.find_elements(By.CSS_SELECTOR, "td.r .num")]
        if lp:
            check(nums == [lp["accuracy"], lp["distinct_outputs"]],
                  "list: %s accuracy and distinct outputs %s equal the API's" % (name, nums))
            flag = bool(row.find_elements(By.CSS_SELECTOR, ".badge.constant"))
            check(flag == lp["constant_output"], "list: %s constant-output flag %s" %
                  (name, flag))
        else:
            check(nums == [], "list: %s has no point and shows none" % name)
        check(s["learner"] and s["learner"] in cells[2].text and (s["preset"] or "") in
              cells[2].text, "list: %s shows its preset and learner (%s)" % (name, cells[2].text))
    Select(b.q("#filter-state")).select_by_value("completed")
    b.wait(lambda: [attr(r, "data-session") for r in b.qa("#sessions tbody tr")] == ["c42"],
           "the state filter to keep only c42")
    check("state=completed" in b.d.current_url, "the filter is in the URL")
    b.screenshot("ui-sessions.png")
    layout(b, "the sessions list", "#sessions tbody tr", "ui-sessions")


def acceptance(b, d):
    """README.md's first session: create exp 024 seed 314, run it, watch it, Table 5.

    Created first and run from its page, so the page is watching before the run starts
    however fast the machine is."""
    b.get(d.origin + "/ui/")
    create_from_form(b, "m314", "maturity", 314, None, "#create")
    check(d.get("/v1/sessions/m314")["state"] == "idle", "Create opened the idle session m314")
    b.wait(lambda: b.qa("#inference tbody tr") and b.q('button[data-action="run"]').is_enabled(),
           "the session page to be ready")
    b.q('button[data-action="run"]').click()
    dialog_input = b.wait_css("dialog input[name=episodes]")
    check(dialog_input.get_attribute("value") == "20000",
          "Run offers the preset's 20,000 episodes")
    b.q("dialog button[type=submit]").click()
    # Watch it while it runs: the chart's point count and the latest accuracy.
    counts, accs, running_counts, learner_eps, running_at = [], [], [], [], []
    deadline = time.monotonic() + 300
    state = None
    while time.monotonic() < deadline:
        # one script reads both: the page redraws them between two WebDriver calls
        n, ep, acc, lep = b.js("""
            const f = document.querySelector('#chart-accuracy');
            const e = document.querySelector('#latest-episode .num');
            const a = document.querySelector('#latest-accuracy .num');
            const l = document.querySelector('#learner-box');
            return [f ? Number(f.dataset.points) : 0, e ? Number(e.dataset.value) : null,
                    a ? Number(a.dataset.value) : null, l ? l.dataset.episode : null];""")
        state = d.get("/v1/sessions/m314")["state"]
        if state == "running":
            running_counts.append(n)
            learner_eps.append(lep)
            running_at.append(time.monotonic())
            if ep is not None and acc is not None:
                accs.append((ep, acc))
        counts.append(n)
        if state in ("completed", "failed", "cancelled"):
            break
        time.sleep(0.1)
    check(state == "completed", "m314 completed (%s)" % state)
    grew = sorted(set(running_counts))
    check(len(grew) >= 3 and grew == sorted(grew),
          "the accuracy chart grew while the run proceeded: %s" % grew[:12])
    metrics = d.get("/v1/sessions/m314/metrics?limit=10000")
    start = metrics["points"][0]["accuracy"]
    # Live: the latest point moved on while the run went (how fast the accuracy itself
    # climbs depends on the machine's speed against the page's polling), every value shown
    # is the stored point's at its episode, and it climbed.
    stored = {p["episode"]: p["accuracy"] for p in metrics["points"]}
    episodes = sorted(set(e for e, _ in accs))
    wrong = [(e, a, stored.get(e)) for e, a in accs if stored.get(e) != a]
    best = max((a for _, a in accs), default=None)
    check(len(episodes) >= 2 and not wrong and best is not None and best > start,
          "the latest point moved on live while running (episodes %s), each shown accuracy "
          "is the stored point's (mismatches %s), and it climbed above episode 0's %s to %s"
          % (episodes[:8], wrong[:3], start, best))
    # The learner panel re-reads at most every 2 s while points arrive, and whenever the
    # run's state changes: on a run watched for longer than two of those periods it moved
    # on while running; on any run it shows the final episode once the run is over.
    moved = sorted({int(e) for e in learner_eps if e not in (None, "undefined")})
    span = running_at[-1] - running_at[0] if running_at else 0.0
    check(span < 4.5 or len(moved) >= 2, "the learner panel follows the run (episodes %s over "
          "%.1f s of running), not stale since load" % (moved[:8], span))
    b.wait(lambda: attr(b.q("#learner-box"), "data-episode") == "20000",
           "the learner panel to show the run's last episode")
    check(True, "the learner panel shows the last episode, 20000, once the run is over")
    b.wait(lambda: int(attr(b.q("#chart-accuracy"), "data-points")) == len(metrics["points"]),
           "the chart to hold the API's %d points" % len(metrics["points"]))
    check(True, "the chart holds all %d points of the run" % len(metrics["points"]))
    b.wait(lambda: attr(b.q("#inference-box"), "data-episode") == "20000",
           "the inference table at episode 20000")
    inf = d.get("/v1/sessions/m314/inference")
    rows = b.qa("#inference tbody tr")
    shown = [attr(r.find_element(By.CSS_SELECTOR, "code.bits"), "data-value") for r in rows]
    accs = [fval(r.find_element(By.CSS_SELECTOR, "td.r .num")) for r in rows]
    check(shown == [p["output"] for p in inf["patterns"]],
          "the inference table's output vectors equal GET /inference: %s" % " ".join(shown))
    check(accs == [p["accuracy"] for p in inf["patterns"]],
          "its per-pattern accuracies equal GET /inference")
    mean = fval(b.q("#inference-mean .num"))
    distinct = fval(b.q("#inference-distinct .num"))
    check(mean == inf["mean_accuracy"] and distinct == inf["distinct_outputs"],
          "its mean accuracy and distinct outputs equal GET /inference")
    # The paper prints 0.775; the mean of the eight per-pattern accuracies, summed in
    # pattern order, is the double 0.7749999999999999.
    check(shown == TABLE5 and round(mean, 3) == 0.775 and distinct == 8,
          "Table 5 on the page: %r (0.775), 8 distinct, %s" % (mean, " ".join(TABLE5)))
    check(b.q("#inference-box").text.count("%") >= 8 and "77.5%" in b.q("#inference-box").text,
          "the page shows 77.5%")
    cols = int(attr(b.q("#output-grid"), "data-columns"))
    check(cols == sum(1 for p in metrics["points"] if "outputs" in p),
          "the output-vector grid has one column per trajectory point (%d)" % cols)
    b.wait(lambda: b.qa("#astrocytes tbody tr"), "the astrocyte table")
    # The run's end: progress, inference and learner at episode 20,000; the last point is
    # the last stored one (episode 19,999). The page says which episode each panel shows.
    want = {"progress": "20000", "inference": "20000", "learner": "20000",
            "point": str(metrics["points"][-1]["episode"])}
    b.wait(lambda: all(attr(b.q("#panel-episodes"), "data-" + k) == v for k, v in want.items()),
           "the panels at %s" % want)
    note = b.q("#panel-episodes").text
    check("progress episode 20,000" in note and "inference episode 20,000" in note and
          "learner episode 20,000" in note and "trajectory point episode %s" %
          "{:,}".format(metrics["points"][-1]["episode"]) in note,
          "each panel of the finished session says which episode it shows: " + note)
    learner = d.get("/v1/sessions/m314/learner")
    astro = learner["state"]["astrocytes"]
    rows = b.qa("#astrocytes tbody tr")
    heads = [e.text for e in b.qa("#astrocytes thead th")]
    col = heads.index("success rate")
    shown = [fval(r.find_elements(By.CSS_SELECTOR, "td")[col].find_element(By.CSS_SELECTOR, ".num"))
             for r in rows]
    check(len(rows) == len(astro) and shown == [a["success_rate"] for a in astro],
          "the learner section (GET .../learner) lists the %d astrocytes with their success "
          "rates" % len(astro))
    check(len(b.qa("svg.layout circle")) == d.get("/v1/sessions/m314/network")["neurons_count"],
          "the layout draws every neuron")
    b.screenshot("ui-session.png")
    layout(b, "the session page", "#inference tbody tr", "ui-session")
    # README.md's picture (docs/ui-session.png): the page from its top to the end of the
    # inference table
    bottom = b.js("const r = document.querySelector('#inference-box').getBoundingClientRect();"
                  "return Math.ceil(r.bottom + window.scrollY + 16);")
    png = b.d.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": 1280, "height": bottom, "scale": 0.75}})["data"]
    with open(os.path.join(b.out, "ui-readme.png"), "wb") as f:
        f.write(base64.b64decode(png))


def resume(b, d):
    """Cut the stream (SIGTERM the daemon) mid-run; the page resumes with Last-Event-ID."""
    d.json("POST", "/v1/sessions", {"name": "resume", "preset": "maturity", "seed": 7,
                                    "config": {"training": {"trajectory_interval": 50}}},
           want=201)
    b.get(d.origin + "/ui/sessions/resume")
    b.wait_css("#chart-accuracy")
    b.drain()
    d.json("POST", "/v1/sessions/resume/run", {"episodes": 20000}, want=202)
    b.wait(lambda: int(attr(b.q("#chart-accuracy"), "data-points")) >= 5, "points to arrive", 60)
    check(d.stop() == 0, "gliad stopped cleanly mid-run (SIGTERM)")
    d.start()
    check(True, "gliad restarted on the same port %d" % d.port)
    d.wait_state("resume", ["completed"], 300)
    metrics = d.get("/v1/sessions/resume/metrics?limit=10000")
    b.wait(lambda: int(attr(b.q("#chart-accuracy"), "data-points")) == len(metrics["points"])
           and attr(b.q("#chart-accuracy"), "data-last-episode") ==
           str(metrics["points"][-1]["episode"]),
           "the chart to end at the API's last point", 60)
    check(True, "after the restart the chart holds the API's %d points, the last at episode %d"
          % (len(metrics["points"]), metrics["points"][-1]["episode"]))
    b.drain()
    resumed = [h for (u, h) in b.requests if any(k.lower() == "last-event-id" for k in h)]
    check(bool(resumed), "the event stream reconnected with a Last-Event-ID header (%s)" %
          ([v for h in resumed for k, v in h.items() if k.lower() == "last-event-id"][:3]))


def experiment(b, d):
    b.get(d.origin + "/ui/experiments")
    b.wait_css("#template")
    Select(b.q("#template")).select_by_value("exp021")
    b.q("#experiment-create").click()
    b.wait(lambda: b.d.current_url.endswith("/ui/experiments/exp021"), "the experiment page")
    check(True, "the exp021 template was posted from the experiments page")
    d.wait(lambda: d.get("/v1/experiments/exp021")["state"] == "completed",
           "exp021 to complete", 600)
    # the last run's final point is published with its state, a commit after the study
    # settles
    d.wait(lambda: not d.get("/v1/sessions?experiment=exp021&state=running")["items"],
           "exp021's runs to be published as stopped", 30)
    report = d.get("/v1/experiments/exp021/report?format=json")
    res = report["results"]
    b.wait(lambda: b.qa("#conditions tbody tr"), "the conditions table", 30)
    for c in res["conditions"]:
        row = b.q('#conditions tr[data-condition="%s"]' % c["label"])
        mean = fval(row.find_element(By.CSS_SELECTOR, "td.mean .num"))
        cit = row.find_element(By.CSS_SELECTOR, "td.ci-t .ci")
        cib = row.find_element(By.CSS_SELECTOR, "td.ci-boot .ci")
        got = (mean, float(attr(cit, "data-low")), float(attr(cit, "data-high")),
               float(attr(cib, "data-low")), float(attr(cib, "data-high")))
        want = (c["mean_accuracy"], c["ci95"]["low"], c["ci95"]["high"],
                c["ci95_bootstrap"]["low"], c["ci95_bootstrap"]["high"])
        check(got == want, "experiment: %s mean and both 95%% CIs equal the report %s" %
              (c["label"], [round(x, 4) for x in want]))
        acc = row.find_elements(By.CSS_SELECTOR, "td.accept .num")
        check(same(fval(acc[0]) if acc else None, c["accept_rate"]),
              "experiment: %s accept rate equals the report" % c["label"])
        const = [fval(e) for e in row.find_elements(By.CSS_SELECTOR, "td.constant .num")]
        check(const == [c["constant_output_seeds"], c["n"]],
              "experiment: %s constant-output seeds %s" % (c["label"], const))
    text = b.q("#conditions").text
    check(all(x in text for x in ("66.7%", "64.8%", "50.0%", "[62.2%, 71.3%]",
                                  "[61.1%, 68.4%]", "[50.0%, 50.0%]")),
          "Table 4 on the page: 66.7 / 64.8 / 50.0 with their t CIs")
    for p in res["pairwise"]:
        row = b.q('#pairwise tr[data-a="%s"][data-b="%s"]' % (p["a"], p["b"]))
        wtl = [fval(e) for e in row.find_elements(By.CSS_SELECTOR, "td.wtl .num")]
        wp = fval(row.find_element(By.CSS_SELECTOR, "td.wilcoxon .num"))
        sp = fval(row.find_element(By.CSS_SELECTOR, "td.sign .num"))
        check(wtl == [p["wins"], p["ties"], p["losses"]] and wp == p["wilcoxon"]["p_value"]
              and sp == p["sign_test"]["p_value"],
              "experiment: %s vs %s W/T/L %s, Wilcoxon p and sign-test p equal the report" %
              (p["a"], p["b"], wtl))
    astro_cursor = b.q('#pairwise tr[data-a="astrocyte"][data-b="cursor"]').text
    check("6 / 3 / 1" in astro_cursor, "astrocyte vs cursor: 6 / 3 / 1 on the page")
    ok = True
    for row in res["per_seed"]:
        for label, r in row["records"].items():
            cell = b.q('#per-seed tr[data-seed="%d"] td[data-label="%s"]' % (row["seed"], label))
            vecs = [attr(e, "data-value") for e in cell.find_elements(By.CSS_SELECTOR, "code")]
            link = cell.find_element(By.CSS_SELECTOR, "a").get_attribute("href")
            ok &= float(attr(cell, "data-accuracy")) == r["accuracy"] and \
                [e.text for e in cell.find_elements(By.CSS_SELECTOR, ".vec code")] == r["outputs"] \
                and link.endswith("/ui/sessions/exp021.%s.%d" % (label, row["seed"]))
            del vecs
    check(ok, "experiment: every seed's accuracy and output vectors equal the report, each "
          "linked to its session")
    b.wait(lambda: b.qa("#chart-curves"), "the seed-aggregated curves", 30)
    curves = d.get("/v1/experiments/exp021/curves")
    total = sum(1 for c in curves["conditions"] for p in c["points"] if p.get("accuracy"))
    b.wait(lambda: b.js("const f = document.querySelector('#chart-curves');"
                        "return f ? Number(f.dataset.points) : -1;") == total,
           "the curves chart to hold the API's %d means" % total, 10)
    check(True, "the curves chart draws the API's %d (condition, episode) means with CI bands"
          % total)
    fig = b.q("#chart-curves")
    thin = sum(1 for c in curves["conditions"] for p in c["points"] if p.get("accuracy") and
               p["accuracy"]["n"] < 2)
    check(attr(fig, "data-thin-points") == str(thin) and "n = " in fig.text,
          "the CI bands show n and stop at the %d points with fewer than 2 seeds" % thin)
    # One number, one text: the page shows the daemon's digits, the report's digits.
    md = d.request("GET", "/v1/experiments/exp021/report?format=md")[2].decode()
    rank_row = b.q('#ranking tr[data-condition="astrocyte"]')
    cond_row = b.q('#conditions tr[data-condition="astrocyte"]')
    r_mean = rank_row.find_element(By.CSS_SELECTOR, "td.mean").text
    c_mean = cond_row.find_element(By.CSS_SELECTOR, "td.mean").text
    check(r_mean == c_mean == "66.7%" and "| 1 | astrocyte | 66.7% |" in md and
          "| Mean accuracy | 66.7% |" in md,
          "exp021's astrocyte mean is 66.7%% in the ranking and the conditions table, on the "
          "page (%s, %s) and in the report" % (r_mean, c_mean))
    for c in res["conditions"]:
        t = c.get("text") or {}
        row = b.q('#conditions tr[data-condition="%s"]' % c["label"])
        shown = [row.find_element(By.CSS_SELECTOR, sel).text for sel in
                 ("td.mean", "td.ci-t", "td.ci-boot")]
        check(t and shown == [t.get("mean_accuracy"), t.get("ci95"), t.get("ci95_bootstrap")],
              "experiment: %s shows the daemon's texts %s" % (c["label"], shown))
    for p in res["pairwise"]:
        t = p.get("text") or {}
        row = b.q('#pairwise tr[data-a="%s"][data-b="%s"]' % (p["a"], p["b"]))
        diff = row.find_element(By.CSS_SELECTOR, "td.diff").text
        check(t and diff == t.get("mean_difference") and ("| %s vs %s | %d / %d / %d | %s |" % (
            p["a"], p["b"], p["wins"], p["ties"], p["losses"], diff)) in md,
            "experiment: %s vs %s mean difference %s on the page and in the report" %
            (p["a"], p["b"], diff))
    ranks = [attr(r, "data-condition") for r in b.qa("#ranking tbody tr")]
    check(ranks == [e["label"] for e in res["ranking"]], "the ranking in the daemon's order %s"
          % ranks)
    b.screenshot("ui-experiment.png")
    layout(b, "the exp021 page", "#chart-curves", "ui-experiment")
    # drill down
    b.q('#per-seed tr[data-seed="42"] td[data-label="astrocyte"] a').click()
    b.wait(lambda: b.d.current_url.endswith("/ui/sessions/exp021.astrocyte.42"), "drill-down")
    b.wait_css("#inference tbody tr")
    check(True, "a per-seed cell drills down to its session page")


def sweeps(b, d):
    """A two-field grid (heatmap) and a one-field grid (line, best-k curves)."""
    grid2 = {"name": "sweep2", "base": {"preset": "cursor"}, "seeds": {"count": 3},
             "episodes": 300, "sweep": {"grid": {"/training/perturbation_std": [0.05, 0.1, 0.2],
                                                 "/learner/cursor/radius": [1.5, 3]}}}
    grid1 = {"name": "sweep1", "base": {"preset": "cursor"}, "seeds": {"count": 2},
             "episodes": 300, "sweep": {"grid": {"/training/perturbation_std":
                                                 [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5]}}}
    for body in (grid2, grid1):
        d.json("POST", "/v1/experiments", body, want=202)
    for name in ("sweep2", "sweep1"):
        d.wait(lambda: d.get("/v1/experiments/" + name)["state"] == "completed",
               name + " to complete", 300)
    doc = d.get("/v1/experiments/sweep2")
    res = doc["results"]
    b.get(d.origin + "/ui/experiments/sweep2")
    b.wait_css("#ranking tbody tr", 30)
    heads = [e.text for e in b.qa("#conditions thead th")]
    check(heads[1:3] == ["perturbation_std", "radius"],
          "sweep: the swept fields are columns of the conditions table %s" % heads[:4])
    ok = True
    for c in doc["conditions"]:
        row = b.q('#conditions tr[data-condition="%s"]' % c["label"])
        vals = [e.text for e in row.find_elements(By.CSS_SELECTOR, "td.swept")]
        ok &= vals == [json.dumps(c["values"][f]) for f in doc["sweep"]["fields"]]
    check(ok, "sweep: each condition shows its swept values")
    rows = b.qa("#ranking tbody tr")
    check([attr(r, "data-condition") for r in rows] == [e["label"] for e in res["ranking"]],
          "sweep: the ranking in the daemon's order")
    ok = True
    for r, e in zip(rows, res["ranking"]):
        vs = e.get("vs_best")
        cell = r.find_element(By.CSS_SELECTOR, "td.holm")
        if isinstance(vs, dict):
            ok &= attr(cell, "data-worse") == ("true" if vs["worse"] else "false")
            ok &= fval(cell.find_element(By.CSS_SELECTOR, ".num")) == vs["p_holm"]
            ok &= ("worse" in cell.text) == bool(vs["worse"])
        else:
            ok &= bool(attr(cell, "data-best") == "true" or e.get("pruned_at") or not e["n"])
    check(ok, "sweep: every ranking row has the daemon's Holm p and its worse mark")
    fig = b.wait_css("#sweep-chart")
    check(attr(fig, "data-kind") == "heatmap" and len(b.qa("#sweep-heat tbody tr")) == 3 and
          len(b.qa("#sweep-heat tbody td")) == 6,
          "sweep: two swept fields make a 3 x 2 heatmap of the mean accuracy")
    cells = [e.text for e in b.qa("#sweep-heat tbody td")]
    root, texts, _, _ = svg_doc(download(b, "#sweep-chart", "svg", "sweep2-sweep.svg"))
    check(len(list(root.iter(SVG_NS + "rect"))) >= 12 and all(c in texts for c in cells),
          "sweep: the heatmap's SVG has its cells and their means %s" % cells)
    b.wait_css("#chart-curves", 30)
    b.screenshot("ui-sweep2.png")
    layout(b, "a two-field sweep", "#chart-curves", "ui-sweep2")

    doc = d.get("/v1/experiments/sweep1")
    b.get(d.origin + "/ui/experiments/sweep1")
    fig = b.wait_css("#sweep-chart", 30)
    check(attr(fig, "data-kind") == "line" and attr(fig, "data-points") == "7",
          "sweep: one swept field makes a line of the mean accuracy over its 7 values")
    check_png(download(b, "#sweep-chart", "png", "sweep1-sweep.png"), "the sweep line", 640,
              b.out, "sweep1-sweep.png", min_height=200)
    b.wait_css("#chart-curves", 30)
    check(Select(b.q("#curve-best")).first_selected_option.get_attribute("value") == "5" and
          attr(b.q("#chart-curves"), "data-conditions") == "5",
          "sweep: with 7 conditions the curves show the best 5 by default")
    legend = [e for e in b.qa("#chart-curves .u-legend .u-series") if e.is_displayed()]
    check(len(legend) == 6, "sweep: one legend entry per curve shown, and the x axis (%d)" %
          len(legend))
    best = [e["label"] for e in doc["results"]["ranking"]][:3]
    Select(b.q("#curve-best")).select_by_value("3")
    b.wait(lambda: attr(b.q("#chart-curves"), "data-conditions") == "3", "the best 3")
    aria = attr(b.q("#chart-curves .plot"), "aria-label")
    check(all(l + " at episode" in aria for l in best),
          "sweep: best 3 draws the ranking's first three %s" % best)
    Select(b.q("#curve-best")).select_by_value("all")
    b.wait(lambda: attr(b.q("#chart-curves"), "data-conditions") == "7", "all 7")
    check(True, "sweep: the filter goes back to all 7 conditions")
    b.screenshot("ui-sweep1.png")
    layout(b, "a one-field sweep", "#chart-curves", "ui-sweep1")
    b.get(d.origin + "/ui/experiments")
    layout(b, "the experiments list", "#experiments tbody tr", "ui-experiments")


def reference(b, d):
    """A study against a reference condition: its section lists every condition in the
    daemon's order, with the daemon's texts for the Holm-corrected p."""
    body = {"name": "vsref", "seeds": {"count": 3}, "episodes": 200, "reference": "astro",
            "conditions": [{"label": "astro", "preset": "astrocyte-firing"},
                           {"label": "cursor", "preset": "cursor"},
                           {"label": "ctl", "preset": "control"}]}
    d.json("POST", "/v1/experiments", body, want=202)
    d.wait(lambda: d.get("/v1/experiments/vsref")["state"] == "completed",
           "vsref to complete", 300)
    vs = d.get("/v1/experiments/vsref")["results"]["vs_reference"]
    b.get(d.origin + "/ui/experiments/vsref")
    b.wait_css("#vs-reference tbody tr", 30)
    rows = b.qa("#vs-reference tbody tr")
    check([attr(r, "data-condition") for r in rows] == [c["label"] for c in vs["conditions"]],
          "reference: one row per condition, in the daemon's order")
    ok, compared = True, 0
    for r, c in zip(rows, vs["conditions"]):
        v = c.get("vs")
        if isinstance(v, dict):
            compared += 1
            want = (v.get("text") or {}).get("p_holm")
            ok &= want is not None and want in r.find_element(By.CSS_SELECTOR, "td.holm").text
    check(ok and compared == 2, "reference: each compared row shows the daemon's Holm p text")
    b.screenshot("ui-reference.png")


def control(b, d):
    """A control session: no trajectory points, the constant-output badge from /inference."""
    d.json("POST", "/v1/sessions", {"name": "ctl", "preset": "control", "seed": 5}, want=201)
    d.json("POST", "/v1/sessions/ctl/run", {"episodes": 200}, want=202)
    d.wait_state("ctl", ["completed"], 60)
    inf = d.get("/v1/sessions/ctl/inference")
    b.get(d.origin + "/ui/sessions/ctl")
    b.wait(lambda: attr(b.q("#inference-box"), "data-episode") == str(inf["episode"]),
           "the control session's inference")
    badge = b.wait(lambda: attr(b.q("#constant"), "data-source") == "inference" and
                   b.q("#constant"), "the title badge from the inference")
    has = bool(badge.find_elements(By.CSS_SELECTOR, ".badge.constant"))
    check(has == inf["constant_output"] and has,
          "control: the constant-output badge shows as /inference says (%s)" %
          inf["constant_output"])
    check("control learner" in b.q("#latest-none").text,
          "control: the page says why there is no trajectory point")
    b.screenshot("ui-control.png")


def flatten(v, prefix="", out=None):
    out = {} if out is None else out
    if isinstance(v, dict) and v:
        for k, x in v.items():
            flatten(x, prefix + "/" + k.replace("~", "~0").replace("/", "~1"), out)
    elif isinstance(v, list) and v:
        for i, x in enumerate(v):
            flatten(x, prefix + "/" + str(i), out)
    else:
        out[prefix or "/"] = v
    return out


def compare(b, d):
    names = ["exp021.astrocyte.42", "exp021.cursor.42"]
    b.get(d.origin + "/ui/compare?" + urllib.parse.urlencode([("s", n) for n in names]))
    b.wait_css("#config-diff")
    a, c = (flatten(d.get("/v1/sessions/" + n)["config"]) for n in names)
    want = sorted(k for k in set(a) | set(c) if a.get(k, KeyError) != c.get(k, KeyError))
    got = sorted(attr(r, "data-pointer") for r in b.qa("#config-diff tbody tr"))
    check(got == want and got, "compare: the config diff lists exactly the differing "
          "pointers %s" % got)
    check(attr(b.q("#chart-compare"), "data-series") == "2", "compare: two curves overlaid")
    heads = [e.text for e in b.qa("#compare-summary thead th")]
    check(heads == names, "compare: the sessions side by side %s" % heads)
    b.screenshot("ui-compare.png")
    # and from the list: tick two, press Compare selected
    b.get(d.origin + "/ui/?experiment=exp021")
    b.wait(lambda: len(b.qa("#sessions tbody tr")) > 0, "the filtered list")
    rows = [attr(r, "data-session") for r in b.qa("#sessions tbody tr")]
    check(rows and all(r.startswith("exp021.") for r in rows) and len(rows) == 30,
          "the experiment filter lists exp021's 30 sessions only (%d)" % len(rows))
    for n in names:
        b.q('#sessions input[data-name="%s"]' % n).click()
    b.q("#compare-selected").click()
    b.wait(lambda: "/ui/compare?" in b.d.current_url, "the compare page from the list")
    b.wait_css("#config-diff")
    check(sorted(attr(r, "data-pointer") for r in b.qa("#config-diff tbody tr")) == want,
          "Compare selected opens the same comparison")


def accessibility(b, d):
    b.get(d.origin + "/ui/sessions/m314")
    b.wait(lambda: b.qa("#inference tbody tr") and int(attr(b.q("#chart-accuracy"),
                                                            "data-points")) > 0, "the page")
    plots = b.qa("figure.chart .plot")
    labels = [attr(p, "aria-label") for p in plots]
    check(plots and all(attr(p, "role") == "img" for p in plots) and
          all(l and "episode" in l for l in labels),
          "every chart is role=img with a text summary (%s...)" % (labels[0][:70] if labels else ""))
    check(all(f.find_elements(By.CSS_SELECTOR, "details.chart-data") for f in
              b.qa("figure.chart")), "every chart has a data table")
    det = b.q("#chart-accuracy details")
    det.find_element(By.CSS_SELECTOR, "summary").click()
    b.wait(lambda: len(det.find_elements(By.CSS_SELECTOR, "tbody tr")) ==
           int(attr(b.q("#chart-accuracy"), "data-points")), "the data table rows")
    check(True, "the accuracy chart's table has one row per point")
    bad = b.js("""return [...document.querySelectorAll(
        'main button, main a[href], main input, main select, main textarea, main summary')]
        .filter(e => e.tabIndex < 0).map(e => e.outerHTML.slice(0, 80));""")
    check(bad == [], "no control is taken out of the tab order %s" % bad)
    b.js("document.activeElement.blur(); window.scrollTo(0, 0);")
    reached = set()
    body = b.q("body")
    body.send_keys(Keys.TAB)
    for _ in range(40):
        el = b.d.switch_to.active_element
        reached.add((el.tag_name, el.text.strip()[:30], attr(el, "data-action")))
        el.send_keys(Keys.TAB)
    check(any(a == "run" for (_, _, a) in reached) and any(t == "Fork" for (_, t, _) in reached),
          "Tab reaches the session's Run and Fork buttons")
    check(any(tag == "a" and txt == "Experiments" for (tag, txt, _) in reached),
          "Tab reaches the navigation")


SVG_NS = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def download(b, fig, kind, name, keyboard=False):
    """Press a chart's PNG or SVG button (Enter, or a click) and return the file Chrome
    saved as `name` in its download directory."""
    path = os.path.join(b.downloads, name)
    if os.path.exists(path):
        os.remove(path)
    button = b.q("%s .chart-save button[data-save=%s]" % (fig, kind))
    b.js("arguments[0].scrollIntoView({block: 'center'});", button)
    if keyboard:
        button.send_keys(Keys.ENTER)
    else:
        button.click()
    b.wait(lambda: os.path.exists(path) and os.path.getsize(path) > 0 and not os.path.exists(
        path + ".crdownload"), "the download of " + name, 30)
    time.sleep(0.2)
    with open(path, "rb") as f:
        data = f.read()
    os.remove(path)
    return data


def png_info(data):
    """(width, height, number of distinct byte values of the pixels) of a PNG."""
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        return None
    w, hgt = struct.unpack(">II", data[16:24])
    pos, idat = 8, b""
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        if data[pos + 4:pos + 8] == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    return w, hgt, len(set(zlib.decompress(idat)))


def svg_doc(data):
    """The SVG's root, its texts, and its series and band paths (class attributes)."""
    root = ET.fromstring(data)
    texts = ["".join(e.itertext()) for e in root.iter(SVG_NS + "text")]
    paths = list(root.iter(SVG_NS + "path"))
    return (root, texts, [p for p in paths if p.get("class") == "series"],
            [p for p in paths if p.get("class") == "band"])


def render_svg(b, data, shot, back):
    """Chromium draws the SVG file on its own (a data: URL, no page around it): a
    screenshot for people to look at; then back to the page `back`."""
    b.get("data:image/svg+xml;base64," + base64.b64encode(data).decode())
    size = b.js("const r = document.documentElement.getBoundingClientRect();"
                "return [r.width, r.height];")
    b.screenshot(shot, full=False)
    b.get(back)
    return size


def check_png(data, what, min_width, out, name, min_height=240):
    info = png_info(data)
    with open(os.path.join(out, "ui-export-" + name), "wb") as f:
        f.write(data)
    check(info is not None and info[0] >= min_width and info[1] >= min_height and info[2] > 8 and
          len(data) > 4000, "save %s as PNG: a PNG %s, %d bytes, drawn (%s distinct byte values)"
          % (what, info and "%dx%d" % info[:2], len(data), info and info[2]))


def chart_export(b, d, session="m314", experiment="exp021"):
    """Every chart has PNG and SVG buttons; the files are the charts as shown."""
    page = d.origin + "/ui/sessions/" + session
    b.get(page)
    b.wait(lambda: int(attr(b.q("#chart-accuracy"), "data-points")) > 0 and
           int(attr(b.q("#output-grid"), "data-columns")) > 0, "the session's charts")
    figs = b.qa("figure.chart")
    labels = [[attr(x, "aria-label") for x in f.find_elements(By.CSS_SELECTOR, ".chart-save button")]
              for f in figs]
    check(figs and all(len(l) == 2 and l[0].endswith(" as PNG") and l[1].endswith(" as SVG")
                       for l in labels),
          "every chart of the session page has labelled PNG and SVG buttons (%d charts)" %
          len(figs))
    points = int(attr(b.q("#chart-accuracy"), "data-points"))
    width = b.js("return document.querySelector('#chart-accuracy .plot').clientWidth")
    data = download(b, "#chart-accuracy", "png", session + "-accuracy.png", keyboard=True)
    check_png(data, "the accuracy chart (Enter on its button)", width, b.out,
              session + "-accuracy.png")
    data = download(b, "#chart-accuracy", "svg", session + "-accuracy.svg")
    with open(os.path.join(b.out, "ui-export-%s-accuracy.svg" % session), "wb") as f:
        f.write(data)
    root, texts, series, _ = svg_doc(data)
    drawn = [len(re.findall(r"[ML]", p.get("d"))) for p in series]
    check([p.get("data-series") for p in series] == ["accuracy", "average reward"] and
          drawn == [points, points],
          "the accuracy SVG has one path per series, each through the chart's %d points %s" %
          (points, drawn))
    nums = [t for t in texts if re.fullmatch(r"[0-9.]+k?", t)]
    check("Accuracy and average reward" in texts and "episode" in texts and
          {"accuracy", "average reward"} <= set(texts) and len(nums) >= 6 and
          root.find(SVG_NS + "image") is None,
          "the accuracy SVG has its title, the axis label, the legend and %d tick labels, "
          "and no embedded image" % len(nums))
    size = render_svg(b, data, "ui-export-%s-accuracy.svg.png" % session, page)
    check(size[0] >= width and size[1] > 240, "Chromium renders the SVG file (%s)" % size)
    b.wait(lambda: int(attr(b.q("#output-grid"), "data-columns")) > 0, "the output grid")
    cols = int(attr(b.q("#output-grid"), "data-columns"))
    last = d.get("/v1/sessions/%s/metrics?limit=10000" % session)["points"]
    last = [p for p in last if "outputs" in p][-1]["outputs"]
    data = download(b, "#output-grid", "svg", session + "-outputs.svg")
    with open(os.path.join(b.out, "ui-export-%s-outputs.svg" % session), "wb") as f:
        f.write(data)
    root, texts, _, _ = svg_doc(data)
    rects = [r for r in root.iter(SVG_NS + "rect") if r.get("data-output") is not None]
    check(rects and set(sorted(set(last))) <= set(texts) and
          sum(t.startswith("episode ") for t in texts) == 2 and
          len({r.get("data-output") for r in rects}) >= len(set(last)),
          "the output grid's SVG: %d runs of vectors over %d columns, the legend of the last "
          "column's vectors %s" % (len(rects), cols, sorted(set(last))))
    render_svg(b, data, "ui-export-%s-outputs.svg.png" % session, page)
    b.wait(lambda: int(attr(b.q("#output-grid"), "data-columns")) > 0, "the output grid")
    data = download(b, "#output-grid", "png", session + "-outputs.png")
    check_png(data, "the output grid", 300, b.out, session + "-outputs.png")

    page = d.origin + "/ui/experiments/" + experiment
    b.get(page)
    b.wait_css("#chart-curves", 30)
    b.wait_css("#ci-plot", 30)
    figs = b.qa("figure.chart")
    check(figs and all(len(f.find_elements(By.CSS_SELECTOR, ".chart-save button")) == 2
                       for f in figs),
          "every chart of the experiment page has PNG and SVG buttons (%d charts)" % len(figs))
    conds = int(attr(b.q("#chart-curves"), "data-conditions"))
    width = b.js("return document.querySelector('#chart-curves .plot').clientWidth")
    name = experiment + "-curves-accuracy"
    data = download(b, "#chart-curves", "png", name + ".png")
    check_png(data, "the curves with their CI bands", width, b.out, name + ".png")
    data = download(b, "#chart-curves", "svg", name + ".svg")
    with open(os.path.join(b.out, "ui-export-%s.svg" % name), "wb") as f:
        f.write(data)
    root, texts, series, bands = svg_doc(data)
    means = [t for t in texts if t.endswith(" mean")]
    # a condition without trajectory points (a control) draws no line and no band
    drawn = sum(1 for c in d.get("/v1/experiments/%s/curves" % experiment)["conditions"]
                if any(p.get("accuracy") for p in c["points"]))
    check(len(series) == 3 * conds and len(bands) == conds and len(means) == conds and
          sum(1 for b_ in bands if b_.get("d")) == drawn and "episode" in texts and
          any(t.startswith("Accuracy: mean over seeds") for t in texts),
          "the curves SVG: %d series paths (mean, CI high, CI low of %d conditions), %d CI "
          "bands (%d with points), the legend %s" % (len(series), conds, len(bands), drawn,
                                                     means))
    render_svg(b, data, "ui-export-%s.svg.png" % name, page)
    b.wait_css("#ci-plot", 30)
    n = len(d.get("/v1/experiments/" + experiment)["results"]["conditions"])
    data = download(b, "#ci-plot", "svg", experiment + "-ci.svg")
    root, texts, _, _ = svg_doc(data)
    check(len(list(root.iter(SVG_NS + "circle"))) == n and "Mean accuracy and 95% CI (t) per "
          "condition" in texts, "the CI plot's SVG: one dot per condition (%d)" % n)
    data = download(b, "#ci-plot", "png", experiment + "-ci.png")
    check_png(data, "the CI plot (its SVG rasterised)", 600, b.out, experiment + "-ci.png",
              min_height=100)


def page_weights(b, d):
    """What each page transfers on a first visit with the cache off (printed, not judged:
    a record of the UI's weight; the browser asks for gzip)."""
    b.d.execute_cdp_cmd("Network.enable", {})
    b.d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    pages = [("sessions", "/ui/", "#sessions tbody tr"),
             ("session", "/ui/sessions/m314", "#inference tbody tr"),
             ("experiment", "/ui/experiments/exp021", "#chart-curves"),
             ("compare", "/ui/compare?s=exp021.astrocyte.42&s=exp021.cursor.42", "#config-diff")]
    try:
        for name, path, ready in pages:
            b.get("about:blank")
            b.drain()
            b.finished.clear()
            b.get(d.origin + path)
            b.wait_css(ready, 30)
            time.sleep(1.5)
            b.drain()
            ui = [n for rid, n in b.finished.items() if "/ui/" in b.urls.get(rid, "")]
            api = [n for rid, n in b.finished.items() if "/v1/" in b.urls.get(rid, "")]
            print("      page %-10s %2d UI files %6.1f kB, %2d API answers %6.1f kB" %
                  (name, len(ui), sum(ui) / 1000, len(api), sum(api) / 1000))
            check(ui and api, "page %s loaded its files and data" % name)
    finally:
        b.d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})


def auth(b, gliad, root):
    d = Daemon(gliad, root, token=TOKEN).start()
    try:
        d.json("POST", "/v1/sessions", {"name": "secret", "preset": "cursor", "seed": 3}, want=201)
        s, _, _ = d.request("GET", "/ui/", headers={"Authorization": ""})
        check(s == 200, "the UI's files need no token")
        b.get(d.origin + "/ui/sessions/secret")
        b.wait_css("#token")
        check(True, "with a token configured the UI asks for it")
        b.screenshot("ui-token.png", full=False)
        b.q("#token").send_keys("wrong-token")
        b.q(".token-form button[type=submit]").click()
        b.wait(lambda: "refused" in b.q("#token-error").text, "the refusal")
        check(True, "a wrong token is refused: " + b.q("#token-error").text)
        b.q("#token").clear()
        b.q("#token").send_keys(TOKEN)
        b.drain()
        b.q(".token-form button[type=submit]").click()
        b.wait(lambda: b.qa("#inference tbody tr"), "the session page after the token")
        check(True, "the right token opens the page that asked")
        d.json("POST", "/v1/sessions/secret/run", {"episodes": 300}, want=202)
        b.wait(lambda: attr(b.q("#chart-accuracy"), "data-last-episode") == "299",
               "the stream's points with the token", 60)
        b.drain()
        v1 = [(u, h) for (u, h) in b.requests if u.startswith(d.origin + "/v1/")]
        streams = [u for (u, h) in v1 if "/events" in u]
        others = [u for (u, h) in v1 if "/events" not in u]
        check(streams and all("access_token=" + TOKEN in u for u in streams),
              "the event stream carries ?access_token= (%d requests)" % len(streams))
        check(others and not any("access_token" in u for u in others),
              "no other request puts the token in its URL (%d requests)" % len(others))
        auths = [h for (u, h) in b.requests if any(k.lower() == "authorization" for k in h)]
        check(any(v == "Bearer " + TOKEN for h in auths for k, v in h.items()
                  if k.lower() == "authorization"), "/v1 requests send Authorization: Bearer")
        b.js("sessionStorage.clear(); localStorage.clear();")
    finally:
        check(d.stop() == 0, "the token daemon stopped cleanly")
        shutil.rmtree(d.dir, ignore_errors=True)
    return d.origin


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gliad", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    root = tempfile.mkdtemp(prefix="glia-ui-test-")
    started = time.monotonic()
    d = Daemon(args.gliad, root).start()
    b = None
    origins = [d.origin]
    try:
        b = Browser(args.chromium, args.chromedriver, root, args.out)
        for name, step in [("http", lambda: http_basics(d)),
                           ("sessions", lambda: sessions_list(b, d)),
                           ("acceptance", lambda: acceptance(b, d)),
                           ("experiment", lambda: experiment(b, d)),
                           ("compare", lambda: compare(b, d)),
                           ("sweeps", lambda: sweeps(b, d)),
                           ("reference", lambda: reference(b, d)),
                           ("control", lambda: control(b, d)),
                           ("accessibility", lambda: accessibility(b, d)),
                           ("export", lambda: chart_export(b, d)),
                           ("page weights", lambda: page_weights(b, d)),
                           ("resume", lambda: resume(b, d)),
                           ("auth", lambda: origins.append(auth(b, args.gliad, root)))]:
            print("---- " + name, flush=True)
            t0 = time.monotonic()
            try:
                step()
            except Exception as e:  # a step that cannot go on: record it, keep going
                traceback.print_exc()
                check(False, "%s: %s" % (name, e))
                try:
                    b.screenshot("ui-failed-%s.png" % name, full=False)
                except Exception:
                    pass
            b.drain()
            print("      (%.1f s)" % (time.monotonic() - t0), flush=True)
        # Every request the pages made went to a daemon under test (or stayed in the page).
        # (chrome:// and the like are the browser's own pages, never the network)
        foreign = sorted({u for (u, _) in b.requests if u and not any(
            u.startswith(o + "/") for o in origins) and not u.startswith(
                ("data:", "blob:", "chrome:", "chrome-untrusted:", "about:"))})
        check(b.requests and not foreign, "%d requests, none to another host %s" %
              (len(b.requests), foreign[:5]))
        csp = [e["message"] for e in b.console if "Content Security Policy" in e["message"]]
        check(not csp, "no Content-Security-Policy violation %s" % csp[:3])
        errors = [e["message"] for e in b.console if e["level"] == "SEVERE" and
                  "Failed to load resource" not in e["message"]]
        check(not errors, "no script error in the console %s" % errors[:3])
    finally:
        if b:
            b.quit()
        code = d.stop()
        check(code == 0, "gliad exited 0 (%s)" % code)
        if not failures:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print("kept " + root + " (gliad logs)")
    print("%d failure(s); %.1f s" % (len(failures), time.monotonic() - started))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
