"""test_experiments.py: Experiment methods and the DataFrames against the JSON (and CSV)
they came from."""
import io
import json
import math
from pathlib import Path

import pandas as pd
import pytest

import glia
from glia import frames

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BITS = {"input": str, "target": str, "output": str}


def same(a, b):
    """Equal values, NaN and None being the daemon's null."""
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return a == b


@pytest.fixture(scope="module")
def study(client):
    spec = {
        "name": "pystudy",
        "conditions": [
            {"label": "astro", "preset": "maturity", "config": {"training": {"trajectory_interval": 20}}},
            {"label": "ctl", "preset": "control", "config": {"training": {"trajectory_interval": 20}}},
        ],
        "seeds": [10, 11, 12],
        "episodes": 100,
    }
    e = client.create_experiment(spec)
    assert isinstance(e, glia.Experiment) and e.state == "running" and e.results is None
    return e.wait(timeout=120)


@pytest.fixture(scope="module")
def sweep(client):
    spec = json.loads((EXAMPLES / "sweep.json").read_text())
    return client.create_experiment(spec, name="pysweep").wait(timeout=120)


def test_experiment_methods(client, study):
    assert study.state == "completed" and study.results is not None
    assert "pystudy" in [e.name for e in client.experiments()]
    assert client.experiment("pystudy").document["results"] == study.document["results"]
    assert study.report() == study.document
    assert study.report("md").startswith("# Experiment pystudy")
    assert study.report("csv").splitlines()[0].startswith("experiment,condition,seed,")
    names = sorted(s.name for s in study.sessions())
    assert names == sorted("pystudy.%s.%d" % (c, s) for c in ("astro", "ctl") for s in (10, 11, 12))


def test_template_cancel_delete(client):
    e = client.create_experiment(template="exp021", name="pytemplate", seeds=[1], episodes=20000)
    assert [c["label"] for c in e.document["conditions"]] == ["astrocyte", "cursor", "control"]
    with pytest.raises(glia.ProblemError) as err:
        e.report()
    assert err.value.status == 409 and "progress" in err.value.body
    assert e.cancel().state == "cancelled"
    e.wait(timeout=60)
    e.delete()
    with pytest.raises(glia.ProblemError) as err:
        client.experiment("pytemplate")
    assert err.value.status == 404
    with pytest.raises(ValueError):
        client.create_experiment({"name": "x"}, template="exp021")


def test_summary_equals_results(study):
    df = study.summary()
    conds = study.document["results"]["conditions"]
    ranking = {r["label"]: r for r in study.document["results"]["ranking"]}
    assert list(df["condition"]) == [c["label"] for c in conds]
    for row, c in zip(df.to_dict("records"), conds):
        for k in ("n", "mean_accuracy", "sd", "min", "max", "mean_distinct_outputs", "constant_output_seeds"):
            assert row[k] == c[k], k
        assert same(row["accept_rate"], c["accept_rate"])
        assert (row["ci_low"], row["ci_high"]) == (c["ci95"]["low"], c["ci95"]["high"])
        assert (row["boot_low"], row["boot_high"]) == (c["ci95_bootstrap"]["low"], c["ci95_bootstrap"]["high"])
        assert row["rank"] == ranking[c["label"]]["rank"]
        assert same(row["reach_90_median"], c["episodes_to"]["90"]["median_episodes"])


def test_runs_equal_json_csv_and_report(study):
    doc = study.runs_json()
    df = study.runs()
    assert len(df) == len(doc["runs"]) == 6
    for row, run in zip(df.to_dict("records"), doc["runs"]):
        flat = frames.flatten(run)
        assert set(row) >= set(flat)
        for k, v in flat.items():
            assert same(row[k], v), k
    csv = pd.read_csv(io.StringIO(study.runs_csv()), dtype={c: str for c in df.columns if c.startswith("outputs.")})
    pd.testing.assert_frame_equal(csv, df, check_dtype=False)
    # the same records as the report's CSV (accuracy and outputs per seed)
    report = pd.read_csv(io.StringIO(study.report("csv")), dtype=str)
    order = {c["label"]: i for i, c in enumerate(study.document["conditions"])}
    report = report.sort_values(by=["condition", "seed"], key=lambda col: col.map(order) if col.name == "condition" else col.astype(int), kind="stable")
    assert list(report["seed"].astype(int)) == list(df["seed"])
    assert list(report["P1_output"]) == list(df["outputs.0"])
    assert [float(x) for x in report["accuracy"]] == list(df["accuracy"])


def test_sweep_values_as_columns(sweep):
    df = sweep.sweep()
    assert list(df.columns[:3]) == ["condition", "learner.cursor.radius", "training.perturbation_std"]
    conds = {c["label"]: c["values"] for c in sweep.document["conditions"]}
    for row in df.to_dict("records"):
        assert row["learner.cursor.radius"] == conds[row["condition"]]["/learner/cursor/radius"]
        assert row["training.perturbation_std"] == conds[row["condition"]]["/training/perturbation_std"]
    assert list(df["rank"]) == sorted(df["rank"])
    runs = sweep.runs()
    assert len(runs) == 8
    assert set(runs["learner.cursor.radius"]) == {1.5, 3.0}


def test_curves_equal_json_and_csv(study):
    doc = study.curves_json()
    df = study.curves()
    n_points = sum(len(c["points"]) for c in doc["conditions"])
    assert len(df) == n_points * len(doc["metrics"])
    i = 0
    for c in doc["conditions"]:
        for p in c["points"]:
            for m in doc["metrics"]:
                row = df.iloc[i]
                i += 1
                assert (row["condition"], row["episode"], row["metric"]) == (c["label"], p["episode"], m)
                s = p[m]
                if s is None:
                    assert math.isnan(row["mean"])
                    continue
                assert row["n"] == s["n"] and row["mean"] == s["mean"] and row["sd"] == s["sd"]
                assert same(row["ci_low"], (s["ci95"] or {}).get("low"))
    csv = pd.read_csv(io.StringIO(study.curves_csv()))
    assert list(csv.columns) == list(df.columns)
    pd.testing.assert_frame_equal(csv, df, check_dtype=False)
    thin = study.curves_json(max_points=2)
    assert all(len(c["points"]) == min(2, c["episodes"]) for c in thin["conditions"])
    assert len(study.curves(max_points=2)) == sum(len(c["points"]) for c in thin["conditions"]) * len(doc["metrics"])
