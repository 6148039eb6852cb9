/* auth.c - placeholder (being written in this change). */
#include <stdlib.h>

#include "kizuna/taxii.h"

kz_rc kz_auth_hash_password(const char *pw, size_t n, char out[KZ_PWHASH_MAX], kz_err *err)
{
    (void)pw, (void)n;
    out[0] = 0;
    return kz_fail(err, KZ_EUSAGE, "not built yet");
}
bool kz_auth_check_password(const char *e, const char *pw, size_t n) { (void)e, (void)pw, (void)n; return false; }
kz_rc kz_auth_token_new(char token[KZ_TOKEN_MAX], char hash_hex[65], kz_err *err)
{
    token[0] = hash_hex[0] = 0;
    return kz_fail(err, KZ_EUSAGE, "not built yet");
}
void kz_auth_token_hash(kz_sv token, char hash_hex[65]) { (void)token; hash_hex[0] = 0; }
kz_rc kz_auth_new(int ttl_s, kz_auth **out, kz_err *err)
{
    (void)ttl_s, (void)err;
    *out = NULL;
    return KZ_OK;
}
void kz_auth_free(kz_auth *a) { (void)a; }
kz_rc kz_auth_request(kz_auth *a, kz_store *s, kz_sv authorization, const kz_peer_cert *cert, char user[KZ_NAME_MAX], kz_err *err)
{
    (void)a, (void)s, (void)authorization, (void)cert;
    user[0] = 0;
    return kz_fail(err, KZ_ENOTFOUND, "not built yet");
}
