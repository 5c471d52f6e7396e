#!/usr/bin/env python3
"""check_deploy.py: static checks of the deployment files against each other and gliad.

  check_deploy.py --root REPO [--metrics SCRAPE] [--promtool PATH] [--kubectl PATH]
                  [--systemd-analyze PATH --gliad PATH]

Checks, each printed as ok/FAIL:
  - every YAML (all documents) and JSON file under deploy/ parses;
  - deploy/docker-compose.yml: services gliad, prometheus and grafana; gliad built from
    the repository's Dockerfile, a named volume on /var/lib/glia, port 8080, a token
    (GLIA_TOKEN, or GLIA_TOKEN_FILE on a compose secret); every bind-mounted file exists;
    Prometheus and Grafana get the files below mounted where their configs expect them;
  - deploy/prometheus/prometheus.yml scrapes gliad:8080/metrics every 5s;
  - the Grafana datasource and dashboard provider agree with compose and the dashboard;
  - deploy/grafana/dashboards/glia.json: schemaVersion, unique panel ids, no overlapping
    panels, every panel on the provisioned datasource with targets whose expressions use
    only metric names gliad exports (taken from server/metrics.c and, with --metrics,
    also from a live scrape, which must agree), covering the metrics the dashboard is
    for; with --promtool the expressions also parse as PromQL;
  - deploy/systemd/gliad.service: the required sandboxing and lifecycle keys; with
    --systemd-analyze, `systemd-analyze verify` accepts it;
  - deploy/k8s/: StatefulSet, Services, example Secret and kustomization are consistent
    (probes on /healthz and /readyz, GLIA_TOKEN from the Secret, non-root, read-only root
    filesystem, fsGroup, volume claim on /var/lib/glia, scrape annotations, 30 s grace);
    with --kubectl, `kubectl kustomize` renders it;
  - deploy/slurm/experiment.sbatch: bash, #SBATCH directives, shard K/N of the array
    with ${GLIAD:-gliad} into OUTDIR/part-K.json; with --gliad, three tasks run by hand
    with Slurm's variables merge to the unsharded study, and an array 0-2 is refused;
  - deploy/k8s/experiment-job.yaml: an Indexed Job (JOB_COMPLETION_INDEX -> --shard
    i+1/N, GLIA_SHARDS = completions) and a merge Job on one ReadWriteMany claim, non-root,
    read-only root, the server's image, not in the kustomization; with --gliad their
    scripts run here for every index and the merge prints the unsharded study;
  - README.md or docs/*.md shows the Sweeps and Scale out paths (sbatch, afterok, merge,
    kubectl);
  - Dockerfile: debian:bookworm build stage with the -dev packages of every pkg-config
    module CMakeLists.txt needs, Release build without tests, debian:bookworm-slim
    runtime installing only deploy/runtime-packages.txt, non-root USER, EXPOSE 8080,
    VOLUME /var/lib/glia, ENV, HEALTHCHECK, STOPSIGNAL SIGTERM, ENTRYPOINT gliad serve;
    .dockerignore keeps build and data directories and .git out but the sources in.
Exit status 0 when everything passed, 1 otherwise.
"""
import argparse
import configparser
import fnmatch
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import yaml

failures = []


def check(ok, what):
    print(("ok:   " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)
    return ok


def rel(root, path):
    return os.path.relpath(path, root)


# ---- parsing every file ----------------------------------------------------------------

def load_all(root):
    """{relative path: [documents]} of every YAML and JSON file under deploy/."""
    docs = {}
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, "deploy")):
        dirnames[:] = sorted(d for d in dirnames if d != "secrets")
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            r = rel(root, path)
            try:
                with open(path, encoding="utf-8") as f:
                    if name.endswith((".yml", ".yaml")):
                        docs[r] = [d for d in yaml.safe_load_all(f) if d is not None]
                    elif name.endswith(".json"):
                        docs[r] = [json.load(f)]
                    else:
                        continue
                check(len(docs[r]) > 0, "%s parses (%d document%s)" %
                      (r, len(docs[r]), "" if len(docs[r]) == 1 else "s"))
            except (yaml.YAMLError, ValueError) as e:
                check(False, "%s parses: %s" % (r, e))
    return docs


# ---- metric names ----------------------------------------------------------------------

def families_from_source(root):
    """{family: type} declared in server/metrics.c."""
    with open(os.path.join(root, "server", "metrics.c"), encoding="utf-8") as f:
        src = f.read()
    fams = {m.group(1): m.group(2)
            for m in re.finditer(r'header\(&o,\s*"(glia_\w+)",\s*"(\w+)"', src)}
    # The per-session gauges are declared in a table and emitted in a loop.
    for m in re.finditer(r'\{"(glia_session_\w+)",\s*"\w+",', src):
        fams[m.group(1)] = "gauge"
    return fams


def families_from_scrape(path):
    fams = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"# TYPE (\S+) (\S+)", line)
            if m:
                fams[m.group(1)] = m.group(2)
    return fams


def series_names(fams):
    names = set()
    for fam, typ in fams.items():
        if typ == "histogram":
            names.update(fam + s for s in ("_bucket", "_sum", "_count"))
        elif typ == "summary":
            names.update((fam, fam + "_sum", fam + "_count"))
        else:
            names.add(fam)
    return names


PROMQL_WORDS = {
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
    "count_values", "group", "by", "without", "on", "ignoring", "group_left", "group_right",
    "and", "or", "unless", "bool", "offset", "inf", "nan",
}


