# `kizuna pattern match`: grep's exit codes (0 match, 1 no match, 2 invalid or not evaluable),
# the observed-data ids of the first binding, STIX 2.1 refs and 2.0 embedded objects, and every
# input form (bundle, array of bundles, JSON lines, standard input).
source "$(dirname "$0")/lib.bash"
demo="${KZ_SOURCE_DIR:?}/data/demo/bundle.json"
od=$(jq -r '.objects[] | select(.type == "observed-data") | .id' "$demo")

# The demo indicator's own pattern matches the demo's observed-data.
pattern=$(jq -r '.objects[] | select(.type == "indicator") | .pattern' "$demo")
expect_exit 0 "$KIZUNA" pattern match "$pattern" "$demo"
[ "$(cat "$TMP/out")" = "$od" ] || fail "expected the id $od, got: $(cat "$TMP/out")"
expect_exit 0 "$KIZUNA" pattern match "[ipv4-addr:value ISSUBSET '198.51.100.0/24']" - <"$demo"
expect_exit 1 "$KIZUNA" pattern match "[ipv4-addr:value = '203.0.113.1']" "$demo"
[ ! -s "$TMP/out" ] || fail "no match must print nothing"
expect_exit 1 "$KIZUNA" pattern match "[ipv4-addr:value = '198.51.100.7'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.7']" "$demo"

# Invalid patterns and type errors: exit 2 with the reason.
expect_exit 2 "$KIZUNA" pattern match "[ipv4-addr:value = ]" "$demo"
expect_err "position 20: expected a constant"
expect_exit 2 "$KIZUNA" pattern match "[ipv4-addr:value > 5]" "$demo"
expect_err "cannot compare a string with the integer constant"
expect_exit 2 "$KIZUNA" pattern match "[ipv4-addr:value = '1.2.3.4']" "$TMP/missing.json"
expect_exit 2 "$KIZUNA" pattern match --stix-version 2.0 "[ipv4-addr:value = '198.51.100.7']" "$demo"
expect_err "STIX 2.1 (object_refs) form, but --stix-version 2.0"

# STIX 2.0 observed-data with embedded objects, as JSON lines, two observations 10 s apart.
cat >"$TMP/v20.jsonl" <<'JSON'
{"type":"observed-data","id":"observed-data--a1f6a5c9-4d64-4f3c-9c0c-6b4d9e2f1a01","created":"2017-01-01T00:00:00Z","modified":"2017-01-01T00:00:00Z","first_observed":"2017-01-01T00:00:00Z","last_observed":"2017-01-01T00:00:00Z","number_observed":1,"objects":{"0":{"type":"file","name":"dropper.exe","hashes":{"SHA-256":"aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"}}}}
{"type":"observed-data","id":"observed-data--a1f6a5c9-4d64-4f3c-9c0c-6b4d9e2f1a02","created":"2017-01-01T00:00:10Z","modified":"2017-01-01T00:00:10Z","first_observed":"2017-01-01T00:00:10Z","last_observed":"2017-01-01T00:00:10Z","number_observed":1,"objects":{"0":{"type":"network-traffic","dst_ref":"1","dst_port":443,"protocols":["tcp"]},"1":{"type":"ipv4-addr","value":"203.0.113.9"}}}
JSON
p="[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'] FOLLOWEDBY [network-traffic:dst_ref.value = '203.0.113.9' AND network-traffic:dst_port = 443]"
expect_exit 0 "$KIZUNA" pattern match --stix-version 2.0 "$p WITHIN 60 SECONDS" "$TMP/v20.jsonl"
[ "$(wc -l <"$TMP/out")" -eq 2 ] || fail "a FOLLOWEDBY binding names two observations"
expect_exit 1 "$KIZUNA" pattern match "($p) WITHIN 5 SECONDS" "$TMP/v20.jsonl"
expect_exit 2 "$KIZUNA" pattern match --stix-version 2.1 "$p" "$TMP/v20.jsonl"

# A JSON array of bundles.
jq -s '.' "$demo" "$demo" >"$TMP/bundles.json"
expect_exit 0 "$KIZUNA" pattern match "[domain-name:value LIKE 'update.%.test']" "$TMP/bundles.json"
echo "ok: pattern match"
