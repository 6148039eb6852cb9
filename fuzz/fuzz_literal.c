/*
 * fuzz_literal.c - libFuzzer target for the required-literal readers of the detection index
 * (src/detect/index_lit.c). Input: an expression (or LIKE pattern) on the first line, a subject
 * after it. Whatever the bytes, the readers must return cleanly, and the property the index
 * relies on must hold: when PCRE2 (compiled as the evaluator compiles MATCHES) finds a match in
 * the subject, or the subject is LIKE the pattern, the chosen literal is in the subject.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/detect/index_int.h"
#include "kizuna/pattern_eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The gram filter never says no to a subject holding the literal, whichever the shortest
 * literal the filter was made for (its gram length and step follow from it). */
static void gram_check(const char *lit, size_t litn, const char *subj, size_t sn)
{
    size_t shortest[3] = {litn, KZ_IX_LIT_MIN, litn > 12 ? litn - 5 : litn};

    for (int i = 0; i < 3; i++) {
        kz_ix_qf *f = kz_ix_qf_new(shortest[i], 1);
        if (f == NULL)
            return;
        kz_ix_qf_add(f, lit, litn);
        if (memmem(subj, sn, lit, litn) != NULL && !kz_ix_qf_may(f, subj, sn))
            abort(); /* the literal database would never be asked */
        free(f);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *nl = memchr(p, '\n', size);
    size_t en = nl ? (size_t)(nl - p) : size;
    const char *subj = nl ? nl + 1 : p + size;
    size_t sn = nl ? size - en - 1 : 0;
    char *buf;
    size_t litn;
    kz_sv lit;

    if (en > 4096)
        return 0;
    if ((buf = malloc(en + 1)) == NULL)
        return 0;
    if (kz_ix_regex_literal((kz_sv){p, en}, buf, &litn)) {
        int code;
        PCRE2_SIZE off;
        pcre2_code *re;
        if (litn < KZ_IX_LIT_MIN || litn > en)
            abort();
        gram_check(buf, litn, subj, sn);
        re = pcre2_compile((PCRE2_SPTR)p, en, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off,
                           NULL);
        if (re != NULL) {
            pcre2_match_data *md = pcre2_match_data_create(1, NULL);
            pcre2_match_context *mc = pcre2_match_context_create(NULL);
            pcre2_set_match_limit(mc, 100000);
            if (md != NULL && mc != NULL &&
                pcre2_match(re, (PCRE2_SPTR)(sn ? subj : ""), sn, 0, 0, md, mc) >= 0 &&
                memmem(subj, sn, buf, litn) == NULL)
                abort(); /* a match without the literal: the index would miss it */
            pcre2_match_context_free(mc);
            pcre2_match_data_free(md);
            pcre2_code_free(re);
        }
    }
    if (kz_ix_like_literal((kz_sv){p, en}, &lit)) {
        if (lit.n < KZ_IX_LIT_MIN || lit.p < p || lit.p + lit.n > p + en)
            abort();
        gram_check(lit.p, lit.n, subj, sn);
        if (kz_pattern_like(subj, sn, p, en) && memmem(subj, sn, lit.p, lit.n) == NULL)
            abort();
    }
    free(buf);
    return 0;
}
