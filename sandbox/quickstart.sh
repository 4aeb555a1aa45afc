#!/usr/bin/env bash
# The README's quick start: start a sandbox on a free port, run the main job against it with
# flexprice-admin (service account, key, list, revoke, archive), then stop the sandbox.
# Run from the repository root after `cargo build --release --workspace`.
set -euo pipefail
bin=${BIN_DIR:-target/release}

coproc SANDBOX { exec "$bin/flexprice-sandbox" --addr 127.0.0.1:0; }
trap 'kill "$SANDBOX_PID" 2>/dev/null || true' EXIT
# The sandbox prints NAME=VALUE lines once it accepts connections; take the first two.
read -r url_line <&"${SANDBOX[0]}"
read -r key_line <&"${SANDBOX[0]}"
export "${url_line?}" "${key_line?}"

fa="$bin/flexprice-admin"
set -x
"$fa" whoami -o table
"$fa" service-accounts create --name ingest-bot --role event_ingestor
"$fa" keys create --name ci-ingest --service-account ingest-bot --expires-in 30d > /dev/null
"$fa" keys list -o table
"$fa" keys delete ci-ingest --yes
"$fa" service-accounts delete ingest-bot --yes
