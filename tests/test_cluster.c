/* Tests for lattice/ym_cluster (sign-coherent clusters of q(x)).
 *
 * Oracles:
 * - THEORY.md §E.3: q(x) = sum_k ±6 rho_k^4/(pi^2((x-x_k)^2+rho_k^2)^4)
 *   (the 16 nearest periodic images summed) with K well-separated objects gives exactly K
 *   clusters at lambda = 0.5, with the objects' signs and centres within one
 *   site of x_k.
 * - Hand-made patterns on a lattice whose four extents differ, with labels
 *   (smallest global index), volumes, extents, peaks and percolation worked
 *   out by hand: a line and a staircase that wrap the torus percolate; a loop
 *   with no winding, a cluster across the t = 0 seam and one touching both
 *   ends of a periodic direction do not; opposite signs never join; open
 *   boundaries cut the bond across the edge (and a cluster spanning an open
 *   direction percolates); masked sites are never marked, and a masked
 *   maximum does not set lambda*max|q|.
 * - An independent serial breadth-first search (unwrapped positions, so a
 *   winding shows as a position conflict) on pseudo-random fields: every
 *   site's label, every volume and every percolation flag agree.
 * - Invariances: a cyclic shift of q shifts every centre by the shift and
 *   keeps charges and volumes; reflecting one axis with q -> -q flips every
 *   sign and mirrors the centres (x -> L-1-x).
 * - Grid independence: every table, formatted with %.17g, is byte-identical
 *   to the one computed on MPI_COMM_SELF; with --all-grids for every process
 *   grid the run's rank count allows (the .mpi runs use 1, 2 and 4 ranks:
 *   4 grids of 2 ranks, 8 grids of 4 ranks).
 * - Occupied fraction: exactly round(f * unmasked) sites are marked even with
 *   ties, and they are the largest |q|.
 * - The lambda scan: packing fraction non-increasing in lambda, equal to the
 *   marked volume of ym_cluster_find at each lambda.
 * - Matching: an object moved by a fraction of a site is matched to itself, an
 *   object whose sign flipped is not matched.
 */
#include "common.h"

#include <math.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static int64_t gidx_of(const int L[4], const int x[4])
{
    return x[0] + (int64_t)L[0] * (x[1] + (int64_t)L[1] * (x[2] + (int64_t)L[2] * x[3]));
}

static int64_t vol_of(const int L[4]) { return (int64_t)L[0] * L[1] * L[2] * L[3]; }

static void coords_of(const int L[4], int64_t g, int x[4])
{
    for (int mu = 0; mu < 4; ++mu) {
        x[mu] = (int)(g % L[mu]);
        g /= L[mu];
    }
}

/* f(x) = v[global index of x] on the interior. */
static void fill_from(ym_field *f, const double *v)
{
    const ym_geom *g = ym_field_geom(f);
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < ym_geom_ninterior(g); ++i) ym_field_site(f, in[i])[0] = v[ym_geom_global_index(g, in[i])];
}

/* Lattice set-up on comm with halo depth 1 and no gauge field. */
typedef struct {
    test_lat t;
    ym_field *q, *s, *mask, *lab;
} lat4;

static int lat4_create(lat4 *a, MPI_Comm comm, const int L[4], const int pd[4], const int bc[4])
{
    memset(a, 0, sizeof *a);
    int st = test_lat_create(&a->t, comm, L, pd, 1, bc, 0);
    if (!st) st = ym_field_create(&a->q, a->t.geom, 1);
    if (!st) st = ym_field_create(&a->s, a->t.geom, 1);
    if (!st) st = ym_field_create(&a->mask, a->t.geom, 1);
    if (!st) st = ym_field_create(&a->lab, a->t.geom, 1);
    return st;
}

static void lat4_free(lat4 *a)
{
    ym_field_free(a->q);
    ym_field_free(a->s);
    ym_field_free(a->mask);
    ym_field_free(a->lab);
    test_lat_free(&a->t);
}

/* One table as text, %.17g, one row per cluster (plus the cut). */
static char *format_table(const ym_cluster *c, int n, double cut)
{
    size_t cap = 64 + (size_t)n * 512, len = 0;
    char *s = malloc(cap);
    if (!s) return NULL;
    len += (size_t)snprintf(s + len, cap - len, "cut %.17g n %d\n", cut, n);
    for (int i = 0; i < n; ++i)
        len += (size_t)snprintf(s + len, cap - len,
                                "%lld %d %.17g %.17g %lld %.17g %.17g %.17g %.17g %d %d %d %d %.17g %lld %d\n",
                                (long long)c[i].label, c[i].sign, c[i].charge, c[i].action_over_8pi2,
                                (long long)c[i].volume, c[i].center[0], c[i].center[1], c[i].center[2],
                                c[i].center[3], c[i].extent[0], c[i].extent[1], c[i].extent[2], c[i].extent[3],
                                c[i].q_peak, (long long)c[i].peak_site, c[i].percolates);
    return s;
}

/* splitmix64: a per-site pseudo-random value that does not depend on the grid. */
static double hash_u(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return (double)(x >> 11) / 9007199254740992.0; /* [0, 1) */
}

/* ---- independent reference: breadth-first search on the global lattice ---- */

typedef struct {
    int64_t *label; /* per site, -1 unmarked */
    int64_t ncl;
    unsigned char *perc; /* per site: its cluster percolates */
} ref_result;

static void ref_free(ref_result *r)
{
    free(r->label);
    free(r->perc);
}

