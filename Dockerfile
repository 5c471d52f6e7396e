# Dockerfile: the gliad container image, built in two stages.
#
#   build    debian:bookworm       compilers and -dev packages; cmake Release build of gliad
#                                  (tests off: they run in CI, not in the image build)
#   runtime  debian:bookworm-slim  gliad plus only the shared libraries it links against,
#                                  installed from deploy/runtime-packages.txt (one list,
#                                  checked against `ldd gliad` by tests/deploy/check_ldd.sh)
#
# Build and run (a token is required: the image listens on 0.0.0.0, and gliad refuses to
# listen off loopback without one):
#
#   docker build -t gliad .
#   docker run -d -p 8080:8080 -v glia-data:/var/lib/glia -e GLIA_TOKEN=change-me gliad
#
# or, keeping the token out of the environment, mount a file holding it and point
# GLIA_TOKEN_FILE at it (a trailing newline is ignored):
#
#   docker run -d -p 8080:8080 -v glia-data:/var/lib/glia \
#     -v "$PWD/token:/run/secrets/glia_token:ro" -e GLIA_TOKEN_FILE=/run/secrets/glia_token gliad
#
# Any other option is a GLIA_* variable or a flag after the image name, e.g.
# `docker run ... gliad --log-format json --workers 4` (flags override the environment).
# /healthz, /readyz and /metrics stay open without the token; /v1/... needs
# `Authorization: Bearer <token>`. Sessions live in the SQLite store in /var/lib/glia.

# ---- build ----------------------------------------------------------------------------
FROM debian:bookworm AS build

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libmicrohttpd-dev libuv1-dev libjansson-dev libsqlite3-dev libsodium-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Only what the gliad build reads (tests/ is not built: GLIA_TESTS=OFF). Warnings stay
# warnings here (GLIA_WERROR=OFF): -Werror is for CI, and gcc's -O3 diagnostics differ
# from the RelWithDebInfo build CI checks, so they must not stop an image build.
COPY CMakeLists.txt ./
COPY core/ core/
COPY api/ api/
COPY server/ server/
COPY offline/ offline/
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DGLIA_TESTS=OFF -DGLIA_WERROR=OFF \
 && cmake --build build -j "$(nproc)" \
 && install -D -m 0755 -s build/gliad /out/gliad

# ---- runtime --------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

# The one list of runtime packages (comments and blank lines dropped). libc6 is part of
# the base image and is not listed.
COPY deploy/runtime-packages.txt /tmp/runtime-packages.txt
RUN pkgs="$(sed -e 's/#.*//' -e 's/[[:space:]]//g' /tmp/runtime-packages.txt | grep -v '^$')" \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt

COPY --from=build /out/gliad /usr/local/bin/gliad
COPY deploy/docker/healthcheck.sh /usr/local/bin/gliad-healthcheck

# Fail the image build, not the first start, if a library is missing; run as a
# fixed non-root uid/gid (numeric, so Kubernetes' runAsNonRoot can verify it).
RUN if ldd /usr/local/bin/gliad | grep 'not found'; then exit 1; fi \
 && /usr/local/bin/gliad serve --help >/dev/null \
 && chmod 0755 /usr/local/bin/gliad-healthcheck \
 && groupadd --system --gid 10001 glia \
 && useradd --system --uid 10001 --gid glia --home-dir /var/lib/glia --no-create-home \
      --shell /usr/sbin/nologin glia \
 && install -d -m 0750 -o glia -g glia /var/lib/glia

# Listen on every interface inside the container; keep the store on the volume.
# GLIA_TOKEN or GLIA_TOKEN_FILE must be given at run time (see the top of this file);
# neither is set here so that no token is ever baked into the image.
ENV GLIA_LISTEN=0.0.0.0:8080 \
    GLIA_DATA_DIR=/var/lib/glia

USER 10001:10001
WORKDIR /var/lib/glia
VOLUME /var/lib/glia
EXPOSE 8080

# curl is not in the slim image and gliad has no client mode; the check is a bash
# /dev/tcp request (see deploy/docker/healthcheck.sh), which needs no extra package.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/gliad-healthcheck"]

# gliad stops accepting, lets running slices checkpoint and exits 0 on SIGTERM (a
# second signal exits at once). Give `docker stop` enough time: --time 30.
STOPSIGNAL SIGTERM
ENTRYPOINT ["gliad", "serve"]
