/*
 * base64.c - standard base64 decoding (RFC 4648 section 4), shared by the STIX pattern
 * constants and observed values (b'...', src/pattern) and the TAXII Basic credentials
 * (src/taxii/request.c). Strict about the alphabet and padding; the callers bound the input.
 */
#include "kizuna/core.h"

/* The value of a base64 digit (see core.h). */
int kz_b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes padded standard base64 into at most cap bytes (see core.h). */
bool kz_b64_decode(kz_sv in, bool canonical, unsigned char *out, size_t cap, size_t *len)
{
    size_t o = 0;

    if (in.n % 4 != 0)
        return false;
    for (size_t i = 0; i < in.n; i += 4) {
        int v[4], pad = 0;
        for (int k = 0; k < 4; k++) {
            int c = (unsigned char)in.p[i + (size_t)k];
            if (c == '=' && i + 4 == in.n && k >= 2) {
                v[k] = 0;
                pad++;
            } else if (pad > 0 || (v[k] = kz_b64val(c)) < 0) {
                return false;
            }
        }
        /* The bits after the last byte: 4 of them before "==", 2 before "=". */
        if (canonical && ((pad == 2 && (v[1] & 15) != 0) || (pad == 1 && (v[2] & 3) != 0)))
            return false;
        if (cap - o < (size_t)(3 - pad))
            return false;
        out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
        if (pad < 2)
            out[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
        if (pad < 1)
            out[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
    }
    *len = o;
    return true;
}
