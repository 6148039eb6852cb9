/*
 * v_sdo.c - the STIX Domain Objects (Part 4 of STIX 2.1) and the STIX Relationship Objects
 * (Part 5): one property table per type, sorted by property name, the suggested values of the
 * open vocabularies they use (Part 10), and the rules that tie properties together.
 */
#include <string.h>

#include "kizuna/pattern.h"
#include "validate_int.h"

#define S KZ_PK_STRING
#define TS KZ_PK_TIMESTAMP
#define REF KZ_PK_REF
#define OV KZ_PK_OV
#define EN KZ_PK_ENUM
#define BOOL KZ_PK_BOOL
#define FL KZ_PK_FLOAT
#define RL (KZ_REQ | KZ_LIST)

/* ---- vocabularies (Part 10) -------------------------------------------------------------- */

static const char *const motivation_ov[] = {
    "accidental", "coercion", "dominance", "ideology", "notoriety", "organizational-gain",
    "personal-gain", "personal-satisfaction", "revenge", "unpredictable", NULL};
static const char *const resource_level_ov[] = {"individual", "club", "contest", "team",
                                                "organization", "government", NULL};
static const char *const grouping_context_ov[] = {"suspicious-activity", "malware-analysis",
                                                  "unspecified", NULL};
static const char *const identity_class_ov[] = {"individual", "group", "system", "organization",
                                                "class", "unknown", NULL};
static const char *const impl_language_ov[] = {
    "applescript", "bash", "c", "c++", "c#", "go", "java", "javascript", "lua", "objective-c",
    "perl", "php", "powershell", "python", "ruby", "scala", "swift", "typescript",
    "visual-basic", "x86-32", "x86-64", NULL};
static const char *const indicator_type_ov[] = {"anomalous-activity", "anonymization", "benign",
                                                "compromised", "malicious-activity",
                                                "attribution", "unknown", NULL};
static const char *const sector_ov[] = {
    "agriculture", "aerospace", "automotive", "chemical", "commercial", "communications",
    "construction", "defense", "education", "energy", "entertainment", "financial-services",
    "government", "government-emergency-services", "government-local", "government-national",
    "government-public-services", "government-regional", "healthcare", "hospitality-leisure",
    "infrastructure", "infrastructure-dams", "infrastructure-nuclear", "infrastructure-water",
    "insurance", "manufacturing", "mining", "non-profit", "pharmaceuticals", "retail",
    "technology", "telecommunications", "transportation", "utilities", NULL};
static const char *const infrastructure_type_ov[] = {
    "amplification", "anonymization", "botnet", "command-and-control", "control-system",
    "exfiltration", "firewall", "hosting-malware", "hosting-target-lists", "phishing",
    "reconnaissance", "routers-switches", "staging", "workstation", "unknown", NULL};
static const char *const malware_capabilities_ov[] = {
    "accesses-remote-machines", "anti-debugging", "anti-disassembly", "anti-emulation",
    "anti-memory-forensics", "anti-sandbox", "anti-vm", "captures-input-peripherals",
    "captures-output-peripherals", "captures-system-state-data", "cleans-traces-of-infection",
    "commits-fraud", "communicates-with-c2", "compromises-data-availability",
    "compromises-data-integrity", "compromises-system-availability", "controls-local-machine",
    "degrades-security-software", "degrades-system-updates", "determines-c2-server",
    "emails-spam", "escalates-privileges", "evades-av", "exfiltrates-data", "fingerprints-host",
    "hides-artifacts", "hides-executing-code", "infects-files", "infects-remote-machines",
    "installs-other-components", "persists-after-system-reboot", "prevents-artifact-access",
    "prevents-artifact-deletion", "probes-network-environment", "self-modifies",
    "steals-authentication-credentials", "violates-system-operational-integrity", NULL};
static const char *const malware_result_ov[] = {"malicious", "suspicious", "benign", "unknown",
                                                NULL};
static const char *const malware_type_ov[] = {
    "adware", "backdoor", "bot", "bootkit", "ddos", "downloader", "dropper", "exploit-kit",
    "keylogger", "ransomware", "remote-access-trojan", "resource-exploitation",
    "rogue-security-software", "rootkit", "screen-capture", "spyware", "trojan", "unknown",
    "virus", "webshell", "wiper", "worm", NULL};
static const char *const pattern_type_ov[] = {"stix", "pcre", "sigma", "snort", "suricata",
                                              "yara", NULL};
