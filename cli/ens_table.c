/* Statistics of an ensemble's per-configuration flow CSVs (see ens_table.h). */
#include "ens_table.h"
#include "ym_measure.h"
#include "ym_status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void free_names(char **v, int n)
{
    for (int i = 0; v && i < n; ++i) free(v[i]);
    free(v);
}

void ens_table_free(ens_table *e)
{
    if (!e) return;
    free_names(e->col, e->ncol);
    free_names(e->file, e->n);
    free(e->v);
    free(e->t0);
    free(e->w0);
    memset(e, 0, sizeof *e);
}

/* A footer value "# key: value" (nan when absent). */
static double footer(const char *csv, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = csv; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, "# ", 2) && !strncmp(p + 2, key, kl) && p[2 + kl] == ':') return strtod(p + 3 + kl, NULL);
    return NAN;
}

/* The header and rows of csv: *names (ncol), *rows (nrow x ncol). */
static int parse_csv(const char *file, const char *csv, char ***names, int *ncol, double **rows, int *nrow)
{
    *names = NULL;
    *rows = NULL;
    *ncol = *nrow = 0;
    int cap = 0, line = 0;
    for (const char *p = csv; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        ++line;
        if (len && p[0] != '#') {
            char *buf = malloc(len + 1);
            if (!buf) return YM_ERROR(YM_ENOMEM, "ensemble: out of memory");
            memcpy(buf, p, len);
            buf[len] = 0;
            int k = 0, st = YM_OK;
            if (!*names) { /* the header */
                int nc = 1;
                for (size_t i = 0; i < len; ++i) nc += buf[i] == ',';
                *names = calloc((size_t)nc, sizeof **names);
                if (!*names) st = YM_ERROR(YM_ENOMEM, "ensemble: out of memory");
                for (char *s = buf, *t; !st && s; s = t) {
                    t = strchr(s, ',');
                    if (t) *t++ = 0;
                    if (!((*names)[k++] = strdup(s))) st = YM_ERROR(YM_ENOMEM, "ensemble: out of memory");
                }
                *ncol = k;
                if (!st && strcmp((*names)[0], "t") != 0)
                    st = YM_ERROR(YM_EFORMAT, "%s: not a ymflow flow CSV (its first column is not t)", file);
            } else {
                if (*nrow == cap) {
                    cap = cap ? 2 * cap : 64;
                    double *q = realloc(*rows, sizeof(double) * (size_t)cap * (size_t)*ncol);
                    if (!q) st = YM_ERROR(YM_ENOMEM, "ensemble: out of memory");
                    else *rows = q;
                }
                double *r = *rows + (size_t)*nrow * (size_t)*ncol;
                for (char *s = buf, *t; !st && s; s = t) {
                    t = strchr(s, ',');
                    if (t) *t++ = 0;
                    char *end;
                    double v = strtod(s, &end);
                    if (end == s || *end || k >= *ncol)
                        st = YM_ERROR(YM_EFORMAT, "%s: line %d: malformed row", file, line);
                    else r[k++] = v;
                }
                if (!st && k != *ncol) st = YM_ERROR(YM_EFORMAT, "%s: line %d: %d of %d columns", file, line, k, *ncol);
                if (!st) ++*nrow;
            }
            free(buf);
            if (st) return st;
        }
        p = e ? e + 1 : NULL;
    }
    if (!*names || !*nrow) return YM_ERROR(YM_EFORMAT, "%s: no measurements", file);
    return YM_OK;
}

