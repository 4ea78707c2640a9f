/* Process grid: choice of the decomposition and the Cartesian communicator. */
#include "ym_grid.h"
#include "ym_status.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct ym_grid {
    MPI_Comm comm;
    int rank, size;
    int L[4], dims[4], coords[4], local[4], origin[4];
    int nb[4][2];
};

static int valid_split(const int L[4], const int d[4], int min_local)
{
    for (int mu = 0; mu < 4; ++mu) {
        if (d[mu] < 1 || L[mu] % d[mu]) return 0;
        if (d[mu] > 1 && L[mu] / d[mu] < min_local) return 0;
    }
    return 1;
}

/* Halo surface per rank: the amount of data exchanged each update. */
static double surface(const int L[4], const int d[4])
{
    double s = 0, vol = 1;
    for (int mu = 0; mu < 4; ++mu) vol *= (double)L[mu] / d[mu];
    for (int mu = 0; mu < 4; ++mu)
        if (d[mu] > 1) s += 2 * vol / ((double)L[mu] / d[mu]);
    return s;
}

/* Exhaustive search over factorisations of n: at most a few hundred for any
 * realistic rank count, and it gives a deterministic, documented choice. */
static int choose_dims(const int L[4], const int want[4], int n, int min_local, int out[4])
{
    int best = 0;
    double best_s = 0;
    int d[4];
    for (d[3] = 1; d[3] <= n; ++d[3]) {
        if (n % d[3]) continue;
        for (d[2] = 1; d[2] <= n / d[3]; ++d[2]) {
            if ((n / d[3]) % d[2]) continue;
            for (d[1] = 1; d[1] <= n / (d[3] * d[2]); ++d[1]) {
                if ((n / (d[3] * d[2])) % d[1]) continue;
                d[0] = n / (d[3] * d[2] * d[1]);
                int ok = 1;
                for (int mu = 0; mu < 4; ++mu)
                    if (want[mu] > 0 && want[mu] != d[mu]) ok = 0;
                if (!ok || !valid_split(L, d, min_local)) continue;
                double s = surface(L, d);
                /* Ties go to the first found: x is split before y, z and t. */
                if (!best || s < best_s - 1e-9) {
                    best = 1;
                    best_s = s;
                    memcpy(out, d, sizeof d);
                }
            }
        }
    }
    return best;
}

