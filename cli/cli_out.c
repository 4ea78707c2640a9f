/* Text outputs: buffer, JSON strings, atomic writes, directories. */
#include "cli_out.h"

#include "ym_status.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cli_buf_printf(cli_buf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->n;
        int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && (size_t)k < room) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + (size_t)k + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

void cli_buf_json_string(cli_buf *b, const char *s)
{
    cli_buf_printf(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            cli_buf_printf(b, "\\%c", *p);
        else if (*p == '\n')
            cli_buf_printf(b, "\\n");
        else if (*p == '\t')
            cli_buf_printf(b, "\\t");
        else if (*p < 0x20)
            cli_buf_printf(b, "\\u%04x", *p);
        else
            cli_buf_printf(b, "%c", *p);
    }
    cli_buf_printf(b, "\"");
}

void cli_buf_free(cli_buf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

int cli_path_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

int cli_write_text(MPI_Comm comm, const char *path, int overwrite, const cli_buf *b)
{
    int rank, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    if (rank == 0) {
        size_t n = strlen(path) + 32;
        char *tmp = malloc(n);
        if (!tmp || b->oom)
            st = YM_ERROR(YM_ENOMEM, "%s: out of memory", path);
        else if (!overwrite && cli_path_exists(path))
            st = YM_ERROR(YM_EIO, "%s: exists (use --force to replace it)", path);
        FILE *f = NULL;
        if (!st) {
            snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
            f = fopen(tmp, "w");
            if (!f)
                st = YM_ERROR(YM_EIO, "%s: cannot create: %s", tmp, strerror(errno));
        }
        if (f) {
            if ((b->n && fwrite(b->s, 1, b->n, f) != b->n) || fflush(f) != 0 || fsync(fileno(f)) != 0)
                st = YM_ERROR(YM_EIO, "%s: write failed: %s", tmp, strerror(errno));
            if (fclose(f) != 0 && !st)
                st = YM_ERROR(YM_EIO, "%s: close failed", tmp);
            if (!st && rename(tmp, path) != 0)
                st = YM_ERROR(YM_EIO, "%s: rename failed: %s", path, strerror(errno));
            if (st)
                remove(tmp);
        }
        free(tmp);
    }
    return ym_status_agree(comm, st);
}

int cli_mkdir_p(MPI_Comm comm, const char *dir, char *created, size_t n)
{
    int rank, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    if (created && n) created[0] = 0;
    if (rank == 0) {
        char buf[4096];
        snprintf(buf, sizeof buf, "%s", dir);
        if (!buf[0]) st = YM_ERROR(YM_EINVAL, "output directory: empty name");
        /* each parent at a '/', then the whole path at the end */
        for (char *p = buf + 1; !st; p++) {
            if (*p && *p != '/')
                continue;
            const char c = *p;
            *p = 0;
            if (mkdir(buf, 0777) == 0) {
                if (created && n && !created[0]) snprintf(created, n, "%s", buf);
            } else if (errno != EEXIST) {
                st = YM_ERROR(YM_EIO, "%s: cannot create directory: %s", buf, strerror(errno));
            }
            *p = c;
            if (!c) break;
        }
        struct stat sb;
        if (!st && (stat(buf, &sb) != 0 || !S_ISDIR(sb.st_mode)))
            st = YM_ERROR(YM_EIO, "%s: not a directory", buf);
    }
    return ym_status_agree(comm, st);
}

void cli_rmdir_created(MPI_Comm comm, const char *dir, const char *created)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    if (rank != 0 || !created || !created[0]) return;
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    for (size_t k = strlen(buf); k > 1 && buf[k - 1] == '/'; --k) buf[k - 1] = 0;
    size_t top = strlen(created);
    /* deepest first; rmdir leaves any folder that is not empty */
    for (;;) {
        if (rmdir(buf) != 0 || strlen(buf) <= top) break;
        char *s = strrchr(buf, '/');
        if (!s) break;
        while (s > buf && s[-1] == '/') --s;
        *s = 0;
    }
}

void cli_buf_card(cli_buf *b, const ym_param *t, int n, const char *prefix)
{
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    if (!f) {
        b->oom = 1;
        return;
    }
    if (ym_card_write(f, t, n, prefix)) b->oom = 1;
    fclose(f);
    cli_buf_printf(b, "%s", mem ? mem : "");
    free(mem);
}

void cli_buf_card_lines(cli_buf *b, const ym_param *t, int n)
{
    cli_buf ini = {0};
    char sec[256] = "";
    cli_buf_card(&ini, t, n, "");
    if (ini.oom) b->oom = 1;
    for (char *p = ini.s, *e; p && *p; p = *e ? e + 1 : e) {
        e = p + strcspn(p, "\n");
        int l = (int)(e - p);
        if (l >= 2 && p[0] == '[' && p[l - 1] == ']') snprintf(sec, sizeof sec, "%.*s", l - 2, p + 1);
        else if (l) cli_buf_printf(b, "%s.%.*s\n", sec, l, p);
    }
    free(ini.s);
}

int cli_param_same(const ym_param *a, const ym_param *b)
{
    cli_buf x = {0}, y = {0};
    cli_buf_card(&x, a, 1, "");
    cli_buf_card(&y, b, 1, "");
    int same = !x.oom && !y.oom && x.s && y.s && !strcmp(x.s, y.s);
    free(x.s);
    free(y.s);
    return same;
}
