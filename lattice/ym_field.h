/* Generic site fields: ncomp doubles per stored site (halo included).
 *
 * Used for scalar densities (E(x), q(x): ncomp = 1), algebra- or
 * group-valued fields (gauge transformations: 2N^2), the clover field
 * strength (6 planes x 2N^2) and, in later modules, the metric and forces.
 */
#ifndef YM_FIELD_H
#define YM_FIELD_H

#include <stddef.h>

#include "ym_geom.h"

typedef struct ym_field ym_field;

/* Create a zeroed field with ncomp doubles per site and its halo plan.
 * Collective. Errors: YM_EINVAL (ncomp = 0), YM_ENOMEM. The geometry must
 * outlive the field. */
int ym_field_create(ym_field **out, const ym_geom *g, size_t ncomp);
/* NULL-safe. Local. */
void ym_field_free(ym_field *f);

/* Local accessors. */
const ym_geom *ym_field_geom(const ym_field *f);
size_t ym_field_ncomp(const ym_field *f);
double *ym_field_data(ym_field *f);
/* The ncomp doubles of storage site idx. */
double *ym_field_site(ym_field *f, int idx);

/* Fill the halo from the neighbours. Collective. Errors: YM_EMPI. */
int ym_field_halo_update(ym_field *f);
/* Fill the halo of the doubles [off, off+len) of each site only (the rest of
 * the halo is left as it is). Collective. Errors: YM_EINVAL (range), YM_EMPI. */
int ym_field_halo_update_part(ym_field *f, size_t off, size_t len);
/* Set every component of every stored site to v. Local. */
void ym_field_fill(ym_field *f, double v);
/* Sum of component comp over the interior sites of all ranks. Collective.
 * Summation is compensated (Neumaier), so the total does not depend on the
 * process grid beyond round-off of the final reduction. */
int ym_field_sum(ym_field *f, size_t comp, double *sum);
/* Largest |value| of component comp over all interior sites. Collective. */
int ym_field_maxabs(ym_field *f, size_t comp, double *max);

/* Component comp of every interior site into global[] on rank root, at
 * the lexicographic global site index (x fastest; global holds the lattice
 * volume; other ranks may pass NULL). For small lattices (recordings) that
 * are written from one rank. Collective. Errors: YM_EINVAL (comp),
 * YM_ENOMEM. */
int ym_field_gather(ym_field *f, size_t comp, int root, double *global);

#endif
