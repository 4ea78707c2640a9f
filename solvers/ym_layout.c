/* Layouts: channel <-> (x, y) site maps (see ym_layout.h). */
#define _POSIX_C_SOURCE 200809L /* strdup, strtok_r, strcasecmp */
#include "ym_layout.h"

#include "ym_grid.h"
#include "ym_status.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gsl/gsl_eigen.h>

struct ym_layout {
    int nx, ny;
    int *chan;            /* nx*ny, -1 for an empty site */
    unsigned char *mask;  /* nx*ny */
    char *note;           /* grows by note_add */
    size_t note_len, note_cap;
};

int ym_layout_create(ym_layout **out, int nx, int ny)
{
    *out = NULL;
    if (nx < 1 || ny < 1 || nx > YM_LMAX || ny > YM_LMAX)
        return YM_ERROR(YM_EINVAL, "layout: a grid of %dx%d sites is not valid (1..%d per side)", nx, ny, YM_LMAX);
    ym_layout *l = calloc(1, sizeof *l);
    if (!l)
        return YM_ERROR(YM_ENOMEM, "out of memory for a layout");
    l->nx = nx;
    l->ny = ny;
    l->chan = malloc((size_t)nx * (size_t)ny * sizeof *l->chan);
    l->mask = malloc((size_t)nx * (size_t)ny);
    l->note = calloc(1, 1);
    if (!l->chan || !l->mask || !l->note) {
        ym_layout_free(l);
        return YM_ERROR(YM_ENOMEM, "out of memory for a %dx%d layout", nx, ny);
    }
    for (int i = 0; i < nx * ny; i++) {
        l->chan[i] = -1;
        l->mask[i] = 1;
    }
    *out = l;
    return YM_OK;
}

void ym_layout_free(ym_layout *l)
{
    if (!l)
        return;
    free(l->chan);
    free(l->mask);
    free(l->note);
    free(l);
}

int ym_layout_nx(const ym_layout *l) { return l->nx; }
int ym_layout_ny(const ym_layout *l) { return l->ny; }
const char *ym_layout_note(const ym_layout *l) { return l->note; }

int ym_layout_channel(const ym_layout *l, int x, int y)
{
    if (x < 0 || y < 0 || x >= l->nx || y >= l->ny)
        return -1;
    return l->chan[x + l->nx * y];
}

int ym_layout_masked(const ym_layout *l, int x, int y)
{
    if (x < 0 || y < 0 || x >= l->nx || y >= l->ny)
        return 1;
    return l->mask[x + l->nx * y];
}

