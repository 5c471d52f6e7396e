"""dataset.py: glia.Dataset, one dataset stored by gliad (upload, read, list, delete).

A Dataset holds its transport (the Client) and its name, like Session. The daemon keeps
the numbers and answers only their description (shape, ranges, class counts, SHA-256):
there is no route that sends the samples back, so a Dataset has no frame() of its data.
Uploading and listing are here too, upload_dataset and list_datasets: Client's
upload_dataset and datasets are these functions.
"""
from __future__ import annotations

import os
from typing import Any, Sequence, Union

import pandas as pd

from ._http import Transport, seg

#: What upload_dataset takes: a path, the file's bytes, several paths (concatenated:
#: IDX images then labels) or a DataFrame (sent as CSV with a header).
Source = Union[str, os.PathLike[str], bytes, bytearray, memoryview, Sequence[Union[str, os.PathLike[str]]], pd.DataFrame]


class Dataset:
    """A dataset of a gliad: samples of numbers (the features) with one class label each.

    Make one with Client.upload_dataset (or Client.dataset for a stored one). Its
    properties are the members of the last document the daemon sent (``document``); a
    Dataset from Client.datasets() holds the list's summary, and the per-feature members
    (``feature_min``, ``feature_max``, ``class_counts``, ...) read the whole document
    once when first asked for.
    """

    def __init__(self, client: Transport, name: str, document: dict[str, Any] | None = None) -> None:
        self.client = client
        self.name = name
        self.document: dict[str, Any] = document or {}

    def __repr__(self) -> str:
        d = self.document
        return f"glia.Dataset({self.name!r}, samples={d.get('samples')!r}, features={d.get('features')!r}, classes={d.get('classes')!r})"

    @property
    def _path(self) -> str:
        return "/v1/datasets/" + seg(self.name)

    def refresh(self) -> dict[str, Any]:
        """``GET /v1/datasets/{name}``: read the whole document again; answers it."""
        self.document = self.client.get(self._path)
        return self.document

    def delete(self) -> None:
        """``DELETE /v1/datasets/{name}`` (204): the name, and its content when no other
        name holds the same content. Raises ProblemError (404, 409 ``dataset-in-use``)."""
        self.client.delete(self._path)

    def _member(self, key: str) -> Any:
        if key not in self.document:
            self.refresh()
        return self.document[key]

    def _optional(self, key: str) -> Any:
        if "feature_min" not in self.document:
            self.refresh()
        return self.document.get(key)

    # -- the summary ----------------------------------------------------------------------

    @property
    def samples(self) -> int:
        """The number of samples (rows)."""
        return int(self._member("samples"))

    @property
    def features(self) -> int:
        """The number of features (columns, the label left out)."""
        return int(self._member("features"))

    @property
    def classes(self) -> int:
        """The number of classes: the largest label + 1, or the distinct word labels."""
        return int(self._member("classes"))

    @property
    def shape(self) -> tuple[int, int]:
        """``(samples, features)``."""
        return (self.samples, self.features)

    @property
    def hash(self) -> str:
        """The SHA-256 (64 hex digits) of the canonical content: the same numbers have the
        same hash whatever file, format, header or compression they came in."""
        return str(self._member("hash"))

    @property
    def storage(self) -> str:
        """``uint8`` when every value is an integer in [0, 255], else ``float32``."""
        return str(self._member("storage"))

    @property
    def nbytes(self) -> int:
        """The size of the canonical content as stored (the document's ``bytes``)."""
        return int(self._member("bytes"))

    @property
    def format(self) -> str:
        """The format it was uploaded in: ``csv``, ``sklearn`` or ``idx``."""
        return str(self._member("format"))

    @property
    def created_at(self) -> float:
        """When it was stored (wall clock, seconds since the epoch)."""
        return float(self._member("created_at"))

    # -- the whole document ---------------------------------------------------------------

    @property
    def range(self) -> dict[str, float]:
        """The smallest and largest value of any feature: ``{"min": ..., "max": ...}``."""
        return dict(self._member("range"))

    @property
    def feature_min(self) -> list[float]:
        """Each feature's smallest value, as read."""
        return list(self._member("feature_min"))

    @property
    def feature_max(self) -> list[float]:
        """Each feature's largest value, as read."""
        return list(self._member("feature_max"))

    @property
    def class_counts(self) -> list[int]:
        """The samples of each class, by class index."""
        return list(self._member("class_counts"))

    @property
    def class_names(self) -> list[str] | None:
        """The classes' names when the file gave them (word labels, scikit-learn's first
        line), else None."""
        names = self._optional("class_names")
        return None if names is None else list(names)

    @property
    def feature_names(self) -> list[str] | None:
        """The features' names from a CSV header, else None."""
        names = self._optional("feature_names")
        return None if names is None else list(names)

    @property
    def parts(self) -> list[int] | None:
        """IDX with more than one (images, labels) pair: the samples of each, else None."""
        parts = self._optional("parts")
        return None if parts is None else list(parts)

    def feature_ranges(self) -> pd.DataFrame:
        """One row per feature (0-based ``feature``): ``name`` (when the file named
        them), ``min`` and ``max`` as the document gives them."""
        df = pd.DataFrame({"feature": range(self.features), "min": self.feature_min, "max": self.feature_max})
        names = self.feature_names
        if names is not None:
            df.insert(1, "name", names)
        return df

    def class_table(self) -> pd.DataFrame:
        """One row per class (0-based ``class``): ``name`` (when the file named them) and
        ``count``, the samples of that class."""
        df = pd.DataFrame({"class": range(self.classes), "count": self.class_counts})
        names = self.class_names
        if names is not None:
            df.insert(1, "name", names)
        return df


