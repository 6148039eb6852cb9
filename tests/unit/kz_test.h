/*
 * kz_test.h - helpers shared by the unit tests (header only: each test is one executable).
 */
#ifndef KZ_TEST_H
#define KZ_TEST_H

#include <dirent.h>
#include <stdio.h>
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

#endif