/* Append to the note; a failed allocation only loses the note. */
static void note_add(ym_layout *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    if (l->note_len + (size_t)n + 1 > l->note_cap) {
        size_t cap = 2 * (l->note_len + (size_t)n + 1);
        char *p = realloc(l->note, cap);
        if (!p)
            return;
        l->note = p;
        l->note_cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(l->note + l->note_len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    l->note_len += (size_t)n;
}

/* "; " between the parts of a note, nothing before the first. */
static const char *note_sep(const ym_layout *l) { return l->note_len ? "; " : ""; }

static const char *chname(const ym_recording *r, int ch)
{
    return r && ch >= 0 && ch < ym_recording_nchan(r) ? ym_recording_channel_name(r, ch) : "?";
}

int ym_layout_set(ym_layout *l, const ym_recording *r, int x, int y, int ch)
{
    if (x < 0 || y < 0 || x >= l->nx || y >= l->ny)
        return YM_ERROR(YM_EINVAL, "layout: site (%d, %d) is outside the %dx%d grid", x, y, l->nx, l->ny);
    if (ch < 0 || (r && ch >= ym_recording_nchan(r)))
        return YM_ERROR(YM_EINVAL, "layout: channel index %d out of range", ch);
    int *c = &l->chan[x + l->nx * y];
    if (*c >= 0 && *c != ch)
        return YM_ERROR(YM_EINVAL, "layout: channels '%s' and '%s' both fall on site (%d, %d)", chname(r, *c),
                        chname(r, ch), x, y);
    *c = ch;
    l->mask[x + l->nx * y] = 0;
    return YM_OK;
}

/* ---- automatic grid from channel names ---------------------------------- */

/* Split "C12" into prefix "C" (length returned) and number 12; -1 if the
 * name does not end in a number >= 1 without a leading zero. */
static int split_name(const char *name, long *num)
{
    size_t n = strlen(name), d = n;
    while (d > 0 && isdigit((unsigned char)name[d - 1]))
        d--;
    if (d == n || d == 0 || name[d] == '0' || n - d > 6)
        return -1;
    *num = strtol(name + d, NULL, 10);
    return (int)d;
}

/* rows = largest divisor of n not above sqrt(n). */
static int grid_rows(int n)
{
    int rows = 1;
    for (int d = 1; (long)d * d <= n; d++)
        if (n % d == 0)
            rows = d;
    return rows;
}

/* Note the channels not in the layout, runs of one prefix as "P1..P6". */
static void note_left_out(ym_layout *l, const ym_recording *r, const unsigned char *used)
{
    int nch = ym_recording_nchan(r), first = 1;
    for (int c = 0; c < nch;) {
        if (used[c]) {
            c++;
            continue;
        }
        long num, num2;
        int p = split_name(ym_recording_channel_name(r, c), &num), e = c;
        while (p > 0 && e + 1 < nch && !used[e + 1]) {
            const char *a = ym_recording_channel_name(r, c), *b = ym_recording_channel_name(r, e + 1);
            if (split_name(b, &num2) != p || strncmp(a, b, (size_t)p) || num2 != num + (e + 1 - c))
                break;
            e++;
        }
        note_add(l, "%s%s%s", first ? note_sep(l) : ", ", first ? "left out: " : "", ym_recording_channel_name(r, c));
        if (e > c)
            note_add(l, "..%s", ym_recording_channel_name(r, e));
        first = 0;
        c = e + 1;
    }
}

int ym_layout_auto(ym_layout **out, const ym_recording *r)
{
    *out = NULL;
    int nch = ym_recording_nchan(r), best = -1, best_n = 0, best_p = 0;
    long best_max = 0;
    /* A family is every channel with the same prefix; it qualifies when its
     * numbers are distinct and exactly 1..n. */
    for (int c = 0; c < nch; c++) {
        long num;
        const char *a = ym_recording_channel_name(r, c);
        int p = split_name(a, &num), seen_before = 0;
        if (p < 0)
            continue;
        for (int c2 = 0; c2 < c && !seen_before; c2++) {
            long n2;
            const char *b = ym_recording_channel_name(r, c2);
            seen_before = split_name(b, &n2) == p && !strncmp(a, b, (size_t)p);
        }
        if (seen_before)
            continue;
        int count = 0;
        long maxnum = 0;
        for (int c2 = c; c2 < nch; c2++) {
            long n2;
            const char *b = ym_recording_channel_name(r, c2);
            if (split_name(b, &n2) == p && !strncmp(a, b, (size_t)p)) {
                count++;
                if (n2 > maxnum)
                    maxnum = n2;
            }
        }
        if (maxnum != count || count < 4 || count <= best_n)
            continue;
        /* Distinct numbers: count of them equals the maximum, so a duplicate
         * means a gap; check there is none. */
        unsigned char *hit = calloc((size_t)count + 1, 1);
        if (!hit)
            return YM_ERROR(YM_ENOMEM, "out of memory");
        int ok = 1;
        for (int c2 = c; c2 < nch && ok; c2++) {
            long n2;
            const char *b = ym_recording_channel_name(r, c2);
            if (split_name(b, &n2) == p && !strncmp(a, b, (size_t)p)) {
                ok = !hit[n2];
                hit[n2] = 1;
            }
        }
        free(hit);
        if (ok) {
            best = c;
            best_n = count;
            best_p = p;
            best_max = maxnum;
        }
    }
    if (best < 0)
        return YM_ERROR(YM_EINVAL, "%s: no layout given and no family of >= 4 channels numbered 1..n "
                                   "(like C1..C64) to form a grid; give a layout",
                        ym_recording_source(r)[0] ? ym_recording_source(r) : "recording");
    int rows = grid_rows(best_n), cols = best_n / rows;
    ym_layout *l;
    int st = ym_layout_create(&l, cols, rows);
    if (st)
        return st;
    unsigned char *used = calloc((size_t)nch, 1);
    if (!used) {
        ym_layout_free(l);
        return YM_ERROR(YM_ENOMEM, "out of memory");
    }
    const char *a = ym_recording_channel_name(r, best);
    for (int c = best; c < nch && st == YM_OK; c++) {
        long k;
        const char *b = ym_recording_channel_name(r, c);
        if (split_name(b, &k) == best_p && !strncmp(a, b, (size_t)best_p)) {
            st = ym_layout_set(l, r, (int)((k - 1) % cols), (int)((k - 1) / cols), c);
            used[c] = 1;
        }
    }
    if (st == YM_OK) {
        note_add(l, "grid %.*s1..%.*s%ld -> %dx%d (row-major, x = column, y = row)", best_p, a, best_p, a,
                 best_max, cols, rows);
        note_left_out(l, r, used);
    }
    free(used);
    if (st) {
        ym_layout_free(l);
        return st;
    }
    *out = l;
    return YM_OK;
}

int ym_layout_pattern(ym_layout **out, const ym_recording *r, const char *prefix, int cols, int rows)
{
    *out = NULL;
    if (!prefix || cols < 1 || rows < 1 || (long)cols * rows > INT_MAX / 2)
        return YM_ERROR(YM_EINVAL, "layout pattern: need a prefix and a positive grid (got %dx%d)", cols, rows);
    ym_layout *l;
    int st = ym_layout_create(&l, cols, rows);
    for (int k = 1; st == YM_OK && k <= cols * rows; k++) {
        char name[YM_REC_NAMEMAX + 16];
        snprintf(name, sizeof name, "%s%d", prefix, k);
        int ch = ym_recording_find_channel(r, name);
        if (ch < 0)
            st = YM_ERROR(YM_EINVAL, "layout pattern %s1..%s%d: the recording has no channel '%s'", prefix,
                          prefix, cols * rows, name);
        else
            st = ym_layout_set(l, r, (k - 1) % cols, (k - 1) / cols, ch);
    }
    if (st) {
        ym_layout_free(l);
        return st;
    }
    note_add(l, "grid %s1..%s%d -> %dx%d (row-major, x = column, y = row)", prefix, prefix, cols * rows, cols,
             rows);
    *out = l;
    return YM_OK;
}

/* ---- table files ---------------------------------------------------------- */

/* Split line at sep into at most max fields (in place); trims blanks and
 * one pair of double quotes. */
static int split_fields(char *line, char sep, char **f, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        char *e = strchr(p, sep);
        if (e)
            *e = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        size_t len = strlen(p);
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r' || p[len - 1] == '\n'))
            p[--len] = '\0';
        if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
            p[len - 1] = '\0';
            p++;
        }
        if (n < max)
            f[n] = p;
        n++;
        if (!e)
            break;
        p = e + 1;
    }
    return n;
}

