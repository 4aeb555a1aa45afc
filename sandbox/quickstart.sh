#!/usr/bin/env bash
# The README's quick start: start a sandbox on a free port, run the main job against it with
# flexprice-admin (service account, key into a file, list, rotate, audit, revoke, archive),
# then stop the sandbox.
# Run from the repository root after `cargo build --release --workspace`.
set -euo pipefail
bin=${BIN_DIR:-target/release}

coproc SANDBOX { exec "$bin/flexprice-sandbox" --addr 127.0.0.1:0; }
# The sandbox prints NAME=VALUE lines once it accepts connections; take the first two.
read -r url_line <&"${SANDBOX[0]}"
read -r key_line <&"${SANDBOX[0]}"
export "${url_line?}" "${key_line?}"

fa="$bin/flexprice-admin"
secrets=$(mktemp -d)
trap 'kill "$SANDBOX_PID" 2>/dev/null || true; rm -rf "$secrets"' EXIT
set -x
"$fa" whoami -o table
"$fa" service-accounts create --name ingest-bot --role event_ingestor
# The one-time secret goes to a 0600 file, verified by reading it back; nothing is printed.
"$fa" keys create --name ci-ingest --service-account ingest-bot --expires-in 30d --store "file:$secrets/ci-ingest.key"
"$fa" keys list -o table
# Rotation: new key, same name and owner, delivered to the same file, checked, old key revoked.
"$fa" keys rotate ci-ingest --store "file:$secrets/ci-ingest.key" --yes
# The service now authenticates with the new key, read from the file (never from argv).
env -u FLEXPRICE_API_KEY FLEXPRICE_API_KEY_FILE="$secrets/ci-ingest.key" "$fa" whoami -o table
"$fa" keys audit --expiring-within 60d -o table || echo "keys audit exit $?: keys need attention"
"$fa" keys delete ci-ingest --yes
"$fa" service-accounts delete ingest-bot --yes
