#!/usr/bin/env bash
# dev.sh: the two commands of README.md, for a fresh Debian 12 machine.
#
#   ./dev.sh up      install what is missing, build (Release), run gliad on
#                    127.0.0.1:8080 with its SQLite store in ./data
#   ./dev.sh test    install what is missing, build, run the whole test suite
#
# Options for test:  --sanitize   build and test with ASan + UBSan (build-asan/)
# Extra arguments after `up` are passed to gliad (e.g. --listen 127.0.0.1:9000).
set -euo pipefail
cd "$(dirname "$0")"

# Every Debian package the build, the daemon and the tests need.
PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  libmicrohttpd-dev libuv1-dev libjansson-dev libsqlite3-dev sqlite3
  libcriterion-dev libcurl4-openssl-dev libsodium-dev zlib1g-dev
  python3-sklearn dataset-fashion-mnist
  prometheus python3 python3-yaml
  slurmctld slurmd slurm-client munge
  clang libclang-rt-14-dev
  chromium chromium-driver python3-selenium
  python3-pandas python3-requests python3-pytest python3-nbclient python3-nbformat
  python3-ipykernel python3-matplotlib python3-scipy python3-pip python3-venv python3-setuptools
)

# node and npm run the redocly CLI (install_redocly): Debian's, unless some are on PATH
# already (NodeSource's nodejs carries its own npm, which Debian's npm would conflict with).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PACKAGES+=(nodejs npm)
fi

install_missing() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "dev.sh: installing ${missing[*]}" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# The redocly CLI that bundles and lints the API spec (tests spec_openapi_bundle and
# spec_openapi_lint), at the versions of openapi/package-lock.json.
install_redocly() {
  if [ ! -x openapi/node_modules/.bin/redocly ] ||
    [ openapi/package-lock.json -nt openapi/node_modules/.package-lock.json ]; then
    npm ci --prefix openapi --ignore-scripts --no-audit --no-fund
  fi
}

jobs() { nproc 2>/dev/null || echo 2; }

cmd="${1:-}"
shift || true
case "$cmd" in
  up)
    install_missing
    cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DGLIA_TESTS=OFF
    cmake --build build-release -j "$(jobs)"
    mkdir -p data
    exec ./build-release/gliad serve --data-dir ./data "$@"
    ;;
  test)
    install_missing
    install_redocly
    dir=build type=RelWithDebInfo san=OFF
    if [ "${1:-}" = "--sanitize" ]; then dir=build-asan type=Debug san=ON; fi
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" -DGLIA_SANITIZE="$san" -DGLIA_TESTS=ON
    cmake --build "$dir" -j "$(jobs)"
    ctest --test-dir "$dir" --output-on-failure -j "$(jobs)"
    ;;
  *)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
