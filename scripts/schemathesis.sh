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

# CPython before 3.11.8 and 3.12.2 can raise "SystemError: AST constructor
# recursion depth mismatch" when hypothesis parses source deep in a stack
# (python/cpython#106905): schemathesis then reports a runtime error that has
# nothing to do with the mock (it failed a CI run on 3.11.7). Take the first
# interpreter that has the fix: $SCHEMATHESIS_PYTHON, python3, then any that
# pyenv installed, newest first.
has_fix='import sys; v = sys.version_info[:3]; sys.exit(0 if v >= (3, 13) or (3, 12, 2) <= v < (3, 13) or (3, 11, 8) <= v < (3, 12) else 1)'
pick_python() {
  local candidates=()
  [ -n "${SCHEMATHESIS_PYTHON:-}" ] && candidates+=("$SCHEMATHESIS_PYTHON")
  candidates+=("$(command -v python3 || true)")
  if command -v pyenv >/dev/null; then
    local root
    root="$(pyenv root)"
    while IFS= read -r version; do
      candidates+=("$root/versions/$version/bin/python3")
    done < <(ls "$root/versions" 2>/dev/null | sort -V -r)
  fi
  local python
  for python in "${candidates[@]}"; do
    if [ -x "$python" ] && "$python" -c "$has_fix" 2>/dev/null; then
      echo "$python"
      return 0
    fi
  done
  echo "no Python 3.11.8+, 3.12.2+ or 3.13+ found (set SCHEMATHESIS_PYTHON)" >&2
  return 1
}

# A venv made by an interpreter without the fix is made again.
if [ ! -x "$venv/bin/st" ] || ! "$venv/bin/python" -c "$has_fix" 2>/dev/null; then
  python="$(pick_python)"
  echo "schemathesis runs on $("$python" --version) ($python)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
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
