/* Sign-coherent clusters of the topological charge density (THEORY.md §E.2):
 * sites with |q(x)| above a threshold are joined to their same-sign nearest
 * neighbours by a union-find distributed over ranks (a local pass, then
 * merges across the faces), respecting periodic wrap and open boundaries and
 * skipping masked sites.
 *
 * A cluster's label is the smallest global site index it holds, so labels
 * and tables do not depend on the process grid; per-cluster sums are formed
 * in global site order, so the tables are bit-identical on any grid.
 */
#ifndef YM_CLUSTER_H
#define YM_CLUSTER_H
#include <stdint.h>
#include "ym_field.h"

enum {
    YM_CLUSTER_LAMBDA = 0,   /* |q| > value * max|q| over unmasked sites (0 < value < 1) */
    YM_CLUSTER_FRACTION = 1, /* the round(value * unmasked) sites with largest |q| (0 <= value <= 1);
                                ties go to the smaller global index; never more than the
                                sites with q != 0 */
    YM_CLUSTER_ABSOLUTE = 2  /* |q| > value (value >= 0) */
};

typedef struct {
    int64_t label;            /* smallest global site index in the cluster */
    int sign;                 /* +1 or -1 */
    double charge;            /* sum of q */
    double action_over_8pi2;  /* sum of s / (8 pi^2) (0 when s was not given) */
    int64_t volume;           /* number of sites */
    double center[4];         /* |q|-weighted centre, periodic-aware (circular mean on
                                 periodic directions), in [0, L) */
    int extent[4];            /* number of distinct coordinates per direction */
    double q_peak;            /* q of largest |q| */
    int64_t peak_site;        /* its global index */
    int percolates;           /* wraps a periodic direction (holds a cycle of non-zero
                                 winding) or spans an open one (holds x = 0 and x = L-1) */
} ym_cluster;

/* Clusters of q above the threshold (mode YM_CLUSTER_*, value). s (may be
 * NULL) gives the action column; mask (may be NULL; 1 double per site,
 * non-zero = skip) removes sites; labels (may be NULL; 1 double per site)
 * receives each site's cluster label, -1 for unmarked sites (its halo is
 * updated too). Component 0 of each field is used; all must be on q's
 * lattice. Sites with q = 0 are never marked. Bonds join same-sign nearest
 * neighbours, across the periodic wrap but not across an open edge; a
 * periodic direction of extent 1 has no bonds. *out (malloc'ed, free())
 * receives the clusters sorted by label, *n their number; *qcut (may be
 * NULL) the threshold used (for YM_CLUSTER_FRACTION the smallest marked |q|,
 * or max|q| when nothing is marked). Collective; the same table on every
 * rank, bit-identical on any process grid. Errors: YM_EINVAL (lattices,
 * mode, value), YM_ENUM (non-finite q at an unmasked site), YM_ENOMEM,
 * YM_EMPI. */
int ym_cluster_find(ym_field *q, ym_field *s, ym_field *mask, int mode, double value, ym_field *labels,
                    ym_cluster **out, int *n, double *qcut);

typedef struct {
    double lambda;
    int nclusters;
    int64_t largest;      /* volume of the largest cluster */
    int largest_percolates;
    double packing;       /* occupied (marked) volume / total unmasked volume */
} ym_cluster_scan_row;

/* A lambda scan: rows[k] from YM_CLUSTER_LAMBDA at lambdas[k], k < n. The
 * largest cluster is the first in label order among those of largest
 * volume; packing is over the unmasked sites (0 if there are none).
 * Collective. Errors: as ym_cluster_find (a lambda outside (0, 1) is
 * YM_EINVAL). */
int ym_cluster_scan(ym_field *q, ym_field *mask, const double *lambdas, int n, ym_cluster_scan_row *rows);

/* Match clusters at two flow times by overlap of their labelled sites
 * (labels fields as filled by ym_cluster_find): match[i] = index in b of the
 * cluster of b sharing the most sites with a's cluster i (same sign), or -1.
 * Ties go to the smaller index in b; labels absent from a table are ignored,
 * so a and b may be subsets. Collective; the same match on every rank.
 * Errors: YM_EINVAL (counts, NULL tables, label fields on different
 * lattices), YM_ENOMEM, YM_EMPI. */
int ym_cluster_match(ym_field *labels_a, const ym_cluster *a, int na, ym_field *labels_b, const ym_cluster *b,
                     int nb, int *match);

#endif
