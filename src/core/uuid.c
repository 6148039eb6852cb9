/*
 * uuid.c - UUID text checks and generation: version 4 from the system CSPRNG (OpenSSL
 * RAND_bytes), version 5 (SHA-1, name based) for STIX's deterministic SCO identifiers.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "kizuna/core.h"

/* A table, because ids are checked for every reference of every object imported. */
static const signed char hex_table[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,
    ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14,
    ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
    ['F'] = 16,
};

int kz_hexval(int c)
{
    return c < 0 || c > 255 ? -1 : hex_table[c] - 1;
}

int kz_uuid_check(kz_sv s)
{
    if (s.n != 36)
        return -1;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s.p[i] != '-')
                return -1;
        } else if (kz_hexval((unsigned char)s.p[i]) < 0) {
            return -1;
        }
    }
    return kz_hexval((unsigned char)s.p[14]);
}

static void format(const unsigned char b[16], char out[KZ_UUID_STR])
{
    static const char hx[] = "0123456789abcdef";
    size_t o = 0;

    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hx[b[i] >> 4];
        out[o++] = hx[b[i] & 15];
    }
    out[o] = '\0';
}

kz_rc kz_uuid4(char out[KZ_UUID_STR])
{
    unsigned char b[16];

    if (RAND_bytes(b, sizeof b) != 1)
        return KZ_EIO;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    format(b, out);
    return KZ_OK;
}

kz_rc kz_uuid5(const char *ns, const void *name, size_t len, char out[KZ_UUID_STR])
{
    unsigned char nsb[16], md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    EVP_MD_CTX *ctx;
    kz_rc rc = KZ_ENOMEM;
    size_t j = 0;

    if (kz_uuid_check(kz_sv_c(ns)) < 0)
        return KZ_EINVAL;
    for (size_t i = 0; i < 36; i++) {
        if (ns[i] == '-')
            continue;
        if (j % 2 == 0)
            nsb[j / 2] = (unsigned char)(kz_hexval((unsigned char)ns[i]) << 4);
        else
            nsb[j / 2] |= (unsigned char)kz_hexval((unsigned char)ns[i]);
        j++;
    }
    if ((ctx = EVP_MD_CTX_new()) == NULL)
        goto out;
    rc = KZ_EIO;
    if (EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1 || EVP_DigestUpdate(ctx, nsb, 16) != 1 ||
        EVP_DigestUpdate(ctx, name, len) != 1 || EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
        goto out;
    md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
    format(md, out);
    rc = KZ_OK;
out:
    EVP_MD_CTX_free(ctx);
    return rc;
}
