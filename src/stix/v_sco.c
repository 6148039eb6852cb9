/*
 * v_sco.c - the STIX Cyber-observable Objects (Part 6 of STIX 2.1): one property table per
 * type and per predefined extension, the rules between properties, the ID contributing
 * properties of each type, and the deterministic UUIDv5 identifier computed from them
 * (RFC 8785 canonical JSON in the namespace the specification reserves for SCOs).
 */
#include <stdio.h>
#include <string.h>

#include "validate_int.h"

#define S KZ_PK_STRING
#define TS KZ_PK_TIMESTAMP
#define REF KZ_PK_REF
#define OV KZ_PK_OV
#define EN KZ_PK_ENUM
#define BOOL KZ_PK_BOOL
#define INT KZ_PK_INT
#define HEX KZ_PK_HEX
#define DICT KZ_PK_DICT
#define HASHES KZ_PK_HASHES
#define RL (KZ_REQ | KZ_LIST)
#define NONNEG(name, flags) KZ_PI(name, flags, 0, INT64_MAX)

/* The namespace of deterministic SCO identifiers (Part 2.9 of the specification). */
#define SCO_NAMESPACE "00abedb4-aa42-466c-9c01-fed23315a9b7"

/* ---- vocabularies and enumerations ------------------------------------------------------- */

static const char *const account_type_ov[] = {"facebook", "ldap", "nis", "openid", "radius",
                                              "skype", "tacacs", "twitter", "unix",
                                              "windows-local", "windows-domain", NULL};
static const char *const encryption_enum[] = {"AES-256-GCM", "ChaCha20-Poly1305",
                                              "mime-type-indicated", NULL};
static const char *const pebinary_type_ov[] = {"dll", "exe", "sys", NULL};
static const char *const address_family_enum[] = {"AF_UNSPEC", "AF_INET", "AF_IPX",
                                                  "AF_APPLETALK", "AF_NETBIOS", "AF_INET6",
                                                  "AF_IRDA", "AF_BTH", NULL};
static const char *const socket_type_enum[] = {"SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW",
                                               "SOCK_RDM", "SOCK_SEQPACKET", NULL};
static const char *const integrity_enum[] = {"low", "medium", "high", "system", NULL};
static const char *const start_type_enum[] = {"SERVICE_AUTO_START", "SERVICE_BOOT_START",
                                              "SERVICE_DEMAND_START", "SERVICE_DISABLED",
                                              "SERVICE_SYSTEM_ALERT", NULL};
static const char *const service_type_enum[] = {"SERVICE_KERNEL_DRIVER",
                                                "SERVICE_FILE_SYSTEM_DRIVER",
                                                "SERVICE_WIN32_OWN_PROCESS",
                                                "SERVICE_WIN32_SHARE_PROCESS", NULL};
static const char *const service_status_enum[] = {
    "SERVICE_CONTINUE_PENDING", "SERVICE_PAUSE_PENDING", "SERVICE_PAUSED", "SERVICE_RUNNING",
    "SERVICE_START_PENDING", "SERVICE_STOP_PENDING", "SERVICE_STOPPED", NULL};
static const char *const registry_datatype_enum[] = {
    "REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN",
    "REG_DWORD_LITTLE_ENDIAN", "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST",
    "REG_FULL_RESOURCE_DESCRIPTION", "REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD",
    "REG_INVALID_TYPE", NULL};

/* ---- reference targets ------------------------------------------------------------------- */

static const char *const t_artifact[] = {"artifact", NULL};
static const char *const t_artifact_file[] = {"artifact", "file", NULL};
static const char *const t_as[] = {"autonomous-system", NULL};
static const char *const t_directory[] = {"directory", NULL};
static const char *const t_email_addr[] = {"email-addr", NULL};
static const char *const t_file[] = {"file", NULL};
static const char *const t_file_dir[] = {"file", "directory", NULL};
static const char *const t_ip_domain[] = {"ipv4-addr", "ipv6-addr", "domain-name", NULL};
static const char *const t_endpoint[] = {"ipv4-addr", "ipv6-addr", "mac-addr", "domain-name",
                                         NULL};
static const char *const t_mac[] = {"mac-addr", NULL};
static const char *const t_nt[] = {"network-traffic", NULL};
static const char *const t_process[] = {"process", NULL};
static const char *const t_sco[] = {KZ_REF_SCO, NULL};
static const char *const t_user[] = {"user-account", NULL};

/* ---- embedded types ---------------------------------------------------------------------- */