int ens_table_add(ens_table *e, const char *file, const char *csv)
{
    char **names;
    double *rows;
    int ncol, nrow;
    int st = parse_csv(file, csv, &names, &ncol, &rows, &nrow);
    double ref = footer(csv, "ref");
    if (!st && e->n) {
        int same = ncol == e->ncol;
        for (int c = 0; same && c < ncol; ++c) same = !strcmp(names[c], e->col[c]);
        if (!same) st = YM_ERROR(YM_EINVAL, "%s: its columns differ from those of %s", file, e->file[0]);
        else if (nrow != e->nrow)
            st = YM_ERROR(YM_EINVAL, "%s: %d flow times measured, %s has %d (an ensemble is measured at the same "
                          "times: a fixed step size, or --measure-times)", file, nrow, e->file[0], e->nrow);
        for (int r = 0; !st && r < nrow; ++r)
            if (rows[(size_t)r * ncol] != e->v[(size_t)r * ncol])
                st = YM_ERROR(YM_EINVAL, "%s: flow time %.17g where %s has %.17g (an ensemble is measured at the "
                              "same times: a fixed step size, or --measure-times)", file, rows[(size_t)r * ncol],
                              e->file[0], e->v[(size_t)r * ncol]);
        if (!st && !(ref == e->ref || (isnan(ref) && isnan(e->ref))))
            st = YM_ERROR(YM_EINVAL, "%s: ref %.17g differs from %s's %.17g", file, ref, e->file[0], e->ref);
    }
    if (!st && e->n == e->cap) {
        int cap = e->cap ? 2 * e->cap : 16;
        double *v = realloc(e->v, sizeof(double) * (size_t)cap * (size_t)nrow * (size_t)ncol);
        if (v) e->v = v;
        double *t0 = realloc(e->t0, sizeof(double) * (size_t)cap);
        if (t0) e->t0 = t0;
        double *w0 = realloc(e->w0, sizeof(double) * (size_t)cap);
        if (w0) e->w0 = w0;
        char **f = realloc(e->file, sizeof(char *) * (size_t)cap);
        if (f) e->file = f;
        if (!v || !t0 || !w0 || !f) st = YM_ERROR(YM_ENOMEM, "ensemble: out of memory");
        else e->cap = cap;
    }
    if (!st && !(e->file[e->n] = strdup(file))) st = YM_ERROR(YM_ENOMEM, "ensemble: out of memory");
    if (st) {
        free_names(names, ncol);
        free(rows);
        return st;
    }
    if (!e->n) {
        e->col = names;
        e->ncol = ncol;
        e->nrow = nrow;
        e->ref = ref;
    } else
        free_names(names, ncol);
    memcpy(e->v + (size_t)e->n * nrow * ncol, rows, sizeof(double) * (size_t)nrow * (size_t)ncol);
    free(rows);
    e->t0[e->n] = footer(csv, "t0");
    e->w0[e->n] = footer(csv, "w0");
    e->n++;
    return YM_OK;
}

static int col_of(const ens_table *e, const char *name)
{
    for (int c = 0; c < e->ncol; ++c)
        if (!strcmp(e->col[c], name)) return c;
    return -1;
}

/* Column c at row r over the configurations into x; 0 if any is not finite. */
static int series(const ens_table *e, int r, int c, double *x)
{
    int ok = 1;
    for (int k = 0; k < e->n; ++k) {
        x[k] = e->v[((size_t)k * e->nrow + r) * e->ncol + c];
        ok = ok && isfinite(x[k]);
    }
    return ok;
}

typedef struct {
    const double *t;
    int n;
    double ref;
    int kind; /* 0: t0 from t^2 E; 1: w0 from W; 2: w0 from the t^2 E history */
    double *w;
} scale_ctx;

static int f_scale(const double *means, void *ctx, double *v)
{
    scale_ctx *c = ctx;
    int st;
    if (c->kind == 0) st = ym_scale_t0(c->t, means, c->n, c->ref, v);
    else if (c->kind == 1) st = ym_scale_w0(c->t, means, c->n, c->ref, v);
    else {
        st = ym_measure_w_history(c->t, means, c->n, c->w);
        if (!st) st = ym_scale_w0(c->t, c->w, c->n, c->ref, v);
    }
    return st || !isfinite(*v);
}

static const ym_stats_est nan_est = {NAN, NAN, NAN, NAN, 0};

