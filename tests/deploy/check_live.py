#!/usr/bin/env python3
"""check_live.py: what the deployment files rely on, checked against a real gliad.

Starts `gliad serve` on an ephemeral loopback port with a temporary data dir, the token
in a file given by GLIA_TOKEN_FILE (as compose and systemd pass it) and JSON logs, then:
  - /healthz, /readyz and /metrics answer without the token (probes and Prometheus
    scrape without one), /v1 without it is 401;
  - the container HEALTHCHECK script (deploy/docker/healthcheck.sh) passes;
  - a session created with "export_metrics": true runs 300 episodes to completion;
  - /metrics has Content-Type text/plain; version=0.0.4, passes `promtool check
    metrics`, and shows glia_session_accuracy{session="..."} and the other gauges;
  - SIGTERM stops gliad with exit status 0, after which the healthcheck fails;
  - every stderr line is a JSON object with time, level and message; request lines
    also carry method, path, route, status and duration; state changes name the session.
With --out FILE the scrape is saved for check_deploy.py --metrics (dashboard names).

usage: check_live.py --gliad PATH --promtool PATH --healthcheck PATH [--out FILE]
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SESSION = "deploy-check"
TOKEN = "deploy-check-token"
EPISODES = 300
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")

failures = []


def check(ok, what):
    if ok:
        print("ok:   " + what)
    else:
        print("FAIL: " + what)
        failures.append(what)
    return ok


# Loopback only: never through a proxy from the environment.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def request(port, method, path, body=None, token=None, timeout=10):
    """(status, headers, body bytes) of one request; HTTP errors are answers too."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data,
                                 method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token is not None:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with opener.open(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def wait_for_port(proc, port_file, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return None
        try:
            with open(port_file) as f:
                text = f.read().strip()
            if text:
                return int(text)
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    return None


def run_healthcheck(script, port):
    env = dict(os.environ, GLIA_LISTEN="0.0.0.0:%d" % port)
    try:
        return subprocess.run(["bash", script], env=env, timeout=15,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    except subprocess.TimeoutExpired:
        return -1


def sample_value(text, name, labels):
    """Value of the sample `name{labels}` in an exposition, or None."""
    pat = re.compile(r"^%s%s ([^ ]+)$" % (re.escape(name),
                                          re.escape("{%s}" % labels) if labels else ""),
                     re.M)
    m = pat.search(text)
    return float(m.group(1)) if m else None


def check_metrics(port, promtool, out):
    status, headers, body = request(port, "GET", "/metrics")
    check(status == 200, "GET /metrics without a token: 200 (got %d)" % status)
    ctype = headers.get("Content-Type", "")
    check(ctype.startswith("text/plain; version=0.0.4"),
          "/metrics Content-Type is text/plain; version=0.0.4... (got %r)" % ctype)
    text = body.decode("utf-8")
    if out:
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        with open(out, "w") as f:
            f.write(text)
    p = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True,
                       timeout=60)
    check(p.returncode == 0, "promtool check metrics passes (exit %d: %s)" %
          (p.returncode, (p.stdout + p.stderr).decode(errors="replace").strip()))
    label = 'session="%s"' % SESSION
    acc = sample_value(text, "glia_session_accuracy", label)
    check(acc is not None and 0.0 <= acc <= 1.0,
          "glia_session_accuracy{%s} is exported, in [0, 1] (got %r)" % (label, acc))
    rate = sample_value(text, "glia_session_accept_rate", label)
    check(rate is not None and 0.0 <= rate <= 1.0,
          "glia_session_accept_rate{%s} is in [0, 1] (got %r)" % (label, rate))
    ep = sample_value(text, "glia_session_episode", label)
    check(ep == EPISODES, "glia_session_episode{%s} is %d (got %r)" % (label, EPISODES, ep))
    check(sample_value(text, "glia_session_steps_per_second", label) is not None,
          "glia_session_steps_per_second{%s} is exported" % label)
    done = sample_value(text, "glia_sessions", 'state="completed"')
    check(done is not None and done >= 1, "glia_sessions{state=\"completed\"} >= 1 (got %r)" % done)
    steps = sample_value(text, "glia_learning_steps_total", None)
    check(steps is not None and steps > 0, "glia_learning_steps_total > 0 (got %r)" % steps)
    check(re.search(r'^glia_http_requests_total\{route="/v1/sessions/\{name\}/run",'
                    r'method="POST",code="2xx"\} [1-9]', text, re.M) is not None,
          "glia_http_requests_total counts POST /v1/sessions/{name}/run as 2xx")
    check(re.search(r'^glia_http_request_duration_seconds_bucket\{le="\+Inf"\} [1-9]',
                    text, re.M) is not None, "the latency histogram has observations")


def check_logs(log_path):
    with open(log_path, encoding="utf-8", errors="replace") as f:
        lines = [l for l in f.read().splitlines() if l.strip()]
    check(len(lines) > 0, "gliad wrote log lines")
    records, bad = [], []
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            bad.append(line)
            continue
        if not isinstance(rec, dict):
            bad.append(line)
            continue
        records.append(rec)
    check(not bad, "every log line is a JSON object (not: %r)" % bad[:3])
    missing = [r for r in records
               if not (isinstance(r.get("time"), str) and ISO_TIME.match(r["time"])
                       and isinstance(r.get("level"), str) and r["level"]
                       and isinstance(r.get("message"), str))]
    check(not missing, "every log line has time (RFC 3339 UTC), level and message (not: %r)"
          % missing[:3])
    requests_ = [r for r in records if r.get("message") == "request"]
    check(len(requests_) >= 5, "request lines were logged (%d)" % len(requests_))
    badreq = [r for r in requests_
              if not (isinstance(r.get("method"), str) and isinstance(r.get("path"), str)
                      and isinstance(r.get("route"), str)
                      and isinstance(r.get("status"), int) and not isinstance(r.get("status"), bool)
                      and isinstance(r.get("duration"), (int, float))
                      and r.get("duration") >= 0)]
    check(not badreq, "request lines carry method, path, route, status (int), duration (s) "
          "(not: %r)" % badreq[:3])
    run = [r for r in requests_ if r.get("route") == "/v1/sessions/{name}/run"]
    check(any(r.get("path") == "/v1/sessions/%s/run" % SESSION and r.get("method") == "POST"
              and r.get("status") == 202 for r in run),
          "POST /v1/sessions/%s/run is logged with route /v1/sessions/{name}/run, status 202"
          % SESSION)
    check(any(r.get("route") == "/metrics" and r.get("status") == 200 for r in requests_),
          "GET /metrics is logged with route /metrics")
    check(any(r.get("status") == 401 for r in requests_), "the 401 on /v1 is logged")
    changes = [r for r in records if r.get("session") == SESSION]
    check(any("completed" in r.get("message", "") for r in changes),
          "the session's state changes are logged with session=%s" % SESSION)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gliad", required=True)
    ap.add_argument("--promtool", required=True)
    ap.add_argument("--healthcheck", required=True)
    ap.add_argument("--out")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="glia-deploy-") as tmp:
        port_file = os.path.join(tmp, "port")
        token_file = os.path.join(tmp, "token")
        log_path = os.path.join(tmp, "gliad.log")
        with open(token_file, "w") as f:
            f.write(TOKEN + "\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GLIA_")}
        env["GLIA_TOKEN_FILE"] = token_file
        cmd = [args.gliad, "serve", "--listen", "127.0.0.1:0", "--data-dir",
               os.path.join(tmp, "data"), "--port-file", port_file, "--log-format", "json",
               "--workers", "2"]
        print("+ GLIA_TOKEN_FILE=%s %s" % (token_file, " ".join(cmd)))
        with open(log_path, "w") as log:
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)
        try:
            port = wait_for_port(proc, port_file, 60)
            if not check(port is not None, "gliad started and wrote its port"):
                return 1
            for path in ("/healthz", "/readyz"):
                status, _, _ = request(port, "GET", path)
                check(status == 200, "GET %s without a token: 200 (got %d)" % (path, status))
            status, _, _ = request(port, "GET", "/v1/sessions")
            check(status == 401, "GET /v1/sessions without the token: 401 (got %d)" % status)
            check(run_healthcheck(args.healthcheck, port) == 0,
                  "the image's HEALTHCHECK script passes against gliad")

            status, _, body = request(port, "POST", "/v1/sessions",
                                      {"name": SESSION, "export_metrics": True}, TOKEN)
            check(status == 201, "POST /v1/sessions {export_metrics: true}: 201 (got %d%s)"
                  % (status, "" if status == 201 else ": " + body[:300].decode(errors="replace")))
            status, _, body = request(port, "POST", "/v1/sessions/%s/run" % SESSION,
                                      {"episodes": EPISODES}, TOKEN)
            check(status == 202, "POST .../run {episodes: %d}: 202 (got %d%s)"
                  % (EPISODES, status,
                     "" if status == 202 else ": " + body[:300].decode(errors="replace")))
            state, deadline = None, time.monotonic() + 240
            while time.monotonic() < deadline:
                status, _, body = request(port, "GET", "/v1/sessions/%s" % SESSION, token=TOKEN)
                state = json.loads(body).get("state") if status == 200 else None
                if state in ("completed", "failed", "cancelled"):
                    break
                time.sleep(0.1)
            if not check(state == "completed", "the session completed (state %r)" % state):
                return 1
            check_metrics(port, args.promtool, args.out)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            with open(log_path, encoding="utf-8", errors="replace") as f:
                log_text = f.read()
        check(proc.returncode == 0, "SIGTERM: gliad exits 0 (got %r)" % proc.returncode)
        check(run_healthcheck(args.healthcheck, port) != 0,
              "the HEALTHCHECK script fails once gliad is gone")
        check_logs(log_path)
        if failures:
            sys.stdout.write("--- gliad log ---\n" + log_text[-4000:])

    print("%d checks failed" % len(failures) if failures else "all live checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