static const kz_pspec mime_part_p[] = {
    KZ_P("body", S, 0, NULL),
    KZ_P("body_raw_ref", REF, 0, t_artifact_file),
    KZ_P("content_disposition", S, 0, NULL),
    KZ_P("content_type", S, 0, NULL),
};
static const kz_ptable mime_part_t = KZ_PTABLE(mime_part_p, "a MIME part", NULL);

static const kz_pspec ads_p[] = {
    KZ_P("hashes", HASHES, 0, NULL),
    KZ_P("name", S, KZ_REQ, NULL),
    NONNEG("size", 0),
};
static const kz_ptable ads_t = KZ_PTABLE(ads_p, "an alternate data stream", NULL);

static const kz_pspec pe_section_p[] = {
    KZ_P("entropy", KZ_PK_FLOAT, 0, NULL),
    KZ_P("hashes", HASHES, 0, NULL),
    KZ_P("name", S, KZ_REQ, NULL),
    NONNEG("size", 0),
};
static const kz_ptable pe_section_t = KZ_PTABLE(pe_section_p, "a PE section", NULL);

static const kz_pspec pe_opt_header_p[] = {
    KZ_P("address_of_entry_point", INT, 0, NULL),
    KZ_P("base_of_code", INT, 0, NULL),
    KZ_P("base_of_data", INT, 0, NULL),
    KZ_P("checksum_hex", HEX, 0, NULL),
    KZ_P("dll_characteristics_hex", HEX, 0, NULL),
    KZ_P("file_alignment", INT, 0, NULL),
    KZ_P("hashes", HASHES, 0, NULL),
    KZ_P("image_base", INT, 0, NULL),
    KZ_P("loader_flags_hex", HEX, 0, NULL),
    KZ_P("magic_hex", HEX, 0, NULL),
    KZ_P("major_image_version", INT, 0, NULL),
    KZ_P("major_linker_version", INT, 0, NULL),
    KZ_P("major_os_version", INT, 0, NULL),
    KZ_P("major_subsystem_version", INT, 0, NULL),
    KZ_P("minor_image_version", INT, 0, NULL),
    KZ_P("minor_linker_version", INT, 0, NULL),
    KZ_P("minor_os_version", INT, 0, NULL),
    KZ_P("minor_subsystem_version", INT, 0, NULL),
    KZ_P("number_of_rva_and_sizes", INT, 0, NULL),
    KZ_P("section_alignment", INT, 0, NULL),
    KZ_P("size_of_code", INT, 0, NULL),
    KZ_P("size_of_headers", INT, 0, NULL),
    KZ_P("size_of_heap_commit", INT, 0, NULL),
    KZ_P("size_of_heap_reserve", INT, 0, NULL),
    KZ_P("size_of_image", INT, 0, NULL),
    KZ_P("size_of_initialized_data", INT, 0, NULL),
    KZ_P("size_of_stack_commit", INT, 0, NULL),
    KZ_P("size_of_stack_reserve", INT, 0, NULL),
    KZ_P("size_of_uninitialized_data", INT, 0, NULL),
    KZ_P("subsystem_hex", HEX, 0, NULL),
    KZ_P("win32_version_value_hex", HEX, 0, NULL),
};
static const kz_ptable pe_opt_header_t = KZ_PTABLE(pe_opt_header_p, "a PE optional header", NULL);

static const kz_pspec registry_value_p[] = {
    KZ_P("data", S, 0, NULL),
    KZ_P("data_type", EN, 0, registry_datatype_enum),
    KZ_P("name", S, 0, NULL),
};
static const kz_ptable registry_value_t = KZ_PTABLE(registry_value_p, "a registry value", NULL);

static const kz_pspec x509_ext_p[] = {
    KZ_P("authority_key_identifier", S, 0, NULL),
    KZ_P("basic_constraints", S, 0, NULL),
    KZ_P("certificate_policies", S, 0, NULL),
    KZ_P("crl_distribution_points", S, 0, NULL),
    KZ_P("extended_key_usage", S, 0, NULL),
    KZ_P("inhibit_any_policy", S, 0, NULL),
    KZ_P("issuer_alternative_name", S, 0, NULL),
    KZ_P("key_usage", S, 0, NULL),
    KZ_P("name_constraints", S, 0, NULL),
    KZ_P("policy_constraints", S, 0, NULL),
    KZ_P("policy_mappings", S, 0, NULL),
    KZ_P("private_key_usage_period_not_after", TS, 0, NULL),
    KZ_P("private_key_usage_period_not_before", TS, 0, NULL),
    KZ_P("subject_alternative_name", S, 0, NULL),
    KZ_P("subject_directory_attributes", S, 0, NULL),
    KZ_P("subject_key_identifier", S, 0, NULL),
};
static const kz_ptable x509_ext_t = KZ_PTABLE(x509_ext_p, "X.509 v3 extensions", NULL);

