/* Local lattice geometry: a rank's block plus a halo of depth 1, 2 or 3
 * (3 for the 3x3 loops of improved field strengths).
 *
 * Sites are stored in an extended block with extents l[mu] + 2*depth,
 * lexicographic with x fastest; local coordinates run from -depth to
 * l[mu] + depth - 1, and the interior is 0 .. l[mu]-1. The halo includes
 * edges and corners. Boundary conditions are per direction: periodic, or
 * open (the link U_mu(x) with global x_mu = L_mu - 1 is not part of the
 * field, and loops that would use it are left out of every observable).
 */
#ifndef YM_GEOM_H
#define YM_GEOM_H

#include <stddef.h>
#include <stdint.h>

#include "ym_grid.h"

typedef struct ym_geom ym_geom;

enum { YM_BC_PERIODIC = 0, YM_BC_OPEN = 1 };

/* Flags per stored site (global coordinate taken modulo L). */
#define YM_GEOM_LINK(mu) (1u << (mu))      /* U_mu(x) belongs to the field   */
#define YM_GEOM_DOWN(mu) (1u << (4 + (mu))) /* x - mu is a site of the lattice */

/* Create the geometry of grid with halo depth (1, 2 or 3) and boundary
 * conditions bc (NULL: all periodic). Collective on the grid's communicator.
 * Errors: YM_EINVAL (depth, bc, or a split local extent below depth),
 * YM_ENOMEM. The grid must outlive the geometry. */
int ym_geom_create(ym_geom **out, const ym_grid *grid, int depth, const int bc[4]);
/* NULL-safe. Local. */
void ym_geom_free(ym_geom *g);

/* Local accessors. */
const ym_grid *ym_geom_grid(const ym_geom *g);
int ym_geom_depth(const ym_geom *g);
int ym_geom_bc(const ym_geom *g, int mu);
const int *ym_geom_ext(const ym_geom *g);   /* extended extents */
/* s[mu]: what one step in +mu adds to a storage index (the block is
 * x0-fastest), so a neighbour is idx +- s[mu] wherever the tables give it
 * inside the stored block. */
void ym_geom_strides(const ym_geom *g, int s[4]);
int ym_geom_nsites(const ym_geom *g);       /* stored sites, halo included */
int ym_geom_ninterior(const ym_geom *g);    /* interior sites */
/* Storage index of the i-th interior site (local lexicographic order). */
const int *ym_geom_interior(const ym_geom *g);
/* Storage index of local coordinates x (-depth .. l+depth-1), or -1. */
int ym_geom_index(const ym_geom *g, const int x[4]);
/* Local coordinates of storage index idx. */
void ym_geom_local_coords(const ym_geom *g, int idx, int x[4]);
/* Neighbour tables over all stored sites: up[idx] = idx + mu, -1 past the
 * outer edge of the halo. */
const int *ym_geom_up(const ym_geom *g, int mu);
const int *ym_geom_dn(const ym_geom *g, int mu);
/* Global coordinates (modulo L) and lexicographic global index (x fastest). */
void ym_geom_global_coords(const ym_geom *g, int idx, int x[4]);
int64_t ym_geom_global_index(const ym_geom *g, int idx);
/* (x0+x1+x2+x3) mod 2 of the global coordinates. */
int ym_geom_parity(const ym_geom *g, int idx);
/* YM_GEOM_LINK / YM_GEOM_DOWN bits. */
unsigned ym_geom_flags(const ym_geom *g, int idx);
/* The same bits of every stored site, indexed by storage index: for hot
 * loops, where a call per site costs more than the lookup. */
const unsigned char *ym_geom_flag_table(const ym_geom *g);

/* A workspace of at least `bytes` bytes owned by g, for kernels that need
 * more scratch than the heap keeps between calls (glibc maps blocks over
 * 32 MB afresh each time: a page fault per 4 kB, every call). It grows on
 * demand and lives until ym_geom_free; contents are unspecified. One user
 * at a time: a kernel holding it must not call another that uses it, and
 * threads must not share a geometry's workspace. NULL when out of memory.
 * Local. */
void *ym_geom_workspace(const ym_geom *g, size_t bytes);

/* Is the plaquette at x in the (mu,nu) plane part of the lattice? */
static inline int ym_geom_plaq_ok(unsigned flags, int mu, int nu)
{
    return (flags & YM_GEOM_LINK(mu)) && (flags & YM_GEOM_LINK(nu));
}
/* Are all four clover leaves at x in the (mu,nu) plane part of the lattice? */
static inline int ym_geom_clover_ok(unsigned flags, int mu, int nu)
{
    unsigned need = YM_GEOM_LINK(mu) | YM_GEOM_LINK(nu) | YM_GEOM_DOWN(mu) | YM_GEOM_DOWN(nu);
    return (flags & need) == need;
}

#endif
