# prowcov's container image: the prowcov binary plus what the Python runner needs (git, Python 3 with pinned
# coverage.py, pytest and pytest-cov, CA certificates), running as a non-root user. See docs/container.md.
#
#   podman build -t prowcov .          (or docker build; the default target is `runtime`)
#
# Stages:
#   builder   compiles the release binary with the locked dependencies (`cargo build --release --locked`).
#   base      the runtime image without the binary: Debian slim, git, Python venv, CA certificates, the user.
#   prebuilt  base + a binary you built already, taken from the build context at dist/prowcov
#             (`--target prebuilt`; scripts/container-test uses it, and so can a CI that builds the binary once).
#   runtime   base + the builder's binary. The default (last) target.
#
# Both base images are build arguments so that a build without a registry can use local images (the container
# test builds from a debootstrapped debian:bookworm-slim and a builder image that gets the host's Rust toolchain
# mounted; see scripts/container-test). They default to the official images.
ARG BUILDER_IMAGE=docker.io/library/rust:1.95-bookworm
ARG RUNTIME_IMAGE=docker.io/library/debian:bookworm-slim

FROM ${BUILDER_IMAGE} AS builder
WORKDIR /src
# Only what the build reads (.dockerignore keeps the rest of the repository out of the context).
COPY Cargo.toml Cargo.lock ./
COPY src ./src
# The cache mounts keep the crate downloads and the target dir between builds (BuildKit and buildah support them).
# The binary is copied out of the cached target dir in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && install -D -m 0755 "${CARGO_TARGET_DIR:-target}/release/prowcov" /out/prowcov

FROM ${RUNTIME_IMAGE} AS base
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates git python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*
# DL3008 (pin apt versions) is ignored on purpose: Debian's archive keeps only the current version of each package
# in a point release, so exact pins break the build at the next security update. The base image tag fixes the
# release; the Python packages, which decide the coverage figures, are pinned exactly below.

# The Python runner: a venv with the exact pins of docker/requirements.txt (the whole closure, --no-deps, so nothing
# unpinned comes in). PROWCOV_PYTHON tells prowcov which interpreter analyses `.coverage` data.
# From PyPI; or, when the build context has wheels in docker/wheels/, from those only (an offline build, or one
# behind a TLS-intercepting proxy whose CA the base image does not trust: `pip download` the wheels where PyPI is
# reachable, see docs/container.md). The wheels are bind-mounted, so they add nothing to the image.
COPY docker/requirements.txt /opt/prowcov/requirements.txt
RUN --mount=type=bind,source=docker,target=/tmp/docker \
    python3 -m venv /opt/prowcov/venv \
    && if ls /tmp/docker/wheels/*.whl >/dev/null 2>&1; then set -- --no-index --find-links /tmp/docker/wheels; fi \
    && /opt/prowcov/venv/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps "$@" \
        -r /opt/prowcov/requirements.txt \
    && /opt/prowcov/venv/bin/pip check
ENV PATH=/opt/prowcov/venv/bin:$PATH \
    PROWCOV_PYTHON=/opt/prowcov/venv/bin/python \
    PYTHONDONTWRITEBYTECODE=1

# Prow clones the repository in an init container, often as another user than ours, and git (and libgit2, which
# prowcov uses) refuse a repository owned by someone else. A CI image trusts the checkout it is given.
RUN git config --system --add safe.directory '*' \
    && useradd --uid 10001 --user-group --create-home --home-dir /home/prowcov --shell /usr/sbin/nologin prowcov

# A numeric user, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
WORKDIR /home/prowcov
ENTRYPOINT ["prowcov"]
CMD ["--help"]

LABEL org.opencontainers.image.title="prowcov" \
      org.opencontainers.image.description="Coverage for Prow CI jobs: baselines, the PR comment, TestGrid" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.documentation="docs/container.md"

FROM base AS prebuilt
COPY dist/prowcov /usr/local/bin/prowcov

FROM base AS runtime
COPY --from=builder /out/prowcov /usr/local/bin/prowcov
