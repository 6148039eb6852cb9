/*
 * gen.c - writes a deterministic STIX 2.1 bundle of N valid, mixed objects for benchmarks and
 * crash tests: SDOs (indicators with real patterns, malware, attack patterns, identities, ...),
 * relationships and sightings, and SCOs. The same N and seed always give the same bytes.
 *
 *   kz_bench_gen N [SEED] > bundle.json
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/core.h"

static uint64_t rng_state;

/* splitmix64: small, fast and good enough to spread the mix deterministically. */
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void uuid(char out[KZ_UUID_STR])
{
    static const char hx[] = "0123456789abcdef";
    uint64_t a = rnd(), b = rnd();
    unsigned char by[16];
    size_t o = 0;

    memcpy(by, &a, 8);
    memcpy(by + 8, &b, 8);
    by[6] = (unsigned char)((by[6] & 0x0f) | 0x40);
    by[8] = (unsigned char)((by[8] & 0x3f) | 0x80);
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hx[by[i] >> 4];
        out[o++] = hx[by[i] & 15];
    }
    out[o] = '\0';
}

static void ts(char out[KZ_TIME_MAX], int64_t base)
{
    kz_time t = {base + (int64_t)(rnd() % (86400 * 365)), (int32_t)(rnd() % 1000) * 1000000, 3};
    kz_time_format(&t, 3, out);
}

static const char *words[] = {"ember", "lattice", "quartz", "harbor", "cinder", "falcon",
                              "meridian", "sable", "tundra", "vector", "willow", "zephyr"};

static const char *word(void)
{
    return words[rnd() % (sizeof words / sizeof words[0])];
}

#define IDENT_POOL 64