/* marked: sign per site (0 = unmarked). */
static int ref_clusters(const int L[4], const int bc[4], const signed char *marked, ref_result *r)
{
    int64_t V = vol_of(L);
    r->label = malloc(sizeof(int64_t) * (size_t)V);
    r->perc = calloc((size_t)V, 1);
    int64_t *queue = malloc(sizeof(int64_t) * (size_t)V);
    int64_t(*pos)[4] = malloc(sizeof *pos * (size_t)V);
    if (!r->label || !r->perc || !queue || !pos) return 1;
    for (int64_t i = 0; i < V; ++i) r->label[i] = -1;
    r->ncl = 0;
    for (int64_t seed = 0; seed < V; ++seed) {
        if (!marked[seed] || r->label[seed] >= 0) continue;
        ++r->ncl;
        int64_t head = 0, tail = 0;
        int wraps = 0, lo[4], hi[4];
        queue[tail++] = seed;
        r->label[seed] = seed;
        int x0[4];
        coords_of(L, seed, x0);
        for (int mu = 0; mu < 4; ++mu) {
            pos[seed][mu] = x0[mu];
            lo[mu] = hi[mu] = x0[mu];
        }
        while (head < tail) {
            int64_t a = queue[head++];
            int x[4];
            coords_of(L, a, x);
            for (int mu = 0; mu < 4; ++mu) {
                if (x[mu] < lo[mu]) lo[mu] = x[mu];
                if (x[mu] > hi[mu]) hi[mu] = x[mu];
                for (int dir = -1; dir <= 1; dir += 2) {
                    int y[4] = {x[0], x[1], x[2], x[3]};
                    y[mu] += dir;
                    if (y[mu] < 0 || y[mu] >= L[mu]) {
                        if (bc[mu] == YM_BC_OPEN || L[mu] == 1) continue;
                        y[mu] = (y[mu] + L[mu]) % L[mu];
                    }
                    int64_t b = gidx_of(L, y);
                    if (marked[b] != marked[a]) continue;
                    int64_t p[4] = {pos[a][0], pos[a][1], pos[a][2], pos[a][3]};
                    p[mu] += dir;
                    if (r->label[b] < 0) {
                        r->label[b] = seed;
                        memcpy(pos[b], p, sizeof p);
                        queue[tail++] = b;
                    } else if (memcmp(pos[b], p, sizeof p) != 0) {
                        wraps = 1;
                    }
                }
            }
        }
        for (int mu = 0; mu < 4; ++mu)
            if (bc[mu] == YM_BC_OPEN && L[mu] > 1 && lo[mu] == 0 && hi[mu] == L[mu] - 1) wraps = 1;
        for (int64_t k = 0; k < tail; ++k) r->perc[queue[k]] = (unsigned char)wraps;
    }
    free(queue);
    free(pos);
    return 0;
}

/* Compare a run (table + label field) with the reference. */
static int agrees_with_ref(lat4 *a, const ym_cluster *c, int n, const ref_result *r, const double *q)
{
    const int *L = ym_grid_L(a->t.grid);
    int ok = n == r->ncl;
    const int *in = ym_geom_interior(a->t.geom);
    for (int i = 0; i < ym_geom_ninterior(a->t.geom); ++i) {
        int64_t g = ym_geom_global_index(a->t.geom, in[i]);
        if (ym_field_site(a->lab, in[i])[0] != (double)r->label[g]) ok = 0;
    }
    int64_t V = vol_of(L);
    for (int k = 0; ok && k < n; ++k) {
        int64_t vol = 0, lab = c[k].label;
        double qsum = 0;
        int perc = -1;
        if (lab < 0 || lab >= V || r->label[lab] != lab) {
            ok = 0;
            break;
        }
        for (int64_t g = lab; g < V; ++g)
            if (r->label[g] == lab) {
                ++vol;
                qsum += q[g];
                perc = r->perc[g];
            }
        if (vol != c[k].volume || perc != c[k].percolates || (qsum > 0 ? 1 : -1) != c[k].sign) ok = 0;
        if (fabs(qsum - c[k].charge) > 1e-12 * (1 + fabs(qsum))) ok = 0;
        if (k > 0 && c[k].label <= c[k - 1].label) ok = 0;
    }
    return ok;
}

/* ---- the grids to run on ---- */

static int grids_for(int P, const int L[4], int (*out)[4], int max)
{
    int n = 0;
    for (int a = 1; a <= P; ++a)
        for (int b = 1; b <= P; ++b)
            for (int c = 1; c <= P; ++c)
                for (int d = 1; d <= P; ++d) {
                    if (a * b * c * d != P || L[0] % a || L[1] % b || L[2] % c || L[3] % d || n >= max) continue;
                    out[n][0] = a;
                    out[n][1] = b;
                    out[n][2] = c;
                    out[n][3] = d;
                    ++n;
                }
    return n;
}

/* ---- hand-made patterns ---- */

typedef struct {
    int sign, n;
    int x[8][4];
    double v[8];
    int ext[4];
    int perc;
} pattern;

