"""conftest.py: pytest fixtures: a real gliad per test module (tests/python/daemon.py)."""
import itertools

import pytest

import glia
from daemon import Daemon


def pytest_addoption(parser):
    parser.addoption("--gliad", required=True, help="the gliad binary to test against")


@pytest.fixture(scope="module")
def daemon(request, tmp_path_factory):
    d = Daemon(request.config.getoption("--gliad"), root=str(tmp_path_factory.mktemp("gliad")))
    d.start()
    yield d
    rc = d.stop()
    assert rc == 0, "gliad exited %s; log: %s" % (rc, d.log_path)


@pytest.fixture(scope="module")
def client(daemon):
    return glia.Client(daemon.url)


_names = itertools.count(1)


@pytest.fixture
def name(request):
    """A fresh session or experiment name for the test."""
    base = "".join(ch if ch.isalnum() else "-" for ch in request.node.name.lower())[:40].strip("-")
    return "%s-%d" % (base, next(_names))
