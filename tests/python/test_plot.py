"""test_plot.py: the plot_* helpers draw what the DataFrames hold (matplotlib, Agg)."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import glia  # noqa: E402


@pytest.fixture(scope="module")
def session(client):
    return client.create_session("plots", preset="maturity", seed=314, config={"training": {"trajectory_interval": 10}}).run(60).wait()


def test_plot_trajectory(session, tmp_path):
    ax = glia.plot_trajectory(session)
    df = session.trajectory()
    assert [line.get_label() for line in ax.get_lines()] == ["accuracy", "avg_reward", "accept_rate"]
    assert list(ax.get_lines()[0].get_ydata()) == list(df["accuracy"])
    ax.figure.savefig(tmp_path / "t.png")
    ax.figure.savefig(tmp_path / "t.svg")
    assert (tmp_path / "t.png").stat().st_size > 0 and (tmp_path / "t.svg").read_text().startswith("<?xml")
    plt.close("all")


def test_plot_outputs(session):
    ax = glia.plot_outputs(session)
    img = ax.get_images()[0].get_array()
    df = session.outputs()
    assert img.shape == (8 * 6, df["episode"].nunique())
    last = df[df["episode"] == df["episode"].max()]
    for p, out in zip(last["pattern"], last["output"]):
        assert [int(v) for v in np.asarray(img[p * 6 : p * 6 + 5, -1])] == [int(b) for b in out]
    plt.close("all")


def test_plot_curves(client):
    e = client.create_experiment({"name": "plotcurves", "conditions": [{"label": "a", "preset": "maturity"}, {"label": "c", "preset": "cursor"}],
                                  "seeds": [1, 2, 3], "episodes": 30}).wait()
    ax = glia.plot_curves(e, metric="accuracy")
    df = e.curves()
    acc = df[(df["metric"] == "accuracy") & (df["condition"] == "a")]
    assert [line.get_label() for line in ax.get_lines()] == ["a (n=3)", "c (n=3)"]
    assert list(ax.get_lines()[0].get_ydata()) == list(acc["mean"])
    assert len(ax.collections) == 2  # one CI band per condition
    plt.close("all")
