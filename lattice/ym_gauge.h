/* The SU(N) gauge field: links U_mu(x), N x N complex, row-major, stored
 * [site][mu] over the geometry's stored sites (halo included).
 */
#ifndef YM_GAUGE_H
#define YM_GAUGE_H

#include <stdint.h>

#include "ym_field.h"
#include "ym_geom.h"
#include "ym_su.h"

typedef struct ym_gauge ym_gauge;

/* Create a gauge field of SU(N), 1 <= N <= YM_NMAX, set to unit links.
 * Collective. Errors: YM_EINVAL (N), YM_ENOMEM. The geometry must outlive
 * the field. */
int ym_gauge_create(ym_gauge **out, const ym_geom *g, int N);
/* NULL-safe. Local. */
void ym_gauge_free(ym_gauge *u);

/* Local accessors. */
int ym_gauge_N(const ym_gauge *u);
const ym_geom *ym_gauge_geom(const ym_gauge *u);
/* The underlying site field (4 * 2N^2 doubles per site). */
ym_field *ym_gauge_field(ym_gauge *u);
/* Pointer to U_mu at storage site idx. */
static inline ym_cplx *ym_gauge_link_at(double *data, int N, int idx, int mu)
{
    return (ym_cplx *)(data + ((size_t)idx * 4 + (size_t)mu) * 2 * (size_t)N * (size_t)N);
}
ym_cplx *ym_gauge_link(ym_gauge *u, int idx, int mu);

/* Unit links (cold start). Local; halo included. */
void ym_gauge_set_unit(ym_gauge *u);
/* Haar-random links (hot start) from per-site RANLUX streams: the same
 * field on every process grid. Collective (fills the halo). */
int ym_gauge_set_random(ym_gauge *u, unsigned long seed);
/* Fill the halo. Collective. Errors: YM_EMPI. */
int ym_gauge_halo_update(ym_gauge *u);
/* Fill the halo of the links of direction mu only, after an update that
 * changed no other direction (a checkerboard sweep). Collective. Errors:
 * YM_EINVAL (mu outside 0..3), YM_EMPI. */
int ym_gauge_halo_update_dir(ym_gauge *u, int mu);
/* dst = src (same geometry and N). Local. Errors: YM_EINVAL. */
int ym_gauge_copy(ym_gauge *dst, const ym_gauge *src);
/* Embed src (SU(n)) into dst (SU(N), N >= n, same geometry) as the
 * upper-left block of diag(U, 1, ...). Local. Errors: YM_EINVAL. */
int ym_gauge_embed(ym_gauge *dst, const ym_gauge *src);
/* Largest |U U^dagger - 1| and |det U - 1| over interior links. Collective. */
int ym_gauge_unitarity(ym_gauge *u, double *max_unitarity, double *max_det);

/* Create a field of gauge transformations (2N^2 doubles per site) for u's
 * geometry, Haar-random per global site from seed. Collective. */
int ym_gauge_random_transform(ym_field **out, const ym_gauge *u, unsigned long seed);
/* U_mu(x) -> L(x) U_mu(x) L(x+mu)^dagger. Collective (updates the halos of
 * lambda and u). Errors: YM_EINVAL (lambda of the wrong shape). */
int ym_gauge_transform(ym_gauge *u, ym_field *lambda);

#endif