/* ---- predefined extensions --------------------------------------------------------------- */

static const kz_pspec archive_ext_p[] = {
    KZ_P("comment", S, 0, NULL),
    KZ_P("contains_refs", REF, RL, t_file_dir),
};
static const kz_ptable archive_ext_t = KZ_PTABLE(archive_ext_p, "archive-ext", NULL);

static const kz_pspec ntfs_ext_p[] = {
    KZ_PO("alternate_data_streams", KZ_LIST, &ads_t),
    KZ_P("sid", S, 0, NULL),
};
static const kz_ptable ntfs_ext_t = KZ_PTABLE(ntfs_ext_p, "ntfs-ext", NULL);

static const kz_pspec pdf_ext_p[] = {
    KZ_P("document_info_dict", DICT, 0, NULL),
    KZ_P("is_optimized", BOOL, 0, NULL),
    KZ_P("pdfid0", S, 0, NULL),
    KZ_P("pdfid1", S, 0, NULL),
    KZ_P("version", S, 0, NULL),
};
static const kz_ptable pdf_ext_t = KZ_PTABLE(pdf_ext_p, "pdf-ext", NULL);

static const kz_pspec raster_ext_p[] = {
    NONNEG("bits_per_pixel", 0),
    KZ_P("exif_tags", DICT, 0, NULL),
    NONNEG("image_height", 0),
    NONNEG("image_width", 0),
};
static const kz_ptable raster_ext_t = KZ_PTABLE(raster_ext_p, "raster-image-ext", NULL);

static const kz_pspec pebinary_ext_p[] = {
    KZ_P("characteristics_hex", HEX, 0, NULL),
    KZ_P("file_header_hashes", HASHES, 0, NULL),
    KZ_P("imphash", S, 0, NULL),
    KZ_P("machine_hex", HEX, 0, NULL),
    NONNEG("number_of_sections", 0),
    NONNEG("number_of_symbols", 0),
    KZ_PO("optional_header", 0, &pe_opt_header_t),
    KZ_P("pe_type", OV, KZ_REQ, pebinary_type_ov),
    KZ_P("pointer_to_symbol_table_hex", HEX, 0, NULL),
    KZ_PO("sections", KZ_LIST, &pe_section_t),
    NONNEG("size_of_optional_header", 0),
    KZ_P("time_date_stamp", TS, 0, NULL),
};
static const kz_ptable pebinary_ext_t = KZ_PTABLE(pebinary_ext_p, "windows-pebinary-ext", NULL);

static const kz_pspec http_ext_p[] = {
    KZ_P("message_body_data_ref", REF, 0, t_artifact),
    NONNEG("message_body_length", 0),
    KZ_P("request_header", DICT, 0, NULL),
    KZ_P("request_method", S, KZ_REQ, NULL),
    KZ_P("request_value", S, KZ_REQ, NULL),
    KZ_P("request_version", S, 0, NULL),
};
static const kz_ptable http_ext_t = KZ_PTABLE(http_ext_p, "http-request-ext", NULL);

static const kz_pspec icmp_ext_p[] = {
    KZ_P("icmp_code_hex", HEX, KZ_REQ, NULL),
    KZ_P("icmp_type_hex", HEX, KZ_REQ, NULL),
};
static const kz_ptable icmp_ext_t = KZ_PTABLE(icmp_ext_p, "icmp-ext", NULL);

static const kz_pspec socket_ext_p[] = {
    KZ_P("address_family", EN, KZ_REQ, address_family_enum),
    KZ_P("is_blocking", BOOL, 0, NULL),
    KZ_P("is_listening", BOOL, 0, NULL),
    KZ_P("options", DICT, 0, NULL),
    NONNEG("socket_descriptor", 0),
    KZ_P("socket_handle", INT, 0, NULL),
    KZ_P("socket_type", EN, 0, socket_type_enum),
};
static const kz_ptable socket_ext_t = KZ_PTABLE(socket_ext_p, "socket-ext", NULL);

