"""client.py: glia.Client, the connection to one gliad (base URL, bearer token, HTTP).

Client is a Transport (_http.py: every request goes through Client.request, and a
non-2xx answer becomes a ProblemError) with the daemon's catalogue on top: presets,
sessions, templates, experiments and datasets. The objects (Session, Experiment, Dataset)
hold the Client
as their transport and a name; they never cache more than the last document the daemon
sent.
"""
from __future__ import annotations

import os
from typing import Any

from ._http import Transport, seg
from .dataset import Dataset, Source, list_datasets, upload_dataset
from .experiment import Experiment
from .session import Session, create_session, list_sessions

DEFAULT_URL = "http://127.0.0.1:8080"


def _read_token(token: str | None) -> str | None:
    if token:
        return token
    env = os.environ.get("GLIA_TOKEN")
    if env:
        return env
    path = os.environ.get("GLIA_TOKEN_FILE")
    if path:
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
        return text or None
    return None


class Client(Transport):
    """A connection to gliad.

    Args:
        url: the daemon's base URL (default ``$GLIA_URL`` or http://127.0.0.1:8080).
        token: the bearer token; without one, ``$GLIA_TOKEN``, then the first line of the
            file ``$GLIA_TOKEN_FILE``; without any, requests carry no token.
        timeout: seconds to wait for an answer (the event stream waits longer).

    Raises ProblemError from every method when the daemon answers with an error, and
    requests' ConnectionError when it cannot be reached.
    """

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 60.0) -> None:
        super().__init__((url or os.environ.get("GLIA_URL") or DEFAULT_URL).rstrip("/"), _read_token(token), timeout)

    def __repr__(self) -> str:
        return f"glia.Client({self.url!r})"

    # -- service --------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """``GET /healthz``."""
        return self.get("/healthz")

    def version(self) -> dict[str, Any]:
        """``GET /v1/version``: the daemon's version, store and limits."""
        return self.get("/v1/version")

    def presets(self) -> list[dict[str, Any]]:
        """``GET /v1/presets``: every preset's name and description."""
        return _items(self.get("/v1/presets"))

    def preset(self, name: str) -> dict[str, Any]:
        """``GET /v1/presets/{name}``: the preset with its complete config."""
        return self.get("/v1/presets/" + seg(name))

    # -- sessions -------------------------------------------------------------------------

    def session(self, name: str) -> "Session":
        """The existing session ``name`` (its summary is read once; 404 if none)."""
        s = Session(self, name)
        s.refresh()
        return s

    def sessions(self, *, state: str | None = None, experiment: str | None = None) -> list["Session"]:
        """Every session (all pages of ``GET /v1/sessions``), in name order."""
        return list_sessions(self, state=state, experiment=experiment)

    def create_session(
        self,
        name: str,
        *,
        preset: str | None = None,
        config: dict[str, Any] | None = None,
        seed: int | None = None,
        export_metrics: bool | None = None,
        snapshot: str | None = None,
    ) -> "Session":
        """``POST /v1/sessions``: a new ``idle`` session from a preset and/or config
        overrides and a seed, or a fork of ``snapshot`` (the base64 text of
        Session.snapshot()). Raises ProblemError (422 with ``pointer``, 409 ``exists``, 507).
        """
        return create_session(
            self,
            name,
            preset=preset,
            config=config,
            seed=seed,
            export_metrics=export_metrics,
            snapshot=snapshot,
        )

    # -- experiments ----------------------------------------------------------------------

    def templates(self) -> list[dict[str, Any]]:
        """``GET /v1/experiments/templates``: the reference studies, each with its ``body``."""
        return _items(self.get("/v1/experiments/templates"))

    def template(self, name: str) -> dict[str, Any]:
        """The ``body`` of the template ``name`` (a copy, to change before posting)."""
        for t in self.templates():
            if t["name"] == name:
                return dict(t["body"])
        raise KeyError(f"no experiment template named {name!r}")

    def experiment(self, name: str) -> "Experiment":
        """The existing experiment ``name`` (404 if none)."""
        e = Experiment(self, name)
        e.refresh()
        return e

    def experiments(self) -> list["Experiment"]:
        """Every experiment (``GET /v1/experiments``), newest first."""
        return [Experiment(self, d["name"], None) for d in _items(self.get("/v1/experiments"))]

    def create_experiment(
        self,
        spec: dict[str, Any] | None = None,
        *,
        template: str | None = None,
        **overrides: Any,
    ) -> "Experiment":
        """``POST /v1/experiments``: start a study from ``spec`` (the JSON of
        examples/study.json) or from the body of ``template`` (``exp021``, ``reach``, ...),
        with top-level members replaced by ``overrides`` (``name=``, ``seeds=``,
        ``episodes=``). Answers once every session is built and stored (202).
        """
        if (spec is None) == (template is None):
            raise ValueError("give exactly one of spec and template")
        body = dict(spec) if spec is not None else self.template(str(template))
        body.update(overrides)
        doc = self.post("/v1/experiments", body)
        return Experiment(self, doc["name"], doc)

    # -- datasets -------------------------------------------------------------------------

    def dataset(self, name: str) -> "Dataset":
        """The stored dataset ``name``, its whole document read once (404 if none)."""
        d = Dataset(self, name)
        d.refresh()
        return d

    def datasets(self) -> list["Dataset"]:
        """Every stored dataset (``GET /v1/datasets``), in name order, each with its
        summary (the per-feature members are read when first asked for)."""
        return list_datasets(self)

    def upload_dataset(
        self,
        name: str,
        source: Source,
        *,
        format: str | None = None,
        label: str | int | None = None,
        header: str | None = None,
    ) -> "Dataset":
        """``POST /v1/datasets``: store ``source`` (a path, the file's bytes, a list of
        paths sent one after another, or a DataFrame sent as CSV with its header) under
        ``name`` as ``format`` (``csv`` by default, ``sklearn``, ``idx``), with the csv
        ``label`` column and ``header`` mode when given (dataset.upload_dataset). Answers
        once stored. Raises ProblemError (400 ``bad-dataset`` naming the line, 409
        ``dataset-exists``, 413, 422 ``invalid-dataset``)."""
        return upload_dataset(self, name, source, format=format, label=label, header=header)


def _items(doc: Any) -> list[dict[str, Any]]:
    if isinstance(doc, dict):
        for key in ("items", "presets", "templates", "experiments", "sessions"):
            if isinstance(doc.get(key), list):
                return list(doc[key])
    return list(doc)
