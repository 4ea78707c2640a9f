/* Rank groups for ensembles: the ranks split into G equal groups that take
 * the items of an ensemble (configurations, epochs, surrogates) in turn;
 * after each round every item's result travels to every rank in item
 * order, so what is computed from the results does not depend on G.
 * Shared by `ymflow flow` (ensembles of configurations), `ymflow clusters`
 * (ensembles) and `ymflow pipeline` (surrogates). */
#ifndef YM_CLI_GROUPS_H
#define YM_CLI_GROUPS_H

#include <mpi.h>

typedef struct {
    MPI_Comm comm;  /* all ranks */
    MPI_Comm group; /* this rank's group (comm itself when G = 1) */
    int ngroups, per, gid;
} cli_groups;

/* Split comm into groups equal groups of consecutive ranks. Collective.
 * Errors: YM_EINVAL when the ranks do not split into equal groups. */
int cli_groups_split(MPI_Comm comm, int groups, cli_groups *g);
/* Free the group communicator (NULL-safe; a second call is harmless). Collective. */
void cli_groups_free(cli_groups *g);

/* Run n items: group gid runs work(group, i, ctx) for i = k G + gid in round
 * k; at the end of each round collect(comm, i, root, ctx) is called on every
 * rank for each item of the round in item order, root being the world rank
 * of the group's first rank (which holds the item's result). Statuses are
 * agreed over all ranks after each work and each collect; the first failure
 * stops the run. Collective on g->comm. Errors: those of work and collect. */
int cli_groups_run(const cli_groups *g, int n, int (*work)(MPI_Comm group, int i, void *ctx),
                   int (*collect)(MPI_Comm comm, int i, int root, void *ctx), void *ctx);

#endif
