/* Run cards: INI parsing with libinih into typed parameter tables. */
/* getline() is POSIX 2008; ask for it explicitly in case of -std=c11. */
#define _POSIX_C_SOURCE 200809L

#include "ym_card.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ym_status.h"

#define REASON_MAX 1024

static size_t str_size(const ym_param *p) { return p->size ? p->size : YM_CARD_STRMAX; }

static int is_blank(int ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' || ch == '\v'; }

static int find_index(const ym_param *t, int n, const char *section, size_t slen, const char *key, size_t klen)
{
    for (int i = 0; i < n; ++i)
        if (strlen(t[i].section) == slen && !memcmp(t[i].section, section, slen) && strlen(t[i].key) == klen &&
            !memcmp(t[i].key, key, klen))
            return i;
    return -1;
}

static int has_section(const ym_param *t, int n, const char *section, size_t slen)
{
    for (int i = 0; i < n; ++i)
        if (strlen(t[i].section) == slen && !memcmp(t[i].section, section, slen)) return 1;
    return 0;
}

ym_param *ym_card_find(ym_param *table, int n, const char *section, const char *key)
{
    if (!table || !section || !key) return NULL;
    int i = find_index(table, n, section, strlen(section), key, strlen(key));
    return i < 0 ? NULL : &table[i];
}

static int in_choices(const char *choices, const char *v)
{
    size_t lv = strlen(v);
    if (!lv) return 0;
    for (const char *p = choices;;) {
        const char *e = strchr(p, '|');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == lv && !memcmp(p, v, l)) return 1;
        if (!e) return 0;
        p = e + 1;
    }
}

/* A table is code, not input: its mistakes are reported the same way but
 * name the entry, so the module author can find them. */
static int check_table(const ym_param *t, int n)
{
    if (n < 0 || (n > 0 && !t)) return YM_ERROR(YM_EINVAL, "run-card table: %d entries at %p", n, (const void *)t);
    for (int i = 0; i < n; ++i) {
        const ym_param *p = &t[i];
        if (!p->section || !*p->section || strchr(p->section, '.') || !p->key || !*p->key)
            return YM_ERROR(YM_EINVAL, "run-card table entry %d: section and key must be non-empty, section without '.'", i);
        if (!p->target) return YM_ERROR(YM_EINVAL, "run-card table entry [%s] %s: no target", p->section, p->key);
        if ((int)p->type < (int)YM_PARAM_DOUBLE || (int)p->type > (int)YM_PARAM_DIMS)
            return YM_ERROR(YM_EINVAL, "run-card table entry [%s] %s: unknown type %d", p->section, p->key, (int)p->type);
        if (p->type == YM_PARAM_CHOICE && (!p->choices || !*p->choices))
            return YM_ERROR(YM_EINVAL, "run-card table entry [%s] %s: a choice without choices", p->section, p->key);
        if (find_index(t, i, p->section, strlen(p->section), p->key, strlen(p->key)) >= 0)
            return YM_ERROR(YM_EINVAL, "run-card table: [%s] %s declared twice", p->section, p->key);
    }
    return YM_OK;
}

static void reasonf(char *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void reasonf(char *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r, REASON_MAX, fmt, ap);
    va_end(ap);
}

static int out_of_range(const ym_param *p, double x) { return p->min < p->max && (x < p->min || x > p->max); }

/* Convert v for p and store it in p->target only if it is valid; otherwise
 * return nonzero with the reason (naming key and section) in r. */
