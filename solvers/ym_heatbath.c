/* Heatbath and overrelaxation (see ym_heatbath.h). */
#include "ym_heatbath.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ym_su.h"
#include "ym_rng.h"
#include "ym_status.h"

struct ym_heatbath {
    ym_heatbath_params p;
    const ym_geom *g;
    int N;
    size_t gsz, sz;         /* gsl state bytes; slot bytes (a multiple of 16, padding zero) */
    unsigned char *states;  /* one slot per interior site, interior order */
    int *slot;              /* storage index -> interior index (-1 in the halo) */
    int *list[4][2], nlist[4][2]; /* links U_mu(x) of the field by direction and parity */
};

void ym_heatbath_defaults(ym_heatbath_params *p)
{
    p->beta = 6.0;
    p->seed = 1;
    p->max_trials = 100;
    p->creutz_below = 5.5;
}

const ym_heatbath_params *ym_heatbath_get_params(const ym_heatbath *h) { return &h->p; }
size_t ym_heatbath_state_bytes(const ym_heatbath *h) { return h->sz; }

void ym_heatbath_free(ym_heatbath *h)
{
    if (!h) return;
    free(h->states);
    free(h->slot);
    for (int mu = 0; mu < 4; ++mu)
        for (int par = 0; par < 2; ++par) free(h->list[mu][par]);
    free(h);
}

int ym_heatbath_create(ym_heatbath **out, ym_gauge *u, const ym_heatbath_params *p)
{
    *out = NULL;
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    const int *L = ym_grid_L(ym_geom_grid(g));
    int st = YM_OK;
    if (!p || !(isfinite(p->beta) && p->beta > 0)) st = YM_ERROR(YM_EINVAL, "heatbath: beta must be finite and > 0");
    else if (p->max_trials < 1) st = YM_ERROR(YM_EINVAL, "heatbath: max_trials %d must be >= 1", p->max_trials);
    else if (!(isfinite(p->creutz_below) && p->creutz_below >= 0))
        st = YM_ERROR(YM_EINVAL, "heatbath: creutz_below must be finite and >= 0");
    for (int m = 0; !st && m < 4; ++m)
        if (ym_geom_bc(g, m) == YM_BC_PERIODIC && L[m] % 2)
            st = YM_ERROR(YM_EINVAL, "heatbath: periodic extent L%d = %d must be even (checkerboard)", m, L[m]);
    ym_heatbath *h = NULL;
    ym_rng *r = NULL;
    if (!st) {
        h = calloc(1, sizeof *h);
        if (!h) st = YM_ERROR(YM_ENOMEM, "heatbath: out of memory");
    }
    int nin = ym_geom_ninterior(g), ns = ym_geom_nsites(g);
    const int *in = ym_geom_interior(g);
    if (!st) {
        h->p = *p;
        h->g = g;
        h->N = ym_gauge_N(u);
        h->gsz = gsl_rng_ranlxd2->size;
        h->sz = (h->gsz + 15) / 16 * 16;
        h->states = calloc((size_t)nin, h->sz);
        h->slot = malloc(sizeof(int) * (size_t)ns);
        for (int mu = 0; mu < 4; ++mu)
            for (int par = 0; par < 2; ++par) {
                h->list[mu][par] = malloc(sizeof(int) * (size_t)(nin > 0 ? nin : 1));
                if (!h->list[mu][par]) st = YM_ENOMEM;
            }
        if (!h->states || !h->slot || st) st = YM_ERROR(YM_ENOMEM, "heatbath: out of memory for %d site streams", nin);
    }
    if (!st) st = ym_rng_create(&r, p->seed);
    if (!st) {
        for (int i = 0; i < ns; ++i) h->slot[i] = -1;
        int64_t vol = ym_grid_volume(ym_geom_grid(g));
        gsl_rng *gr = ym_rng_gsl(r);
        for (int i = 0; i < nin; ++i) {
            int x = in[i];
            h->slot[x] = i;
            /* padding and all: the saved states are the same bytes on every grid */
            memset(gr->state, 0, h->gsz);
            ym_rng_site(r, ym_geom_global_index(g, x), vol);
            memcpy(h->states + (size_t)i * h->sz, gr->state, h->gsz);
            unsigned f = ym_geom_flags(g, x);
            int par = ym_geom_parity(g, x);
            for (int mu = 0; mu < 4; ++mu)
                if (f & YM_GEOM_LINK(mu)) h->list[mu][par][h->nlist[mu][par]++] = x;
        }
    }
    ym_rng_free(r);
    st = ym_status_agree(comm, st);
    if (st) {
        ym_heatbath_free(h);
        return st;
    }
    *out = h;
    return YM_OK;
}

