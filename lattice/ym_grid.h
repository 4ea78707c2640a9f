/* The 4D Cartesian MPI process grid.
 *
 * A lattice of global extents L[4] is split into equal blocks over a
 * pdims[0] x pdims[1] x pdims[2] x pdims[3] grid of ranks; any direction may
 * be split. Direction mu = 0,1,2,3 = x,y,z,t.
 */
#ifndef YM_GRID_H
#define YM_GRID_H

#include <mpi.h>
#include <stdint.h>

typedef struct ym_grid ym_grid;

/* Largest extent accepted in one direction (keeps global indices and
 * per-rank allocations sane). */
#define YM_LMAX 4096

/* Create the process grid over comm. Collective on comm.
 * L: global extents (each >= 1). pdims: requested ranks per direction, NULL
 * or 0 entries meaning "choose": the choice minimises the halo surface among
 * grids whose dims divide L and leave local extents >= min_local.
 * min_local: smallest local extent allowed in a split direction (the halo
 * depth; >= 1).
 * Errors: YM_EINVAL (bad extents, a grid that does not divide the lattice or
 * does not multiply to the number of ranks, local extent below min_local),
 * YM_ENOMEM, YM_EMPI. The status is the same on every rank. */
int ym_grid_create(ym_grid **out, MPI_Comm comm, const int L[4], const int pdims[4], int min_local);
/* NULL-safe. Collective on the grid's communicator. */
void ym_grid_free(ym_grid *g);

/* Local accessors. */
MPI_Comm ym_grid_comm(const ym_grid *g);  /* the Cartesian communicator */
int ym_grid_rank(const ym_grid *g);
int ym_grid_size(const ym_grid *g);
const int *ym_grid_L(const ym_grid *g);      /* global extents */
const int *ym_grid_dims(const ym_grid *g);   /* ranks per direction */
const int *ym_grid_coords(const ym_grid *g); /* this rank's grid coordinates */
const int *ym_grid_local(const ym_grid *g);  /* local block extents */
const int *ym_grid_origin(const ym_grid *g); /* global coordinate of the block's first site */
/* Rank of the neighbour in direction mu, dir = +1 (up) or -1 (down). */
int ym_grid_neighbour(const ym_grid *g, int mu, int dir);
/* Global volume. */
int64_t ym_grid_volume(const ym_grid *g);

/* Parse "AxBxCxD" (or a single "A" meaning A in all four directions) into
 * out[4]. what names the parameter in the error message. Local.
 * Errors: YM_EINVAL with "what: ..." message. */
int ym_parse_dims(const char *s, const char *what, int out[4]);

#endif