/* On L = 8x6x4x10 (splits at x = 4, y = 3, z = 2, t = 5 on 2 ranks). */
static const pattern PAT[] = {
    /* a line around x: wraps */
    {1, 8, {{0, 1, 1, 2}, {1, 1, 1, 2}, {2, 1, 1, 2}, {3, 1, 1, 2}, {4, 1, 1, 2}, {5, 1, 1, 2}, {6, 1, 1, 2}, {7, 1, 1, 2}},
     {1, 1, 1, 1, 1, 1, 1, 1}, {8, 1, 1, 1}, 1},
    /* an L in x, y, z; peak 1.5 at (3,4,2,5) */
    {1, 4, {{2, 3, 2, 5}, {3, 3, 2, 5}, {3, 4, 2, 5}, {3, 4, 3, 5}}, {0.6, 0.9, 1.5, 0.7}, {2, 2, 2, 1}, 0},
    /* across the t seam, touching t = 0 and t = 9 without wrapping */
    {1, 3, {{5, 0, 0, 9}, {5, 0, 0, 0}, {5, 0, 0, 1}}, {1, 1, 1}, {1, 1, 1, 3}, 0},
    /* negative, next to the L: never joins it */
    {-1, 2, {{4, 4, 2, 5}, {4, 4, 3, 5}}, {-1, -2}, {1, 1, 2, 1}, 0},
    /* a staircase across x, y and z rank faces */
    {1, 5, {{3, 2, 1, 7}, {4, 2, 1, 7}, {4, 3, 1, 7}, {4, 3, 2, 7}, {4, 3, 2, 8}}, {1, 1, 1, 1, 1}, {2, 2, 2, 2}, 0},
    /* a loop across x and y faces with no winding */
    {1, 4, {{3, 2, 3, 2}, {4, 2, 3, 2}, {4, 3, 3, 2}, {3, 3, 3, 2}}, {1, 1, 1, 1}, {2, 2, 1, 1}, 0},
    /* a crooked path around y: wraps */
    {-1, 8, {{6, 0, 0, 4}, {6, 1, 0, 4}, {6, 2, 0, 4}, {7, 2, 0, 4}, {7, 3, 0, 4}, {7, 4, 0, 4}, {7, 5, 0, 4}, {7, 0, 0, 4}},
     {-1, -1, -1, -1, -1, -1, -1, -1}, {2, 6, 1, 1}, 1},
    /* across the x seam */
    {1, 4, {{6, 5, 3, 0}, {7, 5, 3, 0}, {0, 5, 3, 0}, {1, 5, 3, 0}}, {1, 1, 1, 1}, {4, 1, 1, 1}, 0},
    /* around z (extent 4) */
    {-1, 4, {{1, 4, 0, 8}, {1, 4, 1, 8}, {1, 4, 2, 8}, {1, 4, 3, 8}}, {-1, -1, -1, -1}, {1, 1, 4, 1}, 1},
    /* a single site */
    {1, 1, {{0, 0, 2, 6}}, {1}, {1, 1, 1, 1}, 0},
};
#define NPAT ((int)(sizeof PAT / sizeof PAT[0]))

static const int PL[4] = {8, 6, 4, 10};

static void pattern_field(double *q)
{
    memset(q, 0, sizeof(double) * (size_t)vol_of(PL));
    for (int p = 0; p < NPAT; ++p)
        for (int k = 0; k < PAT[p].n; ++k) q[gidx_of(PL, PAT[p].x[k])] = PAT[p].v[k];
    int below[4] = {2, 2, 2, 2};
    q[gidx_of(PL, below)] = 0.3; /* under the cut */
}

static int64_t pattern_label(int p)
{
    int64_t m = INT64_MAX;
    for (int k = 0; k < PAT[p].n; ++k) {
        int64_t g = gidx_of(PL, PAT[p].x[k]);
        if (g < m) m = g;
    }
    return m;
}

static const ym_cluster *by_label(const ym_cluster *c, int n, int64_t label)
{
    for (int i = 0; i < n; ++i)
        if (c[i].label == label) return &c[i];
    return NULL;
}

static void marks_abs(const double *q, const double *mask, int64_t V, double cut, signed char *m)
{
    for (int64_t g = 0; g < V; ++g) m[g] = (!mask || mask[g] == 0) && fabs(q[g]) > cut ? (q[g] > 0 ? 1 : -1) : 0;
}

