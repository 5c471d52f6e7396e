"""test_problems.py: one problem per route family becomes a glia.ProblemError with its
status, slug, title, field (pointer, parameter or header) and message."""
import pytest

import glia


def raises(fn, *args, **kwargs):
    with pytest.raises(glia.ProblemError) as e:
        fn(*args, **kwargs)
    err = e.value
    assert err.type.startswith("urn:glia:problem:") and err.title and err.detail
    return err


@pytest.fixture(scope="module")
def done(client):
    return client.create_session("probs", preset="maturity", seed=1).run(10).wait()


def test_service(client):
    err = raises(client.preset, "no-such-preset")
    assert (err.status, err.slug, err.title) == (404, "not-found", "Not Found")


def test_sessions_validation(client):
    err = raises(client.create_session, "p1", preset="maturity", config={"network": {"clusters": 0}})
    assert (err.status, err.slug) == (422, "validation")
    assert err.pointer == "/config/network/clusters" and err.field == err.pointer
    assert err.message and err.message in err.detail


def test_learning(client, done):
    err = raises(client.create_session, "probs", preset="control")
    assert (err.status, err.slug) == (409, "exists")
    err = raises(done.run, 0)
    assert (err.status, err.pointer) == (422, "/episodes")
    err = raises(done.pause)
    assert (err.status, err.slug, err.body["state"]) == (409, "conflict", "completed")


def test_reads(client):
    err = raises(glia.Session(client, "nobody").inference)
    assert (err.status, err.slug, err.instance) == (404, "not-found", "/v1/sessions/nobody/inference")
    err = raises(glia.Session(client, "Bad Name").result)
    assert (err.status, err.slug) == (422, "invalid-name")


def test_events(client, done):
    err = raises(lambda: next(done.events(after=-5)))
    # events() sends where to start as Last-Event-ID, so the header is named
    assert (err.status, err.slug, err.header, err.field) == (400, "bad-query", "Last-Event-ID", "Last-Event-ID")


def test_unknown_query_parameter_and_format(client, done):
    err = raises(client.get, done._path + "/metrics", format="xml")
    assert (err.status, err.parameter) == (400, "format")
    err = raises(client.get, done._path + "/metrics", colour="red")
    assert (err.status, err.slug, err.parameter) == (400, "bad-query", "colour")
    err = raises(client.get, done._path + "/outputs", limit=0)
    assert (err.status, err.parameter) == (400, "limit")


def test_experiments(client):
    err = raises(client.create_experiment, {"name": "pe", "conditions": [{"preset": "cursor"}], "seeds": [1], "episodes": 10})
    assert (err.status, err.pointer) == (422, "/conditions/0/label")
    err = raises(glia.Experiment(client, "nothing").runs)
    assert (err.status, err.slug) == (404, "not-found")
    e = client.create_experiment({"name": "pe2", "conditions": [{"label": "c", "preset": "control"}], "seeds": [1], "episodes": 10}).wait()
    err = raises(e.report, "pdf")
    assert (err.status, err.parameter) == (400, "format")


def test_objective(client, done):
    n = len(done.weights())
    err = raises(glia.objective(done), [0.0] * (n + 1))
    assert (err.status, err.pointer) == (422, "/weights")
    err = raises(glia.objective(done), [0.0] * (n - 1) + [1e10])
    assert (err.status, err.pointer) == (422, "/weights/%d" % (n - 1))
    err = raises(done.client.post, done._path + "/objective", {"batch": [[0.0] * n, [0.0] * (n - 2) + ["x", 0.0]]})
    assert (err.status, err.pointer) == (422, "/batch/1/%d" % (n - 2))


def test_unauthorized_is_not_a_problem_of_ours(client):
    # a non-problem answer (plain text) still becomes a ProblemError with the status
    err = glia.ProblemError(502, None, "Bad Gateway\n")
    assert (err.status, err.detail, err.field, err.slug) == (502, "Bad Gateway", None, "about:blank")
