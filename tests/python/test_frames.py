"""test_frames.py: a session's DataFrames equal the JSON and the CSV they came from."""
import io

import pandas as pd
import pytest

from glia import frames


@pytest.fixture(scope="module")
def run(client):
    s = client.create_session("frames", preset="maturity", seed=314, config={"training": {"trajectory_interval": 10}})
    return s.run(120).wait(timeout=60)


def test_trajectory_equals_metrics_json(run):
    points = run.metrics()
    df = run.trajectory()
    assert len(df) == len(points)
    assert list(df.columns)[:6] == frames.POINT_COLUMNS
    for row, p in zip(df.to_dict("records"), points):
        assert row == {k: v for k, v in p.items() if k != "outputs"}
    assert df["episode"].iloc[-1] == 119


def test_trajectory_equals_metrics_csv(run):
    df = run.trajectory()
    text = run.metrics_csv()
    csv = pd.read_csv(io.StringIO(text), dtype={"outputs.%d" % i: str for i in range(8)})
    scalars = [c for c in csv.columns if not c.startswith("outputs.")]
    assert scalars == list(df.columns)
    assert [c for c in csv.columns if c.startswith("outputs.")] == ["outputs.%d" % i for i in range(8)]
    pd.testing.assert_frame_equal(csv[scalars], df, check_dtype=False)
    points = run.metrics()
    assert [list(r) for r in csv[["outputs.%d" % i for i in range(8)]].values] == [p["outputs"] for p in points]


def test_outputs_equal_json_and_csv(run):
    doc = run.outputs_json()
    df = run.outputs()
    assert df.shape == (len(doc["points"]) * len(doc["patterns"]), 7)
    points = run.metrics()
    assert [p["outputs"] for p in doc["points"]] == [p["outputs"] for p in points]
    for i, p in enumerate(doc["points"]):
        block = df.iloc[i * 8 : (i + 1) * 8]
        assert list(block["output"]) == p["outputs"]
        assert set(block["episode"]) == {p["episode"]}
        assert list(block["input"]) == [q["input"] for q in doc["patterns"]]
        assert list(block["target"]) == [q["target"] for q in doc["patterns"]]
    inf = run.inference()
    last = df[df["episode"] == df["episode"].max()]
    assert list(last["output"]) == [q["output"] for q in inf["patterns"]]
    assert list(last["accuracy"]) == [q["accuracy"] for q in inf["patterns"]]
    assert last["accuracy"].mean() == pytest.approx(inf["mean_accuracy"], abs=1e-12)
    csv = pd.read_csv(io.StringIO(run.outputs_csv()), dtype={"input": str, "target": str, "output": str})
    pd.testing.assert_frame_equal(csv, df, check_dtype=False)
