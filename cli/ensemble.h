/* `ymflow flow` over an ensemble: a list or glob of configurations, each
 * flowed by cmd_flow itself (on a group of ranks, quietly) into its own CSV,
 * then the ensemble CSV of ens_table.h. */
#ifndef YM_CLI_ENSEMBLE_H
#define YM_CLI_ENSEMBLE_H

#include <mpi.h>

/* The --help text of the ensemble options of ymflow flow. */
extern const char *cli_flow_ensemble_help;

/* If argv (ymflow flow's) names an ensemble (more than one configuration, a
 * glob pattern, or --groups / --errors / --bin / --stau), run it and set
 * *handled; returns the exit code. Otherwise *handled = 0 and nothing is
 * done (also for the members an ensemble runs). Collective on
 * MPI_COMM_WORLD. */
int cli_flow_ensemble(int argc, char **argv, int *handled);

/* Asked by a member's cmd_flow before it flows: when the ensemble runs with
 * --resume and OUT is there, complete and begins with PREAMBLE (the CSV's
 * comment lines up to its effective parameters), *keep = 1 and the member is
 * read instead of flowed. Otherwise *keep = 0; an OUT written otherwise is an
 * error (YM_EINVAL, YM_EFORMAT) unless --force. Collective on the member's
 * communicator. */
int cli_flow_member_keep(MPI_Comm comm, const char *out, const char *preamble, int *keep);

#endif
