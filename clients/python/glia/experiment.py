"""experiment.py: glia.Experiment, one study (conditions x seeds) run by gliad."""
from __future__ import annotations

import time
from typing import Any

import pandas as pd

from . import frames
from ._http import Transport, seg
from .session import Session, list_sessions


class Experiment:
    """A study of gliad: one session per (condition, seed), compared with paired
    statistics. Make one with Client.create_experiment (or Client.experiment).
    ``document`` is the last document the daemon sent."""

    def __init__(self, client: Transport, name: str, document: dict[str, Any] | None = None) -> None:
        self.client = client
        self.name = name
        self.document: dict[str, Any] = document or {}

    def __repr__(self) -> str:
        return f"glia.Experiment({self.name!r}, state={self.document.get('state')!r})"

    @property
    def _path(self) -> str:
        return "/v1/experiments/" + seg(self.name)

    def refresh(self) -> dict[str, Any]:
        """``GET /v1/experiments/{name}``: read the document again; answers it."""
        self.document = self.client.get(self._path)
        return self.document

    @property
    def state(self) -> str:
        """The state of the last document read (``running``, ``completed``, ``cancelled``)."""
        return str(self.document.get("state"))

    @property
    def results(self) -> dict[str, Any] | None:
        """The results of the last document read (None until there are)."""
        return self.document.get("results")

    def wait(self, timeout: float | None = None, poll: float = 0.25) -> "Experiment":
        """Poll until the experiment has results (``completed`` or ``cancelled``);
        answers self. Raises TimeoutError after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.refresh().get("results") is None:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"experiment {self.name!r} has no results after {timeout} s")
            time.sleep(poll)
        return self

    def cancel(self) -> "Experiment":
        """``POST .../cancel``: cancel every run left; results from the records so far."""
        self.document = self.client.post(self._path + "/cancel")
        return self

    def delete(self) -> None:
        """``DELETE /v1/experiments/{name}``: the experiment and all its sessions."""
        self.client.delete(self._path)

    def report(self, format: str = "json") -> Any:
        """``GET .../report``: ``json`` (the document), ``md`` (Markdown) or ``csv`` (text).
        409 (ProblemError with ``body["progress"]``) until there are results."""
        if format == "json":
            return self.client.get(self._path + "/report")
        return self.client.text(self._path + "/report", format=format)

    def sessions(self) -> list["Session"]:
        """The sessions this experiment created."""
        return list_sessions(self.client, experiment=self.name)

    # -- tables ---------------------------------------------------------------------------

    def runs_json(self) -> dict[str, Any]:
        """``GET .../runs``: every finished run (condition, session, seed, record)."""
        return self.client.get(self._path + "/runs")

    def runs(self) -> pd.DataFrame:
        """One row per finished (condition, seed) run (frames.runs_frame): its record's
        fields, a sweep's values as columns named after their field."""
        return frames.runs_frame(self.runs_json())

    def runs_csv(self) -> str:
        """``GET .../runs?format=csv``: the runs as the daemon's CSV."""
        return self.client.text(self._path + "/runs", format="csv")

    def summary(self) -> pd.DataFrame:
        """One row per condition of the results (frames.summary_frame): n, mean accuracy,
        SD, min/max, the t and bootstrap 95% CIs, accept rate, distinct outputs,
        constant-output seeds, episodes to 90/95/100%, rank and ``worse``; a sweep's
        values as columns. Reads the document again if it has no results yet."""
        if self.document.get("results") is None:
            self.refresh()
        return frames.summary_frame(self.document)

    def sweep(self) -> pd.DataFrame:
        """summary() sorted by rank, for a sweep: the swept values first, as columns."""
        df = self.summary()
        fields = [frames.field_column(f) for f in (self.document.get("sweep") or {}).get("fields", [])]
        rest = [c for c in df.columns if c not in fields and c != "condition"]
        return df[["condition"] + fields + rest].sort_values(["rank", "condition"], kind="stable").reset_index(drop=True)

    def curves_json(self, max_points: int | None = None) -> dict[str, Any]:
        """``GET .../curves``: per condition and episode, mean/SD/CI over the seeds."""
        return self.client.get(self._path + "/curves", max_points=max_points)

    def curves(self, max_points: int | None = None) -> pd.DataFrame:
        """The learning curves with their 95% CI bands (frames.curves_frame), long format:
        one row per (condition, episode, metric)."""
        return frames.curves_frame(self.curves_json(max_points))

    def curves_csv(self, max_points: int | None = None) -> str:
        """``GET .../curves?format=csv``: the curves as the daemon's CSV."""
        return self.client.text(self._path + "/curves", format="csv", max_points=max_points)
