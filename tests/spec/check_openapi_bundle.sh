#!/usr/bin/env bash
# check_openapi_bundle.sh: openapi.yaml is the current bundle of openapi/, or is lint-clean.
#
# Usage: check_openapi_bundle.sh bundle|lint REPO_ROOT
#
#   bundle  re-bundles openapi/openapi.yaml with the pinned redocly CLI
#           (openapi/node_modules, installed by dev.sh with `npm ci --prefix openapi`)
#           into a temp file and fails, printing the diff and the command that
#           regenerates it, unless it equals the checked-in openapi.yaml
#   lint    runs `redocly lint openapi.yaml` (redocly.yaml and .redocly.lint-ignore.yaml
#           in REPO_ROOT) with the same CLI and fails on any error or warning
#
# Offline: the CLI's telemetry and update check are turned off.
set -euo pipefail

mode="${1:?usage: check_openapi_bundle.sh bundle|lint REPO_ROOT}"
root="${2:?usage: check_openapi_bundle.sh bundle|lint REPO_ROOT}"
cd "$root"

redocly="openapi/node_modules/.bin/redocly"
regen="$redocly bundle openapi/openapi.yaml -o openapi.yaml"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1

if [ ! -x "$redocly" ]; then
  echo "check_openapi_bundle: $root/$redocly is missing: run ./dev.sh test," \
    "or npm ci --prefix openapi" >&2
  exit 1
fi

case "$mode" in
  bundle)
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    if ! "$redocly" bundle openapi/openapi.yaml -o "$tmp/openapi.yaml" >"$tmp/log" 2>&1; then
      cat "$tmp/log" >&2
      echo "check_openapi_bundle: openapi/ does not bundle (see above)" >&2
      exit 1
    fi
    if ! diff -u --label openapi.yaml --label "bundle of openapi/" \
      openapi.yaml "$tmp/openapi.yaml"; then
      echo "check_openapi_bundle: openapi.yaml is not the bundle of openapi/;" \
        "regenerate it from the repository root with:" >&2
      echo "  $regen" >&2
      exit 1
    fi
    echo "check_openapi_bundle: ok: openapi.yaml is the bundle of openapi/"
    ;;
  lint)
    # Clean means no error and no warning (a warning alone would exit 0): read the
    # totals of the JSON report, and show the readable report when they are not zero.
    report="$("$redocly" lint openapi.yaml --format json 2>/dev/null)" || true
    totals="$(printf '%s' "$report" |
      python3 -c 'import json, sys; t = json.load(sys.stdin)["totals"]; print(t["errors"], t["warnings"])')" || totals="? ?"
    if [ "$totals" != "0 0" ]; then
      "$redocly" lint openapi.yaml >&2 || true
      echo "check_openapi_bundle: redocly lint openapi.yaml is not clean (errors warnings: $totals)" >&2
      exit 1
    fi
    echo "check_openapi_bundle: ok: redocly lint openapi.yaml is clean"
    ;;
  *)
    echo "check_openapi_bundle: unknown mode '$mode' (bundle or lint)" >&2
    exit 2
    ;;
esac
