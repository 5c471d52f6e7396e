"""test_events.py: Session.events() over SSE, and its resume across reconnects and a
daemon restart (same data dir, same port): no event lost, none repeated."""
import threading

import pytest

import glia


def test_events_follow_false(client):
    s = client.create_session("ev1", preset="maturity", seed=314, config={"training": {"trajectory_interval": 10}})
    first = list(s.events(follow=False))
    assert [(e.id, e.event) for e in first] == [(1, "state")]
    s.run(50).wait()
    events = list(s.events(after=0, follow=False))
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    kinds = [e.event for e in events]
    assert kinds[:2] == ["state", "state"]
    assert [e.data["state"] for e in events if e.event == "state"] == ["idle", "running", "completed"]
    metrics = [e.data for e in events if e.event == "metrics"]
    points = s.metrics()
    assert [m["episode"] for m in metrics] == [p["episode"] for p in points]
    assert [m["accuracy"] for m in metrics] == [p["accuracy"] for p in points]
    outputs = [e.data["outputs"] for e in events if e.event == "outputs"]
    assert outputs == [p["outputs"] for p in points]
    tail = list(s.events(after=events[-3].id, follow=False))
    assert tail == events[-2:]


def test_events_end_when_deleted(client):
    s = client.create_session("ev2", preset="control")
    it = s.events(retry=0.05)
    assert next(it).event == "state"
    s.delete()
    assert list(it) == []


def test_resume_across_restart(daemon):
    client = glia.Client(daemon.url)
    s = client.create_session("ev3", preset="maturity", seed=7, config={"training": {"trajectory_interval": 10}})
    s.run(8000)
    seen = []
    restarted = threading.Event()

    def restart():
        assert daemon.stop() == 0
        daemon.start()
        restarted.set()

    worker = None
    for ev in s.events(after=0, follow=False, retry=0.05, reconnect_timeout=60):
        seen.append(ev)
        if len(seen) == 40 and worker is None:
            worker = threading.Thread(target=restart)
            worker.start()
    worker.join()
    assert restarted.is_set()
    ids = [e.id for e in seen]
    assert ids == list(range(1, len(ids) + 1)), "a gap or a repeat across the restart"
    assert [e.data["state"] for e in seen if e.event == "state"][-1] == "completed"
    # what the generator yielded is the stored stream, read again in one go
    assert list(s.events(after=0, follow=False)) == seen
    assert s.refresh()["progress"]["episode"] == 8000
    assert len(ids) > 100