static int parse_index(const char *s, int *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (!*s || *end || errno || x < 0 || x >= YM_LMAX)
        return -1;
    *v = (int)x;
    return 0;
}

typedef struct {
    int ch, row, col, line;
} table_row;

int ym_layout_read_table(ym_layout **out, const ym_recording *r, const char *path)
{
    *out = NULL;
    FILE *fp = fopen(path, "r");
    if (!fp)
        return YM_ERROR(YM_EIO, "%s: cannot open (%s)", path, strerror(errno));
    char line[4096];
    char *f[64];
    int lineno = 0, icol[3] = {-1, -1, -1}, st = YM_OK, nrows = 0, cap = 0, maxr = -1, maxc = -1;
    char sep = 0;
    table_row *rows = NULL;
    while (st == YM_OK && fgets(line, sizeof line, fp)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(fp)) {
            st = YM_ERROR(YM_EFORMAT, "%s:%d: line too long", path, lineno);
            break;
        }
        char *p = line;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (!*p || *p == '#')
            continue;
        if (!sep) {
            /* The header decides: a tab makes it TSV, else a comma CSV. */
            sep = strchr(line, '\t') ? '\t' : ',';
            int n = split_fields(line, sep, f, 64);
            for (int i = 0; i < n && i < 64; i++) {
                static const char *want[3] = {"name", "row", "col"};
                for (int k = 0; k < 3; k++)
                    if (!strcasecmp(f[i], want[k]) || (k == 2 && !strcasecmp(f[i], "column")))
                        icol[k] = icol[k] < 0 ? i : icol[k];
            }
            if (icol[0] < 0 || icol[1] < 0 || icol[2] < 0)
                st = YM_ERROR(YM_EFORMAT, "%s:%d: the header must name the columns name, row and col", path,
                              lineno);
            continue;
        }
        int n = split_fields(line, sep, f, 64), need = icol[0];
        if (icol[1] > need)
            need = icol[1];
        if (icol[2] > need)
            need = icol[2];
        if (n <= need) {
            st = YM_ERROR(YM_EFORMAT, "%s:%d: %d fields, expected at least %d", path, lineno, n, need + 1);
            break;
        }
        table_row t = {.line = lineno};
        if (parse_index(f[icol[1]], &t.row) || parse_index(f[icol[2]], &t.col)) {
            st = YM_ERROR(YM_EFORMAT, "%s:%d: row '%s' / col '%s' are not indices 0..%d", path, lineno,
                          f[icol[1]], f[icol[2]], YM_LMAX - 1);
            break;
        }
        t.ch = ym_recording_find_channel(r, f[icol[0]]);
        if (t.ch < 0) {
            st = YM_ERROR(YM_EINVAL, "%s:%d: no channel '%s' in the recording", path, lineno, f[icol[0]]);
            break;
        }
        /* One channel on two sites would count its signal twice. */
        for (int i = 0; i < nrows && st == YM_OK; i++)
            if (rows[i].ch == t.ch)
                st = YM_ERROR(YM_EINVAL, "%s:%d: channel '%s' is listed again (first on line %d)", path, lineno,
                              f[icol[0]], rows[i].line);
        if (st)
            break;
        if (nrows == cap) {
            cap = cap ? 2 * cap : 64;
            table_row *q = realloc(rows, (size_t)cap * sizeof *q);
            if (!q) {
                st = YM_ERROR(YM_ENOMEM, "out of memory");
                break;
            }
            rows = q;
        }
        rows[nrows++] = t;
        if (t.row > maxr)
            maxr = t.row;
        if (t.col > maxc)
            maxc = t.col;
    }
    if (st == YM_OK && ferror(fp))
        st = YM_ERROR(YM_EIO, "%s: read error", path);
    fclose(fp);
    if (st == YM_OK && !sep)
        st = YM_ERROR(YM_EFORMAT, "%s: empty layout table", path);
    if (st == YM_OK && nrows == 0)
        st = YM_ERROR(YM_EFORMAT, "%s: the layout table has a header but no channels", path);
    ym_layout *l = NULL;
    if (st == YM_OK)
        st = ym_layout_create(&l, maxc + 1, maxr + 1);
    for (int i = 0; st == YM_OK && i < nrows; i++) {
        st = ym_layout_set(l, r, rows[i].col, rows[i].row, rows[i].ch);
        if (st) {
            /* Say where in the file, keeping the message naming both channels. */
            char msg[512];
            snprintf(msg, sizeof msg, "%s", ym_errmsg());
            ym_error_clear();
            st = YM_ERROR(st, "%s:%d: %s", path, rows[i].line, msg);
        }
    }
    free(rows);
    if (st) {
        ym_layout_free(l);
        return st;
    }
    note_add(l, "layout %s: %d channels on %dx%d", path, nrows, maxc + 1, maxr + 1);
    *out = l;
    return YM_OK;
}

