"""events.py: a session's event stream (SSE) as a Python generator that resumes.

The daemon numbers each session's events 1, 2, 3, ... and replays from its store
whatever follows a ``Last-Event-ID``, so a client that remembers the last id it saw can
reconnect after a dropped connection or a daemon restart and continue without a gap or
a repeat. events() does exactly that: it reconnects (waiting ``retry`` seconds between
attempts, for at most ``reconnect_timeout`` seconds in a row) and always sends the last
id it yielded.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Iterator

import requests

from ._http import Transport, seg
from .errors import ProblemError


@dataclass(frozen=True)
class Event:
    """One event: ``id`` (per session, increasing), ``event`` (``state``, ``progress``,
    ``metrics``, ``outputs``) and ``data`` (its JSON payload)."""

    id: int
    event: str
    data: dict[str, Any]


def parse_sse(chunks: Iterator[bytes]) -> Iterator[tuple[str, Any]]:
    """Split an SSE byte stream into ``("retry", ms)`` and ``("event", Event)`` items
    (comments and keepalives are skipped)."""
    buf = b""
    fields: dict[str, str] = {}
    for chunk in chunks:
        buf += chunk
        while True:
            nl = buf.find(b"\n")
            if nl < 0:
                break
            line = buf[:nl].rstrip(b"\r").decode("utf-8")
            buf = buf[nl + 1 :]
            if line == "":
                if "data" in fields:
                    yield "event", Event(int(fields.get("id", "0")), fields.get("event", "message"), json.loads(fields["data"]))
                fields = {}
                continue
            if line.startswith(":"):
                continue
            key, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if key == "retry":
                yield "retry", int(value)
            elif key == "data" and "data" in fields:
                fields["data"] += "\n" + value
            else:
                fields[key] = value


def stream(
    client: Transport,
    name: str,
    *,
    after: int | None = None,
    follow: bool = True,
    retry: float | None = None,
    reconnect_timeout: float = 30.0,
    read_timeout: float = 60.0,
) -> Iterator[Event]:
    """The events of session ``name`` (see Session.events)."""
    last = after
    path = f"/v1/sessions/{seg(name)}/events"
    wait = retry
    down_since: float | None = None
    while True:
        headers = {"Accept": "text/event-stream"}
        if last is not None:
            headers["Last-Event-ID"] = str(last)
        params: dict[str, Any] = {"format": "sse"}
        if not follow:
            params["follow"] = "false"
        got = 0
        try:
            resp = client.request("GET", path, params=params, headers=headers, stream=True, timeout=(10.0, read_timeout))
            down_since = None
            try:
                for kind, item in parse_sse(resp.iter_content(chunk_size=None)):
                    if kind == "retry":
                        if retry is None:
                            wait = item / 1000.0
                        continue
                    last = item.id
                    got += 1
                    yield item
            finally:
                resp.close()
        except ProblemError as e:
            # The session is gone (deleted while we were away): the stream is over.
            if e.status == 404 and last is not None:
                return
            raise
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError):
            now = time.monotonic()
            down_since = down_since if down_since is not None else now
            if now - down_since > reconnect_timeout:
                raise
            time.sleep(wait if wait is not None else 1.0)
            continue
        # The stream ended: the daemon stopped, the session was deleted, or (follow=False)
        # everything was sent. With follow=False it is over once a stream brings nothing
        # new and the session is not running (a daemon that has just restarted may end a
        # stream before it has taken the session's run up again).
        if not follow and got == 0:
            try:
                if client.get(f"/v1/sessions/{seg(name)}")["state"] != "running":
                    return
            except ProblemError as e:
                if e.status == 404:
                    return
                raise
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(wait if wait is not None else 1.0)
        elif follow:
            time.sleep(min(wait if wait is not None else 1.0, 0.2))
