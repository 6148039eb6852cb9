# ATT&CK round trip on real data: ICS 18.0 then 18.1 give 1,826 objects and 1,854 versions (28
# changed); exporting gives back objects equal, as JSON values, to the 18.1 source; Mobile 17.1
# validates and imports without a rejection.
source "$(dirname "$0")/lib.bash"
attack=$(shared_data attack)
command -v jq >/dev/null || fail "jq is needed (scripts/bootstrap installs it)"

expect_exit 0 "$KIZUNA" --db "$DB" import "$attack/ics-attack-18.0.json"
expect_out "1826 objects read: 1826 new objects, 0 new versions, 0 unchanged, 0 rejected"

expect_exit 0 "$KIZUNA" --db "$DB" import "$attack/ics-attack-18.1.json"
expect_out "1826 objects read: 0 new objects, 28 new versions, 1798 unchanged, 0 rejected"

expect_exit 0 "$KIZUNA" --db "$DB" stats
expect_out "1826 objects, 1854 versions"

# Importing 18.1 again changes nothing.
expect_exit 0 "$KIZUNA" --db "$DB" import "$attack/ics-attack-18.1.json"
expect_out "0 new objects, 0 new versions, 1826 unchanged, 0 rejected"

# The export of the latest versions equals the 18.1 source, object by object, as JSON values.
"$KIZUNA" --db "$DB" export >"$TMP/export.json"
jq -S -c '.objects | sort_by(.id) | .[]' "$TMP/export.json" >"$TMP/a"
jq -S -c '.objects | sort_by(.id) | .[]' "$attack/ics-attack-18.1.json" >"$TMP/b"
[ "$(wc -l <"$TMP/a")" -eq 1826 ] || fail "export has $(wc -l <"$TMP/a") objects, expected 1826"
cmp -s "$TMP/a" "$TMP/b" || { diff "$TMP/a" "$TMP/b" | head -c 2000; fail "export differs from the 18.1 source"; }
jq -e '.type == "bundle" and (.id | startswith("bundle--"))' "$TMP/export.json" >/dev/null ||
  fail "the export is not a bundle"

# Every version, and the 28 changed objects' 18.0 versions among them.
"$KIZUNA" --db "$DB" export --all-versions >"$TMP/all.json"
[ "$(jq '.objects | length' "$TMP/all.json")" -eq 1854 ] || fail "--all-versions did not give 1854"
[ "$(jq '[.objects[].id] | unique | length' "$TMP/all.json")" -eq 1826 ] || fail "ids in --all-versions"

# --type filters; the exported bundle validates.
"$KIZUNA" --db "$DB" export --type x-mitre-tactic >"$TMP/tactics.json"
want=$(jq '[.objects[] | select(.type == "x-mitre-tactic")] | length' "$attack/ics-attack-18.1.json")
[ "$(jq '.objects | length' "$TMP/tactics.json")" -eq "$want" ] || fail "--type x-mitre-tactic"
expect_exit 0 "$KIZUNA" validate "$TMP/export.json"

# --added-after is exclusive: after a time in the future nothing, after the epoch everything.
"$KIZUNA" --db "$DB" export --added-after 2999-01-01T00:00:00Z >"$TMP/none.json"
[ "$(jq '.objects | length' "$TMP/none.json")" -eq 0 ] || fail "--added-after in the future"
"$KIZUNA" --db "$DB" export --added-after 1970-01-01T00:00:00Z >"$TMP/allafter.json"
[ "$(jq '.objects | length' "$TMP/allafter.json")" -eq 1826 ] || fail "--added-after the epoch"

# ATT&CK Mobile 17.1: valid, and imported without a rejection.
expect_exit 0 "$KIZUNA" validate "$attack/mobile-attack-17.1.json"
expect_exit 0 "$KIZUNA" --db "sqlite://$TMP/mobile.db" import "$attack/mobile-attack-17.1.json"
n=$(jq '.objects | length' "$attack/mobile-attack-17.1.json")
expect_out "$n objects read: $n new objects, 0 new versions, 0 unchanged, 0 rejected"
echo "ok: ATT&CK ICS 18.0 -> 18.1 round trip and Mobile 17.1"
