/* Site fields. */
#include "ym_field.h"
#include "ym_bigmem.h"
#include "ym_halo.h"
#include "ym_status.h"
#include "ym_sum.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

struct ym_field {
    const ym_geom *g;
    size_t ncomp;
    double *data;
    size_t bytes; /* of data, for ym_bigmem_free */
    ym_halo *halo;
};

int ym_field_create(ym_field **out, const ym_geom *g, size_t ncomp)
{
    *out = NULL;
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    if (ncomp == 0) return ym_status_agree(comm, YM_ERROR(YM_EINVAL, "field: zero components per site"));
    ym_field *f = calloc(1, sizeof *f);
    int ok = f != NULL;
    if (f) {
        f->g = g;
        f->ncomp = ncomp;
        /* a link field of 32^4 and up is hundreds of MB: in huge pages its
         * first touch costs 512 times fewer faults (ym_bigmem.h) */
        size_t ns = (size_t)ym_geom_nsites(g);
        f->bytes = ncomp <= SIZE_MAX / sizeof(double) / ns ? ns * ncomp * sizeof(double) : 0; /* 0: overflow */
        f->data = f->bytes ? ym_bigmem_alloc(f->bytes) : NULL;
        ok = f->data != NULL;
    }
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (!ok) {
        ym_field_free(f);
        return ym_status_agree(comm, YM_ERROR(YM_ENOMEM, "out of memory allocating a field of %zu doubles per site",
                                              ncomp));
    }
    int st = ym_halo_create(&f->halo, g, ncomp);
    if (st) {
        ym_field_free(f);
        return st;
    }
    *out = f;
    return YM_OK;
}

void ym_field_free(ym_field *f)
{
    if (!f) return;
    ym_halo_free(f->halo);
    ym_bigmem_free(f->data, f->bytes);
    free(f);
}

const ym_geom *ym_field_geom(const ym_field *f) { return f->g; }
size_t ym_field_ncomp(const ym_field *f) { return f->ncomp; }
double *ym_field_data(ym_field *f) { return f->data; }
double *ym_field_site(ym_field *f, int idx) { return f->data + (size_t)idx * f->ncomp; }

int ym_field_halo_update(ym_field *f) { return ym_halo_exchange(f->halo, f->data); }

int ym_field_halo_update_part(ym_field *f, size_t off, size_t len)
{
    return ym_halo_exchange_part(f->halo, f->data, off, len);
}

void ym_field_fill(ym_field *f, double v)
{
    size_t n = (size_t)ym_geom_nsites(f->g) * f->ncomp;
    for (size_t i = 0; i < n; ++i) f->data[i] = v;
}

int ym_field_sum(ym_field *f, size_t comp, double *sum)
{
    ym_sum acc = YM_SUM_INIT;
    const int *in = ym_geom_interior(f->g);
    int n = ym_geom_ninterior(f->g);
    for (int i = 0; i < n; ++i) ym_sum_add(&acc, f->data[(size_t)in[i] * f->ncomp + comp]);
    return ym_sum_allreduce(&acc, ym_grid_comm(ym_geom_grid(f->g)), sum);
}

int ym_field_maxabs(ym_field *f, size_t comp, double *max)
{
    double m = 0;
    const int *in = ym_geom_interior(f->g);
    int n = ym_geom_ninterior(f->g);
    for (int i = 0; i < n; ++i) {
        double v = fabs(f->data[(size_t)in[i] * f->ncomp + comp]);
        if (v > m || isnan(v)) m = v;
    }
    MPI_Allreduce(&m, max, 1, MPI_DOUBLE, MPI_MAX, ym_grid_comm(ym_geom_grid(f->g)));
    return YM_OK;
}

/* Small fields (recordings' lattices) are written from one rank; the gather
 * sends (global index, values) pairs so the root can place them without
 * knowing the other ranks' blocks. */
int ym_field_gather(ym_field *f, size_t comp, int root, double *global)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(f->g));
    int rank, size, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    if (comp >= f->ncomp) st = YM_ERROR(YM_EINVAL, "field gather: component %zu of %zu", comp, f->ncomp);
    st = ym_status_agree(comm, st);
    if (st) return st;
    int n = ym_geom_ninterior(f->g);
    const int *in = ym_geom_interior(f->g);
    double *mine = malloc(2 * (size_t)(n > 0 ? n : 1) * sizeof *mine);
    int *counts = rank == root ? malloc((size_t)size * sizeof *counts) : NULL;
    int *displs = rank == root ? malloc((size_t)size * sizeof *displs) : NULL;
    if (!mine || (rank == root && (!counts || !displs))) st = YM_ERROR(YM_ENOMEM, "field gather: out of memory");
    st = ym_status_agree(comm, st);
    double *all = NULL;
    int64_t vol = ym_grid_volume(ym_geom_grid(f->g));
    if (!st) {
        for (int i = 0; i < n; ++i) {
            mine[2 * i] = (double)ym_geom_global_index(f->g, in[i]);
            mine[2 * i + 1] = f->data[(size_t)in[i] * f->ncomp + comp];
        }
        int cnt = 2 * n;
        MPI_Gather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, root, comm);
        if (rank == root) {
            int64_t tot = 0;
            for (int r = 0; r < size; ++r) {
                displs[r] = (int)tot;
                tot += counts[r];
            }
            all = malloc((size_t)(tot > 0 ? tot : 1) * sizeof *all);
            if (!all) st = YM_ERROR(YM_ENOMEM, "field gather: out of memory");
        }
        st = ym_status_agree(comm, st);
        if (!st) MPI_Gatherv(mine, cnt, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, root, comm);
        if (!st && rank == root)
            for (int64_t i = 0; i < vol; ++i) {
                int64_t gi = (int64_t)all[2 * i];
                global[gi] = all[2 * i + 1];
            }
    }
    free(all);
    free(mine);
    free(counts);
    free(displs);
    return st;
}