int main(int argc, char **argv)
{
    char identities[IDENT_POOL][KZ_UUID_STR + 16];
    char last_indicator[64] = "", last_malware[64] = "";
    uint64_t n, seed = 1;
    char id[KZ_UUID_STR], t1[KZ_TIME_MAX], t2[KZ_TIME_MAX];
    const int64_t base = 1704067200; /* 2024-01-01 */

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: kz_bench_gen N [SEED] > bundle.json\n");
        return 2;
    }
    n = strtoull(argv[1], NULL, 10);
    if (argc == 3)
        seed = strtoull(argv[2], NULL, 10);
    rng_state = seed;
    uuid(id);
    printf("{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", id);
    for (int i = 0; i < IDENT_POOL; i++) {
        uuid(id);
        snprintf(identities[i], sizeof identities[i], "identity--%s", id);
    }
    for (uint64_t i = 0; i < n; i++) {
        unsigned kind = (unsigned)(rnd() % 20);
        const char *by = identities[rnd() % IDENT_POOL];
        uuid(id);
        ts(t1, base);
        ts(t2, base + 86400 * 365);
        printf(i ? ",\n" : "\n");
        if (i < IDENT_POOL) {
            printf("{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"%s\",\"created\":\"%s\","
                   "\"modified\":\"%s\",\"name\":\"%s CERT %" PRIu64 "\",\"identity_class\":\"organization\","
                   "\"sectors\":[\"energy\",\"manufacturing\"]}",
                   identities[i], t1, t1, word(), i);
            continue;
        }
        switch (kind) {
            case 0: case 1: case 2: case 3: {
                unsigned a = (unsigned)rnd();
                snprintf(last_indicator, sizeof last_indicator, "indicator--%s", id);
                printf("{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\","
                       "\"created_by_ref\":\"%s\",\"created\":\"%s\",\"modified\":\"%s\","
                       "\"name\":\"%s %s C2\",\"description\":\"Traffic to infrastructure used by the "
                       "%s cluster against ICS operators.\",\"indicator_types\":[\"malicious-activity\"],"
                       "\"pattern\":\"[ipv4-addr:value = '%u.%u.%u.%u'] OR [domain-name:value = "
                       "'%s-%u.example.net']\",\"pattern_type\":\"stix\",\"valid_from\":\"%s\","
                       "\"labels\":[\"c2\"],\"confidence\":%u,\"object_marking_refs\":"
                       "[\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\"]}",
                       last_indicator, by, t1, t2, word(), word(), word(), 1 + a % 223,
                       (a >> 8) & 255, (a >> 16) & 255, 1 + (a >> 24) % 254, word(), a % 10000,
                       t1, (unsigned)(rnd() % 101));
                break;
            }
            case 4: case 5:
                snprintf(last_malware, sizeof last_malware, "malware--%s", id);
                printf("{\"type\":\"malware\",\"spec_version\":\"2.1\",\"id\":\"%s\","
                       "\"created_by_ref\":\"%s\",\"created\":\"%s\",\"modified\":\"%s\","
                       "\"name\":\"%s%s\",\"is_family\":true,\"malware_types\":[\"backdoor\",\"remote-access-trojan\"],"
                       "\"description\":\"Implant that abuses engineering protocols to reach PLCs.\","
                       "\"external_references\":[{\"source_name\":\"vendor-report\",\"url\":"
                       "\"https://example.org/reports/%s\"}]}",
                       last_malware, by, t1, t2, word(), word(), id);
                break;
            case 6: case 7:
                printf("{\"type\":\"attack-pattern\",\"spec_version\":\"2.1\",\"id\":\"attack-pattern--%s\","
                       "\"created\":\"%s\",\"modified\":\"%s\",\"name\":\"%s injection\","
                       "\"kill_chain_phases\":[{\"kill_chain_name\":\"mitre-ics-attack\",\"phase_name\":"
                       "\"execution\"}],\"external_references\":[{\"source_name\":\"capec\","
                       "\"external_id\":\"CAPEC-%u\"}]}",
                       id, t1, t2, word(), (unsigned)(rnd() % 700));
                break;
            case 8: case 9: case 10:
                if (last_indicator[0] && last_malware[0]) {
                    printf("{\"type\":\"relationship\",\"spec_version\":\"2.1\",\"id\":\"relationship--%s\","
                           "\"created\":\"%s\",\"modified\":\"%s\",\"relationship_type\":\"indicates\","
                           "\"source_ref\":\"%s\",\"target_ref\":\"%s\"}",
                           id, t1, t2, last_indicator, last_malware);
                    break;
                }
                /* fall through */
            case 11: {
                unsigned a = (unsigned)rnd();
                printf("{\"type\":\"ipv4-addr\",\"spec_version\":\"2.1\",\"id\":\"ipv4-addr--%s\","
                       "\"value\":\"%u.%u.%u.%u\"}",
                       id, 1 + a % 223, (a >> 8) & 255, (a >> 16) & 255, (a >> 24) & 255);
                break;
            }
            case 12:
                printf("{\"type\":\"domain-name\",\"spec_version\":\"2.1\",\"id\":\"domain-name--%s\","
                       "\"value\":\"%s-%u.example.com\"}",
                       id, word(), (unsigned)(rnd() % 100000));
                break;
            case 13: {
                uint64_t h[4] = {rnd(), rnd(), rnd(), rnd()};
                printf("{\"type\":\"file\",\"spec_version\":\"2.1\",\"id\":\"file--%s\","
                       "\"name\":\"%s.dll\",\"size\":%u,\"hashes\":{\"SHA-256\":"
                       "\"%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "\"}}",
                       id, word(), (unsigned)(rnd() % 10000000), h[0], h[1], h[2], h[3]);
                break;
            }
            case 14:
                printf("{\"type\":\"vulnerability\",\"spec_version\":\"2.1\",\"id\":\"vulnerability--%s\","
                       "\"created\":\"%s\",\"modified\":\"%s\",\"name\":\"CVE-2024-%u\","
                       "\"external_references\":[{\"source_name\":\"cve\",\"external_id\":\"CVE-2024-%u\"}]}",
                       id, t1, t2, 10000 + (unsigned)(i % 80000), 10000 + (unsigned)(i % 80000));
                break;
            case 15:
                printf("{\"type\":\"course-of-action\",\"spec_version\":\"2.1\",\"id\":\"course-of-action--%s\","
                       "\"created\":\"%s\",\"modified\":\"%s\",\"name\":\"Segment the %s network\","
                       "\"description\":\"Place controllers behind a conduit that only admits the "
                       "engineering workstation.\"}",
                       id, t1, t2, word());
                break;
            case 16:
                printf("{\"type\":\"threat-actor\",\"spec_version\":\"2.1\",\"id\":\"threat-actor--%s\","
                       "\"created\":\"%s\",\"modified\":\"%s\",\"name\":\"%s %s\","
                       "\"threat_actor_types\":[\"nation-state\"],\"roles\":[\"agent\"],"
                       "\"sophistication\":\"expert\",\"resource_level\":\"government\","
                       "\"primary_motivation\":\"organizational-gain\"}",
                       id, t1, t2, word(), word());
                break;
            case 17:
                if (last_indicator[0]) {
                    printf("{\"type\":\"sighting\",\"spec_version\":\"2.1\",\"id\":\"sighting--%s\","
                           "\"created\":\"%s\",\"modified\":\"%s\",\"sighting_of_ref\":\"%s\","
                           "\"count\":%u,\"where_sighted_refs\":[\"%s\"]}",
                           id, t1, t2, last_indicator, 1 + (unsigned)(rnd() % 50), by);
                    break;
                }
                /* fall through */
            case 18:
                printf("{\"type\":\"url\",\"spec_version\":\"2.1\",\"id\":\"url--%s\","
                       "\"value\":\"https://%s.example.org/%s/%u\"}",
                       id, word(), word(), (unsigned)(rnd() % 100000));
                break;
            default:
                printf("{\"type\":\"campaign\",\"spec_version\":\"2.1\",\"id\":\"campaign--%s\","
                       "\"created\":\"%s\",\"modified\":\"%s\",\"name\":\"Operation %s %s\","
                       "\"first_seen\":\"%s\",\"objective\":\"Pre-position in %s substations.\"}",
                       id, t1, t2, word(), word(), t1, word());
                break;
        }
    }
    printf("\n]}\n");
    return ferror(stdout) ? 1 : 0;
}
