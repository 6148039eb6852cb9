# The command line on bad and awkward input: precise messages, the documented exit codes, and no
# partial state (a rejected object never stops the others; a conflict keeps the stored version).
source "$(dirname "$0")/lib.bash"

id1=indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f
id2=malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b
good() { # good ID MODIFIED NAME
  case $1 in
    indicator--*) printf '{"type":"indicator","spec_version":"2.1","id":"%s","created":"2024-03-01T10:00:00.000Z","modified":"%s","name":"%s","pattern":"[ipv4-addr:value = '"'"'198.51.100.1'"'"']","pattern_type":"stix","valid_from":"2024-03-01T10:00:00Z"}' "$1" "$2" "$3" ;;
    malware--*) printf '{"type":"malware","spec_version":"2.1","id":"%s","created":"2024-03-01T10:00:00.000Z","modified":"%s","name":"%s","is_family":true}' "$1" "$2" "$3" ;;
  esac
}

# validate: one line per problem, naming file, object, id, path and what was expected.
{
  echo '{"type":"bundle","id":"bundle--0f0c1c6e-2ad4-4e4e-9d47-2a8c4f7e7d11","objects":['
  good $id2 2024-03-01T10:00:00.000Z ok; echo ','
  printf '{"type":"indicator","spec_version":"2.1","id":"%s","created":"2024-03-01 10:00","modified":"2024-03-01T10:00:00.000Z","pattern":"[ipv4-addr:value = '"'"'1.2.3.4'"'"']","pattern_type":"stix","valid_from":"2024-03-01T10:00:00Z"}' $id1
  echo ']}'
} >"$TMP/case.json"
expect_exit 1 "$KIZUNA" validate "$TMP/case.json"
expect_out "$TMP/case.json: objects[1] ($id1): created: \"2024-03-01 10:00\" is not an RFC 3339 UTC timestamp"
expect_err "2 objects read, 1 valid, 1 invalid"

# The same from standard input, and JSON lines.
expect_exit 1 "$KIZUNA" validate - <"$TMP/case.json"
expect_out "-: objects[1] ($id1): created:"
{ good $id2 2024-03-01T10:00:00.000Z a; echo; good $id1 2024-03-01T10:00:00.000Z b; echo; } >"$TMP/lines.jsonl"
expect_exit 0 "$KIZUNA" validate "$TMP/lines.jsonl"

# An SCO with a UUIDv5 id: validate says whether it is the deterministic one (a note, still valid).
echo '{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db","value":"198.51.100.9"}' >"$TMP/sco.jsonl"
echo '{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--4b8ed646-46df-5a9c-b5a6-b3ae128f35a6","value":"198.51.100.9"}' >>"$TMP/sco.jsonl"
expect_exit 0 "$KIZUNA" validate "$TMP/sco.jsonl"
expect_out "line 1 (ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db): note: id: is not the deterministic id of the object's ID contributing properties (expected ipv4-addr--4b8ed646-46df-5a9c-b5a6-b3ae128f35a6)"
expect_out "line 2 (ipv4-addr--4b8ed646-46df-5a9c-b5a6-b3ae128f35a6): note: id: is the deterministic UUIDv5"

# A malformed object is reported with its line and column, and the next object still counts.
printf '[\n%s,\n{"type": "malware", "name": tru},\n%s\n]\n' "$(good $id2 2024-03-01T10:00:00.000Z x)" \
  "$(good $id1 2024-03-01T10:00:00.000Z y)" >"$TMP/broken.json"
expect_exit 1 "$KIZUNA" validate "$TMP/broken.json"
expect_out "$TMP/broken.json: [1]: line 3, column"
expect_err "3 objects read, 2 valid, 1 invalid"

# Usage errors exit 2, I/O errors 3.
expect_exit 2 "$KIZUNA"
expect_exit 2 "$KIZUNA" frobnicate
expect_err 'unknown command "frobnicate"'
expect_exit 2 "$KIZUNA" validate
expect_exit 3 "$KIZUNA" validate "$TMP/does-not-exist.json"
expect_err "does-not-exist.json: cannot open"
expect_exit 3 "$KIZUNA" --db "sqlite://$TMP/no/such/folder/k.db" stats
expect_exit 2 "$KIZUNA" --db "$DB" export --added-after yesterday
expect_exit 0 "$KIZUNA" help import
expect_out "usage: kizuna [--db URL] import"
expect_exit 0 "$KIZUNA" --version
expect_out "kizuna "

# import: the invalid object is rejected, the valid one stored; exit 1.
expect_exit 1 "$KIZUNA" --db "$DB" import --collection intake "$TMP/case.json"
expect_out "2 objects read: 1 new objects, 0 new versions, 0 unchanged, 1 rejected"
"$KIZUNA" --db "$DB" export --collection intake >"$TMP/e.json"
grep -qF "$id2" "$TMP/e.json" || fail "the valid object was not stored"
grep -qF "$id1" "$TMP/e.json" && fail "the invalid object was stored"

# A new version, then a conflicting content under a stored version: reported, stored one kept.
good $id2 2024-05-01T00:00:00.000Z ok2 >"$TMP/v2.json"
expect_exit 0 "$KIZUNA" --db "$DB" import --collection intake "$TMP/v2.json"
expect_out "1 objects read: 0 new objects, 1 new versions, 0 unchanged, 0 rejected"
good $id2 2024-05-01T00:00:00.000Z DIFFERENT >"$TMP/clash.json"
expect_exit 1 "$KIZUNA" --db "$DB" import --collection intake "$TMP/clash.json"
expect_out "conflict: version 2024-05-01T00:00:00.000000000Z is already stored with a different content"
"$KIZUNA" --db "$DB" export --collection intake >"$TMP/e.json"
grep -qF '"name":"ok2"' "$TMP/e.json" || fail "the stored version was not kept"
grep -qF DIFFERENT "$TMP/e.json" && fail "the conflicting content was stored"

# Key order and spacing are not a different content.
jq -c '{name, is_family, modified, created, id, spec_version, type}' "$TMP/v2.json" >"$TMP/reordered.json"
expect_exit 0 "$KIZUNA" --db "$DB" import --collection intake "$TMP/reordered.json"
expect_out "0 new versions, 1 unchanged, 0 rejected"

# An object in two collections is exported once when no collection is named.
expect_exit 0 "$KIZUNA" --db "$DB" import --collection second "$TMP/v2.json"
"$KIZUNA" --db "$DB" export >"$TMP/all.json"
[ "$(jq --arg id "$id2" '[.objects[] | select(.id == $id)] | length' "$TMP/all.json")" -eq 1 ] ||
  fail "the export over every collection repeats an object"
"$KIZUNA" --db "$DB" export --all-versions >"$TMP/allv.json"
[ "$(jq --arg id "$id2" '[.objects[] | select(.id == $id)] | length' "$TMP/allv.json")" -eq 2 ] ||
  fail "--all-versions over every collection should give each of the 2 versions once"

# $KIZUNA_DB names the store when --db is not given.
KIZUNA_DB="$DB" expect_exit 0 "$KIZUNA" stats
expect_out "intake"

# Export of an unknown collection is a usage error, not an empty bundle.
expect_exit 2 "$KIZUNA" --db "$DB" export --collection nope
echo "ok: command-line inputs, messages and exit codes"