static const char *const processor_arch_ov[] = {"alpha", "arm", "ia-64", "mips", "powerpc",
                                                "sparc", "x86", "x86-64", NULL};
static const char *const region_ov[] = {
    "africa", "eastern-africa", "middle-africa", "northern-africa", "southern-africa",
    "western-africa", "americas", "caribbean", "central-america", "latin-america-caribbean",
    "northern-america", "south-america", "asia", "central-asia", "eastern-asia",
    "southern-asia", "south-eastern-asia", "western-asia", "europe", "eastern-europe",
    "northern-europe", "southern-europe", "western-europe", "oceania", "antarctica",
    "australia-new-zealand", "melanesia", "micronesia", "polynesia", NULL};
static const char *const report_type_ov[] = {
    "attack-pattern", "campaign", "identity", "indicator", "intrusion-set", "malware",
    "observed-data", "threat-actor", "threat-report", "tool", "vulnerability", NULL};
static const char *const threat_actor_type_ov[] = {
    "activist", "competitor", "crime-syndicate", "criminal", "hacker", "insider-accidental",
    "insider-disgruntled", "nation-state", "sensationalist", "spy", "terrorist", "unknown",
    NULL};
static const char *const threat_actor_role_ov[] = {
    "agent", "director", "independent", "infrastructure-architect", "infrastructure-operator",
    "malware-author", "sponsor", NULL};
static const char *const sophistication_ov[] = {"none", "minimal", "intermediate", "advanced",
                                                "expert", "innovator", "strategic", NULL};
static const char *const tool_type_ov[] = {
    "denial-of-service", "exploitation", "information-gathering", "network-capture",
    "credential-exploitation", "remote-access", "vulnerability-scanning", "unknown", NULL};
static const char *const opinion_enum[] = {"strongly-disagree", "disagree", "neutral", "agree",
                                           "strongly-agree", NULL};

/* ---- reference targets ------------------------------------------------------------------- */

static const char *const t_software[] = {"software", NULL};
static const char *const t_file_artifact[] = {"file", "artifact", NULL};
static const char *const t_ma_sample[] = {"file", "artifact", "network-traffic", NULL};
static const char *const t_sco[] = {KZ_REF_SCO, NULL};
static const char *const t_obs_refs[] = {KZ_REF_SCO, "relationship", "sighting", NULL};
static const char *const t_not_sro[] = {KZ_REF_NOT_SRO, NULL};
static const char *const t_sdo[] = {KZ_REF_SDO, NULL};
static const char *const t_observed[] = {"observed-data", NULL};
static const char *const t_where[] = {"identity", "location", NULL};

#define KCP KZ_P("kill_chain_phases", KZ_PK_KCP, KZ_LIST, NULL)

/* ---- rules ------------------------------------------------------------------------------- */

static void seen_rule(kz_vctx *vc, const json_t *o)
{
    kz_stix__time_order(vc, o, "first_seen", "last_seen", false);
}

static void indicator_rule(kz_vctx *vc, const json_t *o)
{
    const json_t *pt = json_object_get(o, "pattern_type");
    const json_t *p = json_object_get(o, "pattern");

    kz_stix__time_order(vc, o, "valid_from", "valid_until", true);
    if (json_is_string(pt) && strcmp(json_string_value(pt), "stix") == 0 && json_is_string(p)) {
        kz_limits def = kz_limits_default();
        const kz_limits *lim = vc->lim != NULL ? vc->lim : &def;
        kz_pattern *pat = NULL;
        kz_err err;
        kz_rc rc;

        err.msg[0] = '\0';
        rc = kz_pattern_parse((kz_sv){json_string_value(p), json_string_length(p)}, lim, &pat,
                              &err);
        if (rc == KZ_ENOMEM)
            kz_stix__report_at(vc, "pattern", KZ_STIX_ERROR,
                               "could not be checked: out of memory");
        else if (rc != KZ_OK)
            kz_stix__report_at(vc, "pattern", KZ_STIX_ERROR, "is not a valid STIX pattern: %s",
                               err.msg[0] ? err.msg : kz_rc_str(rc));
        kz_pattern_free(pat);
    }
}

static void malware_rule(kz_vctx *vc, const json_t *o)
{
    seen_rule(vc, o);
    if (json_is_true(json_object_get(o, "is_family")) && !kz_stix__has(o, "name"))
        kz_stix__report_at(vc, "name", KZ_STIX_ERROR,
                           "is required for malware when is_family is true");
}

