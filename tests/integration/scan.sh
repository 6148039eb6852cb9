# `kizuna scan`: indicators from a file or a collection, every log format, gzip (whole and
# truncated), grep-like exit codes, near misses that must not match, and stored sightings that
# validate and point at the observed-data behind them and the node's identity.
source "$(dirname "$0")/lib.bash"

ind() { # id-suffix name pattern [valid_until]
  local until=""
  [ -n "${4:-}" ] && until=",\"valid_until\":\"$4\""
  printf '{"type":"indicator","spec_version":"2.1","id":"indicator--11111111-0000-4000-8000-%012d","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"%s","pattern":"%s","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"%s}\n' "$1" "$2" "$3" "$until"
}
{
  ind 1 "bad ip" "[ipv4-addr:value = '198.51.100.7']"
  ind 2 "bad net" "[ipv4-addr:value ISSUBSET '203.0.113.0/24']"
  ind 3 "bad domain" "[domain-name:value = 'evil.example']"
  ind 4 "expired" "[domain-name:value = 'old.example']" "2024-06-01T00:00:00Z"
  ind 5 "bad hash" "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']"
  ind 6 "bad url" "[url:value LIKE 'http://evil.example/%.exe']"
  ind 7 "tls to bad net on 443" "[network-traffic:dst_port = 443 AND network-traffic:dst_ref.value ISSUBSET '203.0.113.0/24']"
} >"$TMP/ind.jsonl"

# Plain text: whole tokens only.
cat >"$TMP/text.log" <<'LOG'
2024-05-01T10:00:00Z conn from 198.51.100.7 to 10.0.0.1
near misses: 198.51.100.77 1198.51.100.7 evil.example.org notevil.example old.example
lookup evil.example ok; fetched http://evil.example/a/b.exe
hash aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f seen
LOG
expect_exit 0 "$KIZUNA" scan --indicators "$TMP/ind.jsonl" "$TMP/text.log"
[ "$(wc -l <"$TMP/out")" -eq 4 ] || { cat "$TMP/out"; fail "expected 4 matches in the text log"; }
for n in 1 3 5 6; do expect_out "indicator--11111111-0000-4000-8000-00000000000$n"; done
grep -q '"line":2' "$TMP/out" && fail "a near miss on line 2 matched"
expect_out '"line":1'
expect_out '"value":"198.51.100.7"'
jq -e . "$TMP/out" >/dev/null || fail "match lines are not JSON"
expect_err "4 records, 0 malformed"

# Nothing matches: exit 1.
printf 'quiet day 192.0.2.1\n' >"$TMP/quiet.log"
expect_exit 1 "$KIZUNA" scan --indicators "$TMP/ind.jsonl" "$TMP/quiet.log"

# Zeek TSV conn.log: the CIDR indicator and the AND of port and CIDR (evaluated in full).
{
  printf '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n'
  printf '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n'
  printf '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\n'
  printf '1714557600.123456\tCx1\t10.0.0.5\t51000\t203.0.113.9\t443\ttcp\n'
  printf '1714557601.000000\tCx2\t10.0.0.5\t51001\t203.0.113.9\t80\ttcp\n'
  printf 'this line is malformed\n'
  printf '1714557602.000000\tCx3\t10.0.0.5\t51002\t192.0.2.10\t443\ttcp\n'
} >"$TMP/conn.log"
expect_exit 0 "$KIZUNA" scan --indicators "$TMP/ind.jsonl" --format zeek "$TMP/conn.log"
[ "$(grep -c 'indicator--11111111-0000-4000-8000-000000000002' "$TMP/out")" -eq 2 ] ||
  fail "the CIDR indicator should match both records to 203.0.113.9"
[ "$(grep -c 'indicator--11111111-0000-4000-8000-000000000007' "$TMP/out")" -eq 1 ] ||
  { cat "$TMP/out"; fail "port 443 AND the CIDR should match the first record only"; }
expect_out '"time":"2024-05-01T10:00:00.123Z"'
expect_err "1 malformed"

# Suricata EVE, auto-detected, gzip-compressed.
cat >"$TMP/eve.json" <<'EVE'
{"timestamp":"2024-05-01T10:00:00.000000+0000","event_type":"dns","src_ip":"10.0.0.5","dest_ip":"192.0.2.53","src_port":53000,"dest_port":53,"proto":"UDP","dns":{"type":"query","rrname":"evil.example","rrtype":"A"}}
{"timestamp":"2024-05-01T10:00:01.000000+0000","event_type":"http","src_ip":"10.0.0.5","dest_ip":"192.0.2.80","src_port":53001,"dest_port":80,"proto":"TCP","http":{"hostname":"good.example","url":"/index.html","http_user_agent":"curl/8"}}
EVE
gzip -c "$TMP/eve.json" >"$TMP/eve.json.gz"
expect_exit 0 "$KIZUNA" scan --indicators "$TMP/ind.jsonl" "$TMP/eve.json.gz"
[ "$(wc -l <"$TMP/out")" -eq 1 ] || { cat "$TMP/out"; fail "expected one EVE match"; }
expect_out '"log":"dns"'
expect_err "eve log, 2 records"

# A truncated gzip stream is an error with the offset (exit 3), even when earlier records hit.
head -c 60 "$TMP/eve.json.gz" >"$TMP/cut.gz"
expect_exit 3 "$KIZUNA" scan --indicators "$TMP/ind.jsonl" "$TMP/cut.gz"
expect_err "offset"

