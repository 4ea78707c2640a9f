/* Reduction of compensated sums. */
#include "ym_sum.h"
#include "ym_status.h"

#include <stdlib.h>

int ym_sum_allreduce_n(const ym_sum *a, int n, MPI_Comm comm, double *out)
{
    int size;
    MPI_Comm_size(comm, &size);
    /* Each rank's (s, c) pair is gathered and summed compensated in rank
     * order: identical on all ranks and as accurate as the local sums. */
    double stackbuf[64];
    double *mine = 2 * n <= 32 ? stackbuf : malloc(sizeof(double) * 2 * (size_t)n);
    double *all = malloc(sizeof(double) * 2 * (size_t)n * (size_t)size);
    int ok = mine && all;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (!ok) {
        if (mine != stackbuf) free(mine);
        free(all);
        return ym_status_agree(comm, YM_ERROR(YM_ENOMEM, "out of memory in a reduction"));
    }
    for (int k = 0; k < n; ++k) {
        mine[2 * k] = a[k].s;
        mine[2 * k + 1] = a[k].c;
    }
    MPI_Allgather(mine, 2 * n, MPI_DOUBLE, all, 2 * n, MPI_DOUBLE, comm);
    for (int k = 0; k < n; ++k) {
        ym_sum t = YM_SUM_INIT;
        for (int r = 0; r < size; ++r) {
            ym_sum_add(&t, all[(size_t)r * 2 * n + 2 * k]);
            ym_sum_add(&t, all[(size_t)r * 2 * n + 2 * k + 1]);
        }
        out[k] = ym_sum_value(&t);
    }
    if (mine != stackbuf) free(mine);
    free(all);
    return YM_OK;
}
