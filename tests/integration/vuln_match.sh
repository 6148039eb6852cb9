# `kizuna vuln match`: the real CSAF ICS advisories and the KEV catalogue imported, then a CSV
# inventory of devices from real advisories, each once just inside and once just outside the
# range the advisory names: the expected CVEs appear for the first and not for the second. Also
# the JSON and CSAF VEX formats, standard input, and the exit codes.
source "$(dirname "$0")/lib.bash"
csaf=$(shared_data csaf-ics)
kev=$(shared_data kev)
command -v jq >/dev/null || skip "jq is not installed"

# Usage and input errors before anything is imported.
expect_exit 2 "$KIZUNA" --db "$DB" vuln match
expect_exit 2 "$KIZUNA" --db "$DB" vuln match --format xml x.csv
expect_exit 2 "$KIZUNA" --db "$DB" vuln match --lang fr x.csv
expect_exit 3 "$KIZUNA" --db "$DB" vuln match "$TMP/missing.csv"
printf 'name,version\nx,1\n' >"$TMP/bad.csv"
expect_exit 2 "$KIZUNA" --db "$DB" vuln match "$TMP/bad.csv"
expect_err "not a CycloneDX, SPDX or CSV inventory"

"$KIZUNA" --db "$DB" vuln import -q "$csaf" "$kev" >"$TMP/import" 2>&1 || {
  tail -n 5 "$TMP/import"; fail "vuln import failed"; }

# Three real products with version ranges (ICSA-22-286-04, ICSA-21-357-02, ICSA-19-087-02):
#   Siemens SIMATIC Drive Controller family < V2.9.2              CVE-2022-38465
#   Johnson Controls exacq Enterprise Manager <= 21.12            CVE-2021-44228 (also in KEV)
#   Moxa EDS-408A series <= 3.8                                   CVE-2019-6557
cat >"$TMP/inv.csv" <<'CSV'
vendor,product,version,location
Siemens,SIMATIC Drive Controller family,V2.9.1,line 1
siemens,simatic drive controller FAMILY,V2.9.2,line 2
"Exacq Technologies, Johnson Controls Inc.",Exacq Enterprise Manager,21.12,office
"Exacq Technologies, Johnson Controls Inc.",Exacq Enterprise Manager,21.12.1,office
Moxa,EDS-408A series,3.8,yard
Moxa,EDS 408A Series,3.9,yard
Nobody,Nothing at all,1.0,nowhere
CSV
expect_exit 1 "$KIZUNA" --db "$DB" vuln match --format json "$TMP/inv.csv"
cp "$TMP/out" "$TMP/report.json"
jq -e . "$TMP/report.json" >/dev/null || fail "--format json is not JSON"
[ "$(jq '.components | length' "$TMP/report.json")" = 7 ] || fail "expected 7 components"
# has COMPONENT CVE STATUS: the finding is there with that status.
has() {
  jq -e --argjson c "$1" --arg id "$2" --arg st "$3" \
    'any(.findings[]; .component == $c and .id == $id and .status == $st)' \
    "$TMP/report.json" >/dev/null || fail "component $1: no $3 finding for $2"
}
hasnt() {
  jq -e --argjson c "$1" --arg id "$2" 'any(.findings[]; .component == $c and .id == $id) | not' \
    "$TMP/report.json" >/dev/null || fail "component $1: unexpected finding for $2"
}
has 0 CVE-2022-38465 affected
hasnt 1 CVE-2022-38465
has 2 CVE-2021-44228 affected
hasnt 3 CVE-2021-44228
has 4 CVE-2019-6557 affected
hasnt 5 CVE-2019-6557
[ "$(jq '[.findings[] | select(.component == 6)] | length' "$TMP/report.json")" = 0 ] ||
  fail "an unknown product has findings"
# The KEV-listed CVE is marked exploited and comes first for its component.
jq -e '[.findings[] | select(.component == 2)][0] | .exploited and .id == "CVE-2021-44228"' \
  "$TMP/report.json" >/dev/null || fail "the known exploited CVE is not first"
jq -e '.vulnerabilities as $v | all(.findings[]; ($v[.id].provisions | type) == "array")' \
  "$TMP/report.json" >/dev/null || fail "findings whose vulnerability has no provisions"

# Text, in Japanese, from standard input.
expect_exit 1 "$KIZUNA" --db "$DB" vuln match --lang ja - <"$TMP/inv.csv"
expect_out "KNOWN EXPLOITED (CISA KEV"
expect_out "prevent: EN 303 645"
expect_out "summary: 7 components"

# CSAF VEX: one product per component, every vulnerability with a status and notes.
expect_exit 1 "$KIZUNA" --db "$DB" vuln match --format csaf-vex "$TMP/inv.csv"
jq -e '.document.category == "csaf_vex" and .document.csaf_version == "2.0"' "$TMP/out" \
  >/dev/null || fail "not a csaf_vex document"
[ "$(jq '.product_tree.full_product_names | length' "$TMP/out")" = 7 ] ||
  fail "the product tree does not have the 7 components"
jq -e 'all(.vulnerabilities[]; .notes and (.product_status | length > 0) and (.cve or .ids))' \
  "$TMP/out" >/dev/null || fail "a VEX vulnerability lacks notes, status or id"
jq -e '.vulnerabilities[] | select(.cve == "CVE-2021-44228") | .product_status.known_affected
  | index("CSAFPID-0003")' "$TMP/out" >/dev/null || fail "CVE-2021-44228 not known_affected"

# Nothing affected: exit 0. A CycloneDX SBOM works the same way.
printf 'vendor,product,version\nNobody,Nothing,1\n' >"$TMP/clean.csv"
expect_exit 0 "$KIZUNA" --db "$DB" vuln match "$TMP/clean.csv"
expect_out "summary: 1 components, 0 with findings"
cat >"$TMP/sbom.json" <<'JSON'
{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
  {"name": "Gateway", "version": "1", "components": [
    {"name": "EDS-408A series", "version": "3.8", "supplier": {"name": "Moxa"}}]}]}
JSON
expect_exit 1 "$KIZUNA" --db "$DB" vuln match --format json "$TMP/sbom.json"
jq -e 'any(.findings[]; .component == 1 and .id == "CVE-2019-6557")' "$TMP/out" >/dev/null ||
  fail "the nested CycloneDX component did not match"
echo "vuln match: ok"
