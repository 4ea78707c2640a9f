/* Option parsing and error reporting shared by the subcommands. */
#include "cli.h"
#include "ym_geom.h"
#include "ym_status.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_args_init(cli_args *a, int argc, char **argv)
{
    a->argc = argc;
    a->argv = argv;
    a->i = 0;
}

int cli_next(cli_args *a)
{
    static char keybuf[128];
    if (++a->i >= a->argc) return 0;
    const char *s = a->argv[a->i];
    a->value = a->eq = NULL;
    if (s[0] == '-' && s[1] != '\0' && !(s[1] >= '0' && s[1] <= '9')) {
        const char *k = s + (s[1] == '-' ? 2 : 1);
        const char *eq = strchr(k, '=');
        size_t n = eq ? (size_t)(eq - k) : strlen(k);
        if (n >= sizeof keybuf) n = sizeof keybuf - 1;
        memcpy(keybuf, k, n);
        keybuf[n] = '\0';
        a->key = keybuf;
        if (eq) a->eq = a->value = eq + 1;
    } else {
        a->key = NULL;
        a->value = s;
    }
    return 1;
}

const char *cli_value(cli_args *a)
{
    if (a->eq) return a->eq;
    if (a->i + 1 >= a->argc) {
        YM_ERROR(YM_EINVAL, "--%s needs a value", a->key);
        return NULL;
    }
    a->value = a->argv[++a->i];
    return a->value;
}

/* The scope a command runs in (see cli_scope_set). */
static MPI_Comm scope_comm = MPI_COMM_NULL;
static int scope_quiet, scope_status;

void cli_scope_set(MPI_Comm comm, int quiet)
{
    scope_comm = comm;
    scope_quiet = quiet;
}

MPI_Comm cli_comm(void) { return scope_comm == MPI_COMM_NULL ? MPI_COMM_WORLD : scope_comm; }
int cli_quiet(void) { return scope_quiet; }
int cli_last_status(void) { return scope_status; }

void cli_error(const char *cmd, const char *msg)
{
    int rank = 0, ini = 0;
    if (scope_quiet) return;
    MPI_Initialized(&ini);
    if (ini) MPI_Comm_rank(cli_comm(), &rank);
    if (rank == 0) fprintf(stderr, "ymflow %s: %s\n", cmd, msg);
}

int cli_exit_code(int status)
{
    switch (status) {
    case YM_OK: return CLI_OK;
    case YM_EINVAL:
    case YM_EIO:
    case YM_EFORMAT: return CLI_INPUT;
    default: return CLI_RUNTIME;
    }
}

int cli_fail(const char *cmd, int status)
{
    status = ym_status_agree(cli_comm(), status);
    scope_status = status;
    if (status) cli_error(cmd, ym_errmsg());
    return cli_exit_code(status);
}

int cli_double(const char *s, const char *what, double *out)
{
    char *end;
    errno = 0;
    double v = s ? strtod(s, &end) : 0;
    if (!s || end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return YM_ERROR(YM_EINVAL, "%s: '%s' is not a finite number", what, s ? s : "");
    *out = v;
    return YM_OK;
}

int cli_int(const char *s, const char *what, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || end == s || *end != '\0' || errno == ERANGE || v < lo || v > hi)
        return YM_ERROR(YM_EINVAL, "%s: '%s' is not an integer in %d..%d", what, s ? s : "", lo, hi);
    *out = (int)v;
    return YM_OK;
}

int cli_boundary(const char *s, int bc[4])
{
    char buf[128];
    if (!s || strlen(s) >= sizeof buf) return YM_ERROR(YM_EINVAL, "boundary: missing or too long");
    strcpy(buf, s);
    int n = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (n == 4) return YM_ERROR(YM_EINVAL, "boundary: '%s' has more than four entries", s);
        if (!strcmp(tok, "periodic")) bc[n++] = YM_BC_PERIODIC;
        else if (!strcmp(tok, "open")) bc[n++] = YM_BC_OPEN;
        else return YM_ERROR(YM_EINVAL, "boundary: '%s' is not periodic or open", tok);
    }
    if (n == 1) bc[1] = bc[2] = bc[3] = bc[0];
    else if (n != 4) return YM_ERROR(YM_EINVAL, "boundary: give one value or four comma-separated ones");
    return YM_OK;
}

const char *cli_num(char *buf, size_t len, double v)
{
    /* the fewest %g digits that read back as v: what a person would write */
    for (int p = 1; p <= 17; ++p) {
        snprintf(buf, len, "%.*g", p, v);
        if (strtod(buf, NULL) == v || v != v) break;
    }
    return buf;
}
