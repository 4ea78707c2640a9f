/* Shared by bench_rym and bench_hybrid: a comma-separated list of ints
 * ("2,3", "8,12,16") into v (at most max entries); returns the count. */
#ifndef BENCH_LIST_H
#define BENCH_LIST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline int bench_parse_ints(const char *s, int *v, int max)
{
    int n = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *t = strtok(buf, ","); t && n < max; t = strtok(NULL, ",")) v[n++] = atoi(t);
    return n;
}

#endif