/* A gsl_rng over site x's slot: draws advance the slot in place. */
static gsl_rng site_rng(ym_heatbath *h, int x)
{
    gsl_rng r = {gsl_rng_ranlxd2, h->states + (size_t)h->slot[x] * h->sz};
    return r;
}

int ym_heatbath_su2_a0(gsl_rng *r, double alpha, int method, double creutz_below, int max_trials, double *x0)
{
    if (!(alpha > 0)) alpha = 0;
    int creutz = method == YM_HB_CREUTZ || alpha == 0 || (method == YM_HB_AUTO && alpha < creutz_below);
    if (creutz) {
        /* x with density exp(alpha x) on [-1, 1] by inversion, accepted with sqrt(1 - x^2) */
        double e = -expm1(-2 * alpha);
        for (int t = 1; t <= max_trials; ++t) {
            double y = gsl_rng_uniform(r);
            double x = alpha < 1e-300 ? 2 * y - 1 : 1 + log1p(-(1 - y) * e) / alpha;
            double a = gsl_rng_uniform(r);
            if (x >= -1 && a * a <= 1 - x * x) {
                *x0 = x;
                return t;
            }
        }
        return 0;
    }
    /* Kennedy-Pendleton: lambda^2 = (1 - x0)/2 is Gamma(3/2) / (2 alpha), accepted with sqrt(1 - lambda^2) */
    for (int t = 1; t <= max_trials; ++t) {
        double r1 = gsl_rng_uniform_pos(r), r2 = gsl_rng_uniform(r), r3 = gsl_rng_uniform_pos(r);
        double c = cos(2 * M_PI * r2);
        double lam2 = -(log(r1) + c * c * log(r3)) / (2 * alpha);
        double a = gsl_rng_uniform(r);
        if (a * a <= 1 - lam2) {
            *x0 = 1 - 2 * lam2;
            return t;
        }
    }
    return 0;
}

/* Quaternion part of the (i, j) block of M: block = k v + ..., v = [[v0 + i v3,
 * v2 + i v1], [-v2 + i v1, v0 - i v3]] in SU(2) (as ym_cool_su2_maximise). */
static double block_quaternion(int N, const ym_cplx *M, int i, int j, double v[4])
{
    ym_cplx m00 = M[i * N + i], m01 = M[i * N + j], m10 = M[j * N + i], m11 = M[j * N + j];
    v[0] = creal(m00 + m11) / 2, v[1] = cimag(m01 + m10) / 2, v[2] = creal(m01 - m10) / 2, v[3] = cimag(m00 - m11) / 2;
    double k = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2] + v[3] * v[3]);
    if (k > 0)
        for (int a = 0; a < 4; ++a) v[a] /= k;
    else
        v[0] = 1, v[1] = v[2] = v[3] = 0;
    return k;
}

/* U <- G U, M <- G M on rows i, j. */
static void apply_rows(int N, ym_cplx *U, ym_cplx *M, int i, int j, const ym_cplx G[4])
{
    for (int c = 0; c < N; ++c) {
        ym_cplx a = U[i * N + c], b = U[j * N + c];
        U[i * N + c] = G[0] * a + G[1] * b;
        U[j * N + c] = G[2] * a + G[3] * b;
        a = M[i * N + c], b = M[j * N + c];
        M[i * N + c] = G[0] * a + G[1] * b;
        M[j * N + c] = G[2] * a + G[3] * b;
    }
}

/* c = a b for 2x2. */
static void mul2(ym_cplx c[4], const ym_cplx a[4], const ym_cplx b[4])
{
    c[0] = a[0] * b[0] + a[1] * b[2];
    c[1] = a[0] * b[1] + a[1] * b[3];
    c[2] = a[2] * b[0] + a[3] * b[2];
    c[3] = a[2] * b[1] + a[3] * b[3];
}

static void vdagger(const double v[4], ym_cplx g[4])
{
    g[0] = v[0] - I * v[3], g[1] = -v[2] - I * v[1], g[2] = v[2] - I * v[1], g[3] = v[0] + I * v[3];
}

