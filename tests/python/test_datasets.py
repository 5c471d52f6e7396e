"""test_datasets.py: glia.Dataset against a real gliad: a CSV file, a gzip file, bytes, a
DataFrame and IDX files uploaded; the properties equal the daemon's JSON; the same numbers
have the same hash under any name; list; delete; a ProblemError per bad input."""
import gzip
import os
import struct

import pandas as pd
import pytest

import glia

CSV = b"sepal,petal,kind\n5.1,1.4,0\n7.0,4.7,1\n6.3,6.0,2\n4.9,1.5,0\n"
SKLEARN_IRIS = "/usr/lib/python3/dist-packages/sklearn/datasets/data/iris.csv"


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "flowers.csv"
    path.write_bytes(CSV)
    return path


def same_as_json(client, ds):
    """The Dataset's properties are the members of GET /v1/datasets/{name}."""
    doc = client.get("/v1/datasets/" + ds.name)
    assert ds.document == doc
    assert ds.shape == (doc["samples"], doc["features"])
    assert (ds.samples, ds.features, ds.classes) == (doc["samples"], doc["features"], doc["classes"])
    assert (ds.hash, ds.storage, ds.nbytes, ds.format) == (doc["hash"], doc["storage"], doc["bytes"], doc["format"])
    assert ds.created_at == doc["created_at"]
    assert ds.range == doc["range"]
    assert (ds.feature_min, ds.feature_max, ds.class_counts) == (doc["feature_min"], doc["feature_max"], doc["class_counts"])
    assert ds.feature_names == doc.get("feature_names") and ds.class_names == doc.get("class_names")
    assert ds.parts == doc.get("parts")
    return doc


def test_csv_file(client, name, csv_file):
    ds = client.upload_dataset(name, csv_file)
    assert isinstance(ds, glia.Dataset) and ds.name == name
    doc = same_as_json(client, ds)
    assert ds.shape == (4, 2) and ds.classes == 3 and ds.format == "csv" and ds.storage == "float32"
    assert ds.feature_names == ["sepal", "petal"] and ds.class_counts == [2, 1, 1]
    assert ds.feature_min == [4.9, 1.4] and ds.feature_max == [7.0, 6.0]
    assert ds.range == {"min": 1.4, "max": 7.0}
    assert len(ds.hash) == 64 and doc["name"] == name
    # client.dataset reads the same document
    assert client.dataset(name).document == doc
    assert repr(ds) == "glia.Dataset(%r, samples=4, features=2, classes=3)" % name


def test_gzip_file_has_the_hash_of_the_plain_file(client, name, csv_file, tmp_path):
    plain = client.upload_dataset(name + "-plain", str(csv_file))
    gz = tmp_path / "flowers.csv.gz"
    gz.write_bytes(gzip.compress(CSV))
    zipped = client.upload_dataset(name + "-gz", gz, format="csv")
    same_as_json(client, zipped)
    assert zipped.hash == plain.hash
    assert zipped.shape == plain.shape and zipped.class_counts == plain.class_counts


def test_same_content_under_two_names_has_the_same_hash(client, name):
    a = client.upload_dataset(name + "-a", CSV)
    b = client.upload_dataset(name + "-b", bytearray(CSV))
    assert a.name != b.name and a.hash == b.hash
    # a header, the label column's position and the file's bytes are not content
    moved = b"kind,sepal,petal\n0,5.1,1.4\n1,7.0,4.7\n2,6.3,6.0\n0,4.9,1.5\n"
    c = client.upload_dataset(name + "-c", moved, label="kind")
    assert c.hash == a.hash
    other = client.upload_dataset(name + "-d", CSV.replace(b"4.9", b"4.8"))
    assert other.hash != a.hash


