/* Planned halo exchange for site fields of any number of doubles per site.
 *
 * The plan (index lists, buffers, neighbour ranks) is built once; start and
 * finish may then be called any number of times on data laid out by the
 * plan's geometry. Directions are exchanged in the order x, y, z, t, each
 * including the halo already filled in the earlier directions, so edges and
 * corners of every direction combination are filled too. Directions that are
 * not split are filled by local copies, except open ones: there the halo
 * beyond the boundary is not written (it keeps what it held; no reader may
 * use it). A split open direction still receives the wrapped faces.
 */
#ifndef YM_HALO_H
#define YM_HALO_H

#include <stddef.h>

#include "ym_geom.h"

typedef struct ym_halo ym_halo;

/* Plan an exchange of ncomp doubles per site. Collective on the grid's
 * communicator. Errors: YM_EINVAL (ncomp = 0), YM_ENOMEM. */
int ym_halo_create(ym_halo **out, const ym_geom *g, size_t ncomp);
/* NULL-safe. Local (no pending exchange may be in flight). */
void ym_halo_free(ym_halo *h);

/* Begin filling the halo of data (nsites * ncomp doubles). Collective.
 * The interior must not be modified until ym_halo_finish returns. */
int ym_halo_start(ym_halo *h, double *data);
/* Complete the exchange begun by ym_halo_start. Collective. Errors: YM_EMPI
 * (agreed over ranks). */
int ym_halo_finish(ym_halo *h, double *data);
/* start + finish. Collective. */
int ym_halo_exchange(ym_halo *h, double *data);
/* start + finish for the doubles [off, off+len) of every site only: a sweep
 * that changed one component block (the links of one direction) refreshes
 * just that block's halo, a quarter of the traffic. The other doubles of the
 * halo are left as they are. Collective. Errors: YM_EINVAL (an empty range or
 * one beyond ncomp), YM_EMPI; agreed over ranks. */
int ym_halo_exchange_part(ym_halo *h, double *data, size_t off, size_t len);

#endif