static void malware_analysis_rule(kz_vctx *vc, const json_t *o)
{
    if (!kz_stix__has(o, "result") && !kz_stix__has(o, "analysis_sco_refs"))
        kz_stix__report(vc, KZ_STIX_ERROR,
                        "malware-analysis needs at least one of result or analysis_sco_refs");
    kz_stix__time_order(vc, o, "analysis_started", "analysis_ended", false);
}

static bool number_in(const json_t *v, double lo, double hi)
{
    double d = json_number_value(v);
    return d >= lo && d <= hi;
}

static void location_rule(kz_vctx *vc, const json_t *o)
{
    const json_t *lat = json_object_get(o, "latitude"), *lon = json_object_get(o, "longitude");
    const json_t *country = json_object_get(o, "country");

    if (lat != NULL && json_is_number(lat) && !number_in(lat, -90.0, 90.0))
        kz_stix__report_at(vc, "latitude", KZ_STIX_ERROR,
                           "%g is out of range (expected -90.0 to 90.0)", json_number_value(lat));
    if (lon != NULL && json_is_number(lon) && !number_in(lon, -180.0, 180.0))
        kz_stix__report_at(vc, "longitude", KZ_STIX_ERROR,
                           "%g is out of range (expected -180.0 to 180.0)",
                           json_number_value(lon));
    if ((lat == NULL) != (lon == NULL))
        kz_stix__report_at(vc, lat == NULL ? "latitude" : "longitude", KZ_STIX_ERROR,
                           "is required when %s is present",
                           lat == NULL ? "longitude" : "latitude");
    if (kz_stix__has(o, "precision") && (lat == NULL || lon == NULL))
        kz_stix__report_at(vc, "precision", KZ_STIX_ERROR,
                           "needs both latitude and longitude to be present");
    if (!kz_stix__has(o, "region") && country == NULL && (lat == NULL || lon == NULL))
        kz_stix__report(vc, KZ_STIX_ERROR,
                        "location needs at least one of region, country, or latitude and "
                        "longitude");
    if (json_is_string(country) && json_string_length(country) != 2)
        kz_stix__report_at(vc, "country", KZ_STIX_WARNING,
                           "\"%.*s%s\" should be an ISO 3166-1 alpha-2 country code",
                           KZ_Q(json_string_value(country), json_string_length(country)));
}

static void observed_data_rule(kz_vctx *vc, const json_t *o)
{
    const json_t *objs = json_object_get(o, "objects");
    bool refs = kz_stix__has(o, "object_refs");
    const char *key;
    json_t *e;

    kz_stix__time_order(vc, o, "first_observed", "last_observed", false);
    if ((objs != NULL) == refs)
        kz_stix__report(vc, KZ_STIX_ERROR,
                        refs ? "observed-data must not have both objects and object_refs"
                             : "observed-data needs exactly one of object_refs or objects");
    if (!json_is_object(objs))
        return;
    kz_stix__push(vc, "objects");
    json_object_foreach((json_t *)objs, key, e) {
        if (!json_is_object(e) || !json_is_string(json_object_get(e, "type")))
            kz_stix__report_at(vc, key, KZ_STIX_ERROR,
                               "expected a cyber-observable object with a type");
    }
    kz_stix__pop(vc);
}

static void relationship_rule(kz_vctx *vc, const json_t *o)
{
    const json_t *rt = json_object_get(o, "relationship_type");
    const char *s = json_string_value(rt);
    size_t n = json_string_length(rt);
    bool ok = n > 0;

    kz_stix__time_order(vc, o, "start_time", "stop_time", true);
    if (s == NULL)
        return;
    for (size_t i = 0; ok && i < n; i++)
        ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-';
    if (!ok)
        kz_stix__report_at(vc, "relationship_type", KZ_STIX_ERROR,
                           "\"%.*s%s\" is not a relationship type (expected a-z, 0-9 and "
                           "hyphens, e.g. \"indicates\")",
                           KZ_Q(s, n));
}

/* ---- tables (sorted by name) ------------------------------------------------------------- */

static const kz_pspec attack_pattern_p[] = {
    KZ_P("aliases", S, KZ_LIST, NULL),
    KZ_P("description", S, 0, NULL),
    KCP,
    KZ_P("name", S, KZ_REQ, NULL),
};
static const kz_ptable attack_pattern_t = KZ_PTABLE(attack_pattern_p, "attack-pattern", NULL);

