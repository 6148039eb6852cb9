#!/usr/bin/env python3
"""gen_vuln.py - deterministic inputs for bench/vuln (random.Random(42)).

  gen_vuln.py sbom DB N OUT.json     a CycloneDX 1.5 SBOM of N components: 70 % real
                                     vendor/product names from the knowledge base in the SQLite
                                     store DB (affected entries of the imported advisories), with
                                     versions near their ranges, 30 % unknown components
  gen_vuln.py cve5 N DIR             N CVE JSON 5.1 records, one per file (CVE-2100-<n>.json), in
                                     subfolders of 1000, shaped as real CNA records are
"""
import json
import os
import random
import re
import sqlite3
import sys


def sbom(db, n, out):
    rnd = random.Random(42)
    con = sqlite3.connect(db)
    rows = con.execute(
        "select distinct json_extract(a.value,'$.vendor'), json_extract(a.value,'$.product'),"
        " json_extract(a.value,'$.versions[0]') from vuln_records r,"
        " json_each(r.json,'$.affected') a where json_extract(a.value,'$.vendor') is not null"
        " order by 1, 2, 3").fetchall()
    con.close()
    comps = []
    for i in range(n):
        if rows and rnd.random() < 0.7:
            vendor, product, rng = rnd.choice(rows)
            nums = re.findall(r"\d+(?:\.\d+)*", rng or "")
            if nums and rnd.random() < 0.8:
                parts = nums[-1].split(".")
                k = rnd.randrange(len(parts))
                delta = rnd.choice([-1, 0, 1])
                parts[k] = str(max(0, int(parts[k]) + delta))
                version = ".".join(parts)
            else:
                version = "%d.%d" % (rnd.randrange(10), rnd.randrange(20))
        else:
            vendor = "Vendor %d" % rnd.randrange(5000)
            product = "Product %d" % rnd.randrange(100000)
            version = "%d.%d.%d" % (rnd.randrange(10), rnd.randrange(10), rnd.randrange(10))
        comps.append({"type": "firmware", "bom-ref": "c%d" % i, "name": product,
                      "version": version, "supplier": {"name": vendor}})
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
           "metadata": {"component": {"type": "device", "name": "bench site", "bom-ref": "site"}},
           "components": comps}
    with open(out, "w") as f:
        json.dump(doc, f)


CWES = ["CWE-787", "CWE-79", "CWE-20", "CWE-78", "CWE-125", "CWE-22", "CWE-798", "CWE-306",
        "CWE-400", "CWE-319", "CWE-287", "CWE-89"]
VECTORS = [("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL"),
           ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, "HIGH"),
           ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N", 5.4, "MEDIUM")]


def cve5(n, out):
    rnd = random.Random(42)
    vendors = ["Vendor %d" % i for i in range(2000)]
    for i in range(n):
        d = os.path.join(out, "%03d" % (i // 1000))
        if i % 1000 == 0:
            os.makedirs(d, exist_ok=True)
        cid = "CVE-2100-%06d" % i
        vendor = rnd.choice(vendors)
        product = "Product %d" % rnd.randrange(50000)
        fixed = "%d.%d.%d" % (rnd.randrange(1, 10), rnd.randrange(10), rnd.randrange(10))
        cwe = rnd.choice(CWES)
        vec, score, sev = rnd.choice(VECTORS)
        day = "2025-%02d-%02dT00:00:00.000Z" % (rnd.randrange(1, 13), rnd.randrange(1, 29))
        rec = {
            "dataType": "CVE_RECORD", "dataVersion": "5.1",
            "cveMetadata": {"state": "PUBLISHED", "cveId": cid,
                            "assignerOrgId": "00000000-0000-4000-8000-000000000000",
                            "assignerShortName": "bench", "dateUpdated": day,
                            "datePublished": day},
            "containers": {"cna": {
                "providerMetadata": {"orgId": "00000000-0000-4000-8000-000000000000",
                                     "shortName": "bench", "dateUpdated": day},
                "title": "%s %s: generated weakness %d" % (vendor, product, i),
                "descriptions": [{"lang": "en", "value": "A generated vulnerability in %s %s "
                                  "before %s (benchmark data)." % (vendor, product, fixed)}],
                "affected": [{"vendor": vendor, "product": product, "defaultStatus": "unaffected",
                              "versions": [{"version": "0", "lessThan": fixed,
                                            "versionType": "custom", "status": "affected"}]}],
                "problemTypes": [{"descriptions": [{"lang": "en", "type": "CWE", "cweId": cwe,
                                                    "description": cwe}]}],
                "metrics": [{"cvssV3_1": {"version": "3.1", "vectorString": vec,
                                          "baseScore": score, "baseSeverity": sev}}],
                "references": [{"url": "https://example.invalid/advisories/%s" % cid}]}}}
        with open(os.path.join(d, cid + ".json"), "w") as f:
            json.dump(rec, f)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "sbom":
        sbom(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "cve5":
        cve5(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(__doc__)