/* ---- positions -------------------------------------------------------------- */

static void cross(const double a[3], const double b[3], double c[3])
{
    c[0] = a[1] * b[2] - a[2] * b[1];
    c[1] = a[2] * b[0] - a[0] * b[2];
    c[2] = a[0] * b[1] - a[1] * b[0];
}

/* In-plane coordinates: the plane is the principal-axes plane (normal =
 * eigenvector of the smallest eigenvalue of the covariance). Its in-plane
 * basis starts from the coordinate axis most parallel to the plane and is
 * then turned so that nearest-neighbour steps line up with the lattice axes
 * (their 4-fold circular mean): a rotated electrode grid lands on the
 * lattice grid instead of diagonally across it. */
static int plane_coords(int n, const double (*p)[3], double (*uv)[2])
{
    double c[3] = {0, 0, 0}, cov[9] = {0};
    for (int i = 0; i < n; i++)
        for (int a = 0; a < 3; a++)
            c[a] += p[i][a] / n;
    for (int i = 0; i < n; i++)
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
                cov[3 * a + b] += (p[i][a] - c[a]) * (p[i][b] - c[b]);
    double evec[9], eval[3];
    gsl_matrix_view A = gsl_matrix_view_array(cov, 3, 3);
    gsl_matrix_view V = gsl_matrix_view_array(evec, 3, 3);
    gsl_vector_view E = gsl_vector_view_array(eval, 3);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(3);
    if (!w)
        return YM_ERROR(YM_ENOMEM, "out of memory");
    int gs = gsl_eigen_symmv(&A.matrix, &E.vector, &V.matrix, w);
    gsl_eigen_symmv_free(w);
    if (gs)
        return YM_ERROR(YM_ENUM, "layout: eigen-decomposition of the electrode positions failed");
    gsl_eigen_symmv_sort(&E.vector, &V.matrix, GSL_EIGEN_SORT_VAL_DESC);
    double nrm[3] = {evec[2], evec[5], evec[8]};
    /* Planar sets (all z equal) have a clean normal; keep it exactly. */
    double spread = eval[0] > 0 ? eval[2] / eval[0] : 0;
    int amax = 0;
    for (int a = 1; a < 3; a++)
        if (fabs(nrm[a]) > fabs(nrm[amax]))
            amax = a;
    if (spread < 1e-24) {
        for (int a = 0; a < 3; a++)
            nrm[a] = a == amax ? 1 : 0;
    } else if (nrm[amax] < 0) {
        for (int a = 0; a < 3; a++)
            nrm[a] = -nrm[a];
    }
    int amin = 0;
    for (int a = 1; a < 3; a++)
        if (fabs(nrm[a]) < fabs(nrm[amin]))
            amin = a;
    double e1[3] = {0, 0, 0}, e2[3];
    e1[amin] = 1;
    double d = nrm[amin], s = 0;
    for (int a = 0; a < 3; a++) {
        e1[a] -= d * nrm[a];
        s += e1[a] * e1[a];
    }
    for (int a = 0; a < 3; a++)
        e1[a] /= sqrt(s);
    cross(nrm, e1, e2);
    for (int i = 0; i < n; i++) {
        uv[i][0] = uv[i][1] = 0;
        for (int a = 0; a < 3; a++) {
            uv[i][0] += (p[i][a] - c[a]) * e1[a];
            uv[i][1] += (p[i][a] - c[a]) * e2[a];
        }
    }
    /* 4-fold mean direction of nearest-neighbour steps. */
    double sr = 0, si = 0;
    for (int i = 0; i < n; i++) {
        int jbest = -1;
        double dbest = INFINITY;
        for (int j = 0; j < n; j++) {
            double dx = uv[j][0] - uv[i][0], dy = uv[j][1] - uv[i][1], dd = dx * dx + dy * dy;
            if (j != i && dd < dbest) {
                dbest = dd;
                jbest = j;
            }
        }
        if (jbest < 0 || dbest <= 0)
            continue;
        double th = atan2(uv[jbest][1] - uv[i][1], uv[jbest][0] - uv[i][0]);
        sr += cos(4 * th);
        si += sin(4 * th);
    }
    double rot = (sr * sr + si * si > 0) ? -atan2(si, sr) / 4 : 0;
    if (fabs(rot) > 1e-12) {
        double cr = cos(rot), sn = sin(rot);
        for (int i = 0; i < n; i++) {
            double u = uv[i][0], v = uv[i][1];
            uv[i][0] = cr * u - sn * v;
            uv[i][1] = sn * u + cr * v;
        }
    }
    return YM_OK;
}

