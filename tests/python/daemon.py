"""daemon.py: a real gliad for the client's tests and notebooks (ephemeral loopback port,
temporary data dir, restartable on the same port with the same data)."""
import os
import signal
import subprocess
import tempfile
import time


class Daemon:
    """``gliad serve`` on 127.0.0.1; ``start()`` again after ``stop()`` reuses the port
    and the data dir, as a restart would."""

    def __init__(self, gliad, root=None, token=None, extra=()):
        self.gliad = gliad
        self.dir = tempfile.mkdtemp(prefix="glia-py-", dir=root)
        self.token = token
        self.extra = list(extra)
        self.port = 0
        self.proc = None
        self.log_path = os.path.join(self.dir, "gliad.log")

    def start(self):
        port_file = os.path.join(self.dir, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        data = os.path.join(self.dir, "data")
        os.makedirs(data, exist_ok=True)
        args = [self.gliad, "serve", "--listen", "127.0.0.1:%d" % self.port, "--data-dir", data,
                "--workers", "2", "--port-file", port_file] + self.extra
        if self.token:
            args += ["--token", self.token]
        env = {k: v for k, v in os.environ.items() if k not in ("GLIA_TOKEN", "GLIA_TOKEN_FILE")}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=log, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gliad exited at startup:\n" + open(self.log_path).read())
            try:
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    return self
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        raise RuntimeError("gliad did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return -9
        return self.proc.returncode if self.proc else 0

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port