def metric_names_in(expr):
    """Metric names an expression selects: identifiers not followed by '(' that are not
    keywords, label names inside {...} or by/without (...) lists, or durations."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)        # string literals
    e = re.sub(r"\{[^}]*\}", "{}", e)                    # label matchers
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    e = re.sub(r"\[[^\]]*\]", "[]", e)                   # range durations
    e = re.sub(r"\$\{?\w+\}?", " ", e)                   # Grafana variables
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
        word, rest = m.group(0), e[m.end():].lstrip()
        if rest.startswith("(") or word.lower() in PROMQL_WORDS:
            continue
        if re.fullmatch(r"\d+[smhdwy]", word):
            continue
        names.add(word)
    return names


# ---- docker-compose.yml ----------------------------------------------------------------

def check_compose(root, docs):
    path = "deploy/docker-compose.yml"
    if not check(path in docs, "%s exists" % path):
        return {}
    c = docs[path][0]
    services = c.get("services") or {}
    for s in ("gliad", "prometheus", "grafana"):
        check(s in services, "compose: service %s" % s)
    declared_vols = set((c.get("volumes") or {}).keys())
    deploy_dir = os.path.join(root, "deploy")

    def mounts(svc):
        out = []
        for v in (services.get(svc) or {}).get("volumes") or []:
            if isinstance(v, str):
                parts = v.split(":")
                out.append((parts[0], parts[1] if len(parts) > 1 else parts[0]))
            elif isinstance(v, dict):
                out.append((v.get("source"), v.get("target")))
        return out

    for svc in services:
        for src, dst in mounts(svc):
            if src and (src.startswith(".") or src.startswith("/")):
                check(os.path.exists(os.path.normpath(os.path.join(deploy_dir, src))),
                      "compose: %s bind-mounts %s, which exists" % (svc, src))
            elif src:
                check(src in declared_vols,
                      "compose: %s's volume %s is declared under volumes:" % (svc, src))

    g = services.get("gliad") or {}
    build = g.get("build") or {}
    if isinstance(build, str):
        build = {"context": build}
    ctx = os.path.normpath(os.path.join(deploy_dir, build.get("context", ".")))
    check(ctx == os.path.normpath(root) and
          os.path.exists(os.path.join(ctx, build.get("dockerfile", "Dockerfile"))),
          "compose: gliad is built from the repository's Dockerfile")
    gm = mounts("gliad")
    check(any(dst == "/var/lib/glia" and src in declared_vols for src, dst in gm),
          "compose: gliad keeps /var/lib/glia on a named volume")
    ports = [str(p) for p in g.get("ports") or []]
    check(any(p.split(":")[-1].split("/")[0] == "8080" for p in ports),
          "compose: gliad publishes container port 8080 (%s)" % ports)
    env = g.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
    check(env.get("GLIA_DATA_DIR", "/var/lib/glia") == "/var/lib/glia",
          "compose: gliad's GLIA_DATA_DIR is /var/lib/glia")
    secrets = [s if isinstance(s, str) else s.get("source") for s in g.get("secrets") or []]
    top_secrets = c.get("secrets") or {}
    token_file = env.get("GLIA_TOKEN_FILE")
    by_secret = bool(token_file) and any(
        token_file == "/run/secrets/%s" % s and s in top_secrets for s in secrets)
    by_env = "GLIA_TOKEN" in env or bool(g.get("env_file"))
    check(by_secret or by_env,
          "compose: gliad gets its token (GLIA_TOKEN_FILE on a compose secret, or GLIA_TOKEN)")
    for s, spec in top_secrets.items():
        f = (spec or {}).get("file")
        if f:
            check(os.path.normpath(os.path.join(deploy_dir, f)).startswith(
                os.path.join(deploy_dir, "secrets") + os.sep),
                "compose: secret %s lives in deploy/secrets/ (git-ignored)" % s)
    check(str(g.get("stop_signal", "SIGTERM")) == "SIGTERM", "compose: gliad stops on SIGTERM")

    pm = mounts("prometheus")
    check(("./prometheus/prometheus.yml", "/etc/prometheus/prometheus.yml") in
          [(s, d) for s, d in pm],
          "compose: prometheus mounts prometheus/prometheus.yml as its config")
    check(str((services.get("prometheus") or {}).get("image", "")).startswith("prom/prometheus"),
          "compose: prometheus runs prom/prometheus")
    gf = mounts("grafana")
    check(str((services.get("grafana") or {}).get("image", "")).startswith("grafana/grafana"),
          "compose: grafana runs grafana/grafana")
    check(("./grafana/provisioning", "/etc/grafana/provisioning") in gf,
          "compose: grafana mounts grafana/provisioning on /etc/grafana/provisioning")
    dash_dst = [d for s, d in gf if s == "./grafana/dashboards"]
    check(len(dash_dst) == 1, "compose: grafana mounts grafana/dashboards")
    return {"services": services, "dashboards_at": dash_dst[0] if dash_dst else None}


# ---- Prometheus and Grafana ------------------------------------------------------------

def check_prometheus(docs, compose):
    path = "deploy/prometheus/prometheus.yml"
    if not check(path in docs, "%s exists" % path):
        return
    jobs = docs[path][0].get("scrape_configs") or []
    hits = [j for j in jobs
            if any("gliad:8080" in (sc.get("targets") or []) for sc in j.get("static_configs") or [])]
    if not check(len(hits) == 1, "prometheus: one job scrapes gliad:8080"):
        return
    j = hits[0]
    check(j.get("metrics_path", "/metrics") == "/metrics", "prometheus: path /metrics")
    check(j.get("scrape_interval") == "5s", "prometheus: gliad scraped every 5s")
    check("gliad" in compose.get("services", {}), "prometheus: target host gliad is a compose service")


def check_grafana(docs, compose):
    ds_path = "deploy/grafana/provisioning/datasources/prometheus.yml"
    pv_path = "deploy/grafana/provisioning/dashboards/glia.yml"
    uid = None
    if check(ds_path in docs, "%s exists" % ds_path):
        dss = docs[ds_path][0].get("datasources") or []
        prom = [d for d in dss if d.get("type") == "prometheus"]
        if check(len(prom) == 1, "grafana: one Prometheus datasource"):
            uid = prom[0].get("uid")
            check(bool(uid), "grafana: the datasource has a fixed uid (%r)" % uid)
            check(prom[0].get("url") == "http://prometheus:9090" and
                  "prometheus" in compose.get("services", {}),
                  "grafana: the datasource points at the compose service prometheus:9090")
    if check(pv_path in docs, "%s exists" % pv_path):
        provs = docs[pv_path][0].get("providers") or []
        paths = [(p.get("options") or {}).get("path") for p in provs if p.get("type") == "file"]
        check(compose.get("dashboards_at") in paths,
              "grafana: the dashboard provider reads %s, where compose mounts "
              "grafana/dashboards" % compose.get("dashboards_at"))
    return uid


REQUIRED_IN_DASHBOARD = [
    "glia_session_accuracy", "glia_session_accept_rate", "glia_learning_steps_total",
    "glia_session_steps_per_second", "glia_sessions", "glia_http_requests_total",
    "glia_http_request_duration_seconds_bucket", "glia_sse_streams",
    "glia_worker_queue_depth", "glia_workers_busy",
    "glia_store_checkpoint_duration_seconds_bucket",
]


def grafana_to_promql(expr):
    for var, val in (("$__rate_interval", "1m"), ("$__interval", "1m"), ("$__range", "1h")):
        expr = expr.replace(var, val)
    return re.sub(r"\$\{?\w+(:\w+)?\}?", ".*", expr)


def check_dashboard(docs, ds_uid, exported, promtool):
    path = "deploy/grafana/dashboards/glia.json"
    if not check(path in docs, "%s exists" % path):
        return
    d = docs[path][0]
    check(isinstance(d.get("schemaVersion"), int) and 36 <= d["schemaVersion"] <= 41,
          "dashboard: schemaVersion %r (Grafana 10/11)" % d.get("schemaVersion"))
    check(bool(d.get("uid")) and bool(d.get("title")), "dashboard: uid and title")
    panels = list(d.get("panels") or [])
    for p in list(panels):
        panels.extend(p.get("panels") or [])          # panels inside collapsed rows
    ids = [p.get("id") for p in panels]
    check(len(ids) == len(set(ids)) and None not in ids, "dashboard: unique panel ids")
    cells = {}
    overlap = []
    for p in (p for p in d.get("panels") or [] if "gridPos" in p):
        g = p["gridPos"]
        if g["x"] + g["w"] > 24:
            overlap.append(p.get("title"))
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    overlap.append((cells[(x, y)], p.get("title")))
                cells[(x, y)] = p.get("title")
    check(not overlap, "dashboard: panels fit the 24-column grid without overlapping %s"
          % (sorted(set(map(str, overlap)))[:3] if overlap else ""))

    exprs, used = [], set()
    for p in panels:
        if p.get("type") == "row":
            continue
        title = p.get("title")
        ds = p.get("datasource") or {}
        check(isinstance(ds, dict) and ds.get("uid") == ds_uid and ds.get("type") == "prometheus",
              "dashboard: panel %r uses the provisioned datasource %r" % (title, ds_uid))
        targets = p.get("targets") or []
        check(len(targets) > 0, "dashboard: panel %r has targets" % title)
        refs = [t.get("refId") for t in targets]
        check(len(refs) == len(set(refs)), "dashboard: panel %r refIds are unique" % title)
        for t in targets:
            expr = t.get("expr") or ""
            tds = t.get("datasource", ds)
            check(tds.get("uid") == ds_uid if isinstance(tds, dict) else False,
                  "dashboard: %r target %s on the provisioned datasource" % (title, t.get("refId")))
            names = metric_names_in(expr)
            unknown = sorted(n for n in names if n not in exported)
            check(names and not unknown,
                  "dashboard: %r %s: %s uses only exported metrics%s" %
                  (title, t.get("refId"), expr, " (unknown: %s)" % unknown if unknown else ""))
            used |= names
            exprs.append(expr)
    for v in (d.get("templating") or {}).get("list") or []:
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        if v.get("type") == "query" and q:
            m = re.match(r"label_values\((\w+),\s*(\w+)\)", q)
            check(m is not None and m.group(1) in exported,
                  "dashboard: variable $%s comes from exported metric (%s)" % (v.get("name"), q))
    missing = [n for n in REQUIRED_IN_DASHBOARD if n not in used]
    check(not missing, "dashboard: shows every metric it is meant to%s" %
          (" (missing: %s)" % missing if missing else ""))
    for hist in ("glia_http_request_duration_seconds_bucket",
                 "glia_store_checkpoint_duration_seconds_bucket"):
        check(any(("histogram_quantile(0.99" in e.replace(" ", "")) and hist in e for e in exprs),
              "dashboard: p99 from %s via histogram_quantile" % hist)
    check(any("histogram_quantile(0.5" in e.replace(" ", "") and
              "glia_http_request_duration_seconds_bucket" in e for e in exprs),
          "dashboard: HTTP p50 via histogram_quantile")
    check(any(re.search(r"rate\(glia_http_requests_total\[1m\]\)", e) for e in exprs),
          "dashboard: rate(glia_http_requests_total[1m])")
    check(any(re.search(r"rate\(glia_learning_steps_total\[1m\]\)", e) for e in exprs),
          "dashboard: rate(glia_learning_steps_total[1m])")

    if promtool:
        rules = {"groups": [{"name": "dashboard", "rules": [
            {"record": "glia_dashboard:expr_%d" % i, "expr": grafana_to_promql(e)}
            for i, e in enumerate(exprs)]}]}
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
            yaml.safe_dump(rules, f)
        try:
            p = subprocess.run([promtool, "check", "rules", f.name], capture_output=True,
                               text=True, timeout=60)
        finally:
            os.unlink(f.name)
        check(p.returncode == 0, "dashboard: all %d expressions parse as PromQL (promtool "
              "check rules)%s" % (len(exprs), "" if p.returncode == 0 else ": " + p.stdout + p.stderr))


# ---- systemd ---------------------------------------------------------------------------

def parse_unit(path):
    """{section: {key: [values]}}; systemd keys may repeat."""
    sections, cur = {}, None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("[") and line.endswith("]"):
                cur = sections.setdefault(line[1:-1], {})
                continue
            k, _, v = line.partition("=")
            if cur is None or not _:
                raise ValueError("not a unit file line: %r" % line)
            cur.setdefault(k.strip(), []).append(v.strip())
    return sections


UNIT_REQUIRED = {
    "DynamicUser": "yes", "StateDirectory": "glia", "ProtectSystem": "strict",
    "ProtectHome": "yes", "PrivateTmp": "yes", "NoNewPrivileges": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "SystemCallFilter": "@system-service", "CapabilityBoundingSet": "",
    "LockPersonality": "yes", "MemoryDenyWriteExecute": "yes",
    "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes", "RestrictNamespaces": "yes",
    "RestrictRealtime": "yes", "RestrictSUIDSGID": "yes", "LimitNOFILE": "65536",
    "KillSignal": "SIGTERM", "TimeoutStopSec": "30", "Restart": "on-failure",
}


def check_systemd(root, analyze, gliad):
    path = os.path.join(root, "deploy", "systemd", "gliad.service")
    try:
        unit = parse_unit(path)
    except (OSError, ValueError) as e:
        check(False, "systemd: %s parses: %s" % (rel(root, path), e))
        return
    check(True, "systemd: %s parses" % rel(root, path))
    for s in ("Unit", "Service", "Install"):
        check(s in unit, "systemd: [%s] section" % s)
    svc = unit.get("Service", {})
    for k, v in UNIT_REQUIRED.items():
        check(v in svc.get(k, []), "systemd: %s=%s" % (k, v))
    execs = svc.get("ExecStart", [])
    check(len(execs) == 1 and shlex.split(execs[0])[1:2] == ["serve"],
          "systemd: ExecStart runs `gliad serve` (%s)" % execs)
    envs = " ".join(svc.get("Environment", []))
    check("GLIA_DATA_DIR=/var/lib/glia" in envs, "systemd: Environment=GLIA_DATA_DIR=/var/lib/glia")
    check("GLIA_TOKEN_FILE=%d/token" in envs, "systemd: Environment=GLIA_TOKEN_FILE=%d/token")
    creds = [c.split(":", 1)[0] for c in svc.get("LoadCredential", [])]
    check("token" in creds, "systemd: LoadCredential=token:... supplies %d/token")
    check("multi-user.target" in unit.get("Install", {}).get("WantedBy", []),
          "systemd: WantedBy=multi-user.target")
    env_path = os.path.join(root, "deploy", "systemd", "gliad.env")
    bad = []
    with open(env_path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not re.fullmatch(r"GLIA_[A-Z_]+=\S*", line):
                bad.append(line)
            elif line.split("=")[0] in ("GLIA_TOKEN", "GLIA_TOKEN_FILE", "GLIA_DATA_DIR"):
                bad.append(line)
    check(not bad, "systemd: gliad.env sets only GLIA_* options, no token or data dir %s"
          % (bad if bad else ""))
    flags_src = open(os.path.join(root, "server", "flags.c"), encoding="utf-8").read()
    known = set(re.findall(r'"(GLIA_[A-Z_]+)"', flags_src))
    with open(env_path, encoding="utf-8") as f:
        used = set(re.findall(r"^#?\s*(GLIA_[A-Z_]+)=", f.read(), re.M))
    check(used <= known, "systemd: gliad.env names only variables gliad reads %s"
          % (sorted(used - known) if used - known else ""))
    if analyze and gliad:
        with tempfile.TemporaryDirectory() as tmp:
            text = open(path, encoding="utf-8").read().replace("/usr/local/bin/gliad",
                                                               os.path.abspath(gliad))
            copy = os.path.join(tmp, "gliad.service")
            with open(copy, "w") as f:
                f.write(text)
            p = subprocess.run([analyze, "verify", copy], capture_output=True, text=True,
                               timeout=60)
            out = (p.stdout + p.stderr).strip()
            check(p.returncode == 0 and "gliad.service" not in out,
                  "systemd: systemd-analyze verify accepts the unit%s" % (": " + out if out else ""))


# ---- Kubernetes ------------------------------------------------------------------------

def check_k8s(root, docs, kubectl):
    k8s = {r: ds for r, ds in docs.items() if r.startswith("deploy/k8s/")}
    objs = [(r, o) for r, ds in k8s.items() for o in ds if isinstance(o, dict)]
    kinds = {}
    for r, o in objs:
        kinds.setdefault(o.get("kind"), []).append((r, o))
    for kind in ("StatefulSet", "Service", "Secret", "Kustomization"):
        check(kind in kinds, "k8s: a %s" % kind)
    for r, o in objs:
        if o.get("kind") != "Kustomization":
            check("namespace" not in (o.get("metadata") or {}),
                  "k8s: %s %s is namespace-less" % (o.get("kind"), (o.get("metadata") or {}).get("name")))
    if "StatefulSet" not in kinds:
        return
    ss = kinds["StatefulSet"][0][1]
    spec = ss.get("spec") or {}
    check(spec.get("replicas") == 1, "k8s: StatefulSet has 1 replica")
    tpl = spec.get("template") or {}
    pod = tpl.get("spec") or {}
    labels = (tpl.get("metadata") or {}).get("labels") or {}
    sel = (spec.get("selector") or {}).get("matchLabels") or {}
    check(sel and all(labels.get(k) == v for k, v in sel.items()),
          "k8s: the StatefulSet selector matches its pod labels")
    ann = (tpl.get("metadata") or {}).get("annotations") or {}
    check(ann.get("prometheus.io/scrape") == "true" and str(ann.get("prometheus.io/port")) == "8080"
          and ann.get("prometheus.io/path", "/metrics") == "/metrics",
          "k8s: pod annotations prometheus.io/scrape, port 8080, path /metrics")
    check(pod.get("terminationGracePeriodSeconds") == 30, "k8s: terminationGracePeriodSeconds 30")
    psc = pod.get("securityContext") or {}
    check(psc.get("runAsNonRoot") is True and (psc.get("runAsUser") or 0) > 0 and "fsGroup" in psc,
          "k8s: pod runs as non-root with an fsGroup")
    cs = [c for c in pod.get("containers") or [] if c.get("name") == "gliad"]
    if not check(len(cs) == 1, "k8s: a container named gliad"):
        return
    c = cs[0]
    csc = c.get("securityContext") or {}
    check(csc.get("readOnlyRootFilesystem") is True and csc.get("allowPrivilegeEscalation") is False,
          "k8s: read-only root filesystem, no privilege escalation")
    env = {e.get("name"): e for e in c.get("env") or []}
    ref = ((env.get("GLIA_TOKEN") or {}).get("valueFrom") or {}).get("secretKeyRef") or {}
    secrets = {(o.get("metadata") or {}).get("name"): o for _, o in kinds.get("Secret", [])}
    sec = secrets.get(ref.get("name"))
    check(sec is not None and ref.get("key") in ((sec.get("stringData") or {}) | (sec.get("data") or {})),
          "k8s: GLIA_TOKEN comes from the example Secret's key (%s/%s)" % (ref.get("name"), ref.get("key")))
    if sec is not None:
        vals = " ".join(str(v) for v in (sec.get("stringData") or {}).values())
        check("REPLACE" in vals.upper() and "placeholder" in vals.lower(),
              "k8s: the example Secret's value is a marked placeholder")
    check((env.get("GLIA_DATA_DIR") or {}).get("value") == "/var/lib/glia",
          "k8s: GLIA_DATA_DIR=/var/lib/glia")
    listen = str((env.get("GLIA_LISTEN") or {}).get("value", ""))
    check(listen.endswith(":8080") and not listen.startswith("127."),
          "k8s: gliad listens on all interfaces, port 8080 (%s)" % listen)
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
    check(8080 in ports.values(), "k8s: containerPort 8080")

    def probe_port(pr):
        port = ((pr or {}).get("httpGet") or {}).get("port")
        return ports.get(port) if isinstance(port, str) else port

    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        pr = c.get(probe) or {}
        check(((pr.get("httpGet") or {}).get("path") == path) and probe_port(pr) == 8080,
              "k8s: %s GET %s on 8080" % (probe, path))
    res = c.get("resources") or {}
    check(bool(res.get("requests")) and bool(res.get("limits")), "k8s: resources requests and limits")
    claims = [(v.get("metadata") or {}).get("name") for v in spec.get("volumeClaimTemplates") or []]
    mounts = {m.get("name"): m.get("mountPath") for m in c.get("volumeMounts") or []}
    check(any(mounts.get(n) == "/var/lib/glia" for n in claims),
          "k8s: a volumeClaimTemplate is mounted on /var/lib/glia")
    ro_ok = all(m in ("/var/lib/glia",) or any(
        v.get("name") == n and "emptyDir" in v for v in pod.get("volumes") or [])
        for n, m in mounts.items())
    check(ro_ok and "/tmp" in mounts.values(),
          "k8s: writable paths are the claim and an emptyDir on /tmp")

    svcs = {(o.get("metadata") or {}).get("name"): o for _, o in kinds.get("Service", [])}
    gov = svcs.get(spec.get("serviceName"))
    check(gov is not None and (gov.get("spec") or {}).get("clusterIP") == "None",
          "k8s: serviceName %r is a headless Service" % spec.get("serviceName"))
    for name, s in svcs.items():
        sspec = s.get("spec") or {}
        ssel = sspec.get("selector") or {}
        check(ssel and all(labels.get(k) == v for k, v in ssel.items()),
              "k8s: Service %s selects the gliad pods" % name)
        sp = sspec.get("ports") or []
        check(any(p.get("port") == 8080 and (p.get("targetPort") in (8080, None) or
                                             ports.get(p.get("targetPort")) == 8080) for p in sp),
              "k8s: Service %s port 8080 -> container 8080" % name)

    kpath, kust = kinds.get("Kustomization", [(None, None)])[0]
    if kust is not None:
        kdir = os.path.dirname(os.path.join(root, kpath))
        res_files = kust.get("resources") or []
        check(all(os.path.exists(os.path.join(kdir, f)) for f in res_files),
              "k8s: kustomization resources exist (%s)" % res_files)
        covered = {os.path.join("deploy/k8s", f) for f in res_files}
        for r, ds in k8s.items():
            kinds_in = {o.get("kind") for o in ds}
            if kinds_in & {"StatefulSet", "Service"}:
                check(r in covered, "k8s: kustomization includes %s" % r)
            if "Secret" in kinds_in:
                check(r not in covered, "k8s: kustomization leaves out the placeholder Secret %s" % r)
        check("namespace" not in kust, "k8s: kustomization sets no namespace")
        if kubectl:
            p = subprocess.run([kubectl, "kustomize", kdir], capture_output=True, text=True,
                               timeout=120)
            ok = p.returncode == 0
            if ok:
                rendered = [o for o in yaml.safe_load_all(p.stdout) if o]
                ok = {"StatefulSet", "Service"} <= {o.get("kind") for o in rendered}
            check(ok, "k8s: kubectl kustomize renders the StatefulSet and Services%s" %
                  ("" if ok else ": " + p.stderr.strip()))


# ---- studies at scale: the Slurm array script and the Kubernetes Indexed Job ------------

SCALE_STUDY = """{"name": "scale", "base": {"preset": "cursor"},
 "sweep": {"grid": {"/training/perturbation_std": [0.05, 0.2], "/learner/cursor/radius": [1.5, 3]}},
 "seeds": [1, 2, 3], "episodes": 60}
