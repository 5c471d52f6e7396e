"""_http.py: the transport under every glia object: one base URL, one bearer token, HTTP.

The leaf the objects stand on. Client is a Transport (plus the catalogue of sessions,
studies, datasets and presets); Session, Experiment, Dataset and the event stream hold
one and call only its request/get/text/post/upload/delete, so none of them needs the
module above it. Every
request goes through Transport.request: a non-2xx answer becomes a ProblemError.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from .errors import ProblemError


class Transport:
    """HTTP to one gliad: ``url`` (no trailing slash), ``token`` (sent as
    ``Authorization: Bearer`` when set), ``timeout`` (seconds per request) and ``http``,
    the requests.Session that keeps the connections."""

    def __init__(self, url: str, token: str | None, timeout: float) -> None:
        self.url: str = url
        self.token: str | None = token
        self.timeout: float = timeout
        self.http = requests.Session()
        if self.token:
            self.http.headers["Authorization"] = "Bearer " + self.token

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        stream: bool = False,
        timeout: float | tuple[float, float] | None = None,
    ) -> requests.Response:
        """Send one request to ``path`` (``/v1/...``); answers the response if 2xx.

        Raises ProblemError for any other status (the problem document, or the text of a
        non-problem answer).
        """
        if params:
            params = {k: _query_value(v) for k, v in params.items() if v is not None}
        resp = self.http.request(
            method,
            self.url + path,
            json=json,
            data=data,
            params=params or None,
            headers=headers,
            stream=stream,
            timeout=timeout if timeout is not None else self.timeout,
        )
        if resp.status_code >= 400:
            raise _problem(resp)
        return resp

    def get(self, path: str, **params: Any) -> Any:
        """GET ``path`` and answer its JSON body."""
        return self.request("GET", path, params=params).json()

    def text(self, path: str, **params: Any) -> str:
        """GET ``path`` and answer its body as text (CSV, Markdown)."""
        resp = self.request("GET", path, params=params)
        resp.encoding = resp.encoding or "utf-8"
        return resp.text

    def post(self, path: str, body: Any = None) -> Any:
        """POST ``body`` as JSON to ``path`` and answer the JSON body (None for 204)."""
        resp = self.request("POST", path, json=body if body is not None else {})
        return resp.json() if resp.content else None

    def upload(self, path: str, data: bytes, content_type: str = "application/octet-stream", **params: Any) -> Any:
        """POST the raw bytes ``data`` (a file, not JSON) to ``path`` with the query
        ``params``; answers the JSON body."""
        resp = self.request("POST", path, data=data, params=params, headers={"Content-Type": content_type})
        return resp.json() if resp.content else None

    def delete(self, path: str) -> None:
        """DELETE ``path`` (204)."""
        self.request("DELETE", path)


def seg(name: str) -> str:
    """``name`` as one path segment (every reserved character percent-encoded)."""
    return quote(name, safe="")


def _query_value(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def _problem(resp: requests.Response) -> ProblemError:
    body: dict[str, Any] | None = None
    try:
        doc = resp.json()
        if isinstance(doc, dict):
            body = doc
    except ValueError:
        pass
    return ProblemError(resp.status_code, body, resp.text if body is None else "")