# Indicators from a collection, sightings into another; the stored objects validate.
expect_exit 0 "$KIZUNA" --db "$DB" import --collection intel "$TMP/ind.jsonl"
expect_exit 0 "$KIZUNA" --db "$DB" scan --collection intel --sightings seen --identity "CERT test" \
  "$TMP/text.log" "$TMP/conn.log"
expect_exit 0 "$KIZUNA" --db "$DB" export --collection seen
cp "$TMP/out" "$TMP/seen.json"
n=$(jq '[.objects[] | select(.type == "sighting")] | length' "$TMP/seen.json")
[ "$n" -eq 6 ] || fail "expected 6 sightings (one per matched indicator), got $n"
jq -e '[.objects[] | select(.type == "sighting" and .sighting_of_ref ==
  "indicator--11111111-0000-4000-8000-000000000002")][0] | .count == 2 and
  .first_seen == "2024-05-01T10:00:00.123Z" and .last_seen == "2024-05-01T10:00:01.000Z" and
  (.observed_data_refs | length) == 2' "$TMP/seen.json" >/dev/null ||
  fail "the CIDR sighting should count 2 with its first/last seen times and observed-data"
ident=$(jq -r '.objects[] | select(.type == "identity") | .id' "$TMP/seen.json")
jq -e --arg i "$ident" 'all(.objects[] | select(.type == "sighting"); .where_sighted_refs == [$i])' \
  "$TMP/seen.json" >/dev/null || fail "sightings must be sighted where the node is"
for ref in $(jq -r '.objects[] | select(.type == "sighting") | .observed_data_refs[]' "$TMP/seen.json"); do
  jq -e --arg r "$ref" 'any(.objects[]; .id == $r)' "$TMP/seen.json" >/dev/null ||
    fail "observed-data $ref is not stored with its sighting"
done
expect_exit 0 "$KIZUNA" validate "$TMP/seen.json"
expect_err ", 0 invalid"

# --threads: the same matches in the same order, and the same counts, for every thread count;
# over several batches of lines, with a pattern of two observations across lines and an EVE log
# with lines that are not JSON.
{
  cat "$TMP/ind.jsonl"
  ind 8 "stage then callback" "[domain-name:value = 'stage1.example'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.99']"
} >"$TMP/ind8.jsonl"
awk 'BEGIN { for (i = 1; i <= 40000; i++) {
  m = i % 500
  if (m == 7) print "2024-05-01T10:00:00Z resolve stage1.example"
  else if (m == 9) print "2024-05-01T10:00:01Z connect 192.0.2.99"
  else if (m == 11) print "2024-05-01T10:00:03Z conn from 198.51.100.7 at " i "; near 198.51.100.77"
  else if (m == 13) print "2024-05-01T10:00:04Z fetched http://evil.example/a/" i ".exe"
  else print "2024-05-01T10:00:02Z quiet host" i ".example.com 10.1." (i % 256) "." (i % 200)
} }' >"$TMP/big.log"
expect_exit 0 "$KIZUNA" scan --threads 1 --indicators "$TMP/ind8.jsonl" "$TMP/big.log"
cp "$TMP/out" "$TMP/one.out"
grep -q 'indicator--11111111-0000-4000-8000-000000000008' "$TMP/one.out" ||
  fail "the FOLLOWEDBY indicator should match in the big log"
expect_err "40000 records, 0 malformed"
for t in 2 3; do
  expect_exit 0 "$KIZUNA" scan --threads $t --indicators "$TMP/ind8.jsonl" "$TMP/big.log"
  cmp -s "$TMP/out" "$TMP/one.out" || fail "--threads $t: the matches differ from --threads 1"
  expect_err "40000 records, 0 malformed"
done
gzip -c "$TMP/big.log" >"$TMP/big.log.gz"
expect_exit 0 "$KIZUNA" scan --threads 2 --indicators "$TMP/ind8.jsonl" "$TMP/big.log.gz"
sed 's/big\.log\.gz/big.log/' "$TMP/out" | cmp -s - "$TMP/one.out" ||
  fail "--threads 2 over gzip: the matches differ from --threads 1"
awk 'BEGIN { for (i = 1; i <= 3000; i++) {
  if (i % 1000 == 500) { print "{not json"; continue }
  printf "{\"timestamp\":\"2024-05-01T10:00:00.000000+0000\",\"event_type\":\"dns\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"%s\",\"dns\":{\"rrname\":\"x.example\"}}\n", (i % 100 == 0 ? "198.51.100.7" : "192.0.2.1")
} }' >"$TMP/big.json"
expect_exit 0 "$KIZUNA" scan --threads 1 --indicators "$TMP/ind8.jsonl" "$TMP/big.json"
cp "$TMP/out" "$TMP/one.out"
expect_err "eve log, 2997 records, 3 malformed (first: $TMP/big.json: line 500:"
expect_exit 0 "$KIZUNA" scan --threads 2 --indicators "$TMP/ind8.jsonl" "$TMP/big.json"
cmp -s "$TMP/out" "$TMP/one.out" || fail "--threads 2 on EVE: the matches differ from --threads 1"
expect_err "eve log, 2997 records, 3 malformed (first: $TMP/big.json: line 500:"

# Usage errors.
expect_exit 2 "$KIZUNA" scan "$TMP/text.log"
expect_exit 2 "$KIZUNA" scan --indicators "$TMP/ind.jsonl" --threads 0 "$TMP/text.log"
expect_exit 2 "$KIZUNA" scan --indicators "$TMP/ind.jsonl" --format syslog "$TMP/text.log"
echo "scan: all checks passed"
