# `kizuna vuln`: importing the real public data (CSAF ICS advisories, the KEV catalogue, CVE 5
# records, JVN feeds), showing a known-exploited CVE from several sources, searching by product,
# idempotent re-import, and the STIX export as a bundle and into a collection.
source "$(dirname "$0")/lib.bash"
csaf=$(shared_data csaf-ics)
kev=$(shared_data kev)
cve5=$(shared_data cve5)
jvn=$(shared_data jvn/hnd)

# Usage errors exit 2.
expect_exit 2 "$KIZUNA" --db "$DB" vuln
expect_exit 2 "$KIZUNA" --db "$DB" vuln frobnicate
expect_err 'unknown subcommand "frobnicate"'
expect_exit 2 "$KIZUNA" --db "$DB" vuln import
expect_exit 2 "$KIZUNA" --db "$DB" vuln search --cpe x --purl y
expect_exit 2 "$KIZUNA" --db "$DB" vuln show --lang fr CVE-2019-7256
expect_exit 0 "$KIZUNA" help vuln
expect_out "usage: kizuna [--db URL] vuln import"

# A file that is not a vulnerability format, named on the command line, fails with its name; a
# provider-metadata.json named alone says to give its folder; the rest still imports.
echo '{"type":"bundle","objects":[]}' >"$TMP/bundle.json"
echo '{"canonical_url":"https://x/provider-metadata.json","publisher":{},"role":"csaf_provider"}' \
  >"$TMP/provider.json"
expect_exit 1 "$KIZUNA" --db "$DB" vuln import "$TMP/bundle.json" "$TMP/provider.json" \
  "$cve5/CVE-2023-1389.json"
expect_out "$TMP/bundle.json: not a format kizuna imports"
expect_out "$TMP/provider.json: a provider folder: give its folder to kizuna vuln import"
expect_out "3 files: 1 records stored"
expect_out "2 failed files"

# A CSAF provider's folder (provider-metadata.json) is read through its distributions.
mkdir -p "$TMP/prov/white/2024"
cp "$csaf/2024/icsa-24-065-01.json" "$csaf/2023/icsa-23-005-01.json" "$TMP/prov/white/2024/"
cat >"$TMP/prov/provider-metadata.json" <<'JSON'
{"canonical_url":"https://example.com/.well-known/csaf/provider-metadata.json",
 "distributions":[{"directory_url":"https://example.com/.well-known/csaf/white/"}],
 "last_updated":"2024-01-01T00:00:00Z","list_on_CSAF_aggregators":true,"metadata_version":"2.0",
 "mirror_on_CSAF_aggregators":true,"public_openpgp_keys":[],"role":"csaf_trusted_provider",
 "publisher":{"category":"coordinator","name":"X","namespace":"https://example.com"}}
JSON
expect_exit 0 "$KIZUNA" --db "sqlite://$TMP/prov.db" vuln import "$TMP/prov"
expect_out "2 files: 17 records stored"

# The whole data set. Every file must import; a file that does not is listed by name (exit 1),
# and problems inside files are warnings (exit 0).
start=$(date +%s%N)
got=0
"$KIZUNA" --db "$DB" vuln import -q "$csaf" "$kev" "$cve5" "$jvn" >"$TMP/import1" 2>"$TMP/err" ||
  got=$?
end=$(date +%s%N)
summary1=$(tail -n 1 "$TMP/import1")
echo "import: $(( (end - start) / 1000000 )) ms: $summary1"
case $got in
  0) grep -q ", 0 failed files" <<<"$summary1" || fail "exit 0 with failed files: $summary1" ;;
  1) failed=$(grep -c -v -e '^[0-9]* files: ' "$TMP/import1" || true)
     [ "$failed" -gt 0 ] || fail "exit 1 without naming a failing file"
     echo "failing files:"; grep -v -e '^[0-9]* files: ' "$TMP/import1" | head -n 20 ;;
  *) cat "$TMP/err"; fail "vuln import exited $got" ;;
esac
grep -qE '^[0-9]+ files: [1-9][0-9]* records stored' <<<"$summary1" ||
  fail "no records stored: $summary1"
