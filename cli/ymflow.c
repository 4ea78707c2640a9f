/* The ymflow command: dispatch to subcommands. Only this folder may exit. */
#include "cli.h"
#include "ym_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *usage =
    "usage: ymflow COMMAND [options]     (under MPI: mpirun -n P ymflow COMMAND ...)\n"
    "commands:\n"
    "  instanton   build a BPST instanton, print its action and charge\n"
    "  info FILE   identify and verify a configuration file, print its observables\n"
    "  convert IN OUT --to FORMAT   convert between configuration formats\n"
    "  flow [CARD] [CONFIG]   gradient flow with measurements, checkpoints, t0 and w0\n"
    "  generate [CARD]   quenched SU(N) Monte Carlo: heatbath + overrelaxation, ILDG ensemble\n"
    "  solvers     list solver types, actions and integrators with their parameters\n"
    "  embed RECORDING [CARD]   a recording (EDF, NWB, HDF5, NPY) as an SU(K) configuration\n"
    "  clusters CONFIG [CARD]   instantons and charge clusters of a configuration (after flowing)\n"
    "  pipeline [RECORDING] [CARD]   the main job: recording -> embed -> flow -> instanton clusters\n"
    "                         with surrogate p-values, tables and plots (default: the shipped ECoG)\n"
    "  version     print the version\n"
    "`ymflow COMMAND --help` describes each command's options.\n"
    "Exit codes: 0 ok, 1 usage, 2 input error, 3 runtime error.\n";

/* A process started without mpirun (no launcher's rank in the environment)
 * is an MPI singleton: one rank that talks to nobody. Open MPI 4 still
 * starts a runtime daemon for it and probes UCX for the point-to-point
 * layer, 0.35 s of the 0.4 s MPI_Init took here, more than the default
 * pipeline's whole read and filter stage. An isolated singleton with the
 * ob1 layer starts in 0.04 s. But every isolated singleton on a host gets
 * the same job name and so the same session directory, which each one
 * creates and removes: two started together race, and the loser's MPI_Init
 * fails (3 to 6 in 600 runs four at a time here, and once in a CI run). So
 * each singleton gets a session tree of its own, named by its pid; Open MPI
 * removes it at MPI_Finalize. Only defaults: a user's own OMPI_MCA_*
 * settings win, runs under mpirun or srun are untouched, and other MPI
 * libraries ignore these variables. */
static void singleton_defaults(void)
{
    if (getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK")) return;
    setenv("OMPI_MCA_ess_singleton_isolated", "1", 0);
    setenv("OMPI_MCA_pml", "ob1", 0);
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    int n = snprintf(dir, sizeof dir, "%s/ompi.ymflow.%lu.%ld", tmp && *tmp ? tmp : "/tmp",
                     (unsigned long)getuid(), (long)getpid());
    if (n > 0 && (size_t)n < sizeof dir) setenv("OMPI_MCA_orte_top_session_dir", dir, 0);
}

int main(int argc, char **argv)
{
    singleton_defaults();
    MPI_Init(&argc, &argv);
    ym_init();
    int rc;
    const char *cmd = argc > 1 ? argv[1] : NULL;
    if (!cmd) {
        cli_error("", "no command given");
        cli_print("%s", usage);
        rc = CLI_USAGE;
    } else if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        cli_print("%s", usage);
        rc = CLI_OK;
    } else if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        cli_print("ymflow %s\n", ym_version());
        rc = CLI_OK;
    } else if (!strcmp(cmd, "instanton")) {
        rc = cmd_instanton(argc - 1, argv + 1);
    } else if (!strcmp(cmd, "info")) {
        rc = cmd_info(argc - 1, argv + 1);
    } else if (!strcmp(cmd, "convert")) {
        rc = cmd_convert(argc - 1, argv + 1);
    } else if (!strcmp(cmd, "flow")) {
        rc = cmd_flow(argc - 1, argv + 1);
    } else if (!strcmp(cmd, "embed")) {
        rc = cmd_embed(argc - 1, argv + 1);
    } else if (!strcmp(cmd, "clusters")) {
        rc = cmd_clusters(argc - 1, argv + 1);
    } else if (!strcmp(cmd, "pipeline")) {
        rc = cmd_pipeline(argc - 1, argv + 1);
    } else if (!strcmp(cmd, "generate")) {
        rc = cmd_generate(argc - 1, argv + 1);
    } else if (!strcmp(cmd, "solvers")) {
        rc = cmd_solvers(argc - 1, argv + 1);
    } else {
        char msg[256];
        snprintf(msg, sizeof msg, "unknown command '%s' (try ymflow --help)", cmd);
        cli_error("", msg);
        rc = CLI_USAGE;
    }
    MPI_Finalize();
    return rc;
}
