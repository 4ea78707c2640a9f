/* Flow observables, densities, reference scales t0 and w0. */
#include "ym_measure.h"
#include "ym_improved.h"
#include "ym_integrator.h"
#include "ym_curv.h"
#include "ym_grid.h"
#include "ym_status.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_interp.h>
#include <gsl/gsl_roots.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *colnames[YM_MEASURE_NCOL] = {
    "t",        "plaquette",  "plaquette_spatial", "plaquette_temporal", "E_plaq",     "E_clover",
    "t2E_plaq", "t2E_clover", "W_clover",          "Q_clover",           "Q_improved", "E_clover_max",
    "W_exact",
};

const char *ym_measure_column(int i) { return i >= 0 && i < YM_MEASURE_NCOL ? colnames[i] : NULL; }

int ym_measure_column_find(const char *name)
{
    for (int i = 0; name && i < YM_MEASURE_NCOL; ++i)
        if (!strcmp(name, colnames[i])) return i;
    return -1;
}

int ym_measure_columns_parse(const char *list, unsigned *mask)
{
    if (!list || !mask) return YM_ERROR(YM_EINVAL, "observables: NULL argument");
    unsigned m = YM_MEASURE_BIT(YM_M_T);
    const char *p = list;
    int n = 0;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',') ++p;
        if (!*p) break;
        size_t len = strcspn(p, ", \t");
        char name[64];
        if (len >= sizeof name) return YM_ERROR(YM_EINVAL, "observables: '%.*s...' is too long", 20, p);
        memcpy(name, p, len);
        name[len] = 0;
        p += len;
        int c = ym_measure_column_find(name);
        if (!strcmp(name, "default")) m |= YM_MEASURE_DEFAULT;
        else if (!strcmp(name, "all")) m |= YM_MEASURE_ALL;
        else if (c >= 0) m |= YM_MEASURE_BIT(c);
        else {
            char known[512];
            size_t off = 0;
            for (int i = 0; i < YM_MEASURE_NCOL && off < sizeof known; ++i)
                off += (size_t)snprintf(known + off, sizeof known - off, "%s, ", colnames[i]);
            return YM_ERROR(YM_EINVAL, "observables: unknown '%s' (known: %sdefault, all)", name, known);
        }
        ++n;
    }
    if (!n) return YM_ERROR(YM_EINVAL, "observables: empty list (known sets: default, all)");
    *mask = m;
    return YM_OK;
}

struct ym_measure {
    const ym_geom *g;
    int N;
    const ym_action_type *a;
    double par[YM_ACTION_MAXPAR];
    ym_field *E, *q, *Ep;
    ym_improved *imp; /* made at the first improved charge, kept for the next */
};

void ym_measure_free(ym_measure *m)
{
    if (!m) return;
    ym_field_free(m->E);
    ym_field_free(m->q);
    ym_field_free(m->Ep);
    ym_improved_free(m->imp);
    free(m);
}

int ym_measure_create(ym_measure **out, const ym_gauge *u, const ym_action_type *a, const double *par)
{
    if (!out || !u) return YM_ERROR(YM_EINVAL, "measure create: NULL argument");
    *out = NULL;
    ym_measure *m = calloc(1, sizeof *m);
    if (!m) return YM_ERROR(YM_ENOMEM, "measure create: out of memory");
    m->g = ym_gauge_geom(u);
    m->N = ym_gauge_N(u);
    m->a = a;
    if (a) {
        if (par) memcpy(m->par, par, sizeof(double) * (size_t)a->nparams);
        else ym_action_defaults(a, m->par);
    }
    int st = ym_field_create(&m->E, m->g, 1);
    if (!st) st = ym_field_create(&m->q, m->g, 1);
    if (!st) st = ym_field_create(&m->Ep, m->g, 1);
    if (st) {
        ym_measure_free(m);
        return st;
    }
    *out = m;
    return YM_OK;
}

int ym_measure_densities(ym_measure *m, ym_gauge *u, ym_field **E, ym_field **q)
{
    int st = ym_curv_clover_densities(u, m->E, m->q);
    if (E) *E = m->E;
    if (q) *q = m->q;
    return st;
}

