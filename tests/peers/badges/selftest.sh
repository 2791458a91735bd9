#!/usr/bin/env bash
# Checks the peer scripts themselves against a stand-in for the hub signed by the digitalbazaar libraries:
# each must pass on the fixture and fail when the valid and revoked URLs are swapped.
# Needs `npm ci` here and the two venvs (see README.md); OB2_PYTHON and OB3_PYTHON name other interpreters.
set -uo pipefail
cd "$(dirname "$0")"
OB2_PYTHON=${OB2_PYTHON:-/root/.cache/classcode-ob2-venv/bin/python}
OB3_PYTHON=${OB3_PYTHON:-/root/.cache/classcode-badges-venv/bin/python}
DIR=${FIXTURE_DIR:-/tmp/badges-fixture}

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
B=http://127.0.0.1:$PORT
rm -rf "$DIR"
node fixture/make.mjs "$B" "$DIR" fragment || exit 1
node fixture/make.mjs "$B/keys-at-paths" "$DIR" path || exit 1
python3 fixture/serve.py "$DIR" "$PORT" &
SERVER=$!
trap 'kill $SERVER' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null "$B/ob/v2/issuer" && break; sleep 0.1; done

passed=0
failed=0
expect() { # expect pass|fail NAME COMMAND...
  local want=$1 name=$2 log
  shift 2
  log=$("$@" 2>&1)
  local rc=$?
  if { [ "$want" = pass ] && [ $rc -eq 0 ]; } || { [ "$want" = fail ] && [ $rc -ne 0 ]; }; then
    passed=$((passed + 1))
    echo "ok  $name ($(echo "$log" | tail -n 1))"
  else
    failed=$((failed + 1))
    echo "FAIL $name: exit $rc"
    echo "$log" | sed 's/^/    /'
  fi
}
ob2() {
  env OB2_ASSERTION_URL="$B/ob/v2/assertions/$1" OB2_REVOKED_ASSERTION_URL="$B/ob/v2/assertions/$2" \
    OB2_ISSUER_URL="$B/ob/v2/issuer" OB2_RECIPIENT_EMAIL=learner@example.org "$OB2_PYTHON" ob2.py
}
ob3() { # ob3 BASE VALID REVOKED COMMAND...
  local base=$1 valid=$2 revoked=$3
  shift 3
  env OB3_CREDENTIAL_URL="$base/ob/v3/credentials/$valid" \
    OB3_REVOKED_CREDENTIAL_URL="$base/ob/v3/credentials/$revoked" "$@"
}

expect pass 'ob2.py on the fixture' ob2 a1 a2
expect fail 'ob2.py with valid and revoked swapped' ob2 a2 a1
expect pass 'ob3.py on the fixture' ob3 "$B" c1 c2 "$OB3_PYTHON" ob3.py
expect fail 'ob3.py with valid and revoked swapped' ob3 "$B" c2 c1 "$OB3_PYTHON" ob3.py
expect pass 'ob3.py with keys at their own URLs' ob3 "$B/keys-at-paths" c1 c2 "$OB3_PYTHON" ob3.py
expect pass 'ob3.mjs on the fixture' ob3 "$B" c1 c2 node ob3.mjs
expect fail 'ob3.mjs with valid and revoked swapped' ob3 "$B" c2 c1 node ob3.mjs
expect pass 'ob3.mjs with keys at their own URLs (verifier-core runs)' ob3 "$B/keys-at-paths" c1 c2 node ob3.mjs

echo "badges-selftest: $passed passed, $failed failed"
[ $failed -eq 0 ]
