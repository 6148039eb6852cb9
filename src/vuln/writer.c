/* writer.c - placeholder while it is being written (replaced in this change). */
#include "kizuna/vuln.h"

kz_rc kz_vuln_writer_new(kz_store *s, kz_vuln_writer **out, kz_err *err)
{
    (void)s;
    *out = NULL;
    return kz_fail(err, KZ_EUSAGE, "writer not built yet");
}
kz_rc kz_vuln_writer_add(kz_vuln_writer *w, const json_t *rec, kz_err *err)
{
    (void)w, (void)rec;
    return kz_fail(err, KZ_EUSAGE, "writer not built yet");
}
void kz_vuln_writer_counts(const kz_vuln_writer *w, int64_t *stored, int64_t *skipped, int64_t *replaced)
{
    (void)w;
    *stored = *skipped = *replaced = 0;
}
void kz_vuln_writer_free(kz_vuln_writer *w) { (void)w; }
kz_rc kz_vuln_get(kz_store *s, const char *id, json_t **out, kz_err *err)
{
    (void)s;
    *out = NULL;
    return kz_fail(err, KZ_EUSAGE, "%s: not built yet", id);
}
