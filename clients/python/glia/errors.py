"""errors.py: gliad's RFC 9457 problems as one Python exception, ProblemError."""
from __future__ import annotations

from typing import Any


class ProblemError(Exception):
    """An error answer of gliad (``application/problem+json``, RFC 9457).

    Attributes:
        status: the HTTP status (400, 404, 409, 422, 507, ...).
        type: ``urn:glia:problem:<slug>``; ``slug`` is the part after the last colon.
        title: the status' reason phrase (``Unprocessable Content``).
        detail: this occurrence in plain words (also ``message``).
        instance: the request path.
        pointer: the JSON pointer of the first body error (``/weights``), if any.
        parameter: the query parameter named by the first error (``format``), or by the
            problem itself (a dataset's ``label``), if any.
        header: the header named by the first error (``Last-Event-ID``), if any.
        line, column: where in an uploaded CSV file (1-based), if the problem says.
        offset: the byte of an uploaded IDX body, if the problem says.
        errors: the problem's ``errors`` list as sent (may be empty).
        body: the whole problem document (extra members: ``state``, ``progress``,
            ``needed_bytes``, ...).
    """

    def __init__(self, status: int, body: dict[str, Any] | None = None, text: str = "") -> None:
        body = dict(body or {})
        self.status: int = int(body.get("status", status))
        self.type: str = str(body.get("type", "about:blank"))
        self.title: str = str(body.get("title", ""))
        self.detail: str = str(body.get("detail", text.strip()))
        self.instance: str | None = body.get("instance")
        self.errors: list[dict[str, Any]] = list(body.get("errors") or [])
        first = self.errors[0] if self.errors else {}
        self.pointer: str | None = first.get("pointer")
        self.parameter: str | None = first.get("parameter", body.get("parameter"))
        self.header: str | None = first.get("header")
        self.line: int | None = body.get("line")
        self.column: int | None = body.get("column")
        self.offset: int | None = body.get("offset")
        self.body: dict[str, Any] = body
        super().__init__(f"{self.status} {self.title or self.slug}: {self.detail}")

    @property
    def slug(self) -> str:
        """The problem's slug (``validation``, ``not-found``, ``bad-query``, ...)."""
        prefix = "urn:glia:problem:"
        return self.type[len(prefix) :] if self.type.startswith(prefix) else self.type

    @property
    def message(self) -> str:
        """The first error's own detail when there is one, else the problem's detail."""
        if self.errors and "detail" in self.errors[0]:
            return str(self.errors[0]["detail"])
        return self.detail

    @property
    def field(self) -> str | None:
        """What the error names: a body pointer, a query parameter or a header."""
        for name in (self.pointer, self.parameter, self.header):
            if name is not None:
                return name
        return None
