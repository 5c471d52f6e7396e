#!/bin/bash
# healthcheck.sh: the container image's HEALTHCHECK: GET /healthz on the local gliad.
#
# debian:bookworm-slim has no curl or wget, and gliad has no client mode. Rather than add
# curl (and its TLS/LDAP/... libraries) to the runtime image only for this, bash (part of
# every Debian base image) speaks the one HTTP request itself over /dev/tcp. It connects
# to the port of GLIA_LISTEN (wildcard hosts become loopback), sends an HTTP/1.0 request
# (gliad then closes the connection after the answer) and succeeds only on status 200.
# Exit 0 healthy, 1 unhealthy, as Docker expects. tests/deploy/check_live.py runs this
# very script against a live gliad.
set -u

listen="${GLIA_LISTEN:-127.0.0.1:8080}"
port="${listen##*:}"
host="${listen%:*}"
host="${host#[}"
host="${host%]}"
case "$host" in
"" | 0.0.0.0) host=127.0.0.1 ;;
::) host=::1 ;;
esac

exec 3<>"/dev/tcp/$host/$port" || exit 1
printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 5 status <&3 || exit 1
case "$status" in
"HTTP/1."?" 200 "*) exit 0 ;;
esac
echo "healthcheck: $status" >&2
exit 1
