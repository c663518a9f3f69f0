# INLOOP's tasks. `just` lists them; CI runs `just test`.

default:
    @just --list

# Fetch the front-end libraries from npm into public/vendor/ (embedded at build time).
assets:
    #!/usr/bin/env bash
    set -euo pipefail
    # Again whenever package-lock.json changed since the last install.
    [ public/node_modules/.package-lock.json -nt public/package-lock.json ] || npm ci --prefix public --no-audit --no-fund
    mkdir -p public/vendor
    # Copy only what changed: a rewritten file would make cargo rebuild the crate.
    grep -v '^#' public/vendor.list | while read -r from to; do
        [ -n "$from" ] || continue
        source="public/node_modules/$from"
        if [[ "$from" == bundle:* ]]; then
            source="$(mktemp)"
            public/node_modules/.bin/esbuild "public/${from#bundle:}" --bundle --format=esm --minify \
                --target=es2020 --log-level=warning --outfile="$source"
        fi
        cmp -s "$source" "public/vendor/$to" || cat "$source" > "public/vendor/$to"
        [[ "$from" != bundle:* ]] || rm -f "$source"
    done

# Install (Debian packages) and start PostgreSQL, Redis, Docker, the SMTP sink, Chromium.
services *which:
    bash .ci/services {{which}}

# Quick start: serve INLOOP on http://127.0.0.1:8000 from a local SQLite file.
run *args: assets
    cargo run -- {{args}}

# Everything CI runs: services, checker images, lint, the suite on SQLite and PostgreSQL, browser
# tests, the deployment files, and the production image with its smoke test.
test: services assets images lint test-sqlite test-pg e2e deployment image

# The test suite on SQLite (each test its own database file).
test-sqlite: assets
    cargo nextest run --no-fail-fast

# The test suite on PostgreSQL (each test its own database).
test-pg: assets
    INLOOP_TEST_DATABASE_URL=postgres://inloop:inloop@127.0.0.1:5432/inloop cargo nextest run --no-fail-fast

# Formatting, clippy (warnings as errors), and no dependency cycle between top-level modules.
lint: assets
    python3 .ci/module-cycles
    cargo fmt --check
    cargo clippy --all-targets -- -D warnings

# Browser tests in headless Chromium against the static release binary that ships (dist/inloop),
# run from an empty folder.
e2e: release
    INLOOP_BIN=dist/inloop bash e2e/run

# Browser tests against the debug binary (faster to build while developing).
e2e-debug: assets
    cargo build
    bash e2e/run

# container/'s compose file, systemd units and NGINX site checked with Debian's tools; an event stream read through that NGINX.
deployment: release
    INLOOP_BIN=dist/inloop bash .ci/deployment-files

# Benchmarks: 10,000 live-result streams against one release server (needs Redis), then editor checkpoint saves, a deadline burst, plagiarism detection, the admin solution list and the pages students open most; writes docs/benchmarks.md.
bench streams="10000" events="500": assets
    #!/usr/bin/env bash
    set -euo pipefail
    ulimit -n "$(ulimit -Hn)"
    cargo build --release --bin inloop --example sse_bench
    target/release/examples/sse_bench {{streams}} {{events}}
    just bench-checkpoints
    just bench-burst
    just bench-plagiarism
    just bench-admin-lists
    just bench-pages

# Editor checkpoint saves per second with `students` saving at once → docs/benchmarks.md.
bench-checkpoints students="64" seconds="20": assets
    cargo build --release --bin inloop --example checkpoint_bench
    target/release/examples/checkpoint_bench {{students}} {{seconds}}

# A deadline burst: `submissions` from `students` within `seconds` against one release server with
# `workers` check workers (a busybox checker) → docs/benchmarks.md.
bench-burst submissions="1000" students="300" seconds="60" workers="2": assets images
    cargo build --release --bin inloop --example burst_bench
    target/release/examples/burst_bench {{submissions}} {{students}} {{seconds}} {{workers}}

# Faults during a burst against two release instances on private PostgreSQL, Redis and Docker:
# kill -9 of an instance, Redis and PostgreSQL restarts, Docker stopped, a full data disk →
# docs/benchmarks.md; fails when a submission is lost, checked twice or left a container (root).
chaos: assets images
    cargo build --release --bin inloop --example chaos
    target/release/examples/chaos

# Plagiarism detection over 500 synthetic Java solutions of one task → docs/benchmarks.md.
bench-plagiarism: assets
    cargo run --release --example plagiarism_bench

# The admin solution list with 100,000 solutions on SQLite and PostgreSQL → docs/benchmarks.md.
bench-admin-lists: assets
    cargo build --release --bin inloop --example admin_list_bench
    target/release/examples/admin_list_bench

# The pages students open most (result page, category, overview) under wrk with 64 connections,
# `seconds` each, on SQLite and on PostgreSQL + Redis, and with INLOOP_ORIGINAL_SRC set to a
# checkout of the original INLOOP, the original beside them (its pinned packages installed into
# target/original/venv): requests per second, p50/p99, CPU per request, idle memory, start to first
# answer; then the platform's overhead on a check over a bare `docker run` (`rounds` rounds)
# → docs/benchmarks.md.
bench-pages seconds="10" rounds="20": assets
    bash .ci/services bench postgres redis docker
    bash container/checker-images/build busybox
    cargo build --release --bin inloop --example page_bench
    target/release/examples/page_bench {{seconds}} {{rounds}}

# Build the local checker base images used by the tests (no registry needed).
images:
    bash container/checker-images/build

# The static binary (musl, no shared library needed) in dist/inloop, for the image or any x86-64
# Linux machine.
release: assets
    bash .ci/services musl
    cargo build --release --target x86_64-unknown-linux-musl --bin inloop
    mkdir -p dist
    cp --remove-destination target/x86_64-unknown-linux-musl/release/inloop dist/inloop

# The production image: checks that dist/inloop is static and runs in an empty image, builds the
# image on a debootstrap base, and smoke-tests it.
image: release images
    bash container/image/static-check
    bash container/image/build
    bash container/image/smoke