static const kz_pspec tcp_ext_p[] = {
    KZ_P("dst_flags_hex", HEX, 0, NULL),
    KZ_P("src_flags_hex", HEX, 0, NULL),
};
static const kz_ptable tcp_ext_t = KZ_PTABLE(tcp_ext_p, "tcp-ext", NULL);

static const kz_pspec winproc_ext_p[] = {
    KZ_P("aslr_enabled", BOOL, 0, NULL),
    KZ_P("dep_enabled", BOOL, 0, NULL),
    KZ_P("integrity_level", EN, 0, integrity_enum),
    KZ_P("owner_sid", S, 0, NULL),
    KZ_P("priority", S, 0, NULL),
    KZ_P("startup_info", DICT, 0, NULL),
    KZ_P("window_title", S, 0, NULL),
};
static const kz_ptable winproc_ext_t = KZ_PTABLE(winproc_ext_p, "windows-process-ext", NULL);

static const kz_pspec winsvc_ext_p[] = {
    KZ_P("descriptions", S, KZ_LIST, NULL),
    KZ_P("display_name", S, 0, NULL),
    KZ_P("group_name", S, 0, NULL),
    KZ_P("service_dll_refs", REF, KZ_LIST, t_file),
    KZ_P("service_name", S, 0, NULL),
    KZ_P("service_status", EN, 0, service_status_enum),
    KZ_P("service_type", EN, 0, service_type_enum),
    KZ_P("start_type", EN, 0, start_type_enum),
};
static const kz_ptable winsvc_ext_t = KZ_PTABLE(winsvc_ext_p, "windows-service-ext", NULL);

static const kz_pspec unix_ext_p[] = {
    KZ_P("gid", INT, 0, NULL),
    KZ_P("groups", S, KZ_LIST, NULL),
    KZ_P("home_dir", S, 0, NULL),
    KZ_P("shell", S, 0, NULL),
};
static const kz_ptable unix_ext_t = KZ_PTABLE(unix_ext_p, "unix-account-ext", NULL);

static const kz_extinfo file_exts[] = {
    {"archive-ext", &archive_ext_t},
    {"ntfs-ext", &ntfs_ext_t},
    {"pdf-ext", &pdf_ext_t},
    {"raster-image-ext", &raster_ext_t},
    {"windows-pebinary-ext", &pebinary_ext_t},
};
static const kz_extinfo nt_exts[] = {
    {"http-request-ext", &http_ext_t},
    {"icmp-ext", &icmp_ext_t},
    {"socket-ext", &socket_ext_t},
    {"tcp-ext", &tcp_ext_t},
};
static const kz_extinfo process_exts[] = {
    {"windows-process-ext", &winproc_ext_t},
    {"windows-service-ext", &winsvc_ext_t},
};
static const kz_extinfo user_exts[] = {
    {"unix-account-ext", &unix_ext_t},
};

/* ---- rules ------------------------------------------------------------------------------- */

/* Counts the properties of obj that its type's table defines (plus extensions). */
static size_t own_props(const kz_vctx *vc, const json_t *o)
{
    const kz_ptable *t = vc->ti->props;
    size_t n = 0;

    for (size_t i = 0; i < t->n; i++)
        n += json_object_get(o, t->p[i].name) != NULL;
    return n + (json_object_get(o, "extensions") != NULL);
}

static void artifact_rule(kz_vctx *vc, const json_t *o)
{
    bool bin = kz_stix__has(o, "payload_bin"), url = kz_stix__has(o, "url");

    if (bin && url)
        kz_stix__report_at(vc, "url", KZ_STIX_ERROR, "must not be present when payload_bin is");
    if (url && !kz_stix__has(o, "hashes"))
        kz_stix__report_at(vc, "hashes", KZ_STIX_ERROR, "is required when url is present");
    if (kz_stix__has(o, "decryption_key") && !kz_stix__has(o, "encryption_algorithm"))
        kz_stix__report_at(vc, "decryption_key", KZ_STIX_ERROR,
                           "must not be present without encryption_algorithm");
}

static void email_message_rule(kz_vctx *vc, const json_t *o)
{
    const json_t *mp = json_object_get(o, "is_multipart");

    if (json_is_true(mp) && kz_stix__has(o, "body"))
        kz_stix__report_at(vc, "body", KZ_STIX_ERROR,
                           "must not be present when is_multipart is true (use body_multipart)");
    if (json_is_false(mp) && kz_stix__has(o, "body_multipart"))
        kz_stix__report_at(vc, "body_multipart", KZ_STIX_ERROR,
                           "must not be present when is_multipart is false");
}