typedef struct {
    double key, key2;
    int i;
} rank_key;

static int by_key(const void *a, const void *b)
{
    const rank_key *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key ? 1 : x->i - y->i;
}

int ym_layout_positions(ym_layout **out, const ym_recording *r, int nx, int ny)
{
    *out = NULL;
    int nch = ym_recording_nchan(r), n = 0, st;
    if (nx < 1 || ny < 1)
        return YM_ERROR(YM_EINVAL, "layout: a grid of %dx%d sites is not valid", nx, ny);
    int *idx = malloc((size_t)nch * sizeof *idx);
    double(*p)[3] = malloc((size_t)nch * sizeof *p);
    double(*uv)[2] = malloc((size_t)nch * sizeof *uv);
    if (!idx || !p || !uv) {
        st = YM_ERROR(YM_ENOMEM, "out of memory");
        goto done;
    }
    for (int c = 0; c < nch; c++)
        if (ym_recording_position(r, c, p[n]))
            idx[n++] = c;
    if (n < 2) {
        st = YM_ERROR(YM_EINVAL, "layout: %d channel(s) with a position; positions need at least 2", n);
        goto done;
    }
    st = plane_coords(n, (const double(*)[3])p, uv);
    if (st)
        goto done;
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (int i = 0; i < n; i++)
        for (int a = 0; a < 2; a++) {
            lo[a] = fmin(lo[a], uv[i][a]);
            hi[a] = fmax(hi[a], uv[i][a]);
        }
    /* The longer side of the electrode set goes along the longer side of
     * the grid; a quarter turn, not a mirror (a mirror flips the charge). */
    if ((nx > ny && hi[0] - lo[0] < hi[1] - lo[1]) || (nx < ny && hi[0] - lo[0] > hi[1] - lo[1])) {
        for (int i = 0; i < n; i++) {
            double u = uv[i][0];
            uv[i][0] = -uv[i][1];
            uv[i][1] = u;
        }
        double l0 = lo[0], h0 = hi[0];
        lo[0] = -hi[1];
        hi[0] = -lo[1];
        lo[1] = l0;
        hi[1] = h0;
    }
    st = ym_layout_create(out, nx, ny);
    const int ext[2] = {nx, ny};
    for (int i = 0; st == YM_OK && i < n; i++) {
        int site[2];
        for (int a = 0; a < 2; a++) {
            double span = hi[a] - lo[a];
            /* A span below round-off is a line or a point: one row. */
            double t = (ext[a] > 1 && span > 1e-9 * (fabs(hi[a]) + fabs(lo[a]) + span))
                           ? (uv[i][a] - lo[a]) / span * (ext[a] - 1)
                           : 0;
            site[a] = (int)lround(t);
        }
        st = ym_layout_set(*out, r, site[0], site[1], idx[i]);
    }
    if (st == YM_EINVAL && n == nx * ny) {
        /* A full grid on curved cortex: the projection squeezes its far
         * rows together, so nearest sites collide. Assign by rank instead:
         * columns by u, then rows by v within each column. */
        char why[256];
        snprintf(why, sizeof why, "%s", ym_errmsg());
        ym_error_clear();
        ym_layout_free(*out);
        st = ym_layout_create(out, nx, ny);
        rank_key *k = st ? NULL : malloc((size_t)n * sizeof *k);
        if (!st && !k)
            st = YM_ERROR(YM_ENOMEM, "out of memory");
        for (int i = 0; k && i < n; i++)
            k[i] = (rank_key){uv[i][0], uv[i][1], i};
        if (k) {
            qsort(k, (size_t)n, sizeof *k, by_key);
            for (int c = 0; c < nx; c++) {
                for (int j = c * ny; j < (c + 1) * ny; j++)
                    k[j].key = k[j].key2;
                qsort(k + c * ny, (size_t)ny, sizeof *k, by_key);
            }
        }
        for (int j = 0; k && st == YM_OK && j < n; j++)
            st = ym_layout_set(*out, r, j / ny, j % ny, idx[k[j].i]);
        free(k);
        if (st == YM_OK)
            note_add(*out, "positions of %d channels -> %dx%d by rank (nearest sites collide: %s)", n, nx, ny, why);
    } else if (st == YM_OK) {
        note_add(*out, "positions of %d channels -> %dx%d (nearest site)", n, nx, ny);
    }
    if (st) {
        ym_layout_free(*out);
        *out = NULL;
    }
done:
    free(idx);
    free(p);
    free(uv);
    return st;
}

