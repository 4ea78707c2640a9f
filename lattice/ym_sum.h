/* Compensated (Neumaier) summation, local and over ranks.
 *
 * Observables are sums of up to ~10^8 terms; compensation keeps the result
 * independent of summation order (and so of the process grid) to well below
 * the 1e-12 we promise.
 */
#ifndef YM_SUM_H
#define YM_SUM_H

#include <math.h>
#include <mpi.h>

typedef struct {
    double s, c;
} ym_sum;

#define YM_SUM_INIT {0.0, 0.0}

static inline void ym_sum_add(ym_sum *a, double x)
{
    double t = a->s + x;
    if (fabs(a->s) >= fabs(x)) a->c += (a->s - t) + x;
    else a->c += (x - t) + a->s;
    a->s = t;
}

static inline double ym_sum_value(const ym_sum *a) { return a->s + a->c; }

/* Sum n accumulators over comm into out[n] (gathered and added in rank order
 * on every rank, so all ranks get bit-identical results). Collective. */
int ym_sum_allreduce_n(const ym_sum *a, int n, MPI_Comm comm, double *out);

static inline int ym_sum_allreduce(const ym_sum *a, MPI_Comm comm, double *out)
{
    return ym_sum_allreduce_n(a, 1, comm, out);
}

#endif