static void file_rule(kz_vctx *vc, const json_t *o)
{
    if (!kz_stix__has(o, "hashes") && !kz_stix__has(o, "name"))
        kz_stix__report(vc, KZ_STIX_ERROR, "file needs at least one of hashes or name");
}

static void mac_rule(kz_vctx *vc, const json_t *o)
{
    const json_t *v = json_object_get(o, "value");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    bool ok = n == 17;

    if (s == NULL)
        return;
    for (size_t i = 0; ok && i < n; i++)
        ok = i % 3 == 2 ? s[i] == ':'
                        : ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'));
    if (!ok)
        kz_stix__report_at(vc, "value", KZ_STIX_ERROR,
                           "\"%.*s%s\" is not a MAC-48 address (expected lower case, colons and "
                           "leading zeros, e.g. 0a:1b:2c:3d:4e:5f)",
                           KZ_Q(s, n));
}

static void network_traffic_rule(kz_vctx *vc, const json_t *o)
{
    const json_t *protos = json_object_get(o, "protocols");
    size_t i;
    json_t *e;

    if (!kz_stix__has(o, "src_ref") && !kz_stix__has(o, "dst_ref"))
        kz_stix__report(vc, KZ_STIX_ERROR,
                        "network-traffic needs at least one of src_ref or dst_ref");
    kz_stix__time_order(vc, o, "start", "end", false);
    if (json_is_true(json_object_get(o, "is_active")) && kz_stix__has(o, "end"))
        kz_stix__report_at(vc, "end", KZ_STIX_ERROR, "must not be present when is_active is true");
    if (!json_is_array(protos))
        return;
    kz_stix__push(vc, "protocols");
    json_array_foreach(protos, i, e) {
        const char *s = json_string_value(e);
        for (size_t k = 0; s != NULL && k < json_string_length(e); k++)
            if (s[k] >= 'A' && s[k] <= 'Z') {
                kz_stix__push_idx(vc, i);
                kz_stix__report(vc, KZ_STIX_WARNING, "\"%.*s%s\" should be lower case",
                                KZ_Q(s, json_string_length(e)));
                kz_stix__pop(vc);
                break;
            }
    }
    kz_stix__pop(vc);
}

static void at_least_one_rule(kz_vctx *vc, const json_t *o)
{
    if (own_props(vc, o) == 0)
        kz_stix__report(vc, KZ_STIX_ERROR,
                        "%s needs at least one of its own properties besides type and id",
                        vc->ti->name);
}

static void x509_rule(kz_vctx *vc, const json_t *o)
{
    at_least_one_rule(vc, o);
    kz_stix__time_order(vc, o, "validity_not_before", "validity_not_after", false);
}

/* ---- types (tables sorted by name) ------------------------------------------------------- */

static const kz_pspec artifact_p[] = {
    KZ_P("decryption_key", S, 0, NULL),
    KZ_P("encryption_algorithm", EN, 0, encryption_enum),
    KZ_P("hashes", HASHES, 0, NULL),
    KZ_P("mime_type", S, 0, NULL),
    KZ_P("payload_bin", KZ_PK_BINARY, 0, NULL),
    KZ_P("url", KZ_PK_URL, 0, NULL),
};
static const kz_ptable artifact_t = KZ_PTABLE(artifact_p, "artifact", artifact_rule);

static const kz_pspec as_p[] = {
    KZ_P("name", S, 0, NULL),
    KZ_PI("number", KZ_REQ, 0, 4294967295LL),
    KZ_P("rir", S, 0, NULL),
};
static const kz_ptable as_t = KZ_PTABLE(as_p, "autonomous-system", NULL);

static const kz_pspec directory_p[] = {
    KZ_P("atime", TS, 0, NULL),
    KZ_P("contains_refs", REF, KZ_LIST, t_file_dir),
    KZ_P("ctime", TS, 0, NULL),
    KZ_P("mtime", TS, 0, NULL),
    KZ_P("path", S, KZ_REQ, NULL),
    KZ_P("path_enc", S, 0, NULL),
};
static const kz_ptable directory_t = KZ_PTABLE(directory_p, "directory", NULL);

static const kz_pspec domain_p[] = {
    KZ_P("resolves_to_refs", REF, KZ_LIST, t_ip_domain),
    KZ_P("value", S, KZ_REQ, NULL),
};
static const kz_ptable domain_t = KZ_PTABLE(domain_p, "domain-name", NULL);