def _body(source: Any, format: str | None, label: Any, header: str | None) -> tuple[bytes, str, str, Any, str | None]:
    """The body, its content type, and the format, label and header to send."""
    if isinstance(source, pd.DataFrame):
        if format not in (None, "csv"):
            raise ValueError(f"a DataFrame is sent as CSV, not format={format!r}")
        if header not in (None, "yes"):
            raise ValueError(f"a DataFrame is sent with its header, not header={header!r}")
        if len(source.columns) == 0:
            raise ValueError("the DataFrame has no columns")
        if label is None:
            label = source.columns[-1]
        if label not in source.columns:
            raise ValueError(f"the DataFrame has no column {label!r} for the labels")
        text = source.to_csv(index=False, lineterminator="\n")
        return text.encode("utf-8"), "text/csv", "csv", str(label), "yes"
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            data = f.read()
    elif isinstance(source, (list, tuple)):
        chunks = []
        for path in source:
            with open(path, "rb") as f:
                chunks.append(f.read())
        data = b"".join(chunks)
    else:
        raise TypeError(f"cannot upload a {type(source).__name__}: give a path, bytes, a list of paths or a DataFrame")
    return data, "application/octet-stream", format or "csv", label, header


def upload_dataset(
    client: Transport,
    name: str,
    source: Source,
    *,
    format: str | None = None,
    label: str | int | None = None,
    header: str | None = None,
) -> Dataset:
    """``POST /v1/datasets?name=&format=[&label=][&header=]`` through ``client``
    (Client.upload_dataset): the new Dataset with the document the daemon answered (201).

    ``source`` is a file's path, its bytes (gzip'd or not: the daemon recognises gzip),
    a list of paths sent one after another (IDX: the images file, then its labels file)
    or a pandas DataFrame, sent as CSV with its header (the index left out) and the label
    column named: ``label`` (default the last column). ``format`` is ``csv`` (the
    default), ``sklearn`` or ``idx``; ``label`` (csv: a header name or a 0-based index)
    and ``header`` (csv: ``auto``, ``yes`` or ``no``) are sent only when given.

    Raises ProblemError: 400 ``bad-dataset`` (the bytes are not the format; ``body``
    has the ``line`` and ``column`` or the IDX ``offset``), 400 ``bad-query``, 409
    ``dataset-exists``, 413 ``body-too-large``, 422 ``invalid-dataset``, 507. Raises
    ValueError for a DataFrame with another format or header, or without the label column,
    and TypeError for a source of another type.
    """
    data, content_type, fmt, lab, head = _body(source, format, label, header)
    doc = client.upload("/v1/datasets", data, content_type, name=name, format=fmt, label=lab, header=head)
    return Dataset(client, doc.get("name", name), doc)


def list_datasets(client: Transport) -> list[Dataset]:
    """Every dataset of ``GET /v1/datasets`` through ``client``, in name order
    (Client.datasets), each holding its summary."""
    return [Dataset(client, doc["name"], doc) for doc in client.get("/v1/datasets")["datasets"]]
