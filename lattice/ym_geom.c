/* Geometry tables, built once per (grid, depth, bc). */
#include "ym_geom.h"
#include "ym_bigmem.h"
#include "ym_status.h"

#include <limits.h>
#include <stdlib.h>

struct ym_geom {
    const ym_grid *grid;
    int depth, bc[4];
    int l[4], e[4], origin[4], L[4];
    int nsites, ninterior;
    int *interior;
    int *up[4], *dn[4]; /* slices of nb */
    int *nb;            /* the eight neighbour tables in one block */
    size_t nb_bytes;
    unsigned char *flags;
    void *ws; /* ym_geom_workspace */
    size_t ws_bytes;
};

static void free_tables(ym_geom *g)
{
    free(g->interior);
    ym_bigmem_free(g->nb, g->nb_bytes);
    free(g->flags);
    ym_bigmem_free(g->ws, g->ws_bytes);
    free(g);
}

int ym_geom_create(ym_geom **out, const ym_grid *grid, int depth, const int bc[4])
{
    *out = NULL;
    MPI_Comm comm = ym_grid_comm(grid);
    int st = YM_OK;
    const int *l = ym_grid_local(grid), *dims = ym_grid_dims(grid);
    if (depth < 1 || depth > 3) st = YM_ERROR(YM_EINVAL, "halo depth %d is not 1, 2 or 3", depth);
    for (int mu = 0; mu < 4 && st == YM_OK; ++mu) {
        if (bc && bc[mu] != YM_BC_PERIODIC && bc[mu] != YM_BC_OPEN)
            st = YM_ERROR(YM_EINVAL, "boundary: unknown boundary condition %d in direction %d", bc[mu], mu);
        else if (dims[mu] > 1 && l[mu] < depth)
            st = YM_ERROR(YM_EINVAL, "grid: local extent %d in direction %d is below the halo depth %d", l[mu], mu,
                          depth);
    }
    double total = 1;
    for (int mu = 0; mu < 4; ++mu) total *= l[mu] + 2.0 * depth;
    if (st == YM_OK && total > INT_MAX / 8)
        st = YM_ERROR(YM_EINVAL, "dims: local block of %.0f sites is too large for one rank", total);
    st = ym_status_agree(comm, st);
    if (st) return st;

    ym_geom *g = calloc(1, sizeof *g);
    if (!g) return ym_status_agree(comm, YM_ERROR(YM_ENOMEM, "out of memory creating the geometry"));
    g->grid = grid;
    g->depth = depth;
    g->nsites = 1;
    g->ninterior = 1;
    for (int mu = 0; mu < 4; ++mu) {
        g->bc[mu] = bc ? bc[mu] : YM_BC_PERIODIC;
        g->l[mu] = l[mu];
        g->e[mu] = l[mu] + 2 * depth;
        g->origin[mu] = ym_grid_origin(grid)[mu];
        g->L[mu] = ym_grid_L(grid)[mu];
        g->nsites *= g->e[mu];
        g->ninterior *= l[mu];
    }
    int ok = 1;
    g->interior = malloc(sizeof(int) * (size_t)g->ninterior);
    g->flags = malloc((size_t)g->nsites);
    ok = g->interior && g->flags;
    /* one block: from 32^4 sites on it is mapped in huge pages (ym_bigmem) */
    g->nb_bytes = 8 * sizeof(int) * (size_t)g->nsites;
    g->nb = ym_bigmem_alloc(g->nb_bytes);
    ok = ok && g->nb;
    for (int mu = 0; ok && mu < 4; ++mu) {
        g->up[mu] = g->nb + (size_t)(2 * mu) * (size_t)g->nsites;
        g->dn[mu] = g->nb + (size_t)(2 * mu + 1) * (size_t)g->nsites;
    }
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (!ok) {
        free_tables(g);
        return ym_status_agree(comm, YM_ERROR(YM_ENOMEM, "out of memory creating the geometry tables"));
    }
    int stride[4] = {1, g->e[0], g->e[0] * g->e[1], g->e[0] * g->e[1] * g->e[2]};
    for (int idx = 0; idx < g->nsites; ++idx) {
        int x[4], G[4];
        ym_geom_local_coords(g, idx, x);
        ym_geom_global_coords(g, idx, G);
        unsigned f = 0;
        for (int mu = 0; mu < 4; ++mu) {
            int xs = x[mu] + depth;
            g->up[mu][idx] = xs + 1 < g->e[mu] ? idx + stride[mu] : -1;
            g->dn[mu][idx] = xs > 0 ? idx - stride[mu] : -1;
            if (g->bc[mu] == YM_BC_PERIODIC || G[mu] != g->L[mu] - 1) f |= YM_GEOM_LINK(mu);
            if (g->bc[mu] == YM_BC_PERIODIC || G[mu] != 0) f |= YM_GEOM_DOWN(mu);
        }
        g->flags[idx] = (unsigned char)f;
    }
    int i = 0, x[4];
    for (x[3] = 0; x[3] < l[3]; ++x[3])
        for (x[2] = 0; x[2] < l[2]; ++x[2])
            for (x[1] = 0; x[1] < l[1]; ++x[1])
                for (x[0] = 0; x[0] < l[0]; ++x[0]) g->interior[i++] = ym_geom_index(g, x);
    *out = g;
    return YM_OK;
}