/* The improved charge of the CSV: the 5Li combination of de Forcrand,
 * Garcia Perez and Stamatescu (THEORY.md C.3), free of O(a^2) and O(a^4)
 * tree-level artefacts. */
static int charge_improved(ym_measure *m, ym_gauge *u, double *Q)
{
    /* Its 3x3 loops need a halo of depth 3, so every split direction must
     * hold at least 3 sites per rank; on finer process grids the column is
     * nan (said in the CSV header) rather than a different quantity. */
    const ym_grid *g = ym_geom_grid(ym_gauge_geom(u));
    for (int mu = 0; mu < 4; ++mu)
        if (ym_grid_dims(g)[mu] > 1 && ym_grid_local(g)[mu] < 3) {
            *Q = NAN;
            return YM_OK;
        }
    double S;
    if (!m) return ym_curv_charge_improved(u, YM_QIMP_5LI, Q, &S);
    int st = m->imp ? YM_OK : ym_improved_create(&m->imp, m->g, m->N);
    if (!st) st = ym_improved_charge(m->imp, u, YM_QIMP_5LI, Q, &S);
    return st;
}

int ym_measure_charge_improved(ym_gauge *u, double *Q) { return charge_improved(NULL, u, Q); }

/* Sum_x E_clov(x) of v = exp(h Z) U, Z the force at U (compact, in k). */
static int eclov_shifted(ym_measure *m, ym_gauge *u, ym_gauge *v, const double *k, double h, double *Etot)
{
    ym_flow_apply_packed(v, u, k, h);
    int st = ym_curv_clover_densities(v, m->E, NULL);
    if (!st) st = ym_field_sum(m->E, 0, Etot);
    return st;
}

/* d/dt sum_x E_clov(x) along the flow V' = Z(V) V. Its field copy and
 * force are made here and freed, so that they never coexist with the 5Li
 * charge's depth-3 copy. */
static int eclov_rate(ym_measure *m, ym_gauge *u, double *rate)
{
    MPI_Comm c = ym_grid_comm(ym_geom_grid(m->g));
    size_t nn = (size_t)m->N * m->N;
    ym_gauge *v = NULL;
    ym_field *z = NULL;
    double *k = malloc(sizeof(double) * 4 * nn * (size_t)ym_geom_ninterior(m->g) + 1);
    int st = ym_status_agree(c, k ? YM_OK : YM_ERROR(YM_ENOMEM, "measure: out of memory"));
    if (!st) st = ym_gauge_create(&v, m->g, m->N);
    if (!st && !m->a->force_acc) st = ym_field_create(&z, m->g, 8 * nn);
    if (!st) st = ym_status_agree(c, ym_action_check(m->a, m->par, u, NULL));
    if (!st) st = ym_action_force_acc(m->a, m->par, u, 0.0, k, z);
    /* the halo of the shifted copy is filled by the clover's halo update */
    if (!st) st = ym_gauge_copy(v, u);
    const double h = 1e-4, hs[4] = {h, -h, 2 * h, -2 * h};
    double e[4];
    for (int j = 0; j < 4 && !st; ++j) st = eclov_shifted(m, u, v, k, hs[j], &e[j]);
    if (!st) {
        double d1 = (e[0] - e[1]) / (2 * h), d2 = (e[2] - e[3]) / (4 * h);
        *rate = (4 * d1 - d2) / 3;
    }
    free(k);
    ym_field_free(z);
    ym_gauge_free(v);
    return st;
}