void ym_heatbath_link(ym_heatbath *h, ym_gauge *u, int x, int mu, const ym_cplx *A, ym_heatbath_counts *c)
{
    int N = h->N;
    ym_cplx *U = ym_gauge_link(u, x, mu), M[YM_NMAX * YM_NMAX];
    gsl_rng r = site_rng(h, x);
    ym_su_mul_nn(N, M, U, A);
    int changed = 0;
    for (int i = 0; i < N; ++i)
        for (int j = i + 1; j < N; ++j) {
            double v[4], x0;
            double k = block_quaternion(N, M, i, j, v);
            int n = ym_heatbath_su2_a0(&r, 2 * h->p.beta * k / N, YM_HB_AUTO, h->p.creutz_below, h->p.max_trials, &x0);
            ++c->updates;
            c->proposals += n ? n : h->p.max_trials;
            if (!n) { /* keep the link as it was before this subgroup */
                ++c->kept;
                continue;
            }
            double ct = 2 * gsl_rng_uniform(&r) - 1, ph = 2 * M_PI * gsl_rng_uniform(&r);
            double rr = sqrt(fmax(0, 1 - x0 * x0)), st = sqrt(fmax(0, 1 - ct * ct));
            double x1 = rr * st * cos(ph), x2 = rr * st * sin(ph), x3 = rr * ct;
            ym_cplx X[4] = {x0 + I * x3, x2 + I * x1, -x2 + I * x1, x0 - I * x3}, Vd[4], G[4];
            vdagger(v, Vd);
            mul2(G, X, Vd);
            apply_rows(N, U, M, i, j, G);
            changed = 1;
        }
    if (changed) ym_su_reunit(N, U); /* a link no subgroup changed stays bitwise the old one */
}

void ym_heatbath_or_link(int N, ym_cplx *U, const ym_cplx *A)
{
    ym_cplx M[YM_NMAX * YM_NMAX];
    ym_su_mul_nn(N, M, U, A);
    for (int i = 0; i < N; ++i)
        for (int j = i + 1; j < N; ++j) {
            double v[4];
            if (!(block_quaternion(N, M, i, j, v) > 0)) continue;
            ym_cplx Vd[4], G[4];
            vdagger(v, Vd);
            mul2(G, Vd, Vd);
            apply_rows(N, U, M, i, j, G);
        }
    ym_su_reunit(N, U);
}

static int check_field(ym_heatbath *h, ym_gauge *u)
{
    if (ym_gauge_geom(u) != h->g || ym_gauge_N(u) != h->N)
        return YM_ERROR(YM_EINVAL, "heatbath: the field is not the one the heatbath was set up for");
    return YM_OK;
}

int ym_heatbath_set_hot(ym_heatbath *h, ym_gauge *u)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(h->g));
    int st = ym_status_agree(comm, check_field(h, u));
    if (st) return st;
    const int *in = ym_geom_interior(h->g);
    for (int i = 0; i < ym_geom_ninterior(h->g); ++i) {
        gsl_rng r = site_rng(h, in[i]);
        for (int mu = 0; mu < 4; ++mu) ym_su_random_haar(h->N, ym_gauge_link(u, in[i], mu), &r);
    }
    return ym_gauge_halo_update(u);
}

/* The Wilson staple sum of U_mu(x), the same number as ym_cool_staple with
 * ym_cool_loops_wilson, bit for bit: the same products in the same order and
 * the same missing-link rules (open boundaries), without the walker's unit
 * start (its first product is a multiplication by 1), copies and index
 * bookkeeping; the first two factors of a lower staple are one a^dagger
 * b^dagger product, which rounds as the walker's a^dagger, then b^dagger.
 * Only zeros may differ in sign in a staple, and those vanish in the sum,
 * which starts from +0 as the walker's does. */
