# The palisade image: the CLI (`palisade scan` in CI) and the admission webhook (`palisade serve`,
# deployed by deploy/webhook/). Build from the repository root:
#
#   docker buildx build -t REGISTRY/palisade:VERSION --push .
#
# then put the pushed digest into deploy/webhook/07-deployment.yaml.
#
# Both base images are pinned by digest (the tag is kept for the reader): a rebuild gets the same
# toolchain and the same runtime libraries, and a tag moved on the registry changes nothing until
# someone changes the digest here. To update, look up the current digest of the tag (for example
# `docker buildx imagetools inspect rust:1.89-bookworm`) and replace both tag and digest.

# Build stage: the workspace's minimum Rust version (rust-version in Cargo.toml), on Debian 12, the
# same release as the runtime stage, so the binary links against the glibc it will run with.
FROM rust:1.89-bookworm@sha256:948f9b08a66e7fe01b03a98ef1c7568292e07ec2e4fe90d88c07bb14563c84ff AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
# --locked: exactly the dependency versions of Cargo.lock, or fail.
RUN cargo build --release --locked -p palisade \
    && install -D -m 0755 target/release/palisade /out/palisade

# Runtime stage: Debian 12 slim, the binary and curl for the HEALTHCHECK. curl is the one addition
# to the base image; a distroless image has no program that could check the HTTPS health endpoint.
FROM debian:bookworm-slim@sha256:3783cc01769c7b2b1b83a5c5ad96c815348e28ed7da68e2e3687004faa906251
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 65532 palisade \
    && useradd --system --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin palisade
COPY --from=build /out/palisade /usr/local/bin/palisade
# An unprivileged user with a high UID/GID, the same IDs the Deployment's securityContext sets.
USER 65532:65532
WORKDIR /work
# `palisade serve` as deploy/webhook runs it listens on 8443 (HTTPS only).
EXPOSE 8443
# For Docker, Compose and Swarm, which run palisade serve as the deployment does (listening on
# 8443): /healthz answers 200 while the server is up. -k because the certificate names the
# Service, not 127.0.0.1; this checks liveness, not identity. Kubernetes ignores HEALTHCHECK and
# uses the Deployment's liveness and readiness probes instead. A container that runs a one-off
# `palisade scan` exits long before the first check.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["curl", "--fail", "--silent", "--show-error", "--insecure", "--max-time", "2", "--output", "/dev/null", "https://127.0.0.1:8443/healthz"]
ENTRYPOINT ["/usr/local/bin/palisade"]
CMD ["--help"]
