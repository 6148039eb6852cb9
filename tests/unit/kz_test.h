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

#endif
