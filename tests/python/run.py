#!/usr/bin/env python3
"""run.py: the Python client's ctest steps (tests/CMakeLists.txt), with Debian's python3.

  run.py venv --root SRC --work DIR
      a venv (--system-site-packages: Debian's requests, pandas, pytest, nbclient,
      ipykernel, matplotlib, scipy) in DIR/venv, and the client installed into it the
      way docs/python.md says, offline: pip install --no-deps --no-build-isolation
      (from a copy of clients/python, so the build leaves nothing in the source tree);
      then a Jupyter kernel spec "glia-venv" in DIR/jupyter whose kernel is that venv's
      python (Debian's own "python3" spec would run /usr/bin/python3, without the client).
  run.py pytest --root SRC --work DIR --gliad PATH
      tests/python/test_*.py with pytest in the venv, each against a gliad it starts;
      exit 5 (no test collected) is a failure.
  run.py notebooks --root SRC --work DIR --gliad PATH
      every examples/*.ipynb executed headless by nbclient on the venv's kernel against a
      gliad started here (tests/python/notebooks.py), the executed copies in DIR/notebooks.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys


def venv_python(work):
    return os.path.join(work, "venv", "bin", "python")


def make_venv(root, work):
    venv = os.path.join(work, "venv")
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", venv], check=True)
    src = os.path.join(work, "client-src")
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(os.path.join(root, "clients", "python"), src,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    subprocess.run([venv_python(work), "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                    "--no-index", "--disable-pip-version-check", "--quiet", src], check=True)
    spec_dir = os.path.join(work, "jupyter", "kernels", "glia-venv")
    os.makedirs(spec_dir, exist_ok=True)
    with open(os.path.join(spec_dir, "kernel.json"), "w") as f:
        json.dump({"argv": [venv_python(work), "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                   "display_name": "Python 3 (glia venv)", "language": "python"}, f, indent=1)
    # The installed package is the one the venv imports (not a source checkout).
    out = subprocess.run([venv_python(work), "-c", "import glia, sys; print(glia.__file__)"],
                         check=True, capture_output=True, text=True, cwd=work).stdout.strip()
    if not out.startswith(os.path.join(venv, "")):
        sys.exit("glia imported from %s, not from the venv" % out)
    print("glia installed:", out)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=["venv", "pytest", "notebooks"])
    ap.add_argument("--root", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--gliad")
    args = ap.parse_args()
    args.work, args.root = os.path.abspath(args.work), os.path.abspath(args.root)
    args.gliad = os.path.abspath(args.gliad) if args.gliad else None
    os.makedirs(args.work, exist_ok=True)
    if args.step == "venv":
        return make_venv(args.root, args.work)
    if not os.path.exists(venv_python(args.work)):
        sys.exit("no venv in %s: run the python_client_install test first" % args.work)
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1",
               JUPYTER_PATH=os.path.join(args.work, "jupyter"))
    env.pop("GLIA_TOKEN", None)
    env.pop("GLIA_TOKEN_FILE", None)
    here = os.path.dirname(os.path.abspath(__file__))
    if args.step == "pytest":
        rc = subprocess.run([venv_python(args.work), "-m", "pytest", here, "-p", "no:cacheprovider",
                             "-q", "-rA", "--gliad", args.gliad, "--basetemp",
                             os.path.join(args.work, "pytest")], env=env, cwd=args.work).returncode
        if rc == 5:
            print("pytest collected no test: that is a failure here")
            return 1
        return rc
    return subprocess.run([venv_python(args.work), os.path.join(here, "notebooks.py"), "--gliad",
                           args.gliad, "--examples", os.path.join(args.root, "examples"), "--out",
                           os.path.join(args.work, "notebooks")], env=env, cwd=args.work).returncode


if __name__ == "__main__":
    sys.exit(main())