def test_dataframe(client, name):
    df = pd.DataFrame({"kind": ["setosa", "virginica", "setosa"], "sepal": [5.1, 6.3, 4.9], "petal": [1.4, 6.0, 1.5]},
                      index=[10, 20, 30])
    ds = client.upload_dataset(name, df, label="kind")
    same_as_json(client, ds)
    # sent as CSV with its header (the index left out), the label column named
    assert ds.shape == (3, 2) and ds.feature_names == ["sepal", "petal"]
    assert ds.class_names == ["setosa", "virginica"] and ds.class_counts == [2, 1]
    assert ds.feature_min == [4.9, 1.4] and ds.feature_max == [6.3, 6.0]
    assert list(ds.feature_ranges().columns) == ["feature", "name", "min", "max"]
    assert ds.feature_ranges().to_dict("list") == {"feature": [0, 1], "name": ["sepal", "petal"],
                                                  "min": ds.feature_min, "max": ds.feature_max}
    assert ds.class_table().to_dict("list") == {"class": [0, 1], "name": ["setosa", "virginica"], "count": [2, 1]}


def test_dataframe_label_defaults_to_the_last_column(client, name):
    df = pd.DataFrame({"sepal": [5.1, 7.0, 6.3, 4.9], "petal": [1.4, 4.7, 6.0, 1.5], "kind": [0, 1, 2, 0]})
    ds = client.upload_dataset(name, df)
    assert ds.shape == (4, 2) and ds.class_counts == [2, 1, 1]
    # the same numbers as the CSV file: the same content
    assert ds.hash == client.upload_dataset(name + "-file", CSV).hash
    assert ds.class_table().to_dict("list") == {"class": [0, 1, 2], "count": [2, 1, 1]}


def idx_bytes(images, labels):
    """An IDX images file (unsigned bytes, n x rows x cols) and its labels file."""
    n, rows, cols = len(images), len(images[0]), len(images[0][0])
    img = struct.pack(">IIII", 0x803, n, rows, cols) + bytes(v for im in images for row in im for v in row)
    return img, struct.pack(">II", 0x801, n) + bytes(labels)


def test_idx_images_then_labels(client, name, tmp_path):
    img_bytes, lab_bytes = idx_bytes([[[0, 255], [3, 4]], [[9, 8], [7, 6]], [[1, 1], [1, 1]]], [2, 0, 2])
    # gzip'd as Fashion-MNIST ships them: the paths are sent one after another
    img, lab = tmp_path / "images-idx3-ubyte.gz", tmp_path / "labels-idx1-ubyte.gz"
    img.write_bytes(gzip.compress(img_bytes))
    lab.write_bytes(gzip.compress(lab_bytes))
    ds = client.upload_dataset(name, [img, lab], format="idx")
    same_as_json(client, ds)
    assert ds.shape == (3, 4) and ds.storage == "uint8" and ds.format == "idx"
    assert ds.class_counts == [1, 0, 2] and ds.feature_min == [0, 1, 1, 1] and ds.feature_max == [9, 255, 7, 6]
    assert client.upload_dataset(name + "-bytes", img_bytes + lab_bytes, format="idx").hash == ds.hash


@pytest.mark.skipif(not os.path.exists(SKLEARN_IRIS), reason="python3-sklearn's iris.csv is not installed")
def test_sklearn_iris(client, name):
    ds = client.upload_dataset(name, SKLEARN_IRIS, format="sklearn")
    same_as_json(client, ds)
    assert ds.shape == (150, 4) and ds.classes == 3 and ds.class_counts == [50, 50, 50]
    assert ds.class_names == ["setosa", "versicolor", "virginica"]