static void wilson_staple(ym_gauge *u, const ym_geom *g, int x, int mu, ym_cplx *A)
{
    int N = ym_gauge_N(u), xp = ym_geom_up(g, mu)[x];
    ym_cplx t[YM_NMAX * YM_NMAX], l[YM_NMAX * YM_NMAX];
    ym_su_zero(N, A);
    if (xp < 0) return;
    const int *dnm = ym_geom_dn(g, mu);
    for (int nu = 0; nu < 4; ++nu) {
        if (nu == mu) continue;
        const int *upn = ym_geom_up(g, nu), *dnn = ym_geom_dn(g, nu);
        const unsigned lm = YM_GEOM_LINK(mu), ln = YM_GEOM_LINK(nu);
        /* lower: U_nu(x+mu-nu)^dagger U_mu(x-nu)^dagger U_nu(x-nu) */
        int y1 = dnn[xp];
        if (y1 >= 0 && (ym_geom_flags(g, y1) & ln)) {
            int y2 = dnm[y1];
            if (y2 >= 0 && (ym_geom_flags(g, y2) & lm) && (ym_geom_flags(g, y2) & ln) && upn[y2] >= 0) {
                ym_su_mul_dd(N, t, ym_gauge_link(u, y1, nu), ym_gauge_link(u, y2, mu));
                ym_su_mul_nn(N, l, t, ym_gauge_link(u, y2, nu));
                for (int i = 0; i < N * N; ++i) A[i] += l[i];
            }
        }
        /* upper: U_nu(x+mu) U_mu(x+nu)^dagger U_nu(x)^dagger */
        if (ym_geom_flags(g, xp) & ln) {
            int z1 = upn[xp];
            if (z1 >= 0) {
                int z2 = dnm[z1];
                if (z2 >= 0 && (ym_geom_flags(g, z2) & lm)) {
                    int z3 = dnn[z2];
                    if (z3 >= 0 && (ym_geom_flags(g, z3) & ln)) {
                        ym_su_mul_nd(N, t, ym_gauge_link(u, xp, nu), ym_gauge_link(u, z2, mu));
                        ym_su_mul_nd(N, l, t, ym_gauge_link(u, z3, nu));
                        for (int i = 0; i < N * N; ++i) A[i] += l[i];
                    }
                }
            }
        }
    }
}

/* One sweep: heatbath (hb = 1) or overrelaxation, checkerboard by direction and parity. */
static int sweep(ym_heatbath *h, ym_gauge *u, int hb, ym_heatbath_counts *c)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(h->g));
    int st = ym_status_agree(comm, check_field(h, u));
    if (!st) st = ym_gauge_halo_update(u);
    if (st) return st;
    ym_heatbath_counts loc = {0, 0, 0};
    ym_cplx A[YM_NMAX * YM_NMAX];
    for (int mu = 0; mu < 4 && !st; ++mu)
        for (int par = 0; par < 2 && !st; ++par) {
            const int *lst = h->list[mu][par];
            for (int k = 0; k < h->nlist[mu][par]; ++k) {
                int x = lst[k];
                wilson_staple(u, h->g, x, mu, A);
                if (hb) ym_heatbath_link(h, u, x, mu, A, &loc);
                else ym_heatbath_or_link(h->N, ym_gauge_link(u, x, mu), A);
            }
            /* only direction mu changed: the other directions' halo is current */
            st = ym_gauge_halo_update_dir(u, mu);
        }
    st = ym_status_agree(comm, st);
    if (!st && hb && c) {
        int64_t v[3] = {loc.updates, loc.proposals, loc.kept};
        if (MPI_Allreduce(MPI_IN_PLACE, v, 3, MPI_INT64_T, MPI_SUM, comm) != MPI_SUCCESS)
            st = YM_ERROR(YM_EMPI, "heatbath: reducing the counts failed");
        c->updates += v[0], c->proposals += v[1], c->kept += v[2];
    }
    return st;
}

int ym_heatbath_sweep(ym_heatbath *h, ym_gauge *u, ym_heatbath_counts *c) { return sweep(h, u, 1, c); }
int ym_heatbath_or_sweep(ym_heatbath *h, ym_gauge *u) { return sweep(h, u, 0, NULL); }

/* ---- the streams' states, for checkpoints ---- */

unsigned char *ym_heatbath_streams(ym_heatbath *h, size_t *site_bytes)
{
    *site_bytes = h->sz;
    return h->states;
}

void ym_heatbath_stream_id(const ym_heatbath *h, char *buf, size_t len)
{
    static const unsigned one = 1;
    snprintf(buf, len, "%s seed %lu state_bytes %zu %s-endian", gsl_rng_ranlxd2->name, h->p.seed, h->sz,
             *(const unsigned char *)&one ? "little" : "big");
}
