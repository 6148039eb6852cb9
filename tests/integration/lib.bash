# lib.bash - shared by the integration tests (sourced, not a test itself): a scratch folder that is
# removed on exit, assertions that say what differed, and the skip convention (exit 77).
set -euo pipefail

: "${KIZUNA:?KIZUNA must name the kizuna binary (ctest sets it)}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kizuna-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
DB="sqlite://$TMP/kizuna.db"

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_exit CODE CMD...: runs CMD with output in $TMP/out and $TMP/err, checks its exit code.
expect_exit() {
  local want=$1 got=0
  shift
  "$@" >"$TMP/out" 2>"$TMP/err" || got=$?
  if [ "$got" -ne "$want" ]; then
    echo "--- stdout"; head -n 40 "$TMP/out"; echo "--- stderr"; head -n 40 "$TMP/err"
    fail "'$*' exited $got, expected $want"
  fi
}

# expect_line TEXT: $TMP/out has a line containing TEXT.
expect_out() {
  grep -qF -- "$1" "$TMP/out" || { echo "--- stdout"; head -n 40 "$TMP/out"; fail "no line with: $1"; }
}
expect_err() {
  grep -qF -- "$1" "$TMP/err" || { echo "--- stderr"; head -n 40 "$TMP/err"; fail "stderr has no: $1"; }
}

shared_data() {
  local d="${KZ_SHARED_DATA:-}"
  [ -n "$d" ] && [ -d "$d/$1" ] || skip "../shared/data/$1 not found (the shared public data is not beside this checkout)"
  echo "$d/$1"
}