void ym_geom_free(ym_geom *g)
{
    if (g) free_tables(g);
}

const ym_grid *ym_geom_grid(const ym_geom *g) { return g->grid; }
int ym_geom_depth(const ym_geom *g) { return g->depth; }
int ym_geom_bc(const ym_geom *g, int mu) { return g->bc[mu]; }
const int *ym_geom_ext(const ym_geom *g) { return g->e; }
void ym_geom_strides(const ym_geom *g, int s[4])
{
    s[0] = 1;
    for (int mu = 1; mu < 4; ++mu) s[mu] = s[mu - 1] * g->e[mu - 1];
}
int ym_geom_nsites(const ym_geom *g) { return g->nsites; }
int ym_geom_ninterior(const ym_geom *g) { return g->ninterior; }
const int *ym_geom_interior(const ym_geom *g) { return g->interior; }
const int *ym_geom_up(const ym_geom *g, int mu) { return g->up[mu]; }
const int *ym_geom_dn(const ym_geom *g, int mu) { return g->dn[mu]; }
unsigned ym_geom_flags(const ym_geom *g, int idx) { return g->flags[idx]; }
const unsigned char *ym_geom_flag_table(const ym_geom *g) { return g->flags; }

void *ym_geom_workspace(const ym_geom *cg, size_t bytes)
{
    /* a cache: the geometry is logically unchanged (geometries are always
     * made by ym_geom_create, never defined const) */
    ym_geom *g = (ym_geom *)cg;
    if (bytes > g->ws_bytes) {
        ym_bigmem_free(g->ws, g->ws_bytes);
        g->ws = ym_bigmem_alloc(bytes);
        g->ws_bytes = g->ws ? bytes : 0;
    }
    return g->ws;
}

int ym_geom_index(const ym_geom *g, const int x[4])
{
    int idx = 0;
    for (int mu = 3; mu >= 0; --mu) {
        int xs = x[mu] + g->depth;
        if (xs < 0 || xs >= g->e[mu]) return -1;
        idx = idx * g->e[mu] + xs;
    }
    return idx;
}

void ym_geom_local_coords(const ym_geom *g, int idx, int x[4])
{
    for (int mu = 0; mu < 4; ++mu) {
        x[mu] = idx % g->e[mu] - g->depth;
        idx /= g->e[mu];
    }
}

void ym_geom_global_coords(const ym_geom *g, int idx, int x[4])
{
    ym_geom_local_coords(g, idx, x);
    for (int mu = 0; mu < 4; ++mu) {
        int v = (x[mu] + g->origin[mu]) % g->L[mu];
        x[mu] = v < 0 ? v + g->L[mu] : v;
    }
}

int64_t ym_geom_global_index(const ym_geom *g, int idx)
{
    int x[4];
    ym_geom_global_coords(g, idx, x);
    return (((int64_t)x[3] * g->L[2] + x[2]) * g->L[1] + x[1]) * g->L[0] + x[0];
}

int ym_geom_parity(const ym_geom *g, int idx)
{
    int x[4];
    ym_geom_global_coords(g, idx, x);
    return (x[0] + x[1] + x[2] + x[3]) & 1;
}
