/* Shared pieces of the ymflow command: option parsing and output. */
#ifndef YM_CLI_H
#define YM_CLI_H

#include <mpi.h>
#include <stddef.h>

/* Exit codes (DESIGN.md section 6). */
enum { CLI_OK = 0, CLI_USAGE = 1, CLI_INPUT = 2, CLI_RUNTIME = 3 };

/* Iterates over argv: options "--key value", "--key=value", "-o value",
 * flags "--key", and positional arguments (key == NULL). */
typedef struct {
    int argc, i;
    char **argv;
    const char *key;   /* option name without dashes, NULL for a positional */
    const char *value; /* its value (NULL for a flag until cli_value is called) */
    const char *eq;    /* value given with '=' */
} cli_args;

void cli_args_init(cli_args *a, int argc, char **argv);
/* Next argument; 0 at the end. */
int cli_next(cli_args *a);
/* The value of the current option (consumes the next argv entry if it was
 * not given with '='); NULL (and an error recorded) if missing. */
const char *cli_value(cli_args *a);

/* The scope of a command run as a part of another (an ensemble member on a
 * group of ranks): cli_fail agrees on comm and remembers the status,
 * cli_print and cli_error print on comm's rank 0, nothing when quiet.
 * MPI_COMM_NULL restores the default (MPI_COMM_WORLD, printing). Local. */
void cli_scope_set(MPI_Comm comm, int quiet);
/* The scope's communicator (MPI_COMM_WORLD by default); commands run on it. */
MPI_Comm cli_comm(void);
int cli_quiet(void);
/* The status of the last cli_fail (what its exit code came from). */
int cli_last_status(void);
/* Rank 0 prints "ymflow CMD: message" to stderr. */
void cli_error(const char *cmd, const char *msg);
/* Map a library status to an exit code. */
int cli_exit_code(int status);
/* Report the agreed error of status (if any) and return its exit code. */
int cli_fail(const char *cmd, int status);
/* Parse a finite double / an int; on failure record "what: ..." (YM_EINVAL). */
int cli_double(const char *s, const char *what, double *out);
int cli_int(const char *s, const char *what, int lo, int hi, int *out);
/* v as a person writes it, for human-facing text (--help, listings): the
 * shortest %g that reads back as v exactly (1e-06, -0.331, not
 * 9.9999999999999995e-07). Machine-readable outputs (CSV, key: value)
 * keep %.17g. Returns buf (len >= 32). Local. */
const char *cli_num(char *buf, size_t len, double v);
/* "periodic", "open", or four comma-separated entries of those. */
int cli_boundary(const char *s, int bc[4]);

int cmd_instanton(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_flow(int argc, char **argv);
int cmd_solvers(int argc, char **argv);
int cmd_embed(int argc, char **argv);
int cmd_clusters(int argc, char **argv);
int cmd_pipeline(int argc, char **argv);
int cmd_generate(int argc, char **argv);

#include "ym_gauge.h"
/* Compute and print (rank 0) the standard observables of u as key: value
 * lines: plaquette (total, spatial, temporal), action_wilson_over_8pi2,
 * action_clover_over_8pi2, Q_clover, polyakov (periodic t only). Collective. */
int cli_report(ym_gauge *u);
/* rank 0 printf. */
void cli_print(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
#endif /* YM_CLI_H (report) */