int ym_measure_row_columns(ym_measure *m, ym_gauge *u, double t, unsigned mask, double *row)
{
    if (!m || !u || !row) return YM_ERROR(YM_EINVAL, "measure: NULL argument");
#define SEL(c) (mask & YM_MEASURE_BIT(c))
    int want_plaq = SEL(YM_M_PLAQ) || SEL(YM_M_PLAQ_S) || SEL(YM_M_PLAQ_T);
    int want_eplaq = SEL(YM_M_EPLAQ) || SEL(YM_M_T2EPLAQ);
    int want_clov = SEL(YM_M_ECLOV) || SEL(YM_M_T2ECLOV) || SEL(YM_M_WCLOV) || SEL(YM_M_QCLOV) || SEL(YM_M_EMAX);
#undef SEL
    double V = (double)ym_grid_volume(ym_geom_grid(m->g));
    for (int c = 0; c < YM_MEASURE_NCOL; ++c) row[c] = NAN;
    row[YM_M_T] = t;
    int st = YM_OK;
    /* with the clover wanted, its pass gives the plaquette as well */
    if (want_plaq && !want_clov) {
        ym_plaquette p;
        st = ym_gauge_plaquette(u, &p);
        if (!st) {
            row[YM_M_PLAQ] = p.total;
            row[YM_M_PLAQ_S] = p.spatial;
            row[YM_M_PLAQ_T] = p.temporal;
        }
    }
    if (!st && want_eplaq) {
        double ep = 0;
        st = ym_curv_energy_plaq(u, m->Ep);
        if (!st) st = ym_field_sum(m->Ep, 0, &ep);
        if (!st) {
            row[YM_M_EPLAQ] = ep / V;
            row[YM_M_T2EPLAQ] = t * t * (ep / V);
        }
    }
    double ec = 0;
    if (!st && want_clov) {
        double Q = 0, emax = 0;
        ym_plaquette p;
        st = ym_curv_clover_plaquette(u, m->E, m->q, want_plaq ? &p : NULL);
        if (!st && want_plaq) {
            row[YM_M_PLAQ] = p.total;
            row[YM_M_PLAQ_S] = p.spatial;
            row[YM_M_PLAQ_T] = p.temporal;
        }
        if (!st) st = ym_field_sum(m->E, 0, &ec);
        if (!st) st = ym_field_sum(m->q, 0, &Q);
        if (!st) st = ym_field_maxabs(m->E, 0, &emax);
        if (!st) {
            row[YM_M_ECLOV] = ec / V;
            row[YM_M_T2ECLOV] = t * t * (ec / V);
            row[YM_M_QCLOV] = Q;
            row[YM_M_EMAX] = emax;
        }
    }
    if (!st && (mask & YM_MEASURE_BIT(YM_M_QIMPR))) st = charge_improved(m, u, &row[YM_M_QIMPR]);
    if (!st && (mask & YM_MEASURE_BIT(YM_M_WEXACT)) && m->a) {
        double rate = 0;
        if (!want_clov) st = ym_curv_clover_densities(u, m->E, NULL);
        if (!st && !want_clov) st = ym_field_sum(m->E, 0, &ec);
        if (!st) st = eclov_rate(m, u, &rate);
        if (!st) row[YM_M_WEXACT] = 2 * t * t * (ec / V) + t * t * t * (rate / V);
    }
    return st;
}

int ym_measure_row(ym_measure *m, ym_gauge *u, double t, double *row)
{
    return ym_measure_row_columns(m, u, t, YM_MEASURE_ALL, row);
}

int ym_measure_w_history(const double *t, const double *f, int n, double *W)
{
    if (!t || !f || !W) return YM_ERROR(YM_EINVAL, "W history: NULL argument");
    for (int i = 1; i < n; ++i)
        if (!(t[i] > t[i - 1])) return YM_ERROR(YM_EINVAL, "W history: flow times must be increasing");
    for (int i = 0; i < n; ++i) {
        double d = NAN;
        if (n == 2) d = (f[1] - f[0]) / (t[1] - t[0]);
        else if (n >= 3) {
            /* Lagrange derivative through three neighbouring points,
             * evaluated at the middle one or an end: O(h^2) */
            int j = i == 0 ? 1 : i == n - 1 ? n - 2 : i; /* centre of the stencil */
            double x0 = t[j - 1], x1 = t[j], x2 = t[j + 1], x = t[i];
            double l0 = ((x - x1) + (x - x2)) / ((x0 - x1) * (x0 - x2));
            double l1 = ((x - x0) + (x - x2)) / ((x1 - x0) * (x1 - x2));
            double l2 = ((x - x0) + (x - x1)) / ((x2 - x0) * (x2 - x1));
            d = l0 * f[j - 1] + l1 * f[j] + l2 * f[j + 1];
        }
        W[i] = t[i] * d; /* nan data stays nan */
    }
    return YM_OK;
}