/* ---- images ----------------------------------------------------------------- */

int ym_layout_image(ym_layout **out, const ym_recording *r, int b, int plane, ym_recording **binned)
{
    *out = NULL;
    *binned = NULL;
    int shape[3];
    double sp[3];
    if (!ym_recording_image(r, shape, sp))
        return YM_ERROR(YM_EINVAL, "%s: not an imaging recording (no pixel shape)", ym_recording_source(r));
    if (b < 1 || plane < 0 || plane >= shape[2])
        return YM_ERROR(YM_EINVAL, "image binning %d, plane %d: need b >= 1 and a plane in 0..%d", b, plane,
                        shape[2] - 1);
    int bx = shape[0] / b, by = shape[1] / b, nb = ym_recording_nbands(r);
    if (bx < 1 || by < 1)
        return YM_ERROR(YM_EINVAL, "image of %dx%d pixels is smaller than one %dx%d bin", shape[0], shape[1], b,
                        b);
    int64_t ns = ym_recording_nsamples(r);
    ym_recording *o;
    int st = ym_recording_create(&o, bx * by, nb, ns, ym_recording_rate(r));
    if (st)
        return st;
    ym_recording_set_start(o, ym_recording_start(r));
    ym_recording_set_source(o, ym_recording_source(r));
    for (int e = 0; e < ym_recording_nevents(r) && st == YM_OK; e++) {
        const ym_rec_event *ev = ym_recording_event(r, e);
        st = ym_recording_add_event(o, ev->onset, ev->duration, ev->label);
    }
    const double bsp[3] = {sp[0] * b, sp[1] * b, sp[2]};
    if (st == YM_OK)
        st = ym_recording_set_image(o, bx, by, 1, bsp);
    int nser = nb > 0 ? nb : 1;
    size_t len = (nb > 0 ? 2 : 1) * (size_t)ns;
    for (int Y = 0; Y < by && st == YM_OK; Y++)
        for (int X = 0; X < bx && st == YM_OK; X++) {
            int oc = X + bx * Y, ngood = 0;
            char name[32];
            snprintf(name, sizeof name, "x%dy%d", X, Y);
            st = ym_recording_set_channel(o, oc, name, ym_recording_channel_unit(r, 0), "PIXEL");
            /* Bad pixels stay out of the mean; a bin of bad pixels is bad. */
            for (int pass = 0; pass < 2; pass++)
                for (int j = 0; j < b; j++)
                    for (int i = 0; i < b; i++) {
                        int ic = (X * b + i) + shape[0] * ((Y * b + j) + shape[1] * plane);
                        if (ym_recording_is_bad(r, ic))
                            continue;
                        if (pass == 0) {
                            ngood++;
                            continue;
                        }
                        for (int s = 0; s < nser; s++) {
                            const double *src = nb ? ym_recording_cdata_ro(r, ic, s) : ym_recording_data_ro(r, ic);
                            double *dst = nb ? ym_recording_cdata(o, oc, s) : ym_recording_data(o, oc);
                            for (size_t k = 0; k < len; k++)
                                dst[k] += src[k] / ngood;
                        }
                    }
            if (ngood == 0)
                ym_recording_set_bad(o, oc, 1);
            if (sp[0] > 0 && sp[1] > 0) {
                /* Bin centre in metres (spacing is in micrometres). */
                double xyz[3] = {(X + 0.5) * bsp[0] * 1e-6, (Y + 0.5) * bsp[1] * 1e-6, plane * sp[2] * 1e-6};
                st = ym_recording_set_position(o, oc, xyz);
            }
        }
    ym_layout *l = NULL;
    if (st == YM_OK)
        st = ym_layout_create(&l, bx, by);
    for (int c = 0; c < bx * by && st == YM_OK; c++)
        st = ym_layout_set(l, o, c % bx, c / bx, c);
    if (st) {
        ym_layout_free(l);
        ym_recording_free(o);
        return st;
    }
    note_add(l, "image %dx%dx%d, plane %d, %dx%d binning -> %dx%d (partial bins at the far edges dropped: %d "
                "columns, %d rows)",
             shape[0], shape[1], shape[2], plane, b, b, bx, by, shape[0] - bx * b, shape[1] - by * b);
    *out = l;
    *binned = o;
    return YM_OK;
}