static const kz_pspec email_addr_p[] = {
    KZ_P("belongs_to_ref", REF, 0, t_user),
    KZ_P("display_name", S, 0, NULL),
    KZ_P("value", S, KZ_REQ, NULL),
};
static const kz_ptable email_addr_t = KZ_PTABLE(email_addr_p, "email-addr", NULL);

static const kz_pspec email_msg_p[] = {
    KZ_P("additional_header_fields", DICT, 0, NULL),
    KZ_P("bcc_refs", REF, KZ_LIST, t_email_addr),
    KZ_P("body", S, 0, NULL),
    KZ_PO("body_multipart", KZ_LIST, &mime_part_t),
    KZ_P("cc_refs", REF, KZ_LIST, t_email_addr),
    KZ_P("content_type", S, 0, NULL),
    KZ_P("date", TS, 0, NULL),
    KZ_P("from_ref", REF, 0, t_email_addr),
    KZ_P("is_multipart", BOOL, KZ_REQ, NULL),
    KZ_P("message_id", S, 0, NULL),
    KZ_P("raw_email_ref", REF, 0, t_artifact),
    KZ_P("received_lines", S, KZ_LIST, NULL),
    KZ_P("sender_ref", REF, 0, t_email_addr),
    KZ_P("subject", S, 0, NULL),
    KZ_P("to_refs", REF, KZ_LIST, t_email_addr),
};
static const kz_ptable email_msg_t = KZ_PTABLE(email_msg_p, "email-message", email_message_rule);

static const kz_pspec file_p[] = {
    KZ_P("atime", TS, 0, NULL),
    KZ_P("contains_refs", REF, KZ_LIST, t_sco),
    KZ_P("content_ref", REF, 0, t_artifact),
    KZ_P("ctime", TS, 0, NULL),
    KZ_P("hashes", HASHES, 0, NULL),
    KZ_P("magic_number_hex", HEX, 0, NULL),
    KZ_P("mime_type", S, 0, NULL),
    KZ_P("mtime", TS, 0, NULL),
    KZ_P("name", S, 0, NULL),
    KZ_P("name_enc", S, 0, NULL),
    KZ_P("parent_directory_ref", REF, 0, t_directory),
    NONNEG("size", 0),
};
static const kz_ptable file_t = KZ_PTABLE(file_p, "file", file_rule);

static const kz_pspec ipv4_p[] = {
    KZ_P("belongs_to_refs", REF, KZ_LIST, t_as),
    KZ_P("resolves_to_refs", REF, KZ_LIST, t_mac),
    KZ_P("value", S, KZ_REQ, NULL),
};
static const kz_ptable ipv4_t = KZ_PTABLE(ipv4_p, "ipv4-addr", NULL);
static const kz_ptable ipv6_t = KZ_PTABLE(ipv4_p, "ipv6-addr", NULL);

static const kz_pspec mac_p[] = {
    KZ_P("value", S, KZ_REQ, NULL),
};
static const kz_ptable mac_t = KZ_PTABLE(mac_p, "mac-addr", mac_rule);

static const kz_pspec mutex_p[] = {
    KZ_P("name", S, KZ_REQ, NULL),
};
static const kz_ptable mutex_t = KZ_PTABLE(mutex_p, "mutex", NULL);

static const kz_pspec nt_p[] = {
    NONNEG("dst_byte_count", 0),
    NONNEG("dst_packets", 0),
    KZ_P("dst_payload_ref", REF, 0, t_artifact),
    KZ_PI("dst_port", 0, 0, 65535),
    KZ_P("dst_ref", REF, 0, t_endpoint),
    KZ_P("encapsulated_by_ref", REF, 0, t_nt),
    KZ_P("encapsulates_refs", REF, KZ_LIST, t_nt),
    KZ_P("end", TS, 0, NULL),
    KZ_P("ipfix", DICT, 0, NULL),
    KZ_P("is_active", BOOL, 0, NULL),
    KZ_P("protocols", S, RL, NULL),
    NONNEG("src_byte_count", 0),
    NONNEG("src_packets", 0),
    KZ_P("src_payload_ref", REF, 0, t_artifact),
    KZ_PI("src_port", 0, 0, 65535),
    KZ_P("src_ref", REF, 0, t_endpoint),
    KZ_P("start", TS, 0, NULL),
};
static const kz_ptable nt_t = KZ_PTABLE(nt_p, "network-traffic", network_traffic_rule);