/* ---------- reference scales ---------- */

typedef struct {
    gsl_interp *it;
    gsl_interp_accel *acc;
    const double *t, *y;
    double ref;
} root_ctx;

static double root_f(double x, void *p)
{
    root_ctx *c = p;
    return gsl_interp_eval(c->it, c->t, c->y, x, c->acc) - c->ref;
}

int ym_scale_root(const double *t, const double *y, int n, double ref, double *root)
{
    if (!t || !y || !root) return YM_ERROR(YM_EINVAL, "scale: NULL argument");
    *root = NAN;
    if (!isfinite(ref)) return YM_ERROR(YM_EINVAL, "reference value: %g is not finite", ref);
    for (int i = 0; i < n; ++i) {
        if (!isfinite(t[i]) || (i && !(t[i] > t[i - 1])))
            return YM_ERROR(YM_EINVAL, "scale: flow times must be finite and increasing");
    }
    if (n < 2) return YM_OK;
    /* first bracketing interval over finite points */
    int k = -1;
    for (int i = 0; i + 1 < n; ++i) {
        if (!isfinite(y[i]) || !isfinite(y[i + 1])) return YM_OK; /* nan data: scale not defined */
        double a = y[i] - ref, b = y[i + 1] - ref;
        if (a == 0) {
            *root = t[i];
            return YM_OK;
        }
        if ((a < 0) != (b < 0) || b == 0) {
            k = i;
            break;
        }
    }
    if (k < 0) return YM_OK;
    if (y[k + 1] == ref) {
        *root = t[k + 1];
        return YM_OK;
    }
    root_ctx c = {gsl_interp_alloc(n >= 3 ? gsl_interp_cspline : gsl_interp_linear, (size_t)n),
                  gsl_interp_accel_alloc(), t, y, ref};
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    int st = YM_OK;
    if (!c.it || !c.acc || !s) st = YM_ERROR(YM_ENOMEM, "scale: out of memory");
    else if (gsl_interp_init(c.it, t, y, (size_t)n)) st = YM_ERROR(YM_ENUM, "scale: interpolation failed");
    else {
        gsl_function F = {root_f, &c};
        double lo = t[k], hi = t[k + 1];
        /* the spline may cross ref slightly outside the data bracket; the
         * bracket [t_k, t_k+1] holds a sign change of the spline itself
         * because it interpolates the data */
        if (gsl_root_fsolver_set(s, &F, lo, hi)) st = YM_ERROR(YM_ENUM, "scale: root bracketing failed");
        for (int i = 0; !st && i < 200; ++i) {
            if (gsl_root_fsolver_iterate(s)) {
                st = YM_ERROR(YM_ENUM, "scale: root iteration failed");
                break;
            }
            lo = gsl_root_fsolver_x_lower(s);
            hi = gsl_root_fsolver_x_upper(s);
            if (gsl_root_test_interval(lo, hi, 0, 1e-15) == GSL_SUCCESS) break;
        }
        if (!st) *root = gsl_root_fsolver_root(s);
    }
    if (s) gsl_root_fsolver_free(s);
    if (c.acc) gsl_interp_accel_free(c.acc);
    if (c.it) gsl_interp_free(c.it);
    return st;
}

int ym_scale_t0(const double *t, const double *t2E, int n, double ref, double *t0)
{
    return ym_scale_root(t, t2E, n, ref, t0);
}

int ym_scale_w0(const double *t, const double *W, int n, double ref, double *w0)
{
    double r;
    int st = ym_scale_root(t, W, n, ref, &r);
    if (!st) *w0 = isfinite(r) && r >= 0 ? sqrt(r) : NAN;
    return st;
}

/* ---------- HDF5 dumps ---------- */

#include <hdf5.h>
#include <stdio.h>
#include <unistd.h>

struct ym_dump {
    MPI_Comm comm;
    hid_t file;
    char path[4096], tmp[4200];
    int L[4];
    const ym_geom *g;
    double *buf;
};