totals1=${summary1##*knowledge base: }

# Re-import: nothing new, the same totals.
got=0
"$KIZUNA" --db "$DB" vuln import -q "$csaf" "$kev" "$cve5" "$jvn" >"$TMP/import2" 2>&1 || got=$?
summary2=$(tail -n 1 "$TMP/import2")
grep -qF "0 new documents, 0 new vulnerabilities" <<<"$summary2" ||
  fail "re-import added something: $summary2"
[ "${summary2##*knowledge base: }" = "$totals1" ] ||
  fail "re-import changed the totals: $totals1 -> ${summary2##*knowledge base: }"

# A KEV-listed CVE that a CISA ICS advisory covers: both sources in one view.
expect_exit 0 "$KIZUNA" --db "$DB" vuln show CVE-2019-7256
expect_out "CVE-2019-7256"
expect_out "csaf ICSA-24-065-01"
expect_out "affected:"
if grep -q '"CVE-2019-7256"' "$kev/known_exploited_vulnerabilities.json" &&
   ! grep -q 'known_exploited_vulnerabilities.json' "$TMP/import1"; then
  expect_out "exploited: known exploited"
  expect_out "kev kev revision"
fi
expect_exit 0 "$KIZUNA" --db "$DB" vuln show --json CVE-2019-7256
jq -e '.id == "CVE-2019-7256" and (.sources | map(.document) | index("ICSA-24-065-01"))' \
  "$TMP/out" >/dev/null || fail "show --json is not the merged CVE-2019-7256"
# An advisory id names each of its CVEs: no one view, but the ids to choose from.
expect_exit 1 "$KIZUNA" --db "$DB" vuln show ICSA-24-065-01
expect_err "ICSA-24-065-01 names 12 vulnerabilities (CVE-2019-7253, "
expect_exit 1 "$KIZUNA" --db "$DB" vuln show CVE-1999-99999
expect_err "no vulnerability CVE-1999-99999 in the knowledge base"

# Search by product name (normalised: case, spaces and dashes do not matter), and by vendor too.
expect_exit 0 "$KIZUNA" --db "$DB" vuln search --product "linear emerge e3 series"
expect_out "CVE-2019-7256"
expect_exit 0 "$KIZUNA" --db "$DB" vuln search --vendor Nice --product "Linear eMerge E3-Series"
expect_out "CVE-2019-7256"
expect_exit 1 "$KIZUNA" --db "$DB" vuln search --product "no such product anywhere"

# STIX export: a bundle that validate accepts, the same objects twice.
expect_exit 0 "$KIZUNA" --db "$DB" vuln export-stix -o "$TMP/kb1.json"
expect_exit 0 "$KIZUNA" --db "$DB" vuln export-stix -o "$TMP/kb2.json"
jq -e '.type == "bundle" and (.objects[0].id ==
  "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487")' "$TMP/kb1.json" >/dev/null ||
  fail "the bundle does not start with the TLP:CLEAR marking-definition"
cmp -s <(jq -c .objects "$TMP/kb1.json") <(jq -c .objects "$TMP/kb2.json") ||
  fail "two exports gave different objects"
nvuln=$(jq '[.objects[] | select(.type == "vulnerability")] | length' "$TMP/kb1.json")
[ "$nvuln" -gt 0 ] || fail "no vulnerability objects exported"
expect_exit 0 "$KIZUNA" validate -q "$TMP/kb1.json"

# Into a collection: stored through the same checks as import; stats shows them.
expect_exit 0 "$KIZUNA" --db "$DB" vuln export-stix --collection vulns
expect_out "new objects, 0 new versions, 0 unchanged, 0 rejected"
expect_exit 0 "$KIZUNA" --db "$DB" vuln export-stix --collection vulns
expect_out "0 new objects, 0 new versions"
expect_exit 0 "$KIZUNA" --db "$DB" stats
grep -qE "^ *vulnerability +$nvuln objects" "$TMP/out" ||
  { cat "$TMP/out"; fail "stats does not show $nvuln vulnerability objects"; }
echo "ok: vuln import, show, search and export-stix"