"""


def unsharded(gliad, study, fmt):
    p = subprocess.run([gliad, "experiment", study, "--format", fmt], capture_output=True,
                       text=True, timeout=300)
    return p.stdout if p.returncode == 0 else None


def check_slurm_script(root, gliad):
    """deploy/slurm/experiment.sbatch: its shape, and (with --gliad) three tasks run by
    hand with Slurm's variables, merged: the unsharded study. The real cluster is
    tests/deploy/check_slurm.py."""
    path = os.path.join(root, "deploy", "slurm", "experiment.sbatch")
    if not check(os.path.isfile(path), "slurm: deploy/slurm/experiment.sbatch exists"):
        return
    text = open(path, encoding="utf-8").read()
    check(os.access(path, os.X_OK), "slurm: experiment.sbatch is executable")
    check(text.startswith("#!/bin/bash\n"), "slurm: experiment.sbatch is a bash script")
    p = subprocess.run(["bash", "-n", path], capture_output=True, text=True, timeout=30)
    check(p.returncode == 0, "slurm: bash -n accepts experiment.sbatch %s" % p.stderr.strip())
    directives = re.findall(r"^#SBATCH\s+(--[a-z-]+)(?:=(\S+))?", text, re.M)
    check(dict(directives).get("--cpus-per-task") is not None,
          "slurm: #SBATCH directives parse and set --cpus-per-task (%s)" % directives)
    for needle, what in (("SLURM_ARRAY_TASK_ID", "K is the array task id"),
                         ("SLURM_ARRAY_TASK_COUNT", "N is the array's task count"),
                         ('--shard "$k/$n"', "it runs --shard K/N"),
                         ("${GLIAD:-gliad}", "gliad is ${GLIAD:-gliad}"),
                         ('part-$k.json', "it writes OUTDIR/part-K.json"),
                         ("${SLURM_CPUS_PER_TASK:-1}", "threads = the CPUs Slurm gave the task")):
        check(needle in text, "slurm: %s (%s)" % (what, needle))
    if not gliad:
        return
    with tempfile.TemporaryDirectory() as tmp:
        study = os.path.join(tmp, "study.json")
        with open(study, "w") as f:
            f.write(SCALE_STUDY)
        out = os.path.join(tmp, "out")
        base = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
        for k in (1, 2, 3):
            env = dict(base, GLIAD=os.path.abspath(gliad), SLURM_ARRAY_TASK_ID=str(k),
                       SLURM_ARRAY_TASK_COUNT="3", SLURM_ARRAY_TASK_MIN="1",
                       SLURM_ARRAY_TASK_MAX="3", SLURM_ARRAY_TASK_STEP="1", SLURM_JOB_ID=str(100 + k))
            p = subprocess.run(["bash", path, study, out], env=env, capture_output=True, text=True,
                               timeout=300)
            check(p.returncode == 0, "slurm: task %d/3 runs by hand %s" % (k, p.stderr.strip()))
        names = sorted(os.listdir(out)) if os.path.isdir(out) else []
        check(names == ["part-1.json", "part-2.json", "part-3.json"],
              "slurm: the tasks leave exactly part-1..3.json (%s)" % names)
        p = subprocess.run([gliad, "experiment", "merge"] +
                           [os.path.join(out, n) for n in names] + ["--format", "md"],
                           capture_output=True, text=True, timeout=120)
        check(p.returncode == 0 and p.stdout == unsharded(gliad, study, "md"),
              "slurm: the merged parts are the unsharded study %s" % p.stderr.strip())
        # an array that does not start at 1 is refused, and leaves nothing
        env = dict(base, GLIAD=os.path.abspath(gliad), SLURM_ARRAY_TASK_ID="0",
                   SLURM_ARRAY_TASK_COUNT="3", SLURM_ARRAY_TASK_MIN="0", SLURM_ARRAY_TASK_MAX="2",
                   SLURM_JOB_ID="200")
        out0 = os.path.join(tmp, "out0")
        p = subprocess.run(["bash", path, study, out0], env=env, capture_output=True, text=True,
                           timeout=60)
        check(p.returncode == 2 and "1-N" in p.stderr and not os.path.exists(os.path.join(out0, "part-0.json")),
              "slurm: an array 0-2 is refused with a message (%d: %s)" % (p.returncode, p.stderr.strip()))


def check_k8s_study(root, docs, gliad):
    """deploy/k8s/experiment-job.yaml: an Indexed Job of shards and a merge Job on one
    claim; with --gliad, their scripts run here (paths mapped to a temp dir) for every
    index and the merge report is the unsharded study."""
    r = "deploy/k8s/experiment-job.yaml"
    if not check(r in docs, "k8s study: %s exists" % r):
        return
    objs = docs[r]
    jobs = {(o.get("metadata") or {}).get("name"): o for o in objs if o.get("kind") == "Job"}
    pvcs = {(o.get("metadata") or {}).get("name"): o for o in objs
            if o.get("kind") == "PersistentVolumeClaim"}
    indexed = [j for j in jobs.values() if (j.get("spec") or {}).get("completionMode") == "Indexed"]
    merges = [j for j in jobs.values() if (j.get("spec") or {}).get("completionMode") != "Indexed"]
    if not check(len(indexed) == 1 and len(merges) == 1,
                 "k8s study: one Indexed Job (shards) and one merge Job (%s)" % sorted(jobs)):
        return
    shard, merge = indexed[0], merges[0]
    n = (shard.get("spec") or {}).get("completions")
    check(isinstance(n, int) and n >= 1 and (shard["spec"].get("parallelism") or 0) >= 1,
          "k8s study: completions N = %s, parallelism set" % n)
    ss_image = None
    for ds in docs.values():
        for o in ds:
            if isinstance(o, dict) and o.get("kind") == "StatefulSet":
                ss_image = ((((o.get("spec") or {}).get("template") or {}).get("spec") or {})
                            .get("containers") or [{}])[0].get("image")
    scripts = {}
    for role, job in (("shard", shard), ("merge", merge)):
        pod = ((job.get("spec") or {}).get("template") or {}).get("spec") or {}
        cs = pod.get("containers") or []
        if not check(len(cs) == 1, "k8s study: the %s Job has one container" % role):
            return
        c = cs[0]
        env = {e.get("name"): e for e in c.get("env") or []}
        check(pod.get("restartPolicy") == "Never", "k8s study: %s: restartPolicy Never" % role)
        psc = pod.get("securityContext") or {}
        check(psc.get("runAsNonRoot") is True and (psc.get("runAsUser") or 0) > 0,
              "k8s study: %s runs as non-root" % role)
        csc = c.get("securityContext") or {}
        check(csc.get("readOnlyRootFilesystem") is True and csc.get("allowPrivilegeEscalation") is False,
              "k8s study: %s: read-only root filesystem, no privilege escalation" % role)
        check(c.get("image") == ss_image, "k8s study: %s uses the server's image %s" % (role, ss_image))
        check(c.get("command") == ["/bin/sh", "-c"] and len(c.get("args") or []) == 1,
              "k8s study: %s replaces the image's entrypoint with a shell script" % role)
        check(str((env.get("GLIA_SHARDS") or {}).get("value")) == str(n),
              "k8s study: %s: GLIA_SHARDS equals completions (%s)" % (role, n))
        mounts = {m.get("name"): m.get("mountPath") for m in c.get("volumeMounts") or []}
        vols = {v.get("name"): v for v in pod.get("volumes") or []}
        claims = [name for name, v in vols.items() if "persistentVolumeClaim" in v]
        check(len(claims) == 1 and mounts.get(claims[0]) == "/parts" and
              vols[claims[0]]["persistentVolumeClaim"].get("claimName") in pvcs,
              "k8s study: %s mounts the parts claim defined in the file on /parts" % role)
        scripts[role] = (c.get("args") or [""])[0]
        if role == "shard":
            cms = [name for name, v in vols.items() if "configMap" in v]
            check(len(cms) == 1 and mounts.get(cms[0]) == "/study",
                  "k8s study: the study ConfigMap is mounted on /study")
            ref = ((env.get("GLIA_THREADS") or {}).get("valueFrom") or {}).get("resourceFieldRef") or {}
            check(ref.get("resource") == "limits.cpu" and ref.get("containerName") == c.get("name"),
                  "k8s study: threads = the shard container's CPU limit")
            for needle in ("JOB_COMPLETION_INDEX + 1", '--shard "$k/$GLIA_SHARDS"',
                           "/study/study.json", '"/parts/part-$k.json"'):
                check(needle in scripts[role], "k8s study: the shard script has %s" % needle)
        else:
            check("gliad experiment merge" in scripts[role], "k8s study: the merge Job merges")
    for name, pvc in pvcs.items():
        check("ReadWriteMany" in ((pvc.get("spec") or {}).get("accessModes") or []),
              "k8s study: the claim %s is ReadWriteMany (every shard writes)" % name)
    kust = [o for ds in docs.values() for o in ds if isinstance(o, dict) and o.get("kind") == "Kustomization"]
    check(all("experiment-job.yaml" not in (k.get("resources") or []) for k in kust),
          "k8s study: kustomization.yaml does not start a study")
    if not gliad:
        return
    with tempfile.TemporaryDirectory() as tmp:
        for d in ("study", "parts", "bin"):
            os.makedirs(os.path.join(tmp, d))
        with open(os.path.join(tmp, "study", "study.json"), "w") as f:
            f.write(SCALE_STUDY)
        os.symlink(os.path.abspath(gliad), os.path.join(tmp, "bin", "gliad"))

        def here(script):
            return script.replace("/parts", os.path.join(tmp, "parts")).replace(
                "/study/", os.path.join(tmp, "study") + "/")

        env = dict(os.environ, PATH=os.path.join(tmp, "bin") + ":" + os.environ.get("PATH", ""),
                   GLIA_SHARDS=str(n), GLIA_THREADS="1")
        for i in range(n):
            p = subprocess.run(["/bin/sh", "-c", here(scripts["shard"])], capture_output=True,
                               text=True, timeout=300,
                               env=dict(env, JOB_COMPLETION_INDEX=str(i), HOSTNAME="pod-%d" % i))
            check(p.returncode == 0, "k8s study: the shard script runs for index %d %s" %
                  (i, p.stderr.strip()))
        names = sorted(os.listdir(os.path.join(tmp, "parts")))
        check(names == ["part-%d.json" % k for k in range(1, n + 1)],
              "k8s study: the shards leave part-1..%d.json (%s)" % (n, names))
        try:
            p = subprocess.run(["/bin/sh", "-c", here(scripts["merge"])], capture_output=True,
                               text=True, timeout=120, env=env)
            ok = p.returncode == 0
        except subprocess.TimeoutExpired:
            ok, p = False, None
        study = os.path.join(tmp, "study", "study.json")
        check(ok and p.stdout == unsharded(gliad, study, "md"),
              "k8s study: the merge Job prints the unsharded study's Markdown report")
        try:
            with open(os.path.join(tmp, "parts", "report.json")) as f:
                report = f.read()
        except OSError:
            report = None
        check(report == unsharded(gliad, study, "json"),
              "k8s study: the merge Job writes the unsharded study's JSON as report.json")


def check_readme_scale(root):
    """The documentation (README.md and docs/*.md) shows the sweep and scale-out paths."""
    docs = os.path.join(root, "docs")
    paths = [os.path.join(root, "README.md")]
    paths += sorted(glob.glob(os.path.join(docs, "*.md")))
    texts = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            texts[os.path.relpath(path, root)] = f.read()
    for needle in ("## Sweeps", "## Scale out", "--array=1-N deploy/slurm/experiment.sbatch",
                   "--dependency=afterok", "gliad experiment merge",
                   "kubectl apply -f deploy/k8s/experiment-job.yaml"):
        where = [name for name, text in texts.items() if needle in text]
        check(bool(where), "the docs show %s%s" % (needle, " (%s)" % ", ".join(where) if where else ""))


# ---- Dockerfile ------------------------------------------------------------------------

def dockerfile_instructions(path):
    """[(INSTRUCTION, args)] with comments dropped and continuation lines joined."""
    out, buf = [], ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.strip().startswith("#"):
                continue
            if line.rstrip().endswith("\\"):
                buf += line.rstrip()[:-1] + " "
                continue
            buf += line
            if buf.strip():
                word, _, args = buf.strip().partition(" ")
                out.append((word.upper(), args.strip()))
            buf = ""
    return out


def cmake_pkg_modules(root):
    with open(os.path.join(root, "CMakeLists.txt"), encoding="utf-8") as f:
        src = f.read()
    mods = re.findall(r"pkg_check_modules\(\s*\w+\s+REQUIRED\s+IMPORTED_TARGET\s+([\w.+-]+)", src)
    dirs = set(re.findall(r"\b(core|api|server)/\w+\.c\b", src))
    return mods, dirs


def dev_package_of(module):
    """Debian package shipping MODULE.pc here, or None if pkg-config/dpkg cannot tell."""
    try:
        d = subprocess.run(["pkg-config", "--variable=pcfiledir", module], capture_output=True,
                           text=True, timeout=30).stdout.strip()
        pc = os.path.realpath(os.path.join(d, module + ".pc"))
        for cand in (pc, pc.replace("/usr/lib/", "/lib/", 1)):
            p = subprocess.run(["dpkg", "-S", cand], capture_output=True, text=True, timeout=30)
            if p.returncode == 0:
                return p.stdout.split(":")[0].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return None


def check_dockerfile(root):
    path = os.path.join(root, "Dockerfile")
    if not check(os.path.exists(path), "Dockerfile exists"):
        return
    ins = dockerfile_instructions(path)
    stages, cur = [], None
    for word, args in ins:
        if word == "FROM":
            parts = args.split()
            cur = {"image": parts[0], "name": parts[2] if len(parts) > 2 and
                   parts[1].upper() == "AS" else None, "ins": []}
            stages.append(cur)
        elif cur is not None:
            cur["ins"].append((word, args))
    if not check(len(stages) >= 2, "Dockerfile: multi-stage (%d stages)" % len(stages)):
        return
    build = [s for s in stages if s["image"] == "debian:bookworm"]
    check(len(build) == 1, "Dockerfile: a build stage FROM debian:bookworm")
    final = stages[-1]
    check(final["image"] == "debian:bookworm-slim", "Dockerfile: the final stage is FROM debian:bookworm-slim")
    if build:
        b = " ".join(a for w, a in build[0]["ins"] if w == "RUN")
        for pkg in ("build-essential", "cmake", "pkg-config"):
            check(re.search(r"\b%s\b" % re.escape(pkg), b) is not None, "Dockerfile: build stage installs %s" % pkg)
        mods, dirs = cmake_pkg_modules(root)
        for m in mods:
            dev = dev_package_of(m)
            if dev is None:
                print("note: cannot tell which package ships %s.pc here; not checked" % m)
                continue
            check(re.search(r"(^|\s)%s(\s|$)" % re.escape(dev), b) is not None,
                  "Dockerfile: build stage installs %s (pkg-config %s)" % (dev, m))
        check("-DCMAKE_BUILD_TYPE=Release" in b and "-DGLIA_TESTS=OFF" in b,
              "Dockerfile: cmake Release build with -DGLIA_TESTS=OFF")
        copies = " ".join(a for w, a in build[0]["ins"] if w == "COPY")
        for d in sorted(dirs) + ["CMakeLists.txt"]:
            check(re.search(r"(^|\s)(\./)?%s/?(\s|$)" % re.escape(d), copies) is not None,
                  "Dockerfile: build stage copies %s (CMakeLists.txt builds from it)" % d)
    fi = final["ins"]
    words = [w for w, _ in fi]
    runs = [a for w, a in fi if w == "RUN"]
    check(any(w == "COPY" and "deploy/runtime-packages.txt" in a for w, a in fi),
          "Dockerfile: runtime stage copies deploy/runtime-packages.txt")
    installs = [r for r in runs if "apt-get install" in r]
    check(len(installs) == 1 and "runtime-packages.txt" in installs[0],
          "Dockerfile: runtime stage runs apt-get install once, from runtime-packages.txt")
    if installs:
        cmd = installs[0].split("apt-get install", 1)[1].split("&&")[0]
        extra = [t for t in cmd.split() if not t.startswith("-") and not t.startswith("$")]
        check(not extra, "Dockerfile: runtime apt-get install names no package outside the list %s"
              % (extra if extra else ""))
        check("rm -rf /var/lib/apt/lists" in installs[0], "Dockerfile: apt lists removed")
    check(any(w == "COPY" and "--from=" in a and "gliad" in a for w, a in fi),
          "Dockerfile: gliad copied from the build stage")
    users = [a for w, a in fi if w == "USER"]
    check(bool(users) and users[-1].split(":")[0] not in ("root", "0"),
          "Dockerfile: runs as a non-root USER (%s)" % (users[-1] if users else None))
    check(any(w == "EXPOSE" and "8080" in a.split() for w, a in fi), "Dockerfile: EXPOSE 8080")
    check(any(w == "VOLUME" and "/var/lib/glia" in a for w, a in fi), "Dockerfile: VOLUME /var/lib/glia")
    env = " ".join(a for w, a in fi if w == "ENV")
    check("GLIA_LISTEN=0.0.0.0:8080" in env and "GLIA_DATA_DIR=/var/lib/glia" in env,
          "Dockerfile: ENV GLIA_LISTEN=0.0.0.0:8080 GLIA_DATA_DIR=/var/lib/glia")
    check("GLIA_TOKEN" not in env, "Dockerfile: no token baked into the image")
    hc = [a for w, a in fi if w == "HEALTHCHECK"]
    check(len(hc) == 1 and "CMD" in hc[0], "Dockerfile: a HEALTHCHECK CMD")
    if hc:
        target = re.search(r"(/\S+healthcheck)", hc[0])
        copied = [a for w, a in fi if w == "COPY" and "deploy/docker/healthcheck.sh" in a]
        check(target is not None and any(a.split()[-1] == target.group(1) for a in copied),
              "Dockerfile: the HEALTHCHECK runs deploy/docker/healthcheck.sh, copied into the image")
    check(any(w == "STOPSIGNAL" and a == "SIGTERM" for w, a in fi), "Dockerfile: STOPSIGNAL SIGTERM")
    ep = [a for w, a in fi if w == "ENTRYPOINT"]
    try:
        ep_ok = bool(ep) and json.loads(ep[-1]) == ["gliad", "serve"]
    except ValueError:
        ep_ok = False
    check(ep_ok, "Dockerfile: ENTRYPOINT [\"gliad\", \"serve\"] (exec form)")
    check(words.index("USER") < words.index("ENTRYPOINT") if "USER" in words and "ENTRYPOINT" in words else False,
          "Dockerfile: USER is set before ENTRYPOINT")

    # .dockerignore: what the build context leaves out, and what it must keep.
    di = os.path.join(root, ".dockerignore")
    if check(os.path.exists(di), ".dockerignore exists"):
        pats = [l.strip() for l in open(di, encoding="utf-8")
                if l.strip() and not l.strip().startswith("#")]

        def ignored(p):
            hit = False
            for pat in pats:
                neg = pat.startswith("!")
                pat = pat.lstrip("!").rstrip("/")
                parts = p.split("/")
                prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
                if any(fnmatch.fnmatchcase(x, pat) for x in prefixes) or (
                        pat.startswith("**/") and fnmatch.fnmatchcase(parts[-1], pat[3:])):
                    hit = not neg
            return hit

        for p in (".git/HEAD", "build/gliad", "build-release/gliad", "build-asan/gliad", "data/glia.db"):
            check(ignored(p), ".dockerignore leaves out %s" % p)
        for p in ("CMakeLists.txt", "core/net.c", "api/router.c", "server/main.c", "offline/run.c",
                  "deploy/runtime-packages.txt", "deploy/docker/healthcheck.sh"):
            check(not ignored(p), ".dockerignore keeps %s" % p)

    # The package list itself.
    rp = os.path.join(root, "deploy", "runtime-packages.txt")
    pk = [re.sub(r"#.*", "", l).strip() for l in open(rp, encoding="utf-8")]
    pk = [p for p in pk if p]
    check(pk and all(re.fullmatch(r"[a-z0-9][a-z0-9+.-]+", p) for p in pk),
          "runtime-packages.txt: one Debian package name per line (%s)" % " ".join(pk))
    hs = os.path.join(root, "deploy", "docker", "healthcheck.sh")
    check(os.access(hs, os.X_OK), "deploy/docker/healthcheck.sh is executable")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--metrics", help="a /metrics scrape of a live gliad (check_live.py --out)")
    ap.add_argument("--promtool")
    ap.add_argument("--kubectl")
    ap.add_argument("--systemd-analyze", dest="analyze")
    ap.add_argument("--gliad")
    args = ap.parse_args()
    root = os.path.abspath(args.root)

    fams = families_from_source(root)
    check(len(fams) >= 15, "server/metrics.c declares %d metric families" % len(fams))
    exported = series_names(fams)
    if args.metrics:
        live = families_from_scrape(args.metrics)
        check(live == fams, "the live scrape's families and types match server/metrics.c%s" %
              ("" if live == fams else ": only in scrape %s, only in source %s" %
               (sorted(set(live.items()) - set(fams.items())),
                sorted(set(fams.items()) - set(live.items())))))
        exported &= series_names(live)

    docs = load_all(root)
    compose = check_compose(root, docs)
    check_prometheus(docs, compose)
    uid = check_grafana(docs, compose)
    check_dashboard(docs, uid, exported, args.promtool)
    check_systemd(root, args.analyze, args.gliad)
    check_k8s(root, docs, args.kubectl)
    check_slurm_script(root, args.gliad)
    check_k8s_study(root, docs, args.gliad)
    check_readme_scale(root)
    check_dockerfile(root)

    print("%d checks failed" % len(failures) if failures else "all deploy checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
