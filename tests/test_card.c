/* Run cards (io/ym_card.h): good cards give the declared values, every
 * error is YM_EINVAL / YM_EIO with "file:line" and the offending key,
 * overrides win, written parameters read back identically, and under MPI
 * every rank gets the same values and the same status. */
/* mkdtemp, fmemopen: POSIX 2008. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "ym_card.h"
#include "ym_status.h"

/* The parameters of a flow run, as the solver would declare them. */
typedef struct {
    double eps, tmax;
    int N, L[4], verbose, steps, seed;
    char action[32], integ[32], csv[YM_CARD_STRMAX];
} flow_par;

enum { NPAR = 10 };

static void table_init(ym_param t[NPAR], flow_par *p)
{
    memset(p, 0, sizeof *p);
    p->eps = 0.01;
    p->tmax = 1.0;
    p->N = 3;
    p->L[0] = p->L[1] = p->L[2] = p->L[3] = 4;
    p->steps = 10;
    strcpy(p->action, "wilson");
    strcpy(p->integ, "rk3");
    const ym_param d[NPAR] = {
        {"flow", "action", YM_PARAM_CHOICE, p->action, .choices = "wilson|symanzik|iwasaki", .size = sizeof p->action},
        {"flow", "integrator", YM_PARAM_CHOICE, p->integ, .choices = "euler|rk2|rk3", .size = sizeof p->integ},
        {"flow", "eps", YM_PARAM_DOUBLE, &p->eps, .min = 1e-8, .max = 1, .help = "step size"},
        {"flow", "tmax", YM_PARAM_DOUBLE, &p->tmax, .min = 0, .max = 1e6, .required = 1},
        {"flow", "steps", YM_PARAM_INT, &p->steps, .min = 1, .max = 1000000},
        {"lattice", "dims", YM_PARAM_DIMS, p->L, .min = 1, .max = 4096},
        {"lattice", "N", YM_PARAM_INT, &p->N, .min = 2, .max = 8},
        {"output", "csv", YM_PARAM_STRING, p->csv, .size = sizeof p->csv},
        {"output", "verbose", YM_PARAM_BOOL, &p->verbose, .help = "progress lines"},
        /* min = max = 0: any value */
        {"flow", "seed", YM_PARAM_INT, &p->seed, .help = "any int"},
    };
    memcpy(t, d, sizeof d);
    p->seed = 7;
}

static char dir[256];
static int rank_ = 0;

/* Write a card (rank 0) and return its path. */
static const char *card(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (rank_ == 0 && text) {
        FILE *f = fopen(path, "w");
        if (f) {
            fputs(text, f);
            fclose(f);
        }
    }
    MPI_Barrier(MPI_COMM_WORLD);
    return path;
}

