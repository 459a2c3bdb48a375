#!/usr/bin/env bash
# Checks that metronome-mock honours openapi.yaml, with a tool nobody here
# wrote: schemathesis (pinned in scripts/schemathesis-requirements.txt,
# installed into target/schemathesis-venv on first use) sends generated
# requests to every operation and checks status codes, content types and
# response bodies against the description.
#
#   scripts/schemathesis.sh [MAX_EXAMPLES]      (default 5 per operation)
#
# Starts the mock on a free port of 127.0.0.1 and stops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

examples="${1:-5}"
venv=target/schemathesis-venv
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/schemathesis-requirements.txt
fi

cargo run --locked --quiet --package xtask -- bundle --out target/openapi.bundled.json
cargo build --locked --quiet --package metronome-mock --bin metronome-mock
out=target/schemathesis-mock.out
target/debug/metronome-mock --port 0 --quiet --max-seconds 900 > "$out" 2>&1 &
mock=$!
trap 'kill "$mock" 2>/dev/null || true' EXIT
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^metronome-mock listening on //p' "$out")"
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "metronome-mock did not start:" >&2; cat "$out" >&2; exit 1; }

# From inside target/: schemathesis keeps state in `.schemathesis/` of the
# directory it runs in, which must not be the tree.
cd target
"schemathesis-venv/bin/st" run openapi.bundled.json \
  --url "$url" \
  --header "Authorization: Bearer metronome-mock-token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$examples" \
  --seed 1 \
  --no-shrink \
  --workers 2 \
  --generation-database none \
  --report-dir schemathesis-report
