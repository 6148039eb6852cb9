/* routes.c - placeholder (being written in this change). */
#include <stdlib.h>
#include <string.h>

#include "taxii_int.h"

struct kz_routes {
    const kz_taxii_config *cfg;
};

kz_rc kz_routes_new(const kz_taxii_config *cfg, kz_routes **out, kz_err *err)
{
    if ((*out = calloc(1, sizeof **out)) == NULL)
        return kz_fail(err, KZ_ENOMEM, "out of memory");
    (*out)->cfg = cfg;
    return KZ_OK;
}
void kz_routes_free(kz_routes *r) { free(r); }
bool kz_routes_public(kz_sv path) { return kz_sv_eq_c(path, "/taxii2/"); }
void kz_tresp_clear(kz_tresp *r)
{
    kz_buf_free(&r->body);
    memset(r, 0, sizeof *r);
}
void kz_tresp_error(kz_tresp *resp, int status, const char *title, const char *description)
{
    resp->status = status;
    resp->content_type = KZ_TAXII_MEDIA;
    if (kz_buf_printf(&resp->body, "{\"title\":\"%s\",\"description\":\"%s\",\"http_status\":\"%d\"}", title, description, status) != KZ_OK)
        resp->status = 500;
}
void kz_routes_handle(kz_routes *r, const kz_treq *req, kz_tresp *resp)
{
    (void)r, (void)req;
    kz_tresp_error(resp, 501, "not built yet", "");
}
