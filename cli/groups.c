/* Rank groups taking ensemble items in turn (see groups.h). */
#include "groups.h"
#include "ym_status.h"

int cli_groups_split(MPI_Comm comm, int groups, cli_groups *g)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    g->comm = comm;
    g->group = comm;
    g->ngroups = 1;
    g->per = size;
    g->gid = 0;
    if (groups < 1 || groups > size || size % groups)
        return YM_ERROR(YM_EINVAL, "groups: %d ranks do not split into %d equal groups", size, groups);
    g->ngroups = groups;
    g->per = size / groups;
    g->gid = rank / g->per;
    if (groups > 1 && MPI_Comm_split(comm, g->gid, rank, &g->group) != MPI_SUCCESS) {
        g->group = comm;
        return YM_ERROR(YM_EMPI, "groups: MPI_Comm_split failed");
    }
    return YM_OK;
}

void cli_groups_free(cli_groups *g)
{
    if (!g) return;
    if (g->group != MPI_COMM_NULL && g->group != g->comm) MPI_Comm_free(&g->group);
    g->group = g->comm;
}

int cli_groups_run(const cli_groups *g, int n, int (*work)(MPI_Comm group, int i, void *ctx),
                   int (*collect)(MPI_Comm comm, int i, int root, void *ctx), void *ctx)
{
    int st = YM_OK, G = g->ngroups;
    int rounds = (n + G - 1) / G;
    for (int k = 0; !st && k < rounds; ++k) {
        int i = k * G + g->gid, lst = YM_OK;
        if (i < n) lst = work(g->group, i, ctx);
        /* a group that failed stops every group: agreed over all ranks */
        st = ym_status_agree(g->comm, lst);
        for (int j = 0; !st && collect && j < G && k * G + j < n; ++j)
            st = ym_status_agree(g->comm, collect(g->comm, k * G + j, j * g->per, ctx));
    }
    return st;
}