static int convert(ym_param *p, const char *v, char *r)
{
    const char *s = p->section, *k = p->key;
    switch (p->type) {
    case YM_PARAM_DOUBLE: {
        char *end;
        errno = 0;
        double x = strtod(v, &end);
        if (!*v || end == v || *end) {
            reasonf(r, "malformed number '%s' for '%s' in [%s]", v, k, s);
            return 1;
        }
        if (!isfinite(x)) {
            reasonf(r, "non-finite number '%s' for '%s' in [%s]", v, k, s);
            return 1;
        }
        if (errno == ERANGE) { /* underflow: the value would silently change */
            reasonf(r, "number '%s' for '%s' in [%s] is not representable as a double", v, k, s);
            return 1;
        }
        if (out_of_range(p, x)) {
            reasonf(r, "'%s' for '%s' in [%s] is outside [%.17g, %.17g]", v, k, s, p->min, p->max);
            return 1;
        }
        *(double *)p->target = x;
        return 0;
    }
    case YM_PARAM_INT: {
        char *end;
        errno = 0;
        long x = strtol(v, &end, 10);
        if (!*v || end == v || *end) {
            reasonf(r, "malformed integer '%s' for '%s' in [%s]", v, k, s);
            return 1;
        }
        if (errno == ERANGE || x < INT_MIN || x > INT_MAX) {
            reasonf(r, "integer '%s' for '%s' in [%s] does not fit an int", v, k, s);
            return 1;
        }
        if (out_of_range(p, (double)x)) {
            reasonf(r, "'%s' for '%s' in [%s] is outside [%.17g, %.17g]", v, k, s, p->min, p->max);
            return 1;
        }
        *(int *)p->target = (int)x;
        return 0;
    }
    case YM_PARAM_BOOL: {
        static const char *yes[] = {"true", "yes", "on", "1"}, *no[] = {"false", "no", "off", "0"};
        for (int i = 0; i < 4; ++i) {
            if (!strcmp(v, yes[i])) return *(int *)p->target = 1, 0;
            if (!strcmp(v, no[i])) return *(int *)p->target = 0, 0;
        }
        reasonf(r, "invalid boolean '%s' for '%s' in [%s] (allowed: true, false, yes, no, on, off, 1, 0)", v, k, s);
        return 1;
    }
    case YM_PARAM_STRING:
    case YM_PARAM_CHOICE: {
        size_t len = strlen(v);
        if (p->type == YM_PARAM_CHOICE && !in_choices(p->choices, v)) {
            char list[REASON_MAX / 2];
            size_t m = 0;
            for (const char *c = p->choices; *c && m + 3 < sizeof list; ++c) {
                if (*c == '|') list[m++] = ',', list[m++] = ' ';
                else list[m++] = *c;
            }
            list[m] = '\0';
            reasonf(r, "invalid value '%s' for '%s' in [%s] (allowed: %s)", v, k, s, list);
            return 1;
        }
        if (len >= str_size(p)) {
            reasonf(r, "value for '%s' in [%s] is too long (%zu bytes, at most %zu)", k, s, len, str_size(p) - 1);
            return 1;
        }
        memcpy(p->target, v, len + 1);
        return 0;
    }
    case YM_PARAM_DIMS: {
        /* Same syntax as ym_parse_dims, parsed here so the message carries
         * the card's file:line rather than ym_parse_dims' own. */
        int d[4], m = 0;
        const char *q = v;
        while (m < 4) {
            char *end;
            errno = 0;
            long x = strtol(q, &end, 10);
            if (end == q || errno || x < 1 || x > INT_MAX || (*end && *end != 'x' && *end != 'X')) break;
            d[m++] = (int)x;
            q = end;
            if (!*q) break;
            ++q;
        }
        if (*q || (m != 1 && m != 4)) {
            reasonf(r, "malformed dimensions '%s' for '%s' in [%s] (expected AxBxCxD or A, entries >= 1)", v, k, s);
            return 1;
        }
        if (m == 1) d[1] = d[2] = d[3] = d[0];
        for (int i = 0; i < 4; ++i)
            if (out_of_range(p, d[i])) {
                reasonf(r, "dimensions '%s' for '%s' in [%s]: entries must be in [%.17g, %.17g]", v, k, s, p->min,
                        p->max);
                return 1;
            }
        memcpy(p->target, d, sizeof d);
        return 0;
    }
    }
    reasonf(r, "'%s' in [%s] has an unknown type", k, s);
    return 1;
}

/* ---- card parsing (rank 0) ---- */