static void test_patterns(const int pd[4], const char *gname)
{
    int64_t V = vol_of(PL);
    double *q = malloc(sizeof(double) * (size_t)V), *mask = calloc((size_t)V, sizeof(double));
    signed char *mk = malloc((size_t)V);
    pattern_field(q);
    int bcp[4] = {0, 0, 0, 0}, bco[4] = {YM_BC_OPEN, 0, 0, YM_BC_OPEN};
    lat4 a;
    int st = lat4_create(&a, MPI_COMM_WORLD, PL, pd, bcp);
    if (!tap_ok(st == YM_OK, "patterns [%s]: lattice 8x6x4x10", gname)) goto out;
    fill_from(a.q, q);
    ym_cluster *c = NULL;
    int n = 0;
    double cut = -1;
    st = ym_cluster_find(a.q, NULL, NULL, YM_CLUSTER_ABSOLUTE, 0.5, a.lab, &c, &n, &cut);
    int ok = st == YM_OK && n == NPAT && cut == 0.5;
    for (int p = 0; ok && p < NPAT; ++p) {
        const ym_cluster *x = by_label(c, n, pattern_label(p));
        if (!x || x->sign != PAT[p].sign || x->volume != PAT[p].n || x->percolates != PAT[p].perc) {
            tap_diag("pattern %d wrong", p);
            ok = 0;
            break;
        }
        for (int mu = 0; mu < 4; ++mu) ok = ok && x->extent[mu] == PAT[p].ext[mu];
        double sum = 0;
        for (int k = 0; k < PAT[p].n; ++k) sum += PAT[p].v[k];
        ok = ok && fabs(x->charge - sum) < 1e-14 && x->action_over_8pi2 == 0;
    }
    tap_ok(ok, "patterns [%s]: %d clusters with hand-made labels, signs, volumes, extents, charges, percolation",
           gname, NPAT);
    const ym_cluster *L2 = ok ? by_label(c, n, pattern_label(1)) : NULL;
    int pk[4] = {3, 4, 2, 5};
    tap_ok(L2 && L2->q_peak == 1.5 && L2->peak_site == gidx_of(PL, pk), "patterns [%s]: peak q and site", gname);
    const ym_cluster *T = ok ? by_label(c, n, pattern_label(2)) : NULL;
    tap_ok(T && (fabs(T->center[3]) < 1e-12 || fabs(T->center[3] - 10) < 1e-12) && fabs(T->center[0] - 5) < 1e-12,
           "patterns [%s]: centre across the t seam is t = 0 (circular mean)", gname);
    marks_abs(q, NULL, V, 0.5, mk);
    ref_result r;
    int rst = ref_clusters(PL, bcp, mk, &r);
    tap_ok(!rst && st == YM_OK && agrees_with_ref(&a, c, n, &r, q), "patterns [%s]: labels per site = BFS reference",
           gname);
    ref_free(&r);
    free(c);
    c = NULL;

    /* Masked: split the L at (3,3,2,5); a masked maximum does not set the lambda cut. */
    int mx[4] = {3, 3, 2, 5}, big[4] = {2, 0, 3, 3};
    mask[gidx_of(PL, mx)] = 1;
    mask[gidx_of(PL, big)] = 1;
    q[gidx_of(PL, big)] = 100;
    fill_from(a.q, q);
    fill_from(a.mask, mask);
    st = ym_cluster_find(a.q, NULL, a.mask, YM_CLUSTER_LAMBDA, 0.4, a.lab, &c, &n, &cut);
    marks_abs(q, mask, V, 0.4 * 2.0, mk);
    rst = ref_clusters(PL, bcp, mk, &r);
    tap_ok(st == YM_OK && cut == 0.4 * 2.0 && !rst && agrees_with_ref(&a, c, n, &r, q),
           "patterns [%s]: masked sites skipped, masked maximum ignored (cut %g)", gname, cut);
    const int *in = ym_geom_interior(a.t.geom);
    int mok = 1;
    for (int i = 0; i < ym_geom_ninterior(a.t.geom); ++i) {
        int64_t g = ym_geom_global_index(a.t.geom, in[i]);
        if (mask[g] != 0 && ym_field_site(a.lab, in[i])[0] != -1) mok = 0;
    }
    ref_free(&r);
    free(c);
    c = NULL;
    st = ym_cluster_find(a.q, NULL, a.mask, YM_CLUSTER_ABSOLUTE, 0.5, a.lab, &c, &n, &cut);
    tap_ok(mok && st == YM_OK && n == NPAT + 1, "patterns [%s]: the masked site splits the L (%d clusters)", gname, n);
    free(c);
    c = NULL;
    lat4_free(&a);

    /* Open x and t: the x seam and the t seam are cut; the x line spans x and percolates. */
    pattern_field(q);
    st = lat4_create(&a, MPI_COMM_WORLD, PL, pd, bco);
    if (!tap_ok(st == YM_OK, "patterns [%s]: open lattice", gname)) goto out;
    fill_from(a.q, q);
    st = ym_cluster_find(a.q, NULL, NULL, YM_CLUSTER_ABSOLUTE, 0.5, a.lab, &c, &n, &cut);
    marks_abs(q, NULL, V, 0.5, mk);
    rst = ref_clusters(PL, bco, mk, &r);
    const ym_cluster *line = st ? NULL : by_label(c, n, pattern_label(0));
    tap_ok(st == YM_OK && n == NPAT + 2 && line && line->percolates && line->volume == 8 && !rst &&
               agrees_with_ref(&a, c, n, &r, q),
           "patterns [%s]: open boundaries cut two seams (%d clusters), the x line spans", gname, n);
    int c0[4] = {5, 0, 0, 0}, c9[4] = {5, 0, 0, 9}, x0[4] = {0, 5, 3, 0};
    const ym_cluster *a0 = st ? NULL : by_label(c, n, gidx_of(PL, c0)), *a9 = st ? NULL : by_label(c, n, gidx_of(PL, c9));
    const ym_cluster *b0 = st ? NULL : by_label(c, n, gidx_of(PL, x0));
    tap_ok(a0 && a9 && b0 && a0->volume == 2 && a9->volume == 1 && b0->volume == 2 &&
               fabs(a0->center[3] - 0.5) < 1e-14 && fabs(b0->center[0] - 0.5) < 1e-14,
           "patterns [%s]: the cut pieces and their plain-mean centres on open directions", gname);
    ref_free(&r);
    free(c);
    lat4_free(&a);
out:
    free(q);
    free(mask);
    free(mk);
}

/* ---- random fields against the reference, and byte-identical tables ---- */

static void random_field(const int L[4], uint64_t seed, int ties, double *q, double *s, double *mask)
{
    int64_t V = vol_of(L);
    for (int64_t g = 0; g < V; ++g) {
        double u = 2 * hash_u(seed * 1000003ULL + (uint64_t)g) - 1;
        q[g] = ties ? round(4 * u) / 4 : u;
        s[g] = 8 * M_PI * M_PI * fabs(q[g]) * (1 + 0.1 * hash_u(seed + 7 + (uint64_t)g * 31));
        mask[g] = hash_u(seed * 77 + (uint64_t)g) < 0.1;
    }
}

