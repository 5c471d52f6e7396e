"""session.py: glia.Session, one gliad session (create, learn, read, fork, delete).

A Session holds its transport (the Client) and its name. Making sessions is here too,
create_session and list_sessions, so that fork() needs nothing of client.py: Client's
create_session and sessions are these functions.
"""
from __future__ import annotations

import time
from typing import Any, Iterator

import pandas as pd

from . import frames
from ._http import Transport, seg
from .events import Event, stream

#: States in which a session does no work.
SETTLED = ("idle", "completed", "cancelled", "failed")


class Session:
    """A session of a gliad: a network, a task and a learner.

    Make one with Client.create_session (or Client.session for an existing one). Every
    method is one request (or a few, for the paged reads) and raises ProblemError when
    the daemon refuses it. ``summary`` is the last summary the daemon sent.
    """

    def __init__(self, client: Transport, name: str, summary: dict[str, Any] | None = None) -> None:
        self.client = client
        self.name = name
        self.summary: dict[str, Any] = summary or {}

    def __repr__(self) -> str:
        return f"glia.Session({self.name!r}, state={self.summary.get('state')!r})"

    @property
    def _path(self) -> str:
        return "/v1/sessions/" + seg(self.name)

    def _keep(self, doc: dict[str, Any]) -> "Session":
        self.summary = doc
        return self

    # -- summary --------------------------------------------------------------------------

    def refresh(self) -> dict[str, Any]:
        """``GET /v1/sessions/{name}``: read the summary (and config) again; answers it."""
        self.summary = self.client.get(self._path)
        return self.summary

    @property
    def state(self) -> str:
        """The state of the last summary read (``idle``, ``running``, ``paused``, ...)."""
        return str(self.summary.get("state"))

    @property
    def config(self) -> dict[str, Any]:
        """The session's complete config (read once if the summary lacks it)."""
        if "config" not in self.summary:
            self.refresh()
        return self.summary["config"]

    # -- learning -------------------------------------------------------------------------

    def step(self, steps: int = 1) -> dict[str, Any]:
        """``POST .../step``: take ``steps`` learning steps now; answers the step records."""
        return self.client.post(self._path + "/step", {"steps": steps})

    def run(self, episodes: int) -> "Session":
        """``POST .../run``: run ``episodes`` more episodes in the background (202); answers
        self at once. Follow with wait() or events()."""
        return self._keep(self.client.post(self._path + "/run", {"episodes": episodes}))

    def wait(self, timeout: float | None = None, poll: float = 0.1) -> "Session":
        """Poll the summary until the session is not ``running`` (completed, paused,
        cancelled or failed); answers self. Raises TimeoutError after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.refresh()["state"] == "running":
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"session {self.name!r} still running after {timeout} s")
            time.sleep(poll)
        return self

    def pause(self) -> "Session":
        """``POST .../pause``: stop a run at the end of its slice (answers once paused)."""
        return self._keep(self.client.post(self._path + "/pause"))

    def resume(self) -> "Session":
        """``POST .../resume``: continue a paused run towards the same target."""
        return self._keep(self.client.post(self._path + "/resume"))

    def cancel(self) -> "Session":
        """``POST .../cancel``: stop a running or paused run for good (``cancelled``)."""
        return self._keep(self.client.post(self._path + "/cancel"))

    def reconfigure(self, *, preset: str | None = None, config: dict[str, Any] | None = None, seed: int | None = None) -> "Session":
        """``PUT .../config``: replace preset, config and seed before the first step."""
        body: dict[str, Any] = {}
        for key, value in (("preset", preset), ("config", config), ("seed", seed)):
            if value is not None:
                body[key] = value
        resp = self.client.request("PUT", self._path + "/config", json=body)
        return self._keep(resp.json())

    def delete(self) -> None:
        """``DELETE /v1/sessions/{name}``: stop any run and remove the session."""
        self.client.delete(self._path)

    # -- snapshots and forks --------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """``GET .../snapshot``: the whole state; ``["snapshot"]`` is the base64 text."""
        return self.client.get(self._path + "/snapshot")

    def fork(self, name: str) -> "Session":
        """A new session ``name`` that continues from this one's state now (its network,
        learner state, counters and trajectory): snapshot() then Client.create_session."""
        return create_session(self.client, name, snapshot=self.snapshot()["snapshot"])

    # -- reads ----------------------------------------------------------------------------

    def inference(self) -> dict[str, Any]:
        """``GET .../inference``: every task pattern run with the current weights."""
        return self.client.get(self._path + "/inference")

    def result(self) -> dict[str, Any]:
        """``GET .../result``: the result document (that of ``gliad run``); 409 while running."""
        return self.client.get(self._path + "/result")

    def astrocytes(self) -> dict[str, Any]:
        """``GET .../astrocytes``: every astrocyte's counters and state."""
        return self.client.get(self._path + "/astrocytes")

    def learner(self) -> dict[str, Any]:
        """``GET .../learner``: the learner's kind and live state."""
        return self.client.get(self._path + "/learner")

    def network(self, synapses: bool = False) -> dict[str, Any]:
        """``GET .../network``: neurons and territories; with ``synapses`` every synapse
        (all pages joined) with its current weight, in id order."""
        if not synapses:
            return self.client.get(self._path + "/network")
        doc: dict[str, Any] | None = None
        after = -1
        rows: list[dict[str, Any]] = []
        while True:
            page = self.client.get(self._path + "/network", synapses=True, after=after, limit=100000)
            doc = doc or page
            rows.extend(page["synapses"])
            if page.get("next_after") is None:
                break
            after = page["next_after"]
        doc = dict(doc)
        doc["synapses"] = rows
        doc["next_after"] = None
        return doc

    def weights(self) -> list[float]:
        """The current weights in synapse id order (the order objective() takes)."""
        return [s["weight"] for s in self.network(synapses=True)["synapses"]]

    def metrics(self, after: int = -1) -> list[dict[str, Any]]:
        """Every trajectory point after episode ``after`` (``GET .../metrics``, all pages)."""
        points: list[dict[str, Any]] = []
        while True:
            page = self.client.get(self._path + "/metrics", after=after, limit=10000)
            points.extend(page["points"])
            if page.get("next_after") is None:
                return points
            after = page["next_after"]

    def metrics_csv(self, **params: Any) -> str:
        """``GET .../metrics?format=csv``: the trajectory as the daemon's CSV text."""
        return self.client.text(self._path + "/metrics", format="csv", **params)

    def outputs_csv(self, **params: Any) -> str:
        """``GET .../outputs?format=csv``: the output vector per (point, pattern) as CSV."""
        return self.client.text(self._path + "/outputs", format="csv", **params)

    # -- DataFrames -----------------------------------------------------------------------

    def trajectory(self) -> pd.DataFrame:
        """The trajectory points as a DataFrame (frames.trajectory_frame): one row per
        point, ``episode``, ``avg_reward``, ``accept_rate``, ``accuracy``,
        ``distinct_outputs``, ``constant_output``."""
        return frames.trajectory_frame(self.metrics())

    def outputs_json(self, after: int = -1) -> dict[str, Any]:
        """``GET .../outputs``, every page joined: the task's ``patterns`` and every
        trajectory point's output vectors (``points``)."""
        doc: dict[str, Any] | None = None
        points: list[dict[str, Any]] = []
        while True:
            page = self.client.get(self._path + "/outputs", after=after, limit=10000)
            doc = doc or page
            points.extend(page["points"])
            if page.get("next_after") is None:
                break
            after = page["next_after"]
        doc = dict(doc)
        doc["points"] = points
        doc["next_after"] = None
        return doc

    def outputs(self) -> pd.DataFrame:
        """The output vectors per point and pattern (frames.outputs_frame, the columns of
        ``outputs?format=csv``): ``episode``, ``pattern`` (0-based), ``input``,
        ``target``, ``output``, ``correct``, ``accuracy``."""
        return frames.outputs_frame(self.outputs_json())

    # -- events ---------------------------------------------------------------------------

    def events(
        self,
        *,
        after: int | None = None,
        follow: bool = True,
        retry: float | None = None,
        reconnect_timeout: float = 30.0,
    ) -> Iterator[Event]:
        """The session's events (``GET .../events``, SSE) as a generator of Event.

        Starts after event ``after`` (default: at the latest ``state`` event). A dropped
        connection or a daemon restart is resumed with ``Last-Event-ID`` (waiting
        ``retry`` seconds between attempts, the daemon's ``retry:`` by default, for at most
        ``reconnect_timeout`` seconds), so no event is lost or repeated. Ends when the
        session is deleted, or with ``follow=False`` once everything is sent and the
        session is not running.
        """
        return stream(self.client, self.name, after=after, follow=follow, retry=retry, reconnect_timeout=reconnect_timeout)


def create_session(
    client: Transport,
    name: str,
    *,
    preset: str | None = None,
    config: dict[str, Any] | None = None,
    seed: int | None = None,
    export_metrics: bool | None = None,
    snapshot: str | None = None,
) -> Session:
    """``POST /v1/sessions`` through ``client`` (Client.create_session): the new Session
    with the summary the daemon answered. Raises ProblemError."""
    body: dict[str, Any] = {"name": name}
    for key, value in (
        ("preset", preset),
        ("config", config),
        ("seed", seed),
        ("export_metrics", export_metrics),
        ("snapshot", snapshot),
    ):
        if value is not None:
            body[key] = value
    return Session(client, name, client.post("/v1/sessions", body))


def list_sessions(client: Transport, *, state: str | None = None, experiment: str | None = None) -> list[Session]:
    """Every session of ``GET /v1/sessions`` through ``client``, all pages, in name order
    (Client.sessions, Experiment.sessions)."""
    out: list[Session] = []
    cursor: str | None = None
    while True:
        page = client.get("/v1/sessions", state=state, experiment=experiment, cursor=cursor, limit=1000)
        for doc in page["items"]:
            out.append(Session(client, doc["name"], doc))
        cursor = page.get("next_cursor")
        if not cursor:
            return out
