#!/usr/bin/env python3
"""notebooks.py: execute every examples/*.ipynb headless (nbclient, on the "glia-venv"
kernel that run.py makes) against a gliad started here, and check the numbers each
notebook prints on its ``CHECK {json}`` line against the daemon's own reports.

A notebook's cell tagged "parameters" holds its defaults (the published run lengths);
CI values are set by a cell inserted right after it (CI below), as papermill does. The
executed copies are written to --out for people to read.

usage: notebooks.py --gliad PATH --examples DIR --out DIR
"""
import argparse
import json
import re
import math
import os
import sys
import time

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import glia  # noqa: E402
from daemon import Daemon  # noqa: E402

TABLE5 = ["00000", "00100", "10001", "00110", "10011", "01100", "10101", "10010"]

# Parameters for CI (None: the notebook's own). Table 4 and Table 5 run as published
# (30 runs of 5,000 episodes; one of 20,000); reach with 3 seeds and 2,000 episodes
# (the published 10 x 20,000 is 153 s of CPU); the optimizer with a smaller budget.
CI = {
    "table5.ipynb": {},
    "table4.ipynb": {},
    "reach.ipynb": {"SEEDS": [42, 137, 271], "EPISODES": 2000},
    "objective_scipy.ipynb": {"MAXFEV": 1500, "EPISODES": 5000},
}

failures = []