def test_list_and_delete(client, name):
    a = client.upload_dataset(name + "-a", CSV)
    b = client.upload_dataset(name + "-b", CSV)
    listed = client.datasets()
    names = [d.name for d in listed]
    assert names == sorted(names) and {a.name, b.name} <= set(names)
    raw = client.get("/v1/datasets")["datasets"]
    assert [d.document for d in listed] == raw
    # a listed Dataset holds the summary; the per-feature members read the whole document
    mine = next(d for d in listed if d.name == a.name)
    assert "feature_min" not in mine.document and mine.hash == a.hash and mine.shape == a.shape
    assert mine.feature_min == a.feature_min and mine.document == a.document
    b.delete()
    assert b.name not in [d.name for d in client.datasets()]
    with pytest.raises(glia.ProblemError) as e:
        client.dataset(b.name)
    assert (e.value.status, e.value.slug) == (404, "not-found")
    # the content stays for the other name
    assert client.dataset(a.name).hash == a.hash
    a.delete()
    with pytest.raises(glia.ProblemError) as e:
        a.delete()
    assert (e.value.status, e.value.slug) == (404, "not-found")


def problem(client, name, source, **kwargs):
    with pytest.raises(glia.ProblemError) as e:
        client.upload_dataset(name, source, **kwargs)
    err = e.value
    assert err.type.startswith("urn:glia:problem:") and err.title and err.detail
    assert err.instance == "/v1/datasets"
    return err


def test_ragged_csv_names_the_row(client, name):
    err = problem(client, name, b"a,b,c\n1,2,0\n3,4\n")
    assert (err.status, err.slug, err.title) == (400, "bad-dataset", "Bad Request")
    assert "line 3" in err.detail and err.line == 3 and err.body["line"] == 3
    assert name not in [d.name for d in client.datasets()]


def test_bad_cell_names_line_and_column(client, name):
    err = problem(client, name, b"1,2,0\n1,x7,1\n")
    assert (err.status, err.slug) == (400, "bad-dataset")
    assert err.detail == 'line 2, column 2: "x7" is not a number' and (err.line, err.column) == (2, 2)


def test_bad_idx_names_the_offset(client, name):
    err = problem(client, name, CSV, format="idx")
    assert (err.status, err.slug, err.offset) == (400, "bad-dataset", 0)


def test_bad_query_names_the_parameter(client, name):
    err = problem(client, name, CSV, format="xml")
    assert (err.status, err.slug, err.parameter, err.field) == (400, "bad-query", "format", "format")
    err = problem(client, "Bad Name", CSV)
    assert (err.status, err.slug, err.parameter) == (400, "bad-query", "name")
    err = problem(client, name, CSV, header="maybe")
    assert (err.status, err.parameter) == (400, "header")
    err = problem(client, name, CSV, format="sklearn", label="kind")
    assert (err.status, err.parameter) == (400, "label")


def test_invalid_dataset(client, name):
    err = problem(client, name, CSV, label="colour")
    assert (err.status, err.slug, err.parameter) == (422, "invalid-dataset", "label")
    assert "colour" in err.detail
    err = problem(client, name, b"")
    assert (err.status, err.slug) == (422, "invalid-dataset")


def test_name_taken(client, name):
    client.upload_dataset(name, CSV)
    err = problem(client, name, CSV)
    assert (err.status, err.slug) == (409, "dataset-exists") and name in err.detail


def test_reads_of_no_dataset(client):
    with pytest.raises(glia.ProblemError) as e:
        client.dataset("Bad Name")
    assert (e.value.status, e.value.slug) == (422, "invalid-name")
    with pytest.raises(glia.ProblemError) as e:
        glia.Dataset(client, "nobody").refresh()
    assert (e.value.status, e.value.instance) == (404, "/v1/datasets/nobody")


def test_inputs_refused_before_sending(client, name):
    df = pd.DataFrame({"x": [1.0, 2.0], "y": [0, 1]})
    with pytest.raises(ValueError):
        client.upload_dataset(name, df, format="idx")
    with pytest.raises(ValueError):
        client.upload_dataset(name, df, header="no")
    with pytest.raises(ValueError):
        client.upload_dataset(name, df, label="kind")
    with pytest.raises(TypeError):
        client.upload_dataset(name, 42)
    assert name not in [d.name for d in client.datasets()]
