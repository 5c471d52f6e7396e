"""test_objective.py: glia.objective(session) against the daemon's objective route."""
import pytest

import glia


@pytest.fixture(scope="module")
def trained(client):
    return client.create_session("objective", preset="maturity", seed=314).run(200).wait()


def test_start_point_is_the_session(trained):
    f = glia.objective(trained)
    inf = trained.inference()
    assert f.dimension == len(trained.weights()) == len(f.x0)
    assert f.x0 == trained.weights()
    assert f.accuracy0 == inf["mean_accuracy"]
    clamp = trained.config["training"]["weight_clamp"]
    assert f.bounds == (-clamp, clamp)
    assert f(f.x0) == f.score0
    assert f.accuracy(f.x0) == inf["mean_accuracy"]
    assert f.loss(f.x0) == -f.score0
    assert f.evaluations == 3 and f.reward_queries == 3 * len(inf["patterns"])
    assert f.best[0] == f.score0


def test_batch_and_no_change(trained):
    before = trained.snapshot()["snapshot"]
    f = glia.objective(trained)
    zeros = [0.0] * f.dimension
    halved = [w / 2 for w in f.x0]
    vectors = [f.x0, zeros, halved] * 100  # 300 vectors: two requests of at most 256
    scores = f.batch(vectors)
    assert len(scores) == 300 and f.evaluations == 300
    assert scores[0] == f.score0 and scores[1] == f(zeros) and scores[2] == f(halved)
    assert scores[3:6] == scores[0:3]
    assert f.reward_queries == 302 * f.patterns
    assert trained.snapshot()["snapshot"] == before