static const kz_pspec campaign_p[] = {
    KZ_P("aliases", S, KZ_LIST, NULL),  KZ_P("description", S, 0, NULL),
    KZ_P("first_seen", TS, 0, NULL),    KZ_P("last_seen", TS, 0, NULL),
    KZ_P("name", S, KZ_REQ, NULL),      KZ_P("objective", S, 0, NULL),
};
static const kz_ptable campaign_t = KZ_PTABLE(campaign_p, "campaign", seen_rule);

static const kz_pspec course_of_action_p[] = {
    KZ_P("description", S, 0, NULL),
    KZ_P("name", S, KZ_REQ, NULL),
};
static const kz_ptable course_of_action_t =
    KZ_PTABLE(course_of_action_p, "course-of-action", NULL);

static const kz_pspec grouping_p[] = {
    KZ_P("context", OV, KZ_REQ, grouping_context_ov),
    KZ_P("description", S, 0, NULL),
    KZ_P("name", S, 0, NULL),
    KZ_P("object_refs", REF, RL, NULL),
};
static const kz_ptable grouping_t = KZ_PTABLE(grouping_p, "grouping", NULL);

static const kz_pspec identity_p[] = {
    KZ_P("contact_information", S, 0, NULL),
    KZ_P("description", S, 0, NULL),
    KZ_P("identity_class", OV, 0, identity_class_ov),
    KZ_P("name", S, KZ_REQ, NULL),
    KZ_P("roles", S, KZ_LIST, NULL),
    KZ_P("sectors", OV, KZ_LIST, sector_ov),
};
static const kz_ptable identity_t = KZ_PTABLE(identity_p, "identity", NULL);

static const kz_pspec incident_p[] = {
    KZ_P("description", S, 0, NULL),
    KCP,
    KZ_P("name", S, KZ_REQ, NULL),
};
static const kz_ptable incident_t = KZ_PTABLE(incident_p, "incident", NULL);

static const kz_pspec indicator_p[] = {
    KZ_P("description", S, 0, NULL),
    KZ_P("indicator_types", OV, KZ_LIST, indicator_type_ov),
    KCP,
    KZ_P("name", S, 0, NULL),
    KZ_P("pattern", S, KZ_REQ, NULL),
    KZ_P("pattern_type", OV, KZ_REQ, pattern_type_ov),
    KZ_P("pattern_version", S, 0, NULL),
    KZ_P("valid_from", TS, KZ_REQ, NULL),
    KZ_P("valid_until", TS, 0, NULL),
};
static const kz_ptable indicator_t = KZ_PTABLE(indicator_p, "indicator", indicator_rule);

static const kz_pspec infrastructure_p[] = {
    KZ_P("aliases", S, KZ_LIST, NULL),
    KZ_P("description", S, 0, NULL),
    KZ_P("first_seen", TS, 0, NULL),
    KZ_P("infrastructure_types", OV, KZ_LIST, infrastructure_type_ov),
    KCP,
    KZ_P("last_seen", TS, 0, NULL),
    KZ_P("name", S, KZ_REQ, NULL),
};
static const kz_ptable infrastructure_t = KZ_PTABLE(infrastructure_p, "infrastructure", seen_rule);

static const kz_pspec intrusion_set_p[] = {
    KZ_P("aliases", S, KZ_LIST, NULL),
    KZ_P("description", S, 0, NULL),
    KZ_P("first_seen", TS, 0, NULL),
    KZ_P("goals", S, KZ_LIST, NULL),
    KZ_P("last_seen", TS, 0, NULL),
    KZ_P("name", S, KZ_REQ, NULL),
    KZ_P("primary_motivation", OV, 0, motivation_ov),
    KZ_P("resource_level", OV, 0, resource_level_ov),
    KZ_P("secondary_motivations", OV, KZ_LIST, motivation_ov),
};
static const kz_ptable intrusion_set_t = KZ_PTABLE(intrusion_set_p, "intrusion-set", seen_rule);