static const kz_pspec process_p[] = {
    KZ_P("child_refs", REF, KZ_LIST, t_process),
    KZ_P("command_line", S, 0, NULL),
    KZ_P("created_time", TS, 0, NULL),
    KZ_P("creator_user_ref", REF, 0, t_user),
    KZ_P("cwd", S, 0, NULL),
    KZ_P("environment_variables", DICT, 0, NULL),
    KZ_P("image_ref", REF, 0, t_file),
    KZ_P("is_hidden", BOOL, 0, NULL),
    KZ_P("opened_connection_refs", REF, KZ_LIST, t_nt),
    KZ_P("parent_ref", REF, 0, t_process),
    KZ_P("pid", INT, 0, NULL),
};
static const kz_ptable process_t = KZ_PTABLE(process_p, "process", at_least_one_rule);

static const kz_pspec software_p[] = {
    KZ_P("cpe", S, 0, NULL),
    KZ_P("languages", S, KZ_LIST, NULL),
    KZ_P("name", S, KZ_REQ, NULL),
    KZ_P("swid", S, 0, NULL),
    KZ_P("vendor", S, 0, NULL),
    KZ_P("version", S, 0, NULL),
};
static const kz_ptable software_t = KZ_PTABLE(software_p, "software", NULL);

static const kz_pspec url_p[] = {
    KZ_P("value", KZ_PK_URL, KZ_REQ, NULL),
};
static const kz_ptable url_t = KZ_PTABLE(url_p, "url", NULL);

static const kz_pspec user_p[] = {
    KZ_P("account_created", TS, 0, NULL),
    KZ_P("account_expires", TS, 0, NULL),
    KZ_P("account_first_login", TS, 0, NULL),
    KZ_P("account_last_login", TS, 0, NULL),
    KZ_P("account_login", S, 0, NULL),
    KZ_P("account_type", OV, 0, account_type_ov),
    KZ_P("can_escalate_privs", BOOL, 0, NULL),
    KZ_P("credential", S, 0, NULL),
    KZ_P("credential_last_changed", TS, 0, NULL),
    KZ_P("display_name", S, 0, NULL),
    KZ_P("is_disabled", BOOL, 0, NULL),
    KZ_P("is_privileged", BOOL, 0, NULL),
    KZ_P("is_service_account", BOOL, 0, NULL),
    KZ_P("user_id", S, 0, NULL),
};
static const kz_ptable user_t = KZ_PTABLE(user_p, "user-account", NULL);

static const kz_pspec regkey_p[] = {
    KZ_P("creator_user_ref", REF, 0, t_user),
    KZ_P("key", S, 0, NULL),
    KZ_P("modified_time", TS, 0, NULL),
    NONNEG("number_of_subkeys", 0),
    KZ_PO("values", KZ_LIST, &registry_value_t),
};
static const kz_ptable regkey_t = KZ_PTABLE(regkey_p, "windows-registry-key", NULL);

static const kz_pspec x509_p[] = {
    KZ_P("hashes", HASHES, 0, NULL),
    KZ_P("is_self_signed", BOOL, 0, NULL),
    KZ_P("issuer", S, 0, NULL),
    KZ_P("serial_number", S, 0, NULL),
    KZ_P("signature_algorithm", S, 0, NULL),
    KZ_P("subject", S, 0, NULL),
    KZ_P("subject_public_key_algorithm", S, 0, NULL),
    KZ_P("subject_public_key_exponent", INT, 0, NULL),
    KZ_P("subject_public_key_modulus", S, 0, NULL),
    KZ_P("validity_not_after", TS, 0, NULL),
    KZ_P("validity_not_before", TS, 0, NULL),
    KZ_P("version", S, 0, NULL),
    KZ_PO("x509_v3_extensions", 0, &x509_ext_t),
};
static const kz_ptable x509_t = KZ_PTABLE(x509_p, "x509-certificate", x509_rule);

/* ID contributing properties (Part 6 of the specification, one list per type). */
static const char *const idc_artifact[] = {"hashes", "payload_bin", NULL};
static const char *const idc_as[] = {"number", NULL};
static const char *const idc_directory[] = {"path", NULL};
static const char *const idc_value[] = {"value", NULL};
static const char *const idc_email_msg[] = {"from_ref", "subject", "body", NULL};
static const char *const idc_file[] = {"hashes", "name", "extensions", "parent_directory_ref",
                                       NULL};
static const char *const idc_mutex[] = {"name", NULL};
static const char *const idc_nt[] = {"start", "end", "src_ref", "dst_ref", "src_port",
                                     "dst_port", "protocols", "extensions", NULL};
