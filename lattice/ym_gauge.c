/* Gauge field storage, starts and gauge transformations. */
#include "ym_gauge.h"
#include "ym_rng.h"
#include "ym_status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct ym_gauge {
    const ym_geom *g;
    int N;
    ym_field *f;
};

static MPI_Comm comm_of(const ym_geom *g) { return ym_grid_comm(ym_geom_grid(g)); }

int ym_gauge_create(ym_gauge **out, const ym_geom *g, int N)
{
    *out = NULL;
    if (N < 1 || N > YM_NMAX)
        return ym_status_agree(comm_of(g), YM_ERROR(YM_EINVAL, "N: %d is outside 1..%d", N, YM_NMAX));
    ym_gauge *u = calloc(1, sizeof *u);
    int ok = u != NULL;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm_of(g));
    if (!ok) {
        free(u);
        return ym_status_agree(comm_of(g), YM_ERROR(YM_ENOMEM, "out of memory creating a gauge field"));
    }
    u->g = g;
    u->N = N;
    int st = ym_field_create(&u->f, g, 4 * 2 * (size_t)N * N);
    if (st) {
        free(u);
        return st;
    }
    ym_gauge_set_unit(u);
    *out = u;
    return YM_OK;
}

void ym_gauge_free(ym_gauge *u)
{
    if (!u) return;
    ym_field_free(u->f);
    free(u);
}

int ym_gauge_N(const ym_gauge *u) { return u->N; }
const ym_geom *ym_gauge_geom(const ym_gauge *u) { return u->g; }
ym_field *ym_gauge_field(ym_gauge *u) { return u->f; }

ym_cplx *ym_gauge_link(ym_gauge *u, int idx, int mu)
{
    return ym_gauge_link_at(ym_field_data(u->f), u->N, idx, mu);
}

void ym_gauge_set_unit(ym_gauge *u)
{
    int n = ym_geom_nsites(u->g);
    for (int i = 0; i < n; ++i)
        for (int mu = 0; mu < 4; ++mu) ym_su_unit(u->N, ym_gauge_link(u, i, mu));
}

int ym_gauge_set_random(ym_gauge *u, unsigned long seed)
{
    ym_rng *r;
    int st = ym_rng_create(&r, seed);
    st = ym_status_agree(comm_of(u->g), st);
    if (st) return st;
    int64_t vol = ym_grid_volume(ym_geom_grid(u->g));
    const int *in = ym_geom_interior(u->g);
    for (int i = 0; i < ym_geom_ninterior(u->g); ++i) {
        ym_rng_site(r, ym_geom_global_index(u->g, in[i]), vol);
        for (int mu = 0; mu < 4; ++mu) ym_su_random_haar(u->N, ym_gauge_link(u, in[i], mu), ym_rng_gsl(r));
    }
    ym_rng_free(r);
    return ym_gauge_halo_update(u);
}

int ym_gauge_halo_update(ym_gauge *u) { return ym_field_halo_update(u->f); }

int ym_gauge_halo_update_dir(ym_gauge *u, int mu)
{
    if (mu < 0 || mu > 3) return ym_field_halo_update_part(u->f, 0, 0); /* the range error, agreed */
    size_t nn = 2 * (size_t)u->N * (size_t)u->N;
    return ym_field_halo_update_part(u->f, (size_t)mu * nn, nn);
}

int ym_gauge_copy(ym_gauge *dst, const ym_gauge *src)
{
    if (dst->g != src->g || dst->N != src->N)
        return YM_ERROR(YM_EINVAL, "gauge copy: fields differ in geometry or N");
    memcpy(ym_field_data(dst->f), ym_field_data(src->f),
           sizeof(double) * (size_t)ym_geom_nsites(dst->g) * ym_field_ncomp(dst->f));
    return YM_OK;
}

int ym_gauge_embed(ym_gauge *dst, const ym_gauge *src)
{
    if (dst->g != src->g || dst->N < src->N)
        return YM_ERROR(YM_EINVAL, "embed: SU(%d) does not hold SU(%d) on this geometry", dst->N, src->N);
    int n = ym_geom_nsites(dst->g), N = dst->N, m = src->N;
    for (int i = 0; i < n; ++i)
        for (int mu = 0; mu < 4; ++mu) {
            ym_cplx *d = ym_gauge_link(dst, i, mu);
            const ym_cplx *s = ym_gauge_link_at(ym_field_data(src->f), m, i, mu);
            ym_su_unit(N, d);
            for (int a = 0; a < m; ++a)
                for (int b = 0; b < m; ++b) d[a * N + b] = s[a * m + b];
        }
    return YM_OK;
}

int ym_gauge_unitarity(ym_gauge *u, double *max_unitarity, double *max_det)
{
    double m[2] = {0, 0};
    const int *in = ym_geom_interior(u->g);
    for (int i = 0; i < ym_geom_ninterior(u->g); ++i)
        for (int mu = 0; mu < 4; ++mu) {
            const ym_cplx *l = ym_gauge_link(u, in[i], mu);
            double a = ym_su_unitarity(u->N, l), b = cabs(ym_su_det(u->N, l) - 1);
            if (!(a <= m[0])) m[0] = a; /* NaN propagates */
            if (!(b <= m[1])) m[1] = b;
        }
    MPI_Allreduce(MPI_IN_PLACE, m, 2, MPI_DOUBLE, MPI_MAX, comm_of(u->g));
    *max_unitarity = m[0];
    *max_det = m[1];
    return YM_OK;
}

int ym_gauge_random_transform(ym_field **out, const ym_gauge *u, unsigned long seed)
{
    int N = u->N;
    int st = ym_field_create(out, u->g, 2 * (size_t)N * N);
    if (st) return st;
    ym_rng *r;
    st = ym_status_agree(comm_of(u->g), ym_rng_create(&r, seed));
    if (st) {
        ym_field_free(*out);
        *out = NULL;
        return st;
    }
    int64_t vol = ym_grid_volume(ym_geom_grid(u->g));
    const int *in = ym_geom_interior(u->g);
    for (int i = 0; i < ym_geom_ninterior(u->g); ++i) {
        ym_rng_site(r, ym_geom_global_index(u->g, in[i]), vol);
        ym_su_random_haar(N, (ym_cplx *)ym_field_site(*out, in[i]), ym_rng_gsl(r));
    }
    ym_rng_free(r);
    return ym_field_halo_update(*out);
}

int ym_gauge_transform(ym_gauge *u, ym_field *lambda)
{
    int N = u->N;
    if (ym_field_geom(lambda) != u->g || ym_field_ncomp(lambda) != 2 * (size_t)N * N)
        return ym_status_agree(comm_of(u->g),
                               YM_ERROR(YM_EINVAL, "gauge transform: field does not match the gauge field"));
    int st = ym_field_halo_update(lambda);
    if (st) return st;
    ym_cplx tmp[YM_NMAX * YM_NMAX];
    const int *in = ym_geom_interior(u->g);
    for (int i = 0; i < ym_geom_ninterior(u->g); ++i) {
        int x = in[i];
        const ym_cplx *lx = (const ym_cplx *)ym_field_site(lambda, x);
        for (int mu = 0; mu < 4; ++mu) {
            ym_cplx *l = ym_gauge_link(u, x, mu);
            const ym_cplx *ly = (const ym_cplx *)ym_field_site(lambda, ym_geom_up(u->g, mu)[x]);
            ym_su_mul_nn(N, tmp, lx, l);
            ym_su_mul_nd(N, l, tmp, ly);
        }
    }
    return ym_gauge_halo_update(u);
}