static const kz_pspec location_p[] = {
    KZ_P("administrative_area", S, 0, NULL),
    KZ_P("city", S, 0, NULL),
    KZ_P("country", S, 0, NULL),
    KZ_P("description", S, 0, NULL),
    KZ_P("latitude", FL, 0, NULL),
    KZ_P("longitude", FL, 0, NULL),
    KZ_P("name", S, 0, NULL),
    KZ_P("postal_code", S, 0, NULL),
    KZ_P("precision", FL, 0, NULL),
    KZ_P("region", OV, 0, region_ov),
    KZ_P("street_address", S, 0, NULL),
};
static const kz_ptable location_t = KZ_PTABLE(location_p, "location", location_rule);

static const kz_pspec malware_p[] = {
    KZ_P("aliases", S, KZ_LIST, NULL),
    KZ_P("architecture_execution_envs", OV, KZ_LIST, processor_arch_ov),
    KZ_P("capabilities", OV, KZ_LIST, malware_capabilities_ov),
    KZ_P("description", S, 0, NULL),
    KZ_P("first_seen", TS, 0, NULL),
    KZ_P("implementation_languages", OV, KZ_LIST, impl_language_ov),
    KZ_P("is_family", BOOL, KZ_REQ, NULL),
    KCP,
    KZ_P("last_seen", TS, 0, NULL),
    KZ_P("malware_types", OV, KZ_LIST, malware_type_ov),
    KZ_P("name", S, 0, NULL),
    KZ_P("operating_system_refs", REF, KZ_LIST, t_software),
    KZ_P("sample_refs", REF, KZ_LIST, t_file_artifact),
};
static const kz_ptable malware_t = KZ_PTABLE(malware_p, "malware", malware_rule);

static const kz_pspec malware_analysis_p[] = {
    KZ_P("analysis_definition_version", S, 0, NULL),
    KZ_P("analysis_ended", TS, 0, NULL),
    KZ_P("analysis_engine_version", S, 0, NULL),
    KZ_P("analysis_sco_refs", REF, KZ_LIST, t_sco),
    KZ_P("analysis_started", TS, 0, NULL),
    KZ_P("configuration_version", S, 0, NULL),
    KZ_P("host_vm_ref", REF, 0, t_software),
    KZ_P("installed_software_refs", REF, KZ_LIST, t_software),
    KZ_P("modules", S, KZ_LIST, NULL),
    KZ_P("operating_system_ref", REF, 0, t_software),
    KZ_P("product", S, KZ_REQ, NULL),
    KZ_P("result", OV, 0, malware_result_ov),
    KZ_P("result_name", S, 0, NULL),
    KZ_P("sample_ref", REF, 0, t_ma_sample),
    KZ_P("submitted", TS, 0, NULL),
    KZ_P("version", S, 0, NULL),
};
static const kz_ptable malware_analysis_t =
    KZ_PTABLE(malware_analysis_p, "malware-analysis", malware_analysis_rule);

static const kz_pspec note_p[] = {
    KZ_P("abstract", S, 0, NULL),
    KZ_P("authors", S, KZ_LIST, NULL),
    KZ_P("content", S, KZ_REQ, NULL),
    KZ_P("object_refs", REF, RL, NULL),
};
static const kz_ptable note_t = KZ_PTABLE(note_p, "note", NULL);

static const kz_pspec observed_data_p[] = {
    KZ_P("first_observed", TS, KZ_REQ, NULL),
    KZ_P("last_observed", TS, KZ_REQ, NULL),
    KZ_PI("number_observed", KZ_REQ, 1, 999999999),
    KZ_P("object_refs", REF, KZ_LIST, t_obs_refs),
    KZ_P("objects", KZ_PK_DICT, KZ_PF_DEPRECATED, NULL),
};
static const kz_ptable observed_data_t =
    KZ_PTABLE(observed_data_p, "observed-data", observed_data_rule);

static const kz_pspec opinion_p[] = {
    KZ_P("authors", S, KZ_LIST, NULL),
    KZ_P("explanation", S, 0, NULL),
    KZ_P("object_refs", REF, RL, NULL),
    KZ_P("opinion", EN, KZ_REQ, opinion_enum),
};
static const kz_ptable opinion_t = KZ_PTABLE(opinion_p, "opinion", NULL);

static const kz_pspec report_p[] = {
    KZ_P("description", S, 0, NULL),
    KZ_P("name", S, KZ_REQ, NULL),
    KZ_P("object_refs", REF, RL, NULL),
    KZ_P("published", TS, KZ_REQ, NULL),
    KZ_P("report_types", OV, KZ_LIST, report_type_ov),
};
static const kz_ptable report_t = KZ_PTABLE(report_p, "report", NULL);

