/*
 * log_fields.c - prints the fields the text reader makes of each line of a log, for the tokeniser
 * oracle (text_tokens.py): "LINE type:path=value ..." for every record with fields, in the order
 * the reader added them. Values are printed as their bytes.
 */
#include <stdio.h>

#include "kizuna/detect.h"

int main(int argc, char **argv)
{
    kz_log_reader *r;
    const kz_log_record *rec;
    kz_err err;
    kz_rc rc;

    if (argc != 2) {
        fprintf(stderr, "usage: log_fields FILE\n");
        return 2;
    }
    if (kz_log_open(argv[1], KZ_LOG_TEXT, NULL, &r, &err) != KZ_OK) {
        fprintf(stderr, "log_fields: %s\n", err.msg);
        return 2;
    }
    while ((rc = kz_log_next(r, &rec, &err)) == KZ_OK && rec != NULL) {
        printf("%llu", (unsigned long long)rec->line);
        for (size_t i = 0; i < rec->nfields; i++) {
            const kz_field *f = &rec->fields[i];
            printf(" %s:%s=", f->type, f->path);
            fwrite(f->value.p, 1, f->value.n, stdout);
        }
        putchar('\n');
    }
    kz_log_free(r);
    if (rc != KZ_OK) {
        fprintf(stderr, "log_fields: %s\n", err.msg);
        return 2;
    }
    return 0;
}