static int h5_attr_ints(hid_t obj, const char *name, const int *v, int n)
{
    hsize_t dim = (hsize_t)n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t a = sp >= 0 ? H5Acreate2(obj, name, H5T_NATIVE_INT, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    herr_t e = a >= 0 ? H5Awrite(a, H5T_NATIVE_INT, v) : -1;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    return e < 0 ? -1 : 0;
}

static int h5_attr_double(hid_t obj, const char *name, double v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = sp >= 0 ? H5Acreate2(obj, name, H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    herr_t e = a >= 0 ? H5Awrite(a, H5T_NATIVE_DOUBLE, &v) : -1;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    return e < 0 ? -1 : 0;
}

static int h5_attr_string(hid_t obj, const char *name, const char *s)
{
    hid_t ty = H5Tcopy(H5T_C_S1);
    if (ty < 0) return -1;
    H5Tset_size(ty, strlen(s) + 1);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = sp >= 0 ? H5Acreate2(obj, name, ty, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    herr_t e = a >= 0 ? H5Awrite(a, ty, s) : -1;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    H5Tclose(ty);
    return e < 0 ? -1 : 0;
}

int ym_dump_create(ym_dump **out, const ym_gauge *u, const char *path, int overwrite, const char *parameters)
{
    *out = NULL;
    const ym_geom *g = ym_gauge_geom(u);
    const ym_grid *grid = ym_geom_grid(g);
    MPI_Comm comm = ym_grid_comm(grid);
    int st = YM_OK, rank;
    MPI_Comm_rank(comm, &rank);
    ym_dump *d = calloc(1, sizeof *d);
    if (!d) st = YM_ERROR(YM_ENOMEM, "dump: out of memory");
    else if (strlen(path) >= sizeof d->path) st = YM_ERROR(YM_EINVAL, "dump: path too long");
    else if (!overwrite && access(path, F_OK) == 0)
        st = YM_ERROR(YM_EIO, "dump: %s exists (use --force to replace it)", path);
    if (!st) {
        d->buf = malloc(sizeof(double) * (size_t)(ym_geom_ninterior(g) > 0 ? ym_geom_ninterior(g) : 1));
        if (!d->buf) st = YM_ERROR(YM_ENOMEM, "dump: out of memory");
    }
    st = ym_status_agree(comm, st);
    if (st) {
        if (d) free(d->buf);
        free(d);
        return st;
    }
    d->comm = comm;
    d->g = g;
    memcpy(d->L, ym_grid_L(grid), sizeof d->L);
    snprintf(d->path, sizeof d->path, "%s", path);
    long pid = rank == 0 ? (long)getpid() : 0;
    MPI_Bcast(&pid, 1, MPI_LONG, 0, comm);
    snprintf(d->tmp, sizeof d->tmp, "%s.tmp.%ld", path, pid);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0) H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
    d->file = fapl >= 0 ? H5Fcreate(d->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl) : -1;
    if (fapl >= 0) H5Pclose(fapl);
    if (d->file < 0) st = YM_ERROR(YM_EIO, "dump: cannot create %s", d->tmp);
    else {
        int e = h5_attr_ints(d->file, "dims", d->L, 4);
        if (!e && parameters) e = h5_attr_string(d->file, "parameters", parameters);
        hid_t g1 = H5Gcreate2(d->file, "E_clover", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        hid_t g2 = H5Gcreate2(d->file, "q", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (e || g1 < 0 || g2 < 0) st = YM_ERROR(YM_EIO, "dump: %s: cannot write the header", d->tmp);
        if (g1 >= 0) H5Gclose(g1);
        if (g2 >= 0) H5Gclose(g2);
    }
    st = ym_status_agree(comm, st);
    if (st) {
        ym_dump_close(d, 0);
        return st;
    }
    *out = d;
    return YM_OK;
}

static int dump_field(ym_dump *d, const char *group, ym_field *f, int comp, double t)
{
    const ym_grid *grid = ym_geom_grid(d->g);
    const int *l = ym_grid_local(grid), *o = ym_grid_origin(grid);
    int ni = ym_geom_ninterior(d->g);
    const int *in = ym_geom_interior(d->g);
    for (int i = 0; i < ni; ++i) d->buf[i] = ym_field_site(f, in[i])[comp];
    char name[256];
    snprintf(name, sizeof name, "%s/t=%.17g", group, t);
    hsize_t dims[4] = {(hsize_t)d->L[3], (hsize_t)d->L[2], (hsize_t)d->L[1], (hsize_t)d->L[0]};
    hsize_t start[4] = {(hsize_t)o[3], (hsize_t)o[2], (hsize_t)o[1], (hsize_t)o[0]};
    hsize_t count[4] = {(hsize_t)l[3], (hsize_t)l[2], (hsize_t)l[1], (hsize_t)l[0]};
    hid_t fs = H5Screate_simple(4, dims, NULL), ms = H5Screate_simple(4, count, NULL);
    hid_t ds = fs >= 0 ? H5Dcreate2(d->file, name, H5T_IEEE_F64LE, fs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    hid_t xf = H5Pcreate(H5P_DATASET_XFER);
    int e = ds < 0 || ms < 0 || xf < 0;
    if (!e) H5Pset_dxpl_mpio(xf, H5FD_MPIO_COLLECTIVE);
    if (!e) e = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0;
    if (!e) e = H5Dwrite(ds, H5T_NATIVE_DOUBLE, ms, fs, xf, d->buf) < 0;
    if (!e) e = h5_attr_double(ds, "flow_time", t);
    if (!e) e = h5_attr_ints(ds, "dims", d->L, 4);
    if (xf >= 0) H5Pclose(xf);
    if (ds >= 0) H5Dclose(ds);
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    return e ? YM_ERROR(YM_EIO, "dump: cannot write %s to %s", name, d->tmp) : YM_OK;
}

int ym_dump_write(ym_dump *d, ym_measure *m, ym_gauge *u, double t)
{
    ym_field *E = NULL, *q = NULL;
    int st = ym_measure_densities(m, u, &E, &q);
    st = ym_status_agree(d->comm, st);
    if (!st) st = ym_status_agree(d->comm, dump_field(d, "E_clover", E, 0, t));
    if (!st) st = ym_status_agree(d->comm, dump_field(d, "q", q, 0, t));
    return st;
}

int ym_dump_write_field(ym_dump *d, const char *group, ym_field *f, int comp, double t)
{
    int st = YM_OK;
    if (!group || !*group || strchr(group, '/') || comp < 0 || (size_t)comp >= ym_field_ncomp(f) ||
        ym_field_geom(f) != d->g)
        st = YM_ERROR(YM_EINVAL, "dump: field '%s' component %d: bad name, component or geometry", group ? group : "",
                      comp);
    st = ym_status_agree(d->comm, st);
    if (st) return st;
    /* the group is made on first use (collective, like every HDF5 metadata change) */
    htri_t ex = H5Lexists(d->file, group, H5P_DEFAULT);
    if (ex == 0) {
        hid_t g = H5Gcreate2(d->file, group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g < 0) st = YM_ERROR(YM_EIO, "dump: cannot create group %s in %s", group, d->tmp);
        else H5Gclose(g);
    } else if (ex < 0) st = YM_ERROR(YM_EIO, "dump: cannot look up %s in %s", group, d->tmp);
    st = ym_status_agree(d->comm, st);
    if (!st) st = ym_status_agree(d->comm, dump_field(d, group, f, comp, t));
    return st;
}

int ym_dump_close(ym_dump *d, int commit)
{
    if (!d) return YM_OK;
    int st = YM_OK, rank;
    MPI_Comm_rank(d->comm, &rank);
    if (d->file >= 0 && H5Fclose(d->file) < 0) st = YM_ERROR(YM_EIO, "dump: cannot close %s", d->tmp);
    st = ym_status_agree(d->comm, st);
    if (rank == 0) {
        if (commit && !st) {
            if (rename(d->tmp, d->path) != 0) st = YM_ERROR(YM_EIO, "dump: cannot rename %s", d->tmp);
        } else remove(d->tmp);
    }
    st = ym_status_agree(d->comm, st);
    free(d->buf);
    free(d);
    return st;
}