typedef struct {
    int mode;
    double value;
    int use_mask;
    int ties;
    int open;
} run_case;

static const run_case CASES[] = {
    {YM_CLUSTER_LAMBDA, 0.3, 0, 0, 0},  {YM_CLUSTER_LAMBDA, 0.6, 1, 0, 1},
    {YM_CLUSTER_ABSOLUTE, 0.5, 1, 0, 0}, {YM_CLUSTER_FRACTION, 0.25, 0, 1, 0},
    {YM_CLUSTER_FRACTION, 0.4, 1, 1, 1}, {YM_CLUSTER_LAMBDA, 0.1, 0, 0, 0},
};
#define NCASES ((int)(sizeof CASES / sizeof CASES[0]))

/* Run case k on comm/pd; returns the formatted table (malloc'ed) and checks against the reference. */
static char *run_random(MPI_Comm comm, const int pd[4], int k, int *agree)
{
    const int *L = PL;
    int64_t V = vol_of(L);
    const run_case *rc = &CASES[k];
    int bc[4] = {0, 0, 0, 0};
    if (rc->open) bc[1] = bc[3] = YM_BC_OPEN;
    double *q = malloc(sizeof(double) * (size_t)V), *s = malloc(sizeof(double) * (size_t)V),
           *mask = malloc(sizeof(double) * (size_t)V);
    signed char *mk = calloc((size_t)V, 1);
    random_field(L, 11 + (uint64_t)k, rc->ties, q, s, mask);
    if (!rc->use_mask) memset(mask, 0, sizeof(double) * (size_t)V);
    lat4 a;
    char *txt = NULL;
    *agree = 0;
    if (lat4_create(&a, comm, L, pd, bc) == YM_OK) {
        fill_from(a.q, q);
        fill_from(a.s, s);
        fill_from(a.mask, mask);
        ym_cluster *c = NULL;
        int n = 0;
        double cut = 0;
        if (ym_cluster_find(a.q, a.s, a.mask, rc->mode, rc->value, a.lab, &c, &n, &cut) == YM_OK) {
            txt = format_table(c, n, cut);
            if (comm == MPI_COMM_SELF) {
                int np = 0;
                int64_t big = 0;
                for (int i = 0; i < n; ++i) {
                    np += c[i].percolates;
                    if (c[i].volume > big) big = c[i].volume;
                }
                tap_diag("case %d: %d clusters, %d percolate, largest %lld sites, cut %g", k, n, np, (long long)big, cut);
            }
            /* Marks for the reference: by the cut, and for the fraction mode the
             * first m in (|q| desc, index asc) order. */
            if (rc->mode != YM_CLUSTER_FRACTION) {
                marks_abs(q, mask, V, cut, mk);
            } else {
                int64_t nun = 0, m, done = 0;
                for (int64_t g = 0; g < V; ++g) nun += mask[g] == 0;
                m = llround(rc->value * (double)nun);
                for (int64_t g = 0; g < V; ++g)
                    if (mask[g] == 0 && q[g] != 0 && fabs(q[g]) > cut) {
                        mk[g] = q[g] > 0 ? 1 : -1;
                        ++done;
                    }
                for (int64_t g = 0; g < V && done < m; ++g)
                    if (mask[g] == 0 && q[g] != 0 && fabs(q[g]) == cut) {
                        mk[g] = q[g] > 0 ? 1 : -1;
                        ++done;
                    }
            }
            ref_result r;
            if (!ref_clusters(L, bc, mk, &r)) *agree = agrees_with_ref(&a, c, n, &r, q);
            double act = 0;
            for (int i = 0; i < n; ++i) act += c[i].action_over_8pi2;
            if (!(act > 0)) *agree = 0;
            ref_free(&r);
            free(c);
        }
    }
    lat4_free(&a);
    free(q);
    free(s);
    free(mask);
    free(mk);
    return txt;
}

static void test_random(const int pd[4], const char *gname, char **serial)
{
    for (int k = 0; k < NCASES; ++k) {
        int agree = 0;
        char *txt = run_random(MPI_COMM_WORLD, pd, k, &agree);
        tap_ok(agree, "random [%s] case %d: labels, volumes, charges, percolation = BFS reference", gname, k);
        tap_ok(txt && serial[k] && !strcmp(txt, serial[k]), "random [%s] case %d: table byte-identical to 1 rank",
               gname, k);
        free(txt);
    }
}

/* ---- planted objects (THEORY §E.3) ---- */

typedef struct {
    double x[4], rho;
    int sign;
} object;

static const int QL[4] = {20, 18, 16, 14};
static const object OBJ[] = {
    {{4.2, 3.7, 4.1, 3.25}, 2.5, 1},
    {{14.1, 12.7, 4.3, 10.2}, 2.6, -1},
    {{3.8, 13.3, 11.8, 9.9}, 2.7, 1},
    {{13.7, 4.2, 12.2, 3.1}, 2.6, -1},
};
#define NOBJ ((int)(sizeof OBJ / sizeof OBJ[0]))

/* Sum over the 16 nearest periodic images of each object (the minimal image
 * and the next one in every direction; each farther image adds < 1e-7 of a peak). */
