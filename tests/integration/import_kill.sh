# Crash safety: an import killed with SIGKILL midway loses nothing it committed and leaves no
# partial object; the store opens, exports valid STIX, and a second import completes the work.
source "$(dirname "$0")/lib.bash"
: "${KZ_BENCH_GEN:?KZ_BENCH_GEN must name the bundle generator (ctest sets it)}"
command -v sqlite3 >/dev/null || fail "sqlite3 is needed (scripts/bootstrap installs it)"

n=300000
"$KZ_BENCH_GEN" $n 7 >"$TMP/big.json"
dbfile="$TMP/kizuna.db"

"$KIZUNA" --db "$DB" import "$TMP/big.json" >"$TMP/first.out" 2>&1 &
pid=$!
# Wait until at least one batch is committed, then kill without warning.
for _ in $(seq 1 600); do
  c=$(sqlite3 "file:$dbfile?mode=ro" "select count(*) from objects" 2>/dev/null || echo 0)
  [ "${c:-0}" -gt 0 ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.05
done
kill -9 $pid 2>/dev/null || fail "the import ended before it could be killed; make the input larger"
wait $pid 2>/dev/null || true

[ "$(sqlite3 "$dbfile" 'pragma integrity_check')" = ok ] || fail "integrity_check after kill -9"
committed=$(sqlite3 "$dbfile" "select count(*) from objects")
[ "$committed" -gt 0 ] && [ "$committed" -lt $n ] || fail "committed $committed of $n: not a mid-way kill"
[ $((committed % 50000)) -eq 0 ] || fail "$committed rows committed: not whole batches of 50000"

# What is there is whole: every stored object exports and validates.
"$KIZUNA" --db "$DB" export --all-versions >"$TMP/after-kill.json"
expect_exit 0 "$KIZUNA" validate "$TMP/after-kill.json"
expect_err "$committed objects read, $committed valid, 0 invalid"

# Importing again completes the work: what was committed is unchanged, the rest is new.
expect_exit 0 "$KIZUNA" --db "$DB" import "$TMP/big.json"
expect_out "$n objects read: $((n - committed)) new objects, 0 new versions, $committed unchanged, 0 rejected"
echo "ok: killed after $committed of $n objects; nothing committed was lost"
