/*
 * pattern_int.h - what the files of the pattern module share and nobody else sees: the arena
 * that holds a parsed tree, the tokens of the lexer, and the decoders of constants.
 *
 * lex.c turns bytes into tokens (one at a time, on demand), literal.c decodes the bodies of
 * constants, parse.c is the recursive descent over the grammar, format.c prints a tree.
 */
#ifndef KIZUNA_PATTERN_INT_H
#define KIZUNA_PATTERN_INT_H

#include "kizuna/pattern.h"

/* ---- arena: bump allocation in chunks; freeing the pattern frees every chunk ---- */

typedef struct kz_pat_chunk kz_pat_chunk;
typedef struct {
    kz_pat_chunk *head; /* newest chunk first */
    size_t next_size;   /* size of the next chunk to ask for */
} kz_pat_arena;

void kz_pat_arena_init(kz_pat_arena *a, size_t first_size);
/* Zeroed memory aligned for any node, or NULL when malloc fails. */
void *kz_pat_arena_alloc(kz_pat_arena *a, size_t n);
void kz_pat_arena_free(kz_pat_arena *a);

struct kz_pattern {
    kz_pat_arena arena;
    const kz_pattern_obs *root;
    size_t terms;
    kz_sv text; /* the arena's copy of the pattern text */
};

/* ---- tokens ---- */

typedef enum {
    KZ_TOK_EOF,
    KZ_TOK_LBRACK,
    KZ_TOK_RBRACK,
    KZ_TOK_LPAREN,
    KZ_TOK_RPAREN,
    KZ_TOK_COMMA,
    KZ_TOK_COLON,
    KZ_TOK_DOT,
    KZ_TOK_STAR,
    KZ_TOK_EQ,
    KZ_TOK_NE,
    KZ_TOK_LT,
    KZ_TOK_LE,
    KZ_TOK_GT,
    KZ_TOK_GE,
    /* keywords, upper case only (true and false are KZ_TOK_BOOL) */
    KZ_TOK_AND,
    KZ_TOK_OR,
    KZ_TOK_NOT,
    KZ_TOK_FOLLOWEDBY,
    KZ_TOK_LIKE,
    KZ_TOK_MATCHES,
    KZ_TOK_ISSUPERSET,
    KZ_TOK_ISSUBSET,
    KZ_TOK_EXISTS,
    KZ_TOK_LAST,
    KZ_TOK_IN,
    KZ_TOK_START,
    KZ_TOK_STOP,
    KZ_TOK_SECONDS,
    KZ_TOK_WITHIN,
    KZ_TOK_REPEATS,
    KZ_TOK_TIMES,
    /* names and constants */
    KZ_TOK_IDENT,        /* [A-Za-z_][A-Za-z0-9_]* */
    KZ_TOK_IDENT_HYPHEN, /* [A-Za-z_][A-Za-z0-9_-]* with at least one '-' */
    KZ_TOK_INT,          /* [+-]?(0|[1-9][0-9]*) */
    KZ_TOK_FLOAT,        /* [+-]?[0-9]*.[0-9]+ */
    KZ_TOK_STRING,       /* '...' with \' and \\ */
    KZ_TOK_BOOL,         /* true, false */
    KZ_TOK_TIMESTAMP,    /* t'...' */
    KZ_TOK_HEX,          /* h'...' */
    KZ_TOK_BINARY,       /* b'...' */
} kz_tok_kind;

typedef struct {
    kz_tok_kind kind;
    size_t off;  /* 0-based byte offset of the first byte */
    kz_sv text;  /* the whole token as written */
    kz_sv body;  /* quoted tokens: between the quotes */
    bool escapes; /* STRING: the body holds a backslash */
} kz_tok;

typedef struct {
    kz_sv in;
    size_t off;
} kz_lexer;

/*
 * Reads the next token after whitespace and comments. Lexical errors (an unknown character, an
 * unclosed string or comment, a bad escape, leading zeros) fail with the position in err.
 */
KZ_NODISCARD kz_rc kz_pat_lex(kz_lexer *lx, kz_tok *t, kz_err *err);
/* The spelling of a token kind for messages ("']'", "'WITHIN'", "a string"). */
const char *kz_pat_tok_name(kz_tok_kind k);
/* Whether s is spelled like a keyword or a boolean, so a key named s must be quoted. */
bool kz_pat_is_reserved(kz_sv s);
/* Whether s is [A-Za-z_][A-Za-z0-9_]* (may be written without quotes, if not reserved). */
bool kz_pat_is_plain_ident(kz_sv s);

/* ---- constants ---- */

/*
 * Decode the bodies of quoted constants into arena memory; on failure err says what is wrong at
 * which position (body_off is the 0-based offset of the body in the text).
 */
KZ_NODISCARD kz_rc kz_pat_decode_string(kz_pat_arena *a, kz_sv body, size_t body_off, kz_sv *out,
                                        kz_err *err);
KZ_NODISCARD kz_rc kz_pat_decode_hex(kz_pat_arena *a, kz_sv body, size_t body_off, kz_sv *out,
                                     kz_err *err);
KZ_NODISCARD kz_rc kz_pat_decode_base64(kz_pat_arena *a, kz_sv body, size_t body_off, kz_sv *out,
                                        kz_err *err);
/* Parses a FLOAT token's text (locale independent); fails if it is too large for a double. */
KZ_NODISCARD kz_rc kz_pat_parse_float(kz_sv text, double *out);

/*
 * Buffer-level decoders shared by the parser (constants) and the evaluator (observed values).
 * hex: an even number of hex digits into n / 2 bytes. base64: standard alphabet, padded to groups
 * of 4; with canonical, the bits after the last byte must be zero. out needs n bytes at most.
 * Both return false for anything else and write nothing the caller may use.
 */
bool kz_pat_hex_decode(const char *s, size_t n, unsigned char *out);
bool kz_pat_b64_decode(const char *s, size_t n, bool canonical, unsigned char *out, size_t *outn);

/* Appends the base64 (standard alphabet, padded) of bytes to out. */
KZ_NODISCARD kz_rc kz_pat_base64_encode(kz_sv bytes, kz_buf *out);

#endif
