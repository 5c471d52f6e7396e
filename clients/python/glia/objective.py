"""objective.py: a session's task as a black-box function of its weights, for outside
optimizers (scipy.optimize, CMA-ES, Nevergrad, any ask/tell loop).

Backed by ``POST /v1/sessions/{name}/objective``: the daemon scores a weight vector on
the session's task with the session's own soft reward and never changes the session, so
an outside optimizer and glia's learners can be compared on the same network, counted
in the same unit (reward queries: vectors x patterns).
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable, Sequence

if TYPE_CHECKING:
    from .session import Session

#: The most vectors one request may hold (the daemon's bound).
MAX_BATCH = 256
#: The most bytes of JSON one request holds (the daemon's --max-body-bytes is 1 MiB by default).
MAX_BODY = 768 * 1024


def _floats(weights: Iterable[Any]) -> list[float]:
    return [float(w) for w in weights]


class Objective:
    """``f(weights) -> score`` on a session's task (higher is better).

    Attributes (from ``GET .../objective`` when made):
        dimension: the number of weights (the session's synapses, in id order).
        x0: the session's current weights, a start for an optimizer.
        bounds: ``(low, high)``, the weight clamp every weight must lie in.
        score0, accuracy0: the score and accuracy of x0.
        evaluations: vectors scored through this object so far.
        reward_queries: the daemon's count of patterns scored for them.
        best: ``(score, accuracy, weights)`` of the best vector seen, or None.

    Raises ProblemError (422 naming ``/weights/7`` etc.) for a vector the daemon refuses.
    """

    def __init__(self, session: "Session") -> None:
        self.session = session
        info = session.client.get(session._path + "/objective")
        self.dimension: int = int(info["dimension"])
        self.x0: list[float] = list(info["weights"])
        self.bounds: tuple[float, float] = (float(info["bounds"][0]), float(info["bounds"][1]))
        self.score0: float = float(info["score"])
        self.accuracy0: float = float(info["accuracy"])
        self.patterns: int = int(info.get("patterns", 0))
        self.evaluations = 0
        self.reward_queries = 0
        self.best: tuple[float, float, list[float]] | None = None

    def __repr__(self) -> str:
        return f"glia.Objective({self.session.name!r}, dimension={self.dimension})"

    def _post(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        doc = self.session.client.post(self.session._path + "/objective", body)
        self.reward_queries += int(doc["reward_queries"])
        return list(doc["results"])

    def _seen(self, results: list[dict[str, Any]], vectors: list[list[float]]) -> None:
        self.evaluations += len(vectors)
        for r, v in zip(results, vectors):
            if self.best is None or r["score"] > self.best[0]:
                self.best = (float(r["score"]), float(r["accuracy"]), v)

    def evaluate(self, weights: Sequence[float]) -> dict[str, float]:
        """Score one vector: ``{"score": s, "accuracy": a}``."""
        v = _floats(weights)
        results = self._post({"weights": v})
        self._seen(results, [v])
        return results[0]

    def __call__(self, weights: Sequence[float]) -> float:
        """The score of one vector (the mean soft reward over the task's patterns)."""
        return float(self.evaluate(weights)["score"])

    def loss(self, weights: Sequence[float]) -> float:
        """``-f(weights)``, for minimizers such as scipy.optimize.minimize."""
        return -self(weights)

    def evaluate_batch(self, batch: Iterable[Sequence[float]]) -> list[dict[str, float]]:
        """Score many vectors: one result per vector, in order. They are sent in as few
        requests as the daemon's bounds allow (MAX_BATCH vectors, MAX_BODY bytes each)."""
        vectors = [_floats(v) for v in batch]
        out: list[dict[str, float]] = []
        chunk: list[list[float]] = []
        size = 0
        for v in vectors:
            n = len(json.dumps(v)) + 1
            if chunk and (len(chunk) == MAX_BATCH or size + n > MAX_BODY):
                out.extend(self._post_batch(chunk))
                chunk, size = [], 0
            chunk.append(v)
            size += n
        if chunk:
            out.extend(self._post_batch(chunk))
        return out

    def _post_batch(self, chunk: list[list[float]]) -> list[dict[str, float]]:
        results = self._post({"batch": chunk})
        self._seen(results, chunk)
        return results

    def batch(self, batch: Iterable[Sequence[float]]) -> list[float]:
        """The scores of many vectors, in order (an ask/tell optimizer's tell)."""
        return [float(r["score"]) for r in self.evaluate_batch(batch)]

    def accuracy(self, weights: Sequence[float]) -> float:
        """The task accuracy of one vector (the mean fraction of correct output bits)."""
        return float(self.evaluate(weights)["accuracy"])


def objective(session: "Session") -> Objective:
    """The objective of ``session``'s task: ``f = glia.objective(s); f(f.x0)``; the batch
    form is ``f.batch([w1, w2, ...])``. See Objective."""
    return Objective(session)
