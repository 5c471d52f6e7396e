"""test_sessions.py: every Client and Session method against a real gliad."""
import os

import pytest

import glia

SMALL = {"training": {"trajectory_interval": 10}}


def test_installed_from_the_venv():
    # run.py installs the client with pip; the tests must not see a source checkout.
    assert "site-packages" in glia.__file__


def test_service(client):
    assert client.health() == {"status": "ok"}
    assert "version" in client.version()
    names = [p["name"] for p in client.presets()]
    assert "maturity" in names and "reach" in names
    assert client.preset("maturity")["config"]["learner"]["kind"] == "astrocyte"
    assert [t["name"] for t in client.templates()][:5] == ["exp020", "exp021", "exp022", "exp023", "exp024"]


def test_create_run_wait_result(client, name):
    s = client.create_session(name, preset="maturity", seed=314, config=SMALL)
    assert isinstance(s, glia.Session) and s.state == "idle" and s.summary["seed"] == 314
    assert s.config["training"]["trajectory_interval"] == 10
    assert s.run(100) is s and s.state == "running"
    s.wait(timeout=60)
    assert s.state == "completed" and s.summary["progress"]["episode"] == 100
    result = s.result()
    assert result["seed"] == 314 and result["episodes"] == 100
    inf = s.inference()
    assert inf["mean_accuracy"] == result["inference"]["mean_accuracy"]
    assert len(inf["patterns"]) == 8
    assert client.session(name).summary["state"] == "completed"
    assert name in [x.name for x in client.sessions()]
    assert [x.name for x in client.sessions(state="completed") if x.name == name] == [name]


def test_step_and_reconfigure(client, name):
    s = client.create_session(name, preset="cursor", seed=1)
    s.reconfigure(preset="maturity", seed=7, config=SMALL)
    assert s.summary["preset"] == "maturity" and s.summary["seed"] == 7
    steps = s.step(3)
    assert len(steps["steps"]) == 3
    assert s.refresh()["progress"]["steps"] == 3
    with pytest.raises(glia.ProblemError) as e:
        s.reconfigure(preset="cursor")
    assert e.value.status == 409


def test_pause_resume_cancel(client, name):
    s = client.create_session(name, preset="maturity", seed=42)
    s.run(20000)
    assert s.pause().state == "paused"
    assert s.pause().state == "paused"
    assert s.resume().state == "running"
    assert s.cancel().state == "cancelled"
    assert s.wait().state == "cancelled"


def test_snapshot_fork_delete(client, name):
    s = client.create_session(name, preset="maturity", seed=314, config=SMALL)
    s.run(50).wait()
    snap = s.snapshot()
    assert snap["format"].startswith("glia-snapshot/") and snap["episode"] == 50
    child = s.fork(name + "-fork")
    assert child.state == "idle" and child.summary["seed"] == 314
    assert child.trajectory().equals(s.trajectory())
    assert dict(child.inference(), name=None) == dict(s.inference(), name=None)
    child.run(50).wait()
    assert child.summary["progress"]["episode"] == 100
    child.delete()
    with pytest.raises(glia.ProblemError) as e:
        client.session(name + "-fork")
    assert e.value.status == 404 and e.value.slug == "not-found"


def test_network_weights_learner_astrocytes(client, name):
    s = client.create_session(name, preset="maturity", seed=314)
    net = s.network()
    assert "synapses" not in net and net["synapses_count"] > 0
    full = s.network(synapses=True)
    assert len(full["synapses"]) == net["synapses_count"]
    assert [x["id"] for x in full["synapses"]] == list(range(net["synapses_count"]))
    w = s.weights()
    assert w == [x["weight"] for x in full["synapses"]]
    assert s.learner()["kind"] == "astrocyte"
    assert len(s.astrocytes()["astrocytes"]) == len(net["territories"])


def test_token(request, tmp_path, monkeypatch):
    from daemon import Daemon

    d = Daemon(request.config.getoption("--gliad"), root=str(tmp_path), token="py-secret").start()
    try:
        with pytest.raises(glia.ProblemError) as e:
            glia.Client(d.url).presets()
        assert e.value.status == 401 and e.value.slug == "unauthorized"
        assert glia.Client(d.url, token="py-secret").presets()
        monkeypatch.setenv("GLIA_TOKEN", "py-secret")
        assert glia.Client(d.url).token == "py-secret" and glia.Client(d.url).presets()
        monkeypatch.delenv("GLIA_TOKEN")
        path = tmp_path / "token"
        path.write_text("py-secret\n")
        monkeypatch.setenv("GLIA_TOKEN_FILE", str(path))
        c = glia.Client(d.url)
        assert c.token == "py-secret"
        s = c.create_session("tok", preset="control")
        # the event stream takes the bearer header too
        assert [e.event for e in s.events(follow=False)] == ["state"]
        monkeypatch.setenv("GLIA_URL", d.url)
        assert glia.Client().url == d.url
    finally:
        assert d.stop() == 0
    assert os.environ.get("GLIA_TOKEN") is None
