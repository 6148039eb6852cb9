/*
 * fuzz_log_text.c - libFuzzer target for the text log reader. The checks are those of every log
 * format, in fuzz_log.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads the bytes as text, plain and gzip-wrapped; a bug aborts. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_log(data, size, KZ_LOG_TEXT);
}