typedef struct {
    FILE *f;
    const char *path;
    ym_param *t;
    int n;
    int line;      /* lines handed to inih so far = the line being parsed */
    int *seen;     /* per entry: line that set it, 0 = not set */
    int *secline;  /* per entry: first line of its [section] header, 0 = none */
    char *buf;     /* getline buffer */
    size_t cap;
    int err_line;  /* first error found by us (0 = none) */
    char err[REASON_MAX];
} card_ctx;

static void card_error(card_ctx *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void card_error(card_ctx *c, const char *fmt, ...)
{
    if (c->err_line) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    c->err_line = c->line;
}

/* inih's reader callback (fgets-like). Reading whole lines ourselves counts
 * lines exactly, whatever INI_HANDLER_LINENO the system inih was built
 * with, and lets us refuse a line longer than inih's buffer instead of
 * having inih parse its tail as a separate line. Also checks [section]
 * headers here, so an unknown empty section is caught on its own line. */
static char *card_reader(char *str, int num, void *stream)
{
    card_ctx *c = stream;
    if (c->err_line) return NULL; /* stop at our first error */
    ssize_t len = getline(&c->buf, &c->cap, c->f);
    if (len < 0) return NULL;
    ++c->line;
    if (len >= num) {
        card_error(c, "line longer than %d characters", num - 2);
        return NULL;
    }
    const char *s = c->buf;
    if (c->line == 1 && len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) s += 3; /* UTF-8 BOM, as inih skips it */
    while (is_blank((unsigned char)*s) && *s != '\n') ++s;
    /* Hand inih the line without its indentation: inih (built with
     * INI_ALLOW_MULTILINE, the default) would take an indented line as the
     * continuation of the previous value, so indented keys would merge. */
    memcpy(str, s, (size_t)(c->buf + len - s) + 1);
    const char *e = *s == '[' ? strchr(s, ']') : NULL;
    if (e) {
        size_t l = (size_t)(e - s - 1);
        if (!has_section(c->t, c->n, s + 1, l)) {
            card_error(c, "unknown section [%.*s]", (int)l, s + 1);
            return NULL;
        }
        for (int i = 0; i < c->n; ++i)
            if (!c->secline[i] && strlen(c->t[i].section) == l && !memcmp(c->t[i].section, s + 1, l))
                c->secline[i] = c->line;
    }
    return str;
}

static int card_handler(void *user, const char *section, const char *name, const char *value)
{
    card_ctx *c = user;
    if (c->err_line) return 1; /* keep only the first error; returning 0 would make inih report this line */
    if (!*section) {
        card_error(c, "key '%s' outside any section", name);
        return 1;
    }
    int i = find_index(c->t, c->n, section, strlen(section), name, strlen(name));
    if (i < 0) {
        if (has_section(c->t, c->n, section, strlen(section)))
            card_error(c, "unknown key '%s' in [%s]", name, section);
        else
            card_error(c, "unknown section [%s] (key '%s')", section, name);
        return 1;
    }
    if (c->seen[i]) {
        card_error(c, "duplicate key '%s' in [%s] (first set on line %d)", name, section, c->seen[i]);
        return 1;
    }
    /* inih strips only " ;" inline comments; strip " #" too, as cards use
     * both comment characters (a '#' inside a word, e.g. a path, stays). */
    size_t len = strlen(value);
    char *v = malloc(len + 1), reason[REASON_MAX];
    if (!v) {
        card_error(c, "out of memory");
        return 1;
    }
    memcpy(v, value, len + 1);
    for (char *h = v; (h = strchr(h, '#')); ++h)
        if (h == v || is_blank((unsigned char)h[-1])) {
            *h = '\0';
            break;
        }
    for (len = strlen(v); len > 0 && is_blank((unsigned char)v[len - 1]);) v[--len] = '\0';
    if (convert(&c->t[i], v, reason))
        card_error(c, "%s", reason);
    else {
        c->seen[i] = c->line;
        c->t[i].set = 1;
    }
    free(v);
    return 1;
}

static int card_parse_local(const char *path, ym_param *t, int n)
{
    struct stat sb;
    if (!path || !*path) return YM_ERROR(YM_EIO, "run card: no file name given");
    if (stat(path, &sb) != 0) return YM_ERROR(YM_EIO, "%s: cannot open run card (%s)", path, strerror(errno));
    if (S_ISDIR(sb.st_mode)) return YM_ERROR(YM_EIO, "%s: is a directory, not a run card", path);
    FILE *f = fopen(path, "r");
    if (!f) return YM_ERROR(YM_EIO, "%s: cannot open run card (%s)", path, strerror(errno));
    card_ctx c;
    memset(&c, 0, sizeof c);
    c.f = f;
    c.path = path;
    c.t = t;
    c.n = n;
    c.seen = calloc((size_t)n + 1, sizeof *c.seen);
    c.secline = calloc((size_t)n + 1, sizeof *c.secline);
    int st = YM_OK;
    if (!c.seen || !c.secline) st = YM_ERROR(YM_ENOMEM, "%s: out of memory reading the run card", path);
    if (!st) {
        int ret = ini_parse_stream(card_reader, &c, card_handler, &c);
        if (ret == -2) /* inih could not allocate its line buffer */
            st = YM_ERROR(YM_ENOMEM, "%s: out of memory reading the run card", path);
        else if (ret > 0 && (!c.err_line || ret < c.err_line))
            st = YM_ERROR(YM_EINVAL, "%s:%d: syntax error (expected [section], key = value or a comment)", path, ret);
        else if (c.err_line)
            st = YM_ERROR(YM_EINVAL, "%s:%d: %s", path, c.err_line, c.err);
        else if (ferror(f))
            st = YM_ERROR(YM_EIO, "%s: cannot read run card", path);
    }
    for (int i = 0; !st && i < n; ++i)
        if (t[i].required && !c.seen[i]) {
            if (c.secline[i])
                st = YM_ERROR(YM_EINVAL, "%s:%d: missing required key '%s' in [%s]", path, c.secline[i], t[i].key,
                              t[i].section);
            else
                st = YM_ERROR(YM_EINVAL, "%s:%d: missing required key '%s' in [%s] (no [%s] section up to the end)",
                              path, c.line, t[i].key, t[i].section, t[i].section);
        }
    free(c.buf);
    free(c.seen);
    free(c.secline);
    fclose(f);
    return st;
}

int ym_card_parse(MPI_Comm comm, const char *path, ym_param *table, int n)
{
    int rank = 0, st = check_table(table, n);
    st = ym_status_agree(comm, st);
    if (st) return st;
    MPI_Comm_rank(comm, &rank);
    for (int i = 0; i < n; ++i) table[i].set = 0;
    if (rank == 0) st = card_parse_local(path, table, n);
    st = ym_status_agree(comm, st);
    /* Broadcast even after a failure, so every rank holds the same values. */
    for (int i = 0; i < n; ++i) {
        ym_param *p = &table[i];
        switch (p->type) {
        case YM_PARAM_DOUBLE: MPI_Bcast(p->target, 1, MPI_DOUBLE, 0, comm); break;
        case YM_PARAM_INT:
        case YM_PARAM_BOOL: MPI_Bcast(p->target, 1, MPI_INT, 0, comm); break;
        case YM_PARAM_DIMS: MPI_Bcast(p->target, 4, MPI_INT, 0, comm); break;
        case YM_PARAM_STRING:
        case YM_PARAM_CHOICE: MPI_Bcast(p->target, (int)str_size(p), MPI_CHAR, 0, comm); break;
        }
        MPI_Bcast(&p->set, 1, MPI_INT, 0, comm);
    }
    return st;
}

int ym_card_override(ym_param *table, int n, const char *arg)
{
    int st = check_table(table, n);
    if (st) return st;
    if (!arg) return YM_ERROR(YM_EINVAL, "option: NULL, expected --section.key=value");
    const char *s = arg[0] == '-' && arg[1] == '-' ? arg + 2 : arg;
    const char *dot = strchr(s, '.'), *eq = strchr(s, '=');
    if (!dot || !eq || dot > eq || dot == s || eq == dot + 1)
        return YM_ERROR(YM_EINVAL, "%s: expected --section.key=value", arg);
    size_t sl = (size_t)(dot - s), kl = (size_t)(eq - dot - 1);
    int i = find_index(table, n, s, sl, dot + 1, kl);
    if (i < 0) {
        if (has_section(table, n, s, sl))
            return YM_ERROR(YM_EINVAL, "%s: unknown key '%.*s' in [%.*s]", arg, (int)kl, dot + 1, (int)sl, s);
        return YM_ERROR(YM_EINVAL, "%s: unknown section [%.*s]", arg, (int)sl, s);
    }
    /* Trim like inih does for the card, so both routes give the same value. */
    const char *v = eq + 1;
    while (is_blank((unsigned char)*v)) ++v;
    size_t len = strlen(v);
    while (len > 0 && is_blank((unsigned char)v[len - 1])) --len;
    char *val = malloc(len + 1), reason[REASON_MAX];
    if (!val) return YM_ERROR(YM_ENOMEM, "%s: out of memory", arg);
    memcpy(val, v, len);
    val[len] = '\0';
    if (convert(&table[i], val, reason))
        st = YM_ERROR(YM_EINVAL, "%s: %s", arg, reason);
    else
        table[i].set = 1;
    free(val);
    return st;
}

/* Would s read back unchanged as a card value? */
static int representable(const char *s)
{
    size_t len = strlen(s);
    if (len && (is_blank((unsigned char)s[0]) || is_blank((unsigned char)s[len - 1]))) return 0;
    if (strchr(s, '\n') || strchr(s, '\r')) return 0;
    for (const char *c = s; *c; ++c)
        if ((*c == '#' || *c == ';') && (c == s || is_blank((unsigned char)c[-1]))) return 0;
    return 1;
}

int ym_card_write(FILE *f, const ym_param *table, int n, const char *prefix)
{
    int st = check_table(table, n);
    if (st) return st;
    if (!f) return YM_ERROR(YM_EINVAL, "ym_card_write: no stream");
    if (!prefix) prefix = "";
    const char *sec = NULL;
    for (int i = 0; i < n; ++i) {
        const ym_param *p = &table[i];
        char v[64];
        const char *val = v;
        switch (p->type) {
        case YM_PARAM_DOUBLE: {
            double x = *(const double *)p->target;
            if (!isfinite(x)) continue; /* a "not given" sentinel default: cannot be read back */
            snprintf(v, sizeof v, "%.17g", x);
            break;
        }
        case YM_PARAM_INT: snprintf(v, sizeof v, "%d", *(const int *)p->target); break;
        case YM_PARAM_BOOL: val = *(const int *)p->target ? "true" : "false"; break;
        case YM_PARAM_DIMS: {
            const int *d = p->target;
            snprintf(v, sizeof v, "%dx%dx%dx%d", d[0], d[1], d[2], d[3]);
            break;
        }
        case YM_PARAM_STRING:
        case YM_PARAM_CHOICE:
            val = p->target;
            if (memchr(val, '\0', str_size(p)) == NULL)
                return YM_ERROR(YM_EINVAL, "[%s] %s: string not terminated within its %zu bytes", p->section, p->key,
                                str_size(p));
            if (p->type == YM_PARAM_CHOICE && !*val) continue;
            if (!representable(val))
                return YM_ERROR(YM_EINVAL, "[%s] %s = '%s' cannot be written to a run card (blanks at the ends, a newline, "
                                           "or a comment character after a blank)",
                                p->section, p->key, val);
            break;
        }
        if (!sec || strcmp(sec, p->section)) {
            sec = p->section;
            if (fprintf(f, "%s[%s]\n", prefix, sec) < 0) return YM_ERROR(YM_EIO, "writing parameters failed");
        }
        if (fprintf(f, "%s%s = %s\n", prefix, p->key, val) < 0) return YM_ERROR(YM_EIO, "writing parameters failed");
    }
    return YM_OK;
}