/* t0 or w0 of the ensemble from column c (primaries: its value at every flow time). */
static int derived(const ens_table *e, const ens_opts *o, int c, int kind, ym_stats_est *out)
{
    *out = nan_est;
    if (c < 0 || !isfinite(e->ref)) return YM_OK;
    size_t n = (size_t)e->n, m = (size_t)e->nrow;
    double *x = malloc(sizeof(double) * m * n), *t = malloc(sizeof(double) * m), *w = malloc(sizeof(double) * m),
           *mean = malloc(sizeof(double) * m);
    int st = YM_OK;
    if (!x || !t || !w || !mean) st = YM_ERROR(YM_ENOMEM, "ensemble: out of memory");
    int finite = 1;
    for (size_t r = 0; !st && r < m; ++r) {
        t[r] = e->v[r * (size_t)e->ncol];
        finite = series(e, (int)r, c, x + r * n) && finite;
        double s = 0;
        for (size_t k = 0; k < n; ++k) s += x[r * n + k];
        mean[r] = s / (double)n;
    }
    scale_ctx sc = {t, (int)m, e->ref, kind, w};
    if (!st && finite) {
        double v;
        if (!f_scale(mean, &sc, &v)) out->mean = v;
        if (isfinite(out->mean) && n >= 2) {
            ym_stats_est est;
            int dst = ym_stats_series_derived(x, m, n, &o->so, f_scale, &sc, &est);
            /* not reached on a jackknife sample or near the means: the error is not defined */
            if (dst == YM_ENUM || dst == YM_EINVAL) ym_error_clear();
            else if (dst) st = dst;
            else *out = est;
        }
    }
    free(x);
    free(t);
    free(w);
    free(mean);
    return st;
}

static void put(cli_buf *b, const ym_stats_est *s, int tau)
{
    cli_buf_printf(b, ",%.17g,%.17g", s->mean, s->err);
    if (tau) cli_buf_printf(b, ",%.17g", s->tau_int);
}

/* Statistics of x[0..n-1]: nan when a value is not finite; one value has no error. */
static int stat(const double *x, int ok, size_t n, const ym_stats_opts *so, ym_stats_est *s)
{
    *s = nan_est;
    if (!ok) return YM_OK;
    if (n == 1) {
        s->mean = x[0];
        return YM_OK;
    }
    return ym_stats_series(x, n, so, s);
}