def check(ok, what):
    print(("ok:   " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        failures.append(what)
    return ok


def run_notebook(path, params, out_dir):
    nb = nbformat.read(path, as_version=4)
    at = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    if not at:
        raise RuntimeError(path + ": no cell tagged parameters")
    if params:
        src = "# Parameters injected by tests/python/notebooks.py (CI)\n" + "\n".join(
            "%s = %r" % kv for kv in params.items())
        cell = nbformat.v4.new_code_cell(src)
        cell.metadata["tags"] = ["injected-parameters"]
        nb.cells.insert(at[0] + 1, cell)
    t0 = time.monotonic()
    NotebookClient(nb, kernel_name="glia-venv", timeout=1200, allow_errors=False,
                   resources={"metadata": {"path": out_dir}}).execute()
    out = os.path.join(out_dir, os.path.basename(path))
    nbformat.write(nb, out)
    lines = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stdout":
                lines += o["text"].splitlines()
    checks = [json.loads(l[len("CHECK "):]) for l in lines if l.startswith("CHECK ")]
    print("%s: executed in %.1f s -> %s" % (os.path.basename(path), time.monotonic() - t0, out), flush=True)
    return checks[-1] if checks else None, lines


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return a == b or (isinstance(a, float) and math.isclose(a, b, rel_tol=0, abs_tol=0))


def check_table5(client, got):
    inf = client.session(got["session"]).inference()
    check(got["mean_accuracy"] == inf["mean_accuracy"], "table5: mean accuracy %r is the daemon's" % got["mean_accuracy"])
    check(got["outputs"] == [p["output"] for p in inf["patterns"]], "table5: output vectors are the daemon's")
    check(round(got["mean_accuracy"], 3) == 0.775 and got["distinct_outputs"] == 8 and got["outputs"] == TABLE5,
          "table5: the paper's Table 5 (0.775, 8 distinct, %s)" % " ".join(got["outputs"]))


def check_study(client, got, name):
    doc = client.experiment(got["experiment"]).report()
    conds = {c["label"]: c for c in doc["results"]["conditions"]}
    for row in got["conditions"]:
        c = conds[row["label"]]
        check(row["mean_accuracy"] == c["mean_accuracy"] and row["ci_low"] == c["ci95"]["low"]
              and row["ci_high"] == c["ci95"]["high"],
              "%s: %s mean %.4f and CI equal the daemon's report" % (name, row["label"], row["mean_accuracy"]))
        if "accept_rate" in row:
            check(close(row["accept_rate"], c["accept_rate"]), "%s: %s accept rate is the report's" % (name, row["label"]))
        if "reach_90_seeds" in row:
            check(row["reach_90_seeds"] == c["episodes_to"]["90"]["seeds"], "%s: %s seeds to 90%% are the report's" % (name, row["label"]))
    return doc


def check_table4(client, got):
    doc = check_study(client, got, "table4")
    check(len(doc["seeds"]) == 10 and doc["episodes"] == 5000, "table4: the template's 10 seeds and 5,000 episodes")
    check(got["table"] == ["66.7%", "64.8%", "50.0%"], "table4: the paper's Table 4 means %s" % got["table"])
    md = client.text("/v1/experiments/%s/report" % got["experiment"], format="md")
    check("| Mean accuracy | 66.7% | 64.8% | 50.0% |" in md, "table4: the same means in the daemon's Markdown report")


def check_reach(client, got):
    doc = check_study(client, got, "reach")
    curves = glia.Experiment(client, got["experiment"]).curves()
    check(got["curve_points"] == len(curves) > 0, "reach: the curves the notebook drew are the daemon's (%d rows)" % len(curves))
    ranks = {c["label"]: c["rank"] for c in doc["results"]["ranking"]}
    check(all(ranks[r["label"]] == r["rank"] for r in got["conditions"]), "reach: ranks are the daemon's")


def check_objective(client, got):
    s = client.session(got["session"])
    f = glia.objective(s)
    w = list(f.x0)
    for i, v in zip(got["indices"], got["values"]):
        w[i] = v
    again = f.evaluate(w)
    check(again["score"] == got["score"] and again["accuracy"] == got["accuracy"],
          "objective: the optimizer's best (score %.4f, accuracy %.3f) scores the same again" % (got["score"], got["accuracy"]))
    check(got["accuracy"] > f.accuracy0, "objective: Powell improved on the start (%.3f > %.3f)" % (got["accuracy"], f.accuracy0))
    inf = client.session(got["learner"]).inference()
    check(inf["mean_accuracy"] == got["learner_accuracy"], "objective: the learner's accuracy is the daemon's")
    check(s.refresh()["progress"]["steps"] == 0, "objective: scoring did not change the session")


CHECKS = {"table5.ipynb": check_table5, "table4.ipynb": check_table4, "reach.ipynb": check_reach,
          "objective_scipy.ipynb": check_objective}


def readme_quick_start(client, readme, out_dir):
    """README.md's Python block, as written, in a notebook cell: what it prints is the
    daemon's own inference of the session it made."""
    m = re.search(r"```python\n(.*?)```", open(readme, encoding="utf-8").read(), re.S)
    if not check(m is not None, "README.md has a Python quick start"):
        return
    code = m.group(1)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    try:
        NotebookClient(nb, kernel_name="glia-venv", timeout=1200, allow_errors=False,
                       resources={"metadata": {"path": out_dir}}).execute()
    except Exception as e:
        check(False, "README's Python quick start runs as written (%s)" % str(e).strip()[-300:])
        return
    out = "".join(o.get("text", "") for o in nb.cells[0].get("outputs", [])
                  if o.get("output_type") == "stream").split()
    name = re.search(r'create_session\("([^"]+)"', code).group(1)
    inf = client.get("/v1/sessions/%s/inference" % name)
    check(out == [str(round(inf["mean_accuracy"], 3)), str(inf["distinct_outputs"])],
          "README's Python quick start prints the daemon's inference of %s: %s" % (name, out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gliad", required=True)
    ap.add_argument("--examples", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    found = sorted(n for n in os.listdir(args.examples) if n.endswith(".ipynb"))
    check(found == sorted(CHECKS), "examples/ holds the notebooks this test checks: %s" % found)
    d = Daemon(args.gliad, root=args.out).start()
    os.environ["GLIA_URL"] = d.url  # the kernels inherit it
    client = glia.Client(d.url)
    try:
        for name in found:
            try:
                got, _ = run_notebook(os.path.join(args.examples, name), CI.get(name, {}), args.out)
            except Exception as e:  # a cell raised: report it and go on with the others
                check(False, "%s: executed (%s)" % (name, str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__))
                continue
            if check(got is not None, "%s: printed its CHECK line" % name) and name in CHECKS:
                CHECKS[name](client, got)
        readme_quick_start(client, os.path.join(args.examples, os.pardir, "README.md"), args.out)
    finally:
        check(d.stop() == 0, "gliad exited 0 (log %s)" % d.log_path)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