static void planted(const int L[4], const object *o, int K, double *q)
{
    int64_t V = vol_of(L);
    for (int64_t g = 0; g < V; ++g) {
        int x[4];
        coords_of(L, g, x);
        double v = 0;
        for (int k = 0; k < K; ++k) {
            double r2 = o[k].rho * o[k].rho, c = 6 * r2 * r2 / (M_PI * M_PI), d0[4], d1[4];
            for (int mu = 0; mu < 4; ++mu) {
                double d = x[mu] - o[k].x[mu];
                d -= L[mu] * round(d / L[mu]);
                d0[mu] = d;
                d1[mu] = d - (d >= 0 ? L[mu] : -L[mu]);
            }
            for (int n = 0; n < 16; ++n) {
                double d2 = r2;
                for (int mu = 0; mu < 4; ++mu) {
                    double d = (n >> mu) & 1 ? d1[mu] : d0[mu];
                    d2 += d * d;
                }
                d2 *= d2;
                v += o[k].sign * c / (d2 * d2);
            }
        }
        q[g] = v;
    }
}

static double torus_dist(double a, double b, double L)
{
    double d = fmod(fabs(a - b), L);
    return d > L / 2 ? L - d : d;
}

static int find_on(lat4 *a, const double *q, ym_cluster **c, int *n)
{
    fill_from(a->q, q);
    return ym_cluster_find(a->q, NULL, NULL, YM_CLUSTER_LAMBDA, 0.5, a->lab, c, n, NULL);
}

static void test_planted(const int pd[4], const char *gname)
{
    int64_t V = vol_of(QL);
    double *q = malloc(sizeof(double) * (size_t)V), *q2 = malloc(sizeof(double) * (size_t)V);
    planted(QL, OBJ, NOBJ, q);
    int bc[4] = {0, 0, 0, 0};
    lat4 a, self;
    int st = lat4_create(&a, MPI_COMM_WORLD, QL, pd, bc);
    if (!st) st = lat4_create(&self, MPI_COMM_SELF, QL, NULL, bc);
    if (!tap_ok(st == YM_OK, "planted [%s]: lattice 20x18x16x14", gname)) {
        free(q);
        free(q2);
        return;
    }
    ym_cluster *c = NULL, *cs = NULL;
    int n = 0, ns = 0;
    st = find_on(&a, q, &c, &n);
    int ok = st == YM_OK && n == NOBJ;
    for (int k = 0; ok && k < NOBJ; ++k) {
        int hit = 0;
        for (int i = 0; i < n; ++i) {
            int near = 1;
            for (int mu = 0; mu < 4; ++mu) near = near && torus_dist(c[i].center[mu], OBJ[k].x[mu], QL[mu]) <= 1.0;
            if (near && c[i].sign == OBJ[k].sign) ++hit;
        }
        ok = hit == 1;
    }
    tap_ok(ok, "planted [%s]: %d objects give exactly %d clusters at lambda 0.5, signs right, centres within 1 site",
           gname, NOBJ, n);
    st = find_on(&self, q, &cs, &ns);
    char *t1 = c ? format_table(c, n, 0) : NULL, *t2 = cs ? format_table(cs, ns, 0) : NULL;
    tap_ok(t1 && t2 && !strcmp(t1, t2), "planted [%s]: table byte-identical to 1 rank", gname);
    free(t1);
    free(t2);
    free(cs);
    cs = NULL;

    /* Cyclic shift by d: q'(x) = q(x - d). */
    const int d[4] = {7, -5, 3, 9};
    for (int64_t g = 0; g < V; ++g) {
        int x[4];
        coords_of(QL, g, x);
        for (int mu = 0; mu < 4; ++mu) x[mu] = ((x[mu] - d[mu]) % QL[mu] + QL[mu]) % QL[mu];
        q2[g] = q[gidx_of(QL, x)];
    }
    st = find_on(&a, q2, &cs, &ns);
    ok = st == YM_OK && ns == n;
    for (int i = 0; ok && i < n; ++i) {
        int x[4];
        coords_of(QL, c[i].peak_site, x);
        for (int mu = 0; mu < 4; ++mu) x[mu] = ((x[mu] + d[mu]) % QL[mu] + QL[mu]) % QL[mu];
        const ym_cluster *m = NULL;
        for (int j = 0; j < ns; ++j)
            if (cs[j].peak_site == gidx_of(QL, x)) m = &cs[j];
        ok = m && m->volume == c[i].volume && m->sign == c[i].sign && m->q_peak == c[i].q_peak &&
             fabs(m->charge - c[i].charge) <= 1e-14 * fabs(c[i].charge);
        for (int mu = 0; ok && mu < 4; ++mu) {
            ok = m->extent[mu] == c[i].extent[mu] && torus_dist(m->center[mu], c[i].center[mu] + d[mu], QL[mu]) < 1e-9;
        }
    }
    tap_ok(ok, "planted [%s]: a cyclic shift shifts every centre, keeps charges, volumes, extents", gname);
    free(cs);
    cs = NULL;

    /* Reflection of y with q -> -q. */
    for (int64_t g = 0; g < V; ++g) {
        int x[4];
        coords_of(QL, g, x);
        x[1] = QL[1] - 1 - x[1];
        q2[g] = -q[gidx_of(QL, x)];
    }
    st = find_on(&a, q2, &cs, &ns);
    ok = st == YM_OK && ns == n;
    for (int i = 0; ok && i < n; ++i) {
        int x[4];
        coords_of(QL, c[i].peak_site, x);
        x[1] = QL[1] - 1 - x[1];
        const ym_cluster *m = NULL;
        for (int j = 0; j < ns; ++j)
            if (cs[j].peak_site == gidx_of(QL, x)) m = &cs[j];
        ok = m && m->volume == c[i].volume && m->sign == -c[i].sign && m->q_peak == -c[i].q_peak &&
             fabs(m->charge + c[i].charge) <= 1e-14 * fabs(c[i].charge);
        for (int mu = 0; ok && mu < 4; ++mu) {
            double want = mu == 1 ? QL[1] - 1 - c[i].center[1] : c[i].center[mu];
            ok = torus_dist(m->center[mu], want, QL[mu]) < 1e-9;
        }
    }
    tap_ok(ok, "planted [%s]: reflecting y with q -> -q flips signs and mirrors centres", gname);
    free(cs);
    cs = NULL;

    /* Match: move object 0 by 0.4 site, flip the sign of object 1. */
    ym_field *lab0 = NULL;
    st = ym_field_create(&lab0, a.t.geom, 1);
    if (!st) { /* the original field again, its labels kept in lab0 */
        free(c);
        c = NULL;
        fill_from(a.q, q);
        st = ym_cluster_find(a.q, NULL, NULL, YM_CLUSTER_LAMBDA, 0.5, lab0, &c, &n, NULL);
    }
    object moved[NOBJ];
    memcpy(moved, OBJ, sizeof moved);
    moved[0].x[0] += 0.4;
    moved[0].x[2] -= 0.3;
    moved[1].sign = -moved[1].sign;
    planted(QL, moved, NOBJ, q2);
    if (!st) st = find_on(&a, q2, &cs, &ns);
    int *match = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    if (!st) st = ym_cluster_match(lab0, c, n, a.lab, cs, ns, match);
    ok = st == YM_OK && ns == n;
    for (int i = 0; ok && i < n; ++i) {
        int k1 = torus_dist(c[i].center[0], OBJ[1].x[0], QL[0]) <= 1 && torus_dist(c[i].center[1], OBJ[1].x[1], QL[1]) <= 1;
        if (k1) ok = match[i] == -1;
        else if (match[i] < 0) ok = 0;
        else {
            const ym_cluster *m = &cs[match[i]];
            for (int mu = 0; mu < 4; ++mu)
                ok = ok && torus_dist(m->center[mu], c[i].center[mu], QL[mu]) <= 1.0;
        }
    }
    tap_ok(ok, "planted [%s]: a moved object matches itself, a sign-flipped one matches nothing", gname);
    free(match);
    ym_field_free(lab0);

    /* Lambda scan. */
    double lam[] = {0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9};
    int nl = (int)(sizeof lam / sizeof lam[0]);
    ym_cluster_scan_row rows[7];
    fill_from(a.q, q);
    st = ym_cluster_scan(a.q, NULL, lam, nl, rows);
    ok = st == YM_OK;
    for (int k = 0; ok && k < nl; ++k) {
        ym_cluster *cc = NULL;
        int nc = 0;
        ok = ym_cluster_find(a.q, NULL, NULL, YM_CLUSTER_LAMBDA, lam[k], NULL, &cc, &nc, NULL) == YM_OK;
        int64_t occ = 0, big = 0;
        for (int i = 0; ok && i < nc; ++i) {
            occ += cc[i].volume;
            if (cc[i].volume > big) big = cc[i].volume;
        }
        ok = ok && rows[k].nclusters == nc && rows[k].largest == big && rows[k].packing == (double)occ / (double)V;
        if (k > 0) ok = ok && rows[k].packing <= rows[k - 1].packing;
        free(cc);
    }
    tap_ok(ok && rows[4].nclusters == NOBJ, "planted [%s]: lambda scan consistent with find, packing non-increasing",
           gname);
    tap_diag("scan: lambda %g: %d clusters, packing %g; lambda %g: %d clusters, packing %g", rows[0].lambda,
             rows[0].nclusters, rows[0].packing, rows[nl - 1].lambda, rows[nl - 1].nclusters, rows[nl - 1].packing);
    free(c);
    free(cs);
    lat4_free(&a);
    lat4_free(&self);
    free(q);
    free(q2);
}