static const kz_pspec threat_actor_p[] = {
    KZ_P("aliases", S, KZ_LIST, NULL),
    KZ_P("description", S, 0, NULL),
    KZ_P("first_seen", TS, 0, NULL),
    KZ_P("goals", S, KZ_LIST, NULL),
    KZ_P("last_seen", TS, 0, NULL),
    KZ_P("name", S, KZ_REQ, NULL),
    KZ_P("personal_motivations", OV, KZ_LIST, motivation_ov),
    KZ_P("primary_motivation", OV, 0, motivation_ov),
    KZ_P("resource_level", OV, 0, resource_level_ov),
    KZ_P("roles", OV, KZ_LIST, threat_actor_role_ov),
    KZ_P("secondary_motivations", OV, KZ_LIST, motivation_ov),
    KZ_P("sophistication", OV, 0, sophistication_ov),
    KZ_P("threat_actor_types", OV, KZ_LIST, threat_actor_type_ov),
};
static const kz_ptable threat_actor_t = KZ_PTABLE(threat_actor_p, "threat-actor", seen_rule);

static const kz_pspec tool_p[] = {
    KZ_P("aliases", S, KZ_LIST, NULL),
    KZ_P("description", S, 0, NULL),
    KCP,
    KZ_P("name", S, KZ_REQ, NULL),
    KZ_P("tool_types", OV, KZ_LIST, tool_type_ov),
    KZ_P("tool_version", S, 0, NULL),
};
static const kz_ptable tool_t = KZ_PTABLE(tool_p, "tool", NULL);

static const kz_pspec vulnerability_p[] = {
    KZ_P("description", S, 0, NULL),
    KZ_P("name", S, KZ_REQ, NULL),
};
static const kz_ptable vulnerability_t = KZ_PTABLE(vulnerability_p, "vulnerability", NULL);

static const kz_pspec relationship_p[] = {
    KZ_P("description", S, 0, NULL),
    KZ_P("relationship_type", S, KZ_REQ, NULL),
    KZ_P("source_ref", REF, KZ_REQ, t_not_sro),
    KZ_P("start_time", TS, 0, NULL),
    KZ_P("stop_time", TS, 0, NULL),
    KZ_P("target_ref", REF, KZ_REQ, t_not_sro),
};
static const kz_ptable relationship_t =
    KZ_PTABLE(relationship_p, "relationship", relationship_rule);

static const kz_pspec sighting_p[] = {
    KZ_PI("count", 0, 0, 999999999),
    KZ_P("description", S, 0, NULL),
    KZ_P("first_seen", TS, 0, NULL),
    KZ_P("last_seen", TS, 0, NULL),
    KZ_P("observed_data_refs", REF, KZ_LIST, t_observed),
    KZ_P("sighting_of_ref", REF, KZ_REQ, t_sdo),
    KZ_P("summary", BOOL, 0, NULL),
    KZ_P("where_sighted_refs", REF, KZ_LIST, t_where),
};
static const kz_ptable sighting_t = KZ_PTABLE(sighting_p, "sighting", seen_rule);

#define SDO(name, t) {(name), KZ_C_SDO, &(t), NULL, 0, NULL}
#define SRO(name, t) {(name), KZ_C_SRO, &(t), NULL, 0, NULL}

const kz_tinfo kz_stix__sdo_types[] = {
    SDO("attack-pattern", attack_pattern_t),
    SDO("campaign", campaign_t),
    SDO("course-of-action", course_of_action_t),
    SDO("grouping", grouping_t),
    SDO("identity", identity_t),
    SDO("incident", incident_t),
    SDO("indicator", indicator_t),
    SDO("infrastructure", infrastructure_t),
    SDO("intrusion-set", intrusion_set_t),
    SDO("location", location_t),
    SDO("malware", malware_t),
    SDO("malware-analysis", malware_analysis_t),
    SDO("note", note_t),
    SDO("observed-data", observed_data_t),
    SDO("opinion", opinion_t),
    SRO("relationship", relationship_t),
    SDO("report", report_t),
    SRO("sighting", sighting_t),
    SDO("threat-actor", threat_actor_t),
    SDO("tool", tool_t),
    SDO("vulnerability", vulnerability_t),
};
const size_t kz_stix__sdo_ntypes = KZ_NELEM(kz_stix__sdo_types);