/* ---- masks ------------------------------------------------------------------ */

/* Why channel ch is unusable: "flat", "non-finite" or NULL. */
static const char *signal_problem(const ym_recording *r, int ch)
{
    int nb = ym_recording_nbands(r), nser = nb > 0 ? nb : 1;
    int64_t ns = ym_recording_nsamples(r);
    size_t len = (nb > 0 ? 2 : 1) * (size_t)ns;
    int flat = 1;
    for (int s = 0; s < nser; s++) {
        const double *d = nb ? ym_recording_cdata_ro(r, ch, s) : ym_recording_data_ro(r, ch);
        size_t step = nb ? 2 : 1;
        for (size_t k = 0; k < len; k++) {
            if (!isfinite(d[k]))
                return "non-finite";
            if (d[k] != d[k % step])
                flat = 0;
        }
    }
    return flat ? "flat" : NULL;
}

int ym_layout_mask_bad(ym_layout *l, const ym_recording *r, const char *bad, int *nmasked)
{
    int nch = ym_recording_nchan(r);
    unsigned char *listed = calloc((size_t)nch, 1);
    if (!listed)
        return YM_ERROR(YM_ENOMEM, "out of memory");
    if (bad && *bad) {
        char *s = strdup(bad), *save = NULL;
        if (!s) {
            free(listed);
            return YM_ERROR(YM_ENOMEM, "out of memory");
        }
        for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            while (*tok == ' ')
                tok++;
            size_t n = strlen(tok);
            while (n > 0 && tok[n - 1] == ' ')
                tok[--n] = '\0';
            if (!n)
                continue;
            int ch = ym_recording_find_channel(r, tok);
            if (ch < 0) {
                int st = YM_ERROR(YM_EINVAL, "bad channels: no channel '%s' in the recording", tok);
                free(s);
                free(listed);
                return st;
            }
            listed[ch] = 1;
        }
        free(s);
    }
    int count = 0, first = 1;
    for (int i = 0; i < l->nx * l->ny; i++) {
        int ch = l->chan[i];
        if (ch < 0)
            continue;
        if (ch >= nch) {
            free(listed);
            return YM_ERROR(YM_EINVAL, "layout channel %d is beyond the recording's %d channels", ch, nch);
        }
        const char *why = ym_recording_is_bad(r, ch) ? "bad" : listed[ch] ? "listed" : signal_problem(r, ch);
        if (why && !l->mask[i]) {
            l->mask[i] = 1;
            note_add(l, "%s%s%s (%s)", first ? note_sep(l) : ", ", first ? "masked: " : "",
                     ym_recording_channel_name(r, ch), why);
            first = 0;
        }
        count += l->mask[i];
    }
    free(listed);
    if (nmasked)
        *nmasked = count;
    return YM_OK;
}

int ym_layout_compact(ym_layout *l, int *chans, int *n)
{
    int k = 0;
    for (int i = 0; i < l->nx * l->ny; i++)
        if (l->chan[i] >= 0) {
            chans[k] = l->chan[i];
            l->chan[i] = k++;
        }
    *n = k;
    return YM_OK;
}