/* ---- occupied fraction ---- */

static void test_fraction(const int pd[4], const char *gname)
{
    int64_t V = vol_of(PL);
    double *q = malloc(sizeof(double) * (size_t)V), *s = malloc(sizeof(double) * (size_t)V),
           *mask = malloc(sizeof(double) * (size_t)V);
    random_field(PL, 5, 1, q, s, mask);
    for (int64_t g = 0; g < V; ++g)
        if (q[g] == 0) q[g] = 0.125; /* no zeros: every count is reachable */
    int bc[4] = {0, 0, 0, 0};
    lat4 a;
    int ok = lat4_create(&a, MPI_COMM_WORLD, PL, pd, bc) == YM_OK;
    if (ok) {
        fill_from(a.q, q);
        fill_from(a.mask, mask);
    }
    int64_t nun = 0;
    for (int64_t g = 0; g < V; ++g) nun += mask[g] == 0;
    const double fr[] = {0.0, 0.01, 0.137, 0.5, 0.93, 1.0};
    for (size_t k = 0; ok && k < sizeof fr / sizeof fr[0]; ++k) {
        ym_cluster *c = NULL;
        int n = 0;
        double cut = -1;
        int st = ym_cluster_find(a.q, NULL, a.mask, YM_CLUSTER_FRACTION, fr[k], a.lab, &c, &n, &cut);
        int64_t occ = 0, want = llround(fr[k] * (double)nun);
        for (int i = 0; i < n; ++i) occ += c[i].volume;
        /* marked |q| >= cut >= unmarked |q| on every unmasked site */
        int order = 1;
        const int *in = ym_geom_interior(a.t.geom);
        for (int i = 0; i < ym_geom_ninterior(a.t.geom); ++i) {
            int64_t g = ym_geom_global_index(a.t.geom, in[i]);
            if (mask[g] != 0) continue;
            int marked = ym_field_site(a.lab, in[i])[0] >= 0;
            if (want > 0 && ((marked && fabs(q[g]) < cut) || (!marked && fabs(q[g]) > cut))) order = 0;
        }
        tap_ok(st == YM_OK && occ == want && order,
               "fraction [%s] %g: marks exactly %lld of %lld unmasked sites, the largest |q| (cut %g)", gname, fr[k],
               (long long)want, (long long)nun, cut);
        free(c);
    }
    lat4_free(&a);
    free(q);
    free(s);
    free(mask);
}