/* Parse text; expect code, and a message containing "name:line" and want. */
static void expect_error(const char *name, const char *text, int code, int line, const char *want)
{
    ym_param t[NPAR];
    flow_par p;
    table_init(t, &p);
    ym_error_clear();
    int st = ym_card_parse(MPI_COMM_WORLD, card(name, text), t, NPAR);
    char loc[300];
    if (line > 0)
        snprintf(loc, sizeof loc, "%s:%d: ", name, line);
    else
        snprintf(loc, sizeof loc, "%s", name);
    const char *m = ym_errmsg();
    int ok = st == code && strstr(m, loc) && strstr(m, want);
    tap_ok(ok, "%s: %s (got %s: %s)", name, want, ym_strerror(st), m);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    tap_init();
    ym_init();
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    if (rank_ == 0) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/ymcard-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) dir[0] = '\0';
    }
    MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    tap_ok(dir[0] != '\0', "temporary directory");

    /* A good card. */
    ym_param t[NPAR];
    flow_par p;
    table_init(t, &p);
    char good[512];
    snprintf(good, sizeof good, "%s", card("good.in", "# a flow run\n"
                                       "[flow]\n"
                                       "action = symanzik   ; improved\n"
                                       "integrator=rk2\n"
                                       "eps = 0.02 # inline comment\n"
                                       "tmax = 3.5\n"
                                       "\n"
                                       "[lattice]\n"
                                       "dims = 8x8x8x16\n"
                                       "N = 2\n"
                                       "[output]\n"
                                       "csv = out/flow#1.csv\n"
                                       "verbose = yes\n"));
    ym_error_clear();
    int st = ym_card_parse(MPI_COMM_WORLD, good, t, NPAR);
    tap_ok(st == YM_OK, "good card parses (%s)", ym_errmsg());
    tap_ok(!strcmp(p.action, "symanzik") && !strcmp(p.integ, "rk2"), "choices: %s %s", p.action, p.integ);
    tap_ok(p.eps == 0.02 && p.tmax == 3.5, "doubles: %.17g %.17g", p.eps, p.tmax);
    tap_ok(p.L[0] == 8 && p.L[1] == 8 && p.L[2] == 8 && p.L[3] == 16 && p.N == 2, "dims %dx%dx%dx%d, N %d", p.L[0],
           p.L[1], p.L[2], p.L[3], p.N);
    tap_ok(!strcmp(p.csv, "out/flow#1.csv") && p.verbose == 1, "string '%s', bool %d", p.csv, p.verbose);
    tap_ok(p.steps == 10 && !t[4].set && t[2].set, "defaults kept for keys not given; set flags");
    {
        /* Indented keys are keys, not continuation lines. */
        ym_param ti[NPAR];
        flow_par pi;
        table_init(ti, &pi);
        ym_error_clear();
        st = ym_card_parse(MPI_COMM_WORLD, card("indent.in", "\xEF\xBB\xBF[flow]\n  tmax = 2\n\teps = 0.5\n  [lattice]\n  N = 4\n"),
                           ti, NPAR);
        tap_ok(st == YM_OK && pi.tmax == 2 && pi.eps == 0.5 && pi.N == 4, "indented keys and a BOM (%s)", ym_errmsg());
    }
    tap_ok(ym_card_find(t, NPAR, "flow", "eps") == &t[2] && !ym_card_find(t, NPAR, "flow", "epsilon"), "ym_card_find");

    /* Overrides win over the card. */
    ym_error_clear();
    st = ym_card_override(t, NPAR, "--flow.eps=0.125");
    if (!st) st = ym_card_override(t, NPAR, "--lattice.dims=6");
    if (!st) st = ym_card_override(t, NPAR, "flow.integrator=euler");
    if (!st) st = ym_card_override(t, NPAR, "--flow.seed=-12");
    tap_ok(st == YM_OK && p.eps == 0.125 && p.L[3] == 6 && p.L[0] == 6 && !strcmp(p.integ, "euler") &&
               p.seed == -12 && t[9].set,
           "overrides win over the card (%s)", ym_errmsg());
    static const struct {
        const char *arg, *want;
    } bad_opt[] = {
        {"--flow.epsilon=1", "'epsilon'"},   {"--flw.eps=1", "[flw]"},
        {"--flow.eps=abc", "'abc'"},         {"--flow.eps", "--section.key=value"},
        {"--flow.eps=2", "outside"},         {"--flow.integrator=rk4", "euler, rk2, rk3"},
        {"--flow.eps=nan", "non-finite"},    {"--lattice.N=3.0", "malformed integer"},
        {"--output.verbose=maybe", "maybe"}, {"--lattice.dims=4x4x4", "malformed dimensions"},
    };
    for (size_t i = 0; i < sizeof bad_opt / sizeof bad_opt[0]; ++i) {
        double before = p.eps;
        ym_error_clear();
        st = ym_card_override(t, NPAR, bad_opt[i].arg);
        tap_ok(st == YM_EINVAL && strstr(ym_errmsg(), bad_opt[i].arg) && strstr(ym_errmsg(), bad_opt[i].want) &&
                   p.eps == before,
               "override %s refused: %s", bad_opt[i].arg, ym_errmsg());
    }

    /* Round trip: awkward doubles, written and read back bit-identically. */
    p.eps = 0.1;
    p.tmax = 1.0 / 3.0 * 1e5;
    p.steps = 123456;
    p.verbose = 0;
    strcpy(p.csv, "");
    flow_par q;
    ym_param t2[NPAR];
    table_init(t2, &q);
    char path[512];
    snprintf(path, sizeof path, "%s/written.in", dir);
    st = YM_OK;
    if (rank_ == 0) {
        FILE *f = fopen(path, "w");
        st = f ? ym_card_write(f, t, NPAR, "") : YM_EIO;
        if (f) fclose(f);
    }
    st = ym_status_agree(MPI_COMM_WORLD, st);
    if (!st) st = ym_card_parse(MPI_COMM_WORLD, path, t2, NPAR);
    tap_ok(st == YM_OK, "written parameters parse back (%s)", ym_errmsg());
    tap_ok(memcmp(&p.eps, &q.eps, sizeof p.eps) == 0 && memcmp(&p.tmax, &q.tmax, sizeof p.tmax) == 0,
           "doubles round trip exactly: %.17g %.17g", q.eps, q.tmax);
    tap_ok(p.N == q.N && !memcmp(p.L, q.L, sizeof p.L) && p.steps == q.steps && p.verbose == q.verbose &&
               !strcmp(p.action, q.action) && !strcmp(p.integ, q.integ) && !strcmp(p.csv, q.csv) &&
               q.seed == -12,
           "all other values round trip");
    /* The commented form (for CSV headers) has one "# " line per entry. */
    char buf[4096] = "";
    FILE *mf = fmemopen(buf, sizeof buf, "w");
    st = mf ? ym_card_write(mf, t, NPAR, "# ") : YM_EIO;
    if (mf) fclose(mf);
    tap_ok(st == YM_OK && strstr(buf, "# [flow]\n# action = symanzik\n") && strstr(buf, "# eps = 0.10000000000000001\n"),
           "prefixed write");
    strcpy(p.csv, " padded");
    ym_error_clear();
    mf = fmemopen(buf, sizeof buf, "w");
    st = mf ? ym_card_write(mf, t, NPAR, "") : YM_EIO;
    if (mf) fclose(mf);
    tap_ok(st == YM_EINVAL && strstr(ym_errmsg(), "csv"), "unwritable string refused: %s", ym_errmsg());

    /* Errors: each with file:line and the key. */
    expect_error("unkkey.in", "[flow]\ntmax = 1\n\n\nepsilon = 0.1\n", YM_EINVAL, 5, "unknown key 'epsilon' in [flow]");
    expect_error("unksec.in", "[flow]\ntmax = 1\n[flw]\neps = 1\n", YM_EINVAL, 3, "unknown section [flw]");
    expect_error("dup.in", "[flow]\ntmax = 1\neps = 0.1\n[lattice]\nN=3\n[flow]\neps = 0.2\n", YM_EINVAL, 7,
                 "duplicate key 'eps' in [flow]");
    expect_error("garbage.in", "[flow]\ntmax = 1\neps = 0.1x\n", YM_EINVAL, 3, "'0.1x' for 'eps'");
    expect_error("empty.in", "[flow]\ntmax = 1\neps =\n", YM_EINVAL, 3, "malformed number '' for 'eps'");
    expect_error("nan.in", "[flow]\ntmax = nan\n", YM_EINVAL, 2, "non-finite number 'nan' for 'tmax'");
    expect_error("inf.in", "[flow]\ntmax = -inf\n", YM_EINVAL, 2, "non-finite number '-inf' for 'tmax'");
    expect_error("huge.in", "[flow]\ntmax = 1e999\n", YM_EINVAL, 2, "'tmax'");
    expect_error("range.in", "[flow]\ntmax = 1\neps = 2\n", YM_EINVAL, 3, "'2' for 'eps' in [flow] is outside");
    expect_error("intrange.in", "[flow]\ntmax = 1\n[lattice]\nN = 99999999999\n", YM_EINVAL, 4, "'N'");
    expect_error("int.in", "[flow]\ntmax = 1\nsteps = 1e3\n", YM_EINVAL, 3, "malformed integer '1e3' for 'steps'");
    expect_error("choice.in", "[flow]\ntmax = 1\nintegrator = rk4\n", YM_EINVAL, 3,
                 "invalid value 'rk4' for 'integrator' in [flow] (allowed: euler, rk2, rk3)");
    expect_error("bool.in", "[flow]\ntmax = 1\n[output]\nverbose = perhaps\n", YM_EINVAL, 4, "'verbose'");
    expect_error("dims.in", "[flow]\ntmax = 1\n[lattice]\ndims = 8x8x0x8\n", YM_EINVAL, 4, "'dims'");
    expect_error("missing.in", "# no tmax\n[flow]\neps = 0.1\n", YM_EINVAL, 2, "missing required key 'tmax' in [flow]");
    expect_error("nosec.in", "[lattice]\nN = 3\n", YM_EINVAL, 2, "missing required key 'tmax' in [flow]");
    expect_error("outside.in", "eps = 0.1\n[flow]\ntmax = 1\n", YM_EINVAL, 1, "key 'eps' outside any section");
    expect_error("syntax.in", "[flow]\ntmax = 1\nthis line has no equals sign\n", YM_EINVAL, 3, "syntax error");
    char longline[1200];
    snprintf(longline, sizeof longline, "[flow]\ntmax = 1\n[output]\ncsv = %0900d\n", 0);
    expect_error("long.in", longline, YM_EINVAL, 4, "line longer");
    expect_error("first.in", "[flow]\nbogus = 1\ntmax = x\n", YM_EINVAL, 2, "'bogus'"); /* the first error wins */
    expect_error("nofile-does-not-exist.in", NULL, YM_EIO, 0, "cannot open");
    {
        ym_param t3[NPAR];
        flow_par r;
        table_init(t3, &r);
        ym_error_clear();
        st = ym_card_parse(MPI_COMM_WORLD, dir, t3, NPAR);
        tap_ok(st == YM_EIO && strstr(ym_errmsg(), dir) && strstr(ym_errmsg(), "directory"), "a directory: %s",
               ym_errmsg());
        /* A malformed table is the module's bug, reported as such. */
        t3[1].choices = NULL;
        ym_error_clear();
        st = ym_card_parse(MPI_COMM_WORLD, good, t3, NPAR);
        tap_ok(st == YM_EINVAL && strstr(ym_errmsg(), "integrator"), "bad table: %s", ym_errmsg());
    }

    /* Every rank holds identical values (compare with rank 0's). */
    table_init(t, &p);
    st = ym_card_parse(MPI_COMM_WORLD, good, t, NPAR);
    flow_par r0 = p;
    MPI_Bcast(&r0, (int)sizeof r0, MPI_BYTE, 0, MPI_COMM_WORLD);
    tap_ok(st == YM_OK && !memcmp(&r0, &p, sizeof p) && t[0].set && t[4].set == 0, "identical values on every rank");
    int codes[2] = {st, 0};
    table_init(t, &p);
    codes[1] = ym_card_parse(MPI_COMM_WORLD, card("dup2.in", "[flow]\ntmax=1\ntmax=2\n"), t, NPAR);
    int mn[2], mx[2];
    MPI_Allreduce(codes, mn, 2, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(codes, mx, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    tap_ok(mn[0] == mx[0] && mn[1] == mx[1] && mx[1] == YM_EINVAL, "identical statuses on every rank");

    if (rank_ == 0 && dir[0]) { /* best-effort clean-up of the scratch cards */
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) tap_diag("could not remove %s", dir);
    }
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
