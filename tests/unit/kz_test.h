/*
 * kz_test.h - helpers shared by the unit tests (header only: each test is one executable).
 */
#ifndef KZ_TEST_H
#define KZ_TEST_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "kizuna/store.h"

/*
 * Calls fn(path, arg) for every *.json file under dir, recursively, depth first, in directory
 * order. Returns the number of files; a folder that cannot be opened counts nothing.
 */
static inline int kz_test_walk_json(const char *dir, void (*fn)(const char *path, void *arg),
                                    void *arg)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;
        size_t len = strlen(e->d_name);

        if (e->d_name[0] == '.')
            continue;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
            continue;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            n += kz_test_walk_json(path, fn, arg);
        } else if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
            fn(path, arg);
            n++;
        }
    }
    closedir(d);
    return n;
}

/* The whole of a file, NUL-terminated (*n bytes before the NUL), for the caller to free; NULL
 * when it cannot be read. */
static inline char *kz_test_slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long len = -1;

    if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len + 1)) != NULL) {
        if (fread(buf, 1, (size_t)len, f) == (size_t)len) {
            buf[len] = '\0';
            *n = (size_t)len;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    if (f != NULL)
        fclose(f);
    return buf;
}

/*
 * Writes $KZ_SHARED_DATA/sub into out and returns true when that folder exists; false when the
 * shared data is absent, so that the caller can skip with a message.
 */
static inline bool kz_test_data_dir(char *out, size_t cap, const char *sub)
{
    const char *data = getenv("KZ_SHARED_DATA");
    struct stat st;

    if (data == NULL || *data == '\0')
        return false;
    if (snprintf(out, cap, "%s/%s", data, sub) >= (int)cap)
        return false;
    return stat(out, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Makes a fresh private folder for one test, "/tmp/kz_test_XXXXXX" (a fixed, short path, so
 * that fixtures can keep small buffers), and writes its path into buf. Returns false when the
 * path does not fit in cap or the folder cannot be made. The caller removes it with
 * kz_test_rmtree.
 */
static inline bool kz_test_tmpdir(char *buf, size_t cap)
{
    if (snprintf(buf, cap, "/tmp/kz_test_XXXXXX") >= (int)cap)
        return false;
    return mkdtemp(buf) != NULL;
}

/*
 * The usual store fixture: makes a fresh folder (kz_test_tmpdir) into dir and opens a new store
 * at dir/name, writing its path into path and the store into *s (the caller frees it, then
 * removes dir with kz_test_rmtree). Returns false, with the reason on stderr, when either fails.
 */
static inline bool kz_test_store_open(char *dir, size_t dir_cap, char *path, size_t path_cap,
                                      const char *name, kz_store **s)
{
    kz_err err;

    if (!kz_test_tmpdir(dir, dir_cap))
        return false;
    if (snprintf(path, path_cap, "%s/%s", dir, name) >= (int)path_cap)
        return false;
    if (kz_store_open(path, s, &err) != KZ_OK) {
        fprintf(stderr, "open: %s\n", err.msg);
        return false;
    }
    return true;
}

/*
 * Removes dir and everything under it, depth first; symbolic links are removed, not followed.
 * Best effort: what cannot be removed stays, and a folder that cannot be opened is left alone.
 */
static inline void kz_test_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
            continue;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            kz_test_rmtree(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/*
 * True if some string of the JSON array msgs (problems an importer reported) contains a and,
 * unless b is NULL, also b.
 */
static inline bool kz_test_has_message(const json_t *msgs, const char *a, const char *b)
{
    const json_t *p;
    size_t i;

    json_array_foreach(msgs, i, p) {
        const char *s = json_string_value(p);
        if (s != NULL && strstr(s, a) != NULL && (b == NULL || strstr(s, b) != NULL))
            return true;
    }
    return false;
}

#endif