/* ---- refusals ---- */

static void test_errors(const int pd[4])
{
    int bc[4] = {0, 0, 0, 0}, L2[4] = {4, 6, 4, 10};
    lat4 a, b;
    int st = lat4_create(&a, MPI_COMM_WORLD, PL, pd, bc);
    int pd2[4];
    memcpy(pd2, pd, sizeof pd2);
    if (!st) st = lat4_create(&b, MPI_COMM_WORLD, L2, NULL, bc);
    if (!tap_ok(st == YM_OK, "errors: lattices")) return;
    ym_cluster *c = NULL;
    int n = 0;
    tap_ok(ym_cluster_find(a.q, NULL, NULL, YM_CLUSTER_LAMBDA, 1.5, NULL, &c, &n, NULL) == YM_EINVAL &&
               ym_cluster_find(a.q, NULL, NULL, YM_CLUSTER_LAMBDA, 0.0, NULL, &c, &n, NULL) == YM_EINVAL &&
               ym_cluster_find(a.q, NULL, NULL, YM_CLUSTER_FRACTION, -0.1, NULL, &c, &n, NULL) == YM_EINVAL &&
               ym_cluster_find(a.q, NULL, NULL, YM_CLUSTER_ABSOLUTE, NAN, NULL, &c, &n, NULL) == YM_EINVAL &&
               ym_cluster_find(a.q, NULL, NULL, 7, 0.5, NULL, &c, &n, NULL) == YM_EINVAL && c == NULL,
           "errors: bad lambda, fraction, threshold and mode refused (%s)", ym_errmsg());
    ym_error_clear();
    tap_ok(ym_cluster_find(a.q, NULL, b.mask, YM_CLUSTER_LAMBDA, 0.5, NULL, &c, &n, NULL) == YM_EINVAL &&
               ym_cluster_find(a.q, NULL, NULL, YM_CLUSTER_LAMBDA, 0.5, b.lab, &c, &n, NULL) == YM_EINVAL,
           "errors: fields of another lattice refused (%s)", ym_errmsg());
    ym_error_clear();
    /* one non-finite value on one site: every rank fails */
    int64_t V = vol_of(PL);
    double *q = calloc((size_t)V, sizeof(double));
    q[V - 3] = NAN;
    fill_from(a.q, q);
    tap_ok(ym_cluster_find(a.q, NULL, NULL, YM_CLUSTER_LAMBDA, 0.5, NULL, &c, &n, NULL) == YM_ENUM,
           "errors: non-finite q refused on every rank (%s)", ym_errmsg());
    ym_error_clear();
    /* all-zero q: no cluster */
    q[V - 3] = 0;
    fill_from(a.q, q);
    double lam = 0.5;
    ym_cluster_scan_row row;
    tap_ok(ym_cluster_find(a.q, NULL, NULL, YM_CLUSTER_LAMBDA, 0.5, NULL, &c, &n, NULL) == YM_OK && n == 0 &&
               ym_cluster_scan(a.q, NULL, &lam, 1, &row) == YM_OK && row.nclusters == 0 && row.packing == 0,
           "errors: q = 0 has no cluster");
    free(c);
    free(q);
    lat4_free(&a);
    lat4_free(&b);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    tap_init();
    int pd[4], size;
    test_grid_arg(argc, argv, pd);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    /* Serial reference tables, computed on MPI_COMM_SELF. */
    char *serial[NCASES];
    for (int k = 0; k < NCASES; ++k) {
        int agree;
        int one[4] = {1, 1, 1, 1};
        serial[k] = run_random(MPI_COMM_SELF, one, k, &agree);
    }

    /* The patterns and random fields on the --grid, or with --all-grids on
     * every grid of this rank count that divides the lattice. */
    int grids[64][4], all = 0;
    for (int i = 1; i < argc; ++i) all |= !strcmp(argv[i], "--all-grids");
    int ng = all ? grids_for(size, PL, grids, 64) : 1;
    if (!all) memcpy(grids[0], pd, sizeof grids[0]);
    for (int k = 0; k < ng; ++k) {
        char name[32];
        snprintf(name, sizeof name, "%dx%dx%dx%d", grids[k][0], grids[k][1], grids[k][2], grids[k][3]);
        test_patterns(grids[k], name);
        test_random(grids[k], name, serial);
    }
    char name[32];
    snprintf(name, sizeof name, "grid %dx%dx%dx%d", pd[0], pd[1], pd[2], pd[3]);
    test_planted(pd, name);
    test_fraction(pd, name);
    test_errors(pd);
    for (int k = 0; k < NCASES; ++k) free(serial[k]);
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