int ens_table_write(const ens_table *e, const ens_opts *o, cli_buf *b, ens_summary *s)
{
    if (!e->n) return YM_ERROR(YM_EINVAL, "ensemble: no configuration");
    if (o->so.method == YM_STATS_JACKKNIFE && e->n > 1 && (size_t)e->n / o->so.bin < 2)
        return YM_ERROR(YM_EINVAL, "bin: %d configurations give fewer than 2 bins of %zu", e->n, o->so.bin);
    int tau = o->so.method == YM_STATS_GAMMA, st = YM_OK;
    size_t n = (size_t)e->n;
    const char *qn[2] = {"Q_clover", "Q_improved"}, *qs[2] = {"clover", "improved"};
    int qc[2] = {col_of(e, qn[0]), col_of(e, qn[1])};
    double *x = malloc(sizeof(double) * n);
    if (!x) return YM_ERROR(YM_ENOMEM, "ensemble: out of memory");

    cli_buf_printf(b, "# ymflow ensemble of %d configurations: the mean of each column over the configurations "
                      "at each flow time and its error", e->n);
    if (tau)
        cli_buf_printf(b, " by Wolff's Gamma method (S = %g); <col>_tau_int is the integrated autocorrelation time "
                          "in configurations of the list order\n", o->so.stau > 0 ? o->so.stau : 1.5);
    else
        cli_buf_printf(b, " by the jackknife in bins of %zu configurations (a trailing partial bin is dropped)\n",
                       o->so.bin);
    cli_buf_printf(b, "# Q2_x = <Q_x^2>, chi_top_x = <Q_x^2>/V, V = %.17g sites; t0: t^2 E_clover = ref, w0: "
                      "W = t d(t^2 E)/dt = ref (W_exact when measured, else from the mean t^2 E_clover history), "
                      "on the mean history (GSL interpolation and root), errors as derived quantities\n",
                   o->volume);
    for (int k = 0; k < e->n; ++k)
        cli_buf_printf(b, "# configuration %d: %s t0 %.17g w0 %.17g\n", k, e->file[k], e->t0[k], e->w0[k]);
    cli_buf_printf(b, "t");
    for (int c = 1; c < e->ncol; ++c) {
        cli_buf_printf(b, ",%s,%s_err", e->col[c], e->col[c]);
        if (tau) cli_buf_printf(b, ",%s_tau_int", e->col[c]);
    }
    for (int q = 0; q < 2; ++q)
        if (qc[q] >= 0) {
            cli_buf_printf(b, ",Q2_%s,Q2_%s_err", qs[q], qs[q]);
            if (tau) cli_buf_printf(b, ",Q2_%s_tau_int", qs[q]);
            cli_buf_printf(b, ",chi_top_%s,chi_top_%s_err", qs[q], qs[q]);
            if (tau) cli_buf_printf(b, ",chi_top_%s_tau_int", qs[q]);
        }
    cli_buf_printf(b, "\n");
    s->Q2 = s->chi = nan_est;
    s->tQ = NAN;
    for (int r = 0; !st && r < e->nrow; ++r) {
        cli_buf_printf(b, "%.17g", e->v[(size_t)r * e->ncol]);
        for (int c = 1; !st && c < e->ncol; ++c) {
            ym_stats_est est;
            int ok = series(e, r, c, x);
            st = stat(x, ok, n, &o->so, &est);
            if (!st) put(b, &est, tau);
        }
        for (int q = 0; !st && q < 2; ++q) {
            if (qc[q] < 0) continue;
            ym_stats_est est, chi;
            int ok = series(e, r, qc[q], x);
            for (size_t k = 0; k < n; ++k) x[k] *= x[k];
            st = stat(x, ok, n, &o->so, &est);
            chi = est;
            chi.mean /= o->volume;
            chi.err /= o->volume;
            if (!st) {
                put(b, &est, tau);
                put(b, &chi, tau);
            }
            if (!st && q == 0 && r == e->nrow - 1) {
                s->Q2 = est;
                s->chi = chi;
                s->tQ = e->v[(size_t)r * e->ncol];
            }
        }
        cli_buf_printf(b, "\n");
    }
    free(x);
    int cw = col_of(e, "W_exact");
    if (!st) st = derived(e, o, col_of(e, "t2E_clover"), 0, &s->t0);
    if (!st) st = derived(e, o, cw >= 0 ? cw : col_of(e, "t2E_clover"), cw >= 0 ? 1 : 2, &s->w0);
    if (!st) {
        cli_buf_printf(b, "# configurations: %d\n# ref: %.17g\n", e->n, e->ref);
        const char *nm[2] = {"t0", "w0"};
        const ym_stats_est *v[2] = {&s->t0, &s->w0};
        for (int i = 0; i < 2; ++i) {
            cli_buf_printf(b, "# %s: %.17g\n# %s_err: %.17g\n", nm[i], v[i]->mean, nm[i], v[i]->err);
            if (tau) cli_buf_printf(b, "# %s_tau_int: %.17g\n", nm[i], v[i]->tau_int);
        }
        cli_buf_printf(b, "# Q2_t: %.17g\n# Q2: %.17g\n# Q2_err: %.17g\n# chi_top: %.17g\n# chi_top_err: %.17g\n",
                       s->tQ, s->Q2.mean, s->Q2.err, s->chi.mean, s->chi.err);
    }
    if (!st && b->oom) st = YM_ERROR(YM_ENOMEM, "ensemble: out of memory");
    return st;
}