int ym_grid_create(ym_grid **out, MPI_Comm comm, const int L[4], const int pdims[4], int min_local)
{
    *out = NULL;
    int st = YM_OK, size, rank;
    MPI_Comm_size(comm, &size);
    MPI_Comm_rank(comm, &rank);
    int want[4] = {0, 0, 0, 0}, dims[4] = {1, 1, 1, 1};
    if (min_local < 1) min_local = 1;
    for (int mu = 0; mu < 4; ++mu) {
        if (L[mu] < 1 || L[mu] > YM_LMAX) {
            st = YM_ERROR(YM_EINVAL, "dims: extent %d in direction %d is outside 1..%d", L[mu], mu, YM_LMAX);
            break;
        }
        if (pdims) want[mu] = pdims[mu];
        if (want[mu] < 0) {
            st = YM_ERROR(YM_EINVAL, "grid: negative number of ranks in direction %d", mu);
            break;
        }
    }
    if (st == YM_OK) {
        int fixed = 1, all = 1;
        for (int mu = 0; mu < 4; ++mu) {
            if (want[mu] > 0) fixed *= want[mu];
            else all = 0;
        }
        if (all && fixed != size) {
            st = YM_ERROR(YM_EINVAL, "grid: %dx%dx%dx%d needs %d ranks but %d are running", want[0], want[1],
                          want[2], want[3], fixed, size);
        } else if (all) {
            memcpy(dims, want, sizeof dims);
            for (int mu = 0; mu < 4 && st == YM_OK; ++mu) {
                if (L[mu] % dims[mu])
                    st = YM_ERROR(YM_EINVAL, "grid: %d ranks in direction %d do not divide the extent %d", dims[mu],
                                  mu, L[mu]);
                else if (dims[mu] > 1 && L[mu] / dims[mu] < min_local)
                    st = YM_ERROR(YM_EINVAL,
                                  "grid: local extent %d in direction %d is below the halo depth %d", L[mu] / dims[mu],
                                  mu, min_local);
            }
        } else if (!choose_dims(L, want, size, min_local, dims)) {
            st = YM_ERROR(YM_EINVAL, "grid: no process grid of %d ranks divides the lattice %dx%dx%dx%d", size, L[0],
                          L[1], L[2], L[3]);
        }
    }
    st = ym_status_agree(comm, st);
    if (st) return st;

    ym_grid *g = calloc(1, sizeof *g);
    int ok = g != NULL;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (!ok) {
        free(g);
        return ym_status_agree(comm, YM_ERROR(YM_ENOMEM, "out of memory creating the process grid"));
    }
    int periods[4] = {1, 1, 1, 1};
    /* MPI's Cartesian order is row-major (last index fastest); we want x
     * fastest in rank order too, so hand MPI the reversed dims. */
    int rdims[4] = {dims[3], dims[2], dims[1], dims[0]};
    if (MPI_Cart_create(comm, 4, rdims, periods, 0, &g->comm) != MPI_SUCCESS) {
        free(g);
        return ym_status_agree(comm, YM_ERROR(YM_EMPI, "MPI_Cart_create failed"));
    }
    MPI_Comm_rank(g->comm, &g->rank);
    MPI_Comm_size(g->comm, &g->size);
    int rc[4];
    MPI_Cart_coords(g->comm, g->rank, 4, rc);
    for (int mu = 0; mu < 4; ++mu) {
        g->L[mu] = L[mu];
        g->dims[mu] = dims[mu];
        g->coords[mu] = rc[3 - mu];
        g->local[mu] = L[mu] / dims[mu];
        g->origin[mu] = g->coords[mu] * g->local[mu];
        MPI_Cart_shift(g->comm, 3 - mu, 1, &g->nb[mu][0], &g->nb[mu][1]);
    }
    *out = g;
    return YM_OK;
}

void ym_grid_free(ym_grid *g)
{
    if (!g) return;
    MPI_Comm_free(&g->comm);
    free(g);
}

MPI_Comm ym_grid_comm(const ym_grid *g) { return g->comm; }
int ym_grid_rank(const ym_grid *g) { return g->rank; }
int ym_grid_size(const ym_grid *g) { return g->size; }
const int *ym_grid_L(const ym_grid *g) { return g->L; }
const int *ym_grid_dims(const ym_grid *g) { return g->dims; }
const int *ym_grid_coords(const ym_grid *g) { return g->coords; }
const int *ym_grid_local(const ym_grid *g) { return g->local; }
const int *ym_grid_origin(const ym_grid *g) { return g->origin; }
int ym_grid_neighbour(const ym_grid *g, int mu, int dir) { return dir > 0 ? g->nb[mu][1] : g->nb[mu][0]; }

int64_t ym_grid_volume(const ym_grid *g)
{
    return (int64_t)g->L[0] * g->L[1] * g->L[2] * g->L[3];
}

int ym_parse_dims(const char *s, const char *what, int out[4])
{
    if (!s || !*s) return YM_ERROR(YM_EINVAL, "%s: empty value", what);
    const char *p = s;
    int n = 0;
    while (n < 4) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < 1 || v > YM_LMAX)
            return YM_ERROR(YM_EINVAL, "%s: '%s' is not of the form AxBxCxD with entries in 1..%d", what, s, YM_LMAX);
        out[n++] = (int)v;
        p = end;
        if (*p == '\0') break;
        if (*p != 'x' && *p != 'X')
            return YM_ERROR(YM_EINVAL, "%s: '%s' is not of the form AxBxCxD with entries in 1..%d", what, s, YM_LMAX);
        ++p;
    }
    if (*p != '\0' || (n != 1 && n != 4))
        return YM_ERROR(YM_EINVAL, "%s: '%s' is not of the form AxBxCxD with entries in 1..%d", what, s, YM_LMAX);
    if (n == 1) out[1] = out[2] = out[3] = out[0];
    return YM_OK;
}