static const char *const idc_software[] = {"name", "cpe", "swid", "vendor", "version", NULL};
static const char *const idc_user[] = {"account_type", "user_id", "account_login", NULL};
static const char *const idc_regkey[] = {"key", "values", NULL};
static const char *const idc_x509[] = {"hashes", "serial_number", NULL};

#define SCO(name, t, exts, idc) {(name), KZ_C_SCO, &(t), (exts), KZ_NELEM(exts), (idc)}
#define SCO0(name, t, idc) {(name), KZ_C_SCO, &(t), NULL, 0, (idc)}

const kz_tinfo kz_stix__sco_types[] = {
    SCO0("artifact", artifact_t, idc_artifact),
    SCO0("autonomous-system", as_t, idc_as),
    SCO0("directory", directory_t, idc_directory),
    SCO0("domain-name", domain_t, idc_value),
    SCO0("email-addr", email_addr_t, idc_value),
    SCO0("email-message", email_msg_t, idc_email_msg),
    SCO("file", file_t, file_exts, idc_file),
    SCO0("ipv4-addr", ipv4_t, idc_value),
    SCO0("ipv6-addr", ipv6_t, idc_value),
    SCO0("mac-addr", mac_t, idc_value),
    SCO0("mutex", mutex_t, idc_mutex),
    SCO("network-traffic", nt_t, nt_exts, idc_nt),
    SCO("process", process_t, process_exts, NULL),
    SCO0("software", software_t, idc_software),
    SCO0("url", url_t, idc_value),
    SCO("user-account", user_t, user_exts, idc_user),
    SCO0("windows-registry-key", regkey_t, idc_regkey),
    SCO0("x509-certificate", x509_t, idc_x509),
};
const size_t kz_stix__sco_ntypes = KZ_NELEM(kz_stix__sco_types);

/* ---- deterministic identifiers ----------------------------------------------------------- */

/*
 * When hashes contributes to an id, one hash is used: the first of MD5, SHA-1, SHA-256 and
 * SHA-512 that is present, else the first one given (as the reference implementation does).
 */
static const char *pick_hash(const json_t *hashes)
{
    static const char *const pref[] = {"MD5", "SHA-1", "SHA-256", "SHA-512"};
    void *it;

    for (size_t i = 0; i < KZ_NELEM(pref); i++)
        if (json_object_get(hashes, pref[i]) != NULL)
            return pref[i];
    it = json_object_iter((json_t *)hashes);
    return it != NULL ? json_object_iter_key(it) : NULL;
}

kz_rc kz_stix__sco_det_id(const json_t *obj, const kz_tinfo *ti, size_t max_depth,
                          char out[KZ_UUID_STR])
{
    json_t *c = NULL, *h = NULL;
    const json_t *type = json_object_get(obj, "type");
    kz_buf b;
    kz_rc rc = KZ_ENOMEM;
    char uuid[KZ_UUID_STR];

    kz_buf_init(&b, 0);
    out[0] = '\0';
    if (ti == NULL || ti->idc == NULL || !json_is_string(type)) {
        rc = KZ_ENOTFOUND;
        goto out;
    }
    if ((c = json_object()) == NULL)
        goto out;
    for (size_t i = 0; ti->idc[i] != NULL; i++) {
        json_t *v = json_object_get(obj, ti->idc[i]);
        if (v == NULL)
            continue;
        if (strcmp(ti->idc[i], "hashes") == 0 && json_is_object(v)) {
            const char *k = pick_hash(v);
            if (k == NULL)
                continue;
            if ((h = json_object()) == NULL || json_object_set(h, k, json_object_get(v, k)) != 0)
                goto out;
            int r = json_object_set_new(c, "hashes", h);
            h = NULL; /* owned by c, or freed by jansson on failure */
            if (r != 0)
                goto out;
            continue;
        }
        if (json_object_set(c, ti->idc[i], v) != 0)
            goto out;
    }
    if (json_object_size(c) == 0) {
        rc = KZ_ENOTFOUND;
        goto out;
    }
    if ((rc = kz_stix__jcs(c, &b, max_depth)) != KZ_OK)
        goto out;
    if ((rc = kz_uuid5(SCO_NAMESPACE, b.p, b.n, uuid)) != KZ_OK)
        goto out;
    snprintf(out, KZ_UUID_STR, "%s", uuid);
    rc = KZ_OK;
out:
    json_decref(h);
    json_decref(c);
    kz_buf_free(&b);
    return rc;
}
