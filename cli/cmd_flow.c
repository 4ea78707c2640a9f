/* ymflow flow: run a gradient flow (or any registered solver), measure
 * observables into a CSV file, checkpoint and resume. */
#include "cli.h"
#include "cli_out.h"
#include "cli_input.h"
#include "ensemble.h"
#include "ym_card.h"
#include "ym_flux.h"
#include "ym_format.h"
#include "ym_ildg.h"
#include "ym_instanton.h"
#include "ym_measure.h"
#include "ym_solver.h"
#include "ym_solver_impl.h"
#include "ym_status.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STR YM_CARD_STRMAX
#define MAXTIMES 256
#define MAXX 64 /* distinct action / solver parameter names */
#define FLOW_MAXOBS 64 /* extra observables of a solver type (ym_solver_observe) */
#define MAXXS 8 /* distinct solver string parameter names */
#define MAXTAB (NPAR + MAXX + MAXXS)

static const char *usage =
    "usage: ymflow flow [CARD] [CONFIG...] [options]\n"
    "Flow a gauge field and write observables to a CSV file (one header line naming\n"
    "the columns, one row per measurement, %.17g). CARD is a run card (INI); every\n"
    "card key is also an option --section.key=value, and the common ones have short\n"
    "flags (below). CONFIG (any format ymflow reads) is the same as --start file:CONFIG.\n"
    "Each positional argument is told apart by its content (the detection of ymflow\n"
    "info): `ymflow flow conf.ildg --tmax 1` flows a configuration with the defaults.\n"
    "  --solver NAME          solver type (default gradient-flow; see ymflow solvers)\n"
    "  --action NAME          wilson|symanzik|iwasaki|dbw2|... (default wilson)\n"
    "  --integrator NAME      euler|rk2|rk3|adaptive|... (default rk3)\n"
    "  --eps E                step size (initial step for adaptive), > 0 (default 0.01)\n"
    "  --tol T                adaptive integrators: tolerance (default 1e-6)\n"
    "  --action-param NAME=V  a parameter of the action (repeatable), e.g. eps=-1 for\n"
    "                         overimproved, c1=-0.1 for rectangle; card: [action] NAME = V\n"
    "  --solver-param NAME=V  a parameter of the solver type (repeatable), e.g. rho=0.02\n"
    "                         for stout; card: [solver] NAME = V (tol is --tol / flow.tol)\n"
    "  --tmax T               final flow time, >= 0 (default 1); for --solver cooling the\n"
    "                         number of sweeps (also --measure-times, --dump-times, the\n"
    "                         steps line); its CSV t column is the matched flow time\n"
    "                         n/(3-15 c1) and the extra last column sweeps holds n\n"
    "  --measure-every K      measure every K steps (default 1), and at t = 0 and tmax\n"
    "  --measure-times LIST   also measure at these flow times (comma-separated)\n"
    "  --ref R                reference value for t0 and w0 (default 0.3)\n"
    "  --observables LIST     CSV columns (comma-separated names, 'default', 'all'; t is\n"
    "                         always first); card: [measure] observables (below)\n"
    "  --start S              file:PATH | instanton | random:SEED | unit | flux:PLANE,n (default\n"
    "                         random:1); flux: n quanta of abelian flux in PLANE (two direction\n"
    "                         digits, e.g. 01), phi = 2 pi n/(L_mu L_nu), a stationary point\n"
    "  --dims AxBxCxD         lattice for generated starts (default 4; one number = all)\n"
    "  --N n                  SU(n) for generated starts (default 2)\n"
    "  --rho r                instanton size (default: ymflow instanton's default)\n"
    "  --grid AxBxCxD|auto    MPI process grid (default auto)\n"
    "  --headerless LAYOUT    the start file is links only: N=<n>,dims=AxBxCxD,f64be|f64le|\n"
    "                         f32be|f32le (as ymflow info --headerless)\n"
    "  --boundary B           periodic|open, or four comma-separated (x,y,z,t) (default: what\n"
    "                         the configuration file records, e.g. ymflow embed's open edges;\n"
    "                         else periodic)\n"
    "  --out FILE.csv         observables (default flow.csv)\n"
    "  --config-out FILE      write the final configuration (ILDG, 64-bit, with the effective\n"
    "                         parameters in a ymflow-parameters record)\n"
    "  --checkpoint PREFIX    checkpoint files PREFIX.state, PREFIX.card, PREFIX.<step>.ildg\n"
    "  --checkpoint-every K   write a checkpoint every K steps (default 0 = never)\n"
    "  --resume               continue from the checkpoint (parameters must match)\n"
    "  --metric M             rym solver: metric start flat|diag:a,b,c,d|random:SEED,AMP[,LMIN]|\n"
    "                         file:F.h5 (default flat; card: [solver] metric); with --solver rym\n"
    "                         the CSV gains g00..g33 sqrtg R lambda_min lambda_max S_hybrid and\n"
    "                         dumps gain g00..g33, sqrtg, R; checkpoints add PREFIX.<step>.metric.h5\n"
    "  --dump FILE.h5         write E_clover(x) and q(x) (parallel HDF5) at --dump-times\n"
    "  --dump-times LIST      flow times of the dumps (comma-separated; also measured)\n"
    "  --force                replace existing outputs / checkpoints\n"
    "Prints t0, w0 (nan when not reached), steps and outputs as key: value lines.\n"
    "Observables, with the cost of one measurement in Wilson RK3 steps (SU(3), 16^4, one\n"
    "core; BENCHMARKS.md). Columns of one group share one computation, done once:\n"
    "  plaquette, plaquette_spatial, plaquette_temporal   one plaquette pass       0.13\n"
    "  E_plaq, t2E_plaq        site average of 2 sum Re tr(1 - P)                  0.12\n"
    "  E_clover, t2E_clover, Q_clover, E_clover_max   one clover pass              0.8\n"
    "  W_clover     t d(t^2 E_clover)/dt from the measured E_clover history, three-\n"
    "               point finite differences: error O(dt^2) in the spacing of the\n"
    "               measurements (~4e-4 relative measuring every eps = 0.01 step;\n"
    "               measure every step for w0)                  free with E_clover\n"
    "  W_exact      the same from the flow equation (a force, 4 clover passes)     4.7\n"
    "  Q_improved   5Li charge (de Forcrand et al., O(a^4)-improved)              18\n"
    "default: t,plaquette,E_clover,t2E_clover,W_clover,Q_clover (0.9 steps).\n"
    "t0 needs an E_clover column; w0 comes from W_exact when selected, else W_clover.\n";

typedef struct {
    char solver[STR], action[STR], integrator[STR];
    double eps, tol, tmax, ref;
    int every, ckevery, N;
    char times[STR], start[STR], grid[STR], out[STR], config_out[STR], ckpt[STR], dump[STR], dump_times[STR];
    char observables[STR], headerless[STR], boundary[STR];
    double rho;
    int L[4];
    /* [action] / [solver] entries: every parameter name of the registered
     * actions and solver types (tol excluded: it is flow.tol) */
    int nx;
    char xsec[MAXX][8];
    const char *xname[MAXX];
    double xv[MAXX];
    /* effective parameters of the chosen action and solver (outputs) */
    double eff[MAXX];
    /* [solver] string entries (e.g. rym's metric start), after the doubles */
    int nxs;
    const char *xsname[MAXXS];
    char xs[MAXXS][YM_SOLVER_STRMAX];
} flow_par;

enum { NPAR = 23 };
/* Flag name of each table entry (same order as make_table). */
static const char *flags[NPAR] = {"solver", "action", "integrator", "eps", "tol", "tmax",
                                  "measure-every", "measure-times", "ref", "observables", "start", "dims", "N",
                                  "rho", "grid", "headerless", "boundary", "out", "config-out", "checkpoint",
                                  "checkpoint-every", "dump", "dump-times"};

static int make_table(flow_par *p, ym_param *t)
{
    memset(p, 0, sizeof *p);
    strcpy(p->solver, "gradient-flow");
    strcpy(p->action, "wilson");
    strcpy(p->integrator, "rk3");
    p->eps = 0.01;
    p->tol = 1e-6;
    p->tmax = 1;
    p->ref = 0.3;
    p->every = 1;
    strcpy(p->start, "random:1");
    strcpy(p->grid, "auto");
    strcpy(p->out, "flow.csv");
    strcpy(p->observables, "default");
    p->boundary[0] = 0; /* empty: what a configuration file records, else periodic */
    p->N = 2;
    for (int i = 0; i < 4; ++i) p->L[i] = 4;
    ym_param tab[] = {
        {"flow", "solver", YM_PARAM_STRING, p->solver, .help = "solver type"},
        {"flow", "action", YM_PARAM_STRING, p->action, .help = "gauge action of the flow"},
        {"flow", "integrator", YM_PARAM_STRING, p->integrator, .help = "integrator"},
        {"flow", "eps", YM_PARAM_DOUBLE, &p->eps, .help = "step size"},
        {"flow", "tol", YM_PARAM_DOUBLE, &p->tol, .help = "adaptive tolerance"},
        {"flow", "tmax", YM_PARAM_DOUBLE, &p->tmax, .help = "final flow time"},
        {"measure", "every", YM_PARAM_INT, &p->every, .help = "measure every K steps"},
        {"measure", "times", YM_PARAM_STRING, p->times, .help = "extra measurement times"},
        {"measure", "ref", YM_PARAM_DOUBLE, &p->ref, .help = "t0/w0 reference value"},
        {"measure", "observables", YM_PARAM_STRING, p->observables, .help = "CSV columns (names, default, all)"},
        {"start", "start", YM_PARAM_STRING, p->start, .help = "file:PATH|instanton|random:SEED|unit|flux:PLANE,n"},
        {"start", "dims", YM_PARAM_DIMS, p->L, .help = "lattice extents"},
        {"start", "n", YM_PARAM_INT, &p->N, .help = "SU(N)"},
        {"start", "rho", YM_PARAM_DOUBLE, &p->rho, .help = "instanton size (0 = default)"},
        {"start", "grid", YM_PARAM_STRING, p->grid, .help = "process grid or auto"},
        {"start", "headerless", YM_PARAM_STRING, p->headerless, .help = "layout of a links-only start file"},
        {"start", "boundary", YM_PARAM_STRING, p->boundary, .help = "periodic|open, or four of them"},
        {"output", "out", YM_PARAM_STRING, p->out, .help = "CSV of observables"},
        {"output", "config", YM_PARAM_STRING, p->config_out, .help = "final configuration (ILDG)"},
        {"checkpoint", "prefix", YM_PARAM_STRING, p->ckpt, .help = "checkpoint prefix"},
        {"checkpoint", "every", YM_PARAM_INT, &p->ckevery, .help = "steps between checkpoints"},
        {"output", "dump", YM_PARAM_STRING, p->dump, .help = "HDF5 file of E_clover(x), q(x)"},
        {"output", "dump_times", YM_PARAM_STRING, p->dump_times, .help = "flow times of the dumps"},
    };
    int n = (int)(sizeof tab / sizeof tab[0]);
    memcpy(t, tab, sizeof tab);
    const ym_action_type *at[YM_ACTION_MAXREG];
    const ym_solver_type *sv[YM_SOLVER_MAXREG];
    int na = ym_action_list(at, YM_ACTION_MAXREG), ns = ym_solver_list(sv, YM_SOLVER_MAXREG);
    for (int pass = 0; pass < 2; ++pass) {
        const char *sec = pass ? "solver" : "action";
        int m = pass ? ns : na;
        for (int i = 0; i < m && i < (pass ? YM_SOLVER_MAXREG : YM_ACTION_MAXREG); ++i) {
            int np = pass ? ym_solver_type_nparams(sv[i]) : at[i]->nparams;
            for (int k = 0; k < np; ++k) {
                const char *help = NULL;
                const char *nm = pass ? ym_solver_type_param(sv[i], k, NULL, &help) : at[i]->params[k].name;
                if (!pass) help = at[i]->params[k].description;
                if (!nm || (pass && !strcmp(nm, "tol"))) continue;
                int dup = 0;
                for (int j = 0; j < p->nx; ++j)
                    if (!strcmp(p->xsec[j], sec) && !strcmp(p->xname[j], nm)) dup = 1;
                if (dup || p->nx == MAXX) continue;
                int j = p->nx++;
                snprintf(p->xsec[j], sizeof p->xsec[j], "%s", sec);
                p->xname[j] = nm;
                t[n++] = (ym_param){p->xsec[j], nm, YM_PARAM_DOUBLE, &p->xv[j], .help = help};
            }
        }
    }
    for (int i = 0; i < ns && i < YM_SOLVER_MAXREG; ++i)
        for (int k = 0; k < ym_solver_type_nsparams(sv[i]); ++k) {
            const char *help = NULL, *nm = ym_solver_type_sparam(sv[i], k, NULL, &help);
            int dup = 0;
            for (int j = 0; j < p->nxs; ++j) dup |= !strcmp(p->xsname[j], nm);
            if (dup || p->nxs == MAXXS) continue;
            int j = p->nxs++;
            p->xsname[j] = nm;
            t[n++] = (ym_param){"solver", nm, YM_PARAM_STRING, p->xs[j], .help = help};
        }
    return n;
}

/* "name1, name2" of a parameter table, or "none". */
static void list_names(char *buf, size_t len, int np, const char *(*get)(const void *, int), const void *obj)
{
    size_t off = 0;
    buf[0] = 0;
    for (int i = 0; i < np && off < len; ++i)
        off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", get(obj, i));
    if (!np) snprintf(buf, len, "none");
}
static const char *aname(const void *a, int i) { return ((const ym_action_type *)a)->params[i].name; }
static const char *sname(const void *t, int i) { return ym_solver_type_param(t, i, NULL, NULL); }

/* Check the set [action] / [solver] entries against the chosen action a and
 * solver type sv; fill the effective parameters into opts. Local. */
static int resolve_params(const flow_par *p, const ym_param *tab, int ntab, const ym_action_type *a,
                          const ym_solver_type *sv, ym_solver_opts *o)
{
    char names[512];
    ym_action_defaults(a, o->action_par);
    o->have_action_par = 1;
    int np = ym_solver_type_nparams(sv);
    for (int i = 0; i < np; ++i) {
        const char *nm = ym_solver_type_param(sv, i, &o->par[i], NULL);
        if (nm && !strcmp(nm, "tol")) o->par[i] = p->tol;
    }
    o->have_par = 1;
    for (int j = 0; j < p->nx; ++j) {
        const ym_param *e = &tab[NPAR + j];
        if (NPAR + j >= ntab || !e->set) continue;
        int solver = !strcmp(p->xsec[j], "solver"), found = -1;
        int n = solver ? np : a->nparams;
        for (int k = 0; k < n; ++k)
            if (!strcmp(solver ? sname(sv, k) : a->params[k].name, p->xname[j])) found = k;
        if (found < 0) {
            list_names(names, sizeof names, n, solver ? sname : aname, solver ? (const void *)sv : (const void *)a);
            return YM_ERROR(YM_EINVAL, "%s-param: '%s' is not a parameter of %s '%s' (its parameters: %s)",
                            p->xsec[j], p->xname[j], p->xsec[j], solver ? ym_solver_type_name(sv) : a->name, names);
        }
        if (solver) o->par[found] = p->xv[j];
        else o->action_par[found] = p->xv[j];
    }
    /* string parameters: the type's defaults unless set */
    int nsp = ym_solver_type_nsparams(sv);
    for (int k = 0; k < nsp; ++k) {
        const char *def = "";
        ym_solver_type_sparam(sv, k, &def, NULL);
        snprintf(o->spar[k], sizeof o->spar[k], "%s", def);
    }
    o->have_spar = 1;
    for (int j = 0; j < p->nxs; ++j) {
        const ym_param *e = &tab[NPAR + p->nx + j];
        if (NPAR + p->nx + j >= ntab || !e->set) continue;
        int found = -1;
        for (int k = 0; k < nsp; ++k)
            if (!strcmp(ym_solver_type_sparam(sv, k, NULL, NULL), p->xsname[j])) found = k;
        if (found < 0)
            return YM_ERROR(YM_EINVAL, "%s: not a parameter of solver '%s'", p->xsname[j], ym_solver_type_name(sv));
        snprintf(o->spar[found], sizeof o->spar[found], "%s", p->xs[j]);
    }
    return YM_OK;
}

/* The table recorded in outputs: the fixed entries, then the effective
 * parameters of the chosen action ([action]) and solver ([solver], tol
 * excluded). Local. */
static int effective_table(flow_par *p, const ym_param *tab, const ym_action_type *a, const ym_solver_type *sv,
                           const ym_solver_opts *o, ym_param *eff)
{
    int n = NPAR, k = 0;
    memcpy(eff, tab, sizeof(ym_param) * NPAR);
    for (int i = 0; a && i < a->nparams && k < MAXX; ++i) {
        p->eff[k] = o->action_par[i];
        eff[n++] = (ym_param){"action", a->params[i].name, YM_PARAM_DOUBLE, &p->eff[k++], .help = a->params[i].description};
    }
    for (int i = 0; sv && i < ym_solver_type_nparams(sv) && k < MAXX; ++i) {
        const char *nm = ym_solver_type_param(sv, i, NULL, NULL);
        if (!strcmp(nm, "tol")) continue;
        p->eff[k] = o->par[i];
        eff[n++] = (ym_param){"solver", nm, YM_PARAM_DOUBLE, &p->eff[k++], .help = NULL};
    }
    for (int i = 0; sv && i < ym_solver_type_nsparams(sv) && i < YM_SOLVER_MAXSPAR; ++i)
        eff[n++] = (ym_param){"solver", ym_solver_type_sparam(sv, i, NULL, NULL), YM_PARAM_STRING, (char *)o->spar[i],
                              .help = NULL};
    return n;
}

/* Text outputs through the shared cli_out layer. */
typedef cli_buf sbuf;
#define sb_printf cli_buf_printf
#define file_exists cli_path_exists

/* Write text atomically (rank 0): temp file + rename. Collective. */
static int write_text_atomic(MPI_Comm comm, const char *path, int overwrite, const char *text)
{
    cli_buf view = {(char *)text, text ? strlen(text) : 0, 0, 0};
    return cli_write_text(comm, path, overwrite, &view);
}

static int parse_times(const char *s, const char *what, double *times, int *n)
{
    char buf[STR];
    *n = 0;
    if (!*s) return YM_OK;
    snprintf(buf, sizeof buf, "%s", s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (*n == MAXTIMES) return YM_ERROR(YM_EINVAL, "%s: more than %d times", what, MAXTIMES);
        double v;
        int st = cli_double(tok, what, &v);
        if (st) return st;
        if (v < 0) return YM_ERROR(YM_EINVAL, "%s: %g is negative", what, v);
        if (*n && !(v > times[*n - 1])) return YM_ERROR(YM_EINVAL, "%s: not increasing", what);
        times[(*n)++] = v;
    }
    return YM_OK;
}

/* ---------- checkpoint ---------- */

typedef struct {
    double *rows; /* nrows * ncol: the YM_MEASURE_NCOL columns, then the solver's observables */
    int nrows, cap, ncol;
} rowset;

static int rows_add(rowset *r, const double *row)
{
    if (r->nrows == r->cap) {
        int cap = r->cap ? 2 * r->cap : 64;
        double *p = realloc(r->rows, sizeof(double) * (size_t)r->ncol * (size_t)cap);
        if (!p) return YM_ERROR(YM_ENOMEM, "flow: out of memory for rows");
        r->rows = p;
        r->cap = cap;
    }
    memcpy(r->rows + (size_t)r->nrows * r->ncol, row, sizeof(double) * (size_t)r->ncol);
    ++r->nrows;
    return YM_OK;
}

static int ckpt_write(MPI_Comm comm, const char *prefix, ym_gauge *u, ym_solver *s, const rowset *r,
                      const ym_param *tab, int ntab, long *last_step)
{
    char gpath[STR + 64], path[STR + 64];
    ym_solver_state ss;
    int st = ym_solver_save(s, &ss);
    snprintf(gpath, sizeof gpath, "%s.%ld.ildg", prefix, ss.steps);
    if (!st) st = ym_ildg_write(u, gpath, 64, 1);
    /* companion files (e.g. the rym metric) per step, like the configuration: a run killed while writing
     * this checkpoint resumes from the previous one, whose files are all still there */
    char cpre[STR + 64];
    snprintf(cpre, sizeof cpre, "%s.%ld", prefix, ss.steps);
    if (!st) st = ym_solver_save_files(s, cpre);
    sbuf b = {0};
    cli_buf_card(&b, tab, ntab, "");
    snprintf(path, sizeof path, "%s.card", prefix);
    if (!st) st = write_text_atomic(comm, path, 1, b.s ? b.s : "");
    b.n = 0;
    sb_printf(&b, "ymflow-flow-checkpoint 1\nconfig %s\nt %.17g\nsteps %ld\nnsave %d\n", gpath, ss.t, ss.steps,
              ss.nsave);
    for (int i = 0; i < ss.nsave; ++i) sb_printf(&b, "%.17g\n", ss.save[i]);
    sb_printf(&b, "nrows %d\n", r->nrows);
    for (int i = 0; i < r->nrows; ++i)
        for (int c = 0; c < r->ncol; ++c)
            sb_printf(&b, "%.17g%c", r->rows[(size_t)i * r->ncol + c], c + 1 < r->ncol ? ' ' : '\n');
    snprintf(path, sizeof path, "%s.state", prefix);
    if (b.oom && !st) st = YM_ERROR(YM_ENOMEM, "checkpoint: out of memory");
    if (!st) st = write_text_atomic(comm, path, 1, b.s);
    free(b.s);
    int rank;
    MPI_Comm_rank(comm, &rank);
    if (!st && *last_step >= 0 && *last_step != ss.steps && rank == 0) {
        snprintf(gpath, sizeof gpath, "%s.%ld.ildg", prefix, *last_step);
        remove(gpath);
        snprintf(cpre, sizeof cpre, "%s.%ld", prefix, *last_step);
        ym_solver_remove_files(s, cpre);
    }
    if (!st) *last_step = ss.steps;
    return st;
}

/* Rank 0 reads the state file; broadcast. */
static int ckpt_read(MPI_Comm comm, const char *prefix, char *gpath, ym_solver_state *ss, rowset *r)
{
    int rank, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    char path[STR + 64];
    snprintf(path, sizeof path, "%s.state", prefix);
    memset(ss, 0, sizeof *ss);
    if (rank == 0) {
        FILE *f = fopen(path, "r");
        int nrows = 0, ver = 0;
        if (!f) st = YM_ERROR(YM_EIO, "resume: %s: cannot open: %s", path, strerror(errno));
        else if (fscanf(f, "ymflow-flow-checkpoint %d config %4095s t %lf steps %ld nsave %d", &ver, gpath, &ss->t,
                        &ss->steps, &ss->nsave) != 5 ||
                 ver != 1 || ss->nsave < 0 || ss->nsave > YM_SOLVER_MAXSAVE)
            st = YM_ERROR(YM_EFORMAT, "resume: %s: malformed state file", path);
        for (int i = 0; !st && i < ss->nsave; ++i)
            if (fscanf(f, "%lf", &ss->save[i]) != 1) st = YM_ERROR(YM_EFORMAT, "resume: %s: malformed", path);
        if (!st && (fscanf(f, " nrows %d", &nrows) != 1 || nrows < 0))
            st = YM_ERROR(YM_EFORMAT, "resume: %s: malformed row count", path);
        double row[YM_MEASURE_NCOL + FLOW_MAXOBS];
        for (int i = 0; !st && i < nrows; ++i) {
            for (int c = 0; !st && c < r->ncol; ++c) {
                char tok[64];
                if (fscanf(f, "%63s", tok) != 1) st = YM_ERROR(YM_EFORMAT, "resume: %s: truncated rows", path);
                else row[c] = strtod(tok, NULL);
            }
            if (!st) st = rows_add(r, row);
        }
        if (f) fclose(f);
    }
    st = ym_status_agree(comm, st);
    if (st) return st;
    MPI_Bcast(gpath, STR, MPI_CHAR, 0, comm);
    MPI_Bcast(ss, (int)sizeof *ss, MPI_BYTE, 0, comm);
    MPI_Bcast(&r->nrows, 1, MPI_INT, 0, comm);
    if (rank != 0) {
        r->cap = r->nrows > 0 ? r->nrows : 1;
        r->rows = malloc(sizeof(double) * (size_t)r->ncol * (size_t)r->cap);
        if (!r->rows) return YM_ERROR(YM_ENOMEM, "resume: out of memory"); /* fatal anyway */
    }
    if (r->nrows) MPI_Bcast(r->rows, r->nrows * r->ncol, MPI_DOUBLE, 0, comm);
    return YM_OK;
}

/* The checkpoint's parameters must equal the effective ones. */
static int ckpt_check_params(MPI_Comm comm, const char *prefix, const ym_param *tab, int n)
{
    static flow_par old;
    ym_param ot[MAXTAB], oe[MAXTAB];
    int on = make_table(&old, ot);
    char path[STR + 64];
    snprintf(path, sizeof path, "%s.card", prefix);
    int st = ym_card_parse(comm, path, ot, on);
    if (st) return st;
    /* the checkpoint's effective action / solver parameters */
    const ym_action_type *oa = ym_action_find(old.action);
    const ym_solver_type *os = ym_solver_find(old.solver);
    ym_solver_opts oo;
    ym_solver_opts_default(&oo);
    if (!oa || !os) return YM_ERROR(YM_EINVAL, "resume: %s: unknown action or solver", path);
    st = resolve_params(&old, ot, on, oa, os, &oo);
    if (st) return st;
    on = effective_table(&old, ot, oa, os, &oo, oe);
    /* compare through their card text, entry by entry */
    for (int i = 0; i < n || i < on; ++i) {
        if (i >= n || i >= on)
            return YM_ERROR(YM_EINVAL, "resume: %s.%s differs from the checkpoint %s", (i < n ? tab : oe)[i].section,
                            (i < n ? tab : oe)[i].key, path);
        if (!cli_param_same(&tab[i], &oe[i]))
            return YM_ERROR(YM_EINVAL, "resume: %s.%s differs from the checkpoint %s", tab[i].section, tab[i].key, path);
    }
    return YM_OK;
}

/* ---------- main ---------- */

/* E_clover(x), q(x) and the solver's own site fields (e.g. rym: g, sqrt g, R). Collective. */
static int dump_all(ym_dump *d, ym_measure *m, ym_solver *s, ym_gauge *u, double t)
{
    int st = ym_dump_write(d, m, u, t);
    const ym_solver_type *ty = ym_solver_get_type(s);
    for (int i = 0; !st && i < ym_solver_type_ndens(ty); ++i) {
        ym_field *f = NULL;
        int c = 0;
        st = ym_solver_density(s, u, i, &f, &c);
        if (!st) st = ym_dump_write_field(d, ym_solver_type_dens_name(ty, i), f, c, t);
    }
    return st;
}

static void progress(int on, double t, double tmax, long steps, const double *row, int final)
{
    if (!on) return;
    fprintf(stderr, "\rflow: t = %-10.6g / %-10.6g step %-8ld t2E = %-12.6g Q = %-10.6g", t, tmax, steps,
            row[YM_M_T2ECLOV], row[YM_M_QCLOV]);
    if (final) fputc('\n', stderr);
    fflush(stderr);
}

/* The CSV's comment lines up to the effective parameters: they name
 * everything that determines the rows, so an ensemble resumed compares them
 * to keep a member's CSV (cli_flow_member_keep). */
static void csv_preamble(sbuf *b, const flow_par *p, unsigned obs, const ym_param *eff, int neff)
{
    sb_printf(b, "# ymflow %s flow: solver %s, action %s, integrator %s\n", ym_version(), p->solver, p->action,
              p->integrator);
    sb_printf(b, "# units: lattice units (t in a^2, E in a^-4); E_* are site averages; plaquette = <(1/N) Re tr P>\n");
    if (obs & YM_MEASURE_BIT(YM_M_WCLOV))
        sb_printf(b, "# W_clover = t d(t^2 E_clover)/dt from the measured t^2 E_clover (three-point finite "
                     "differences over the measured flow times, error O(dt^2))\n");
    if (obs & YM_MEASURE_BIT(YM_M_WEXACT))
        sb_printf(b, "# W_exact = t d(t^2 E_clover)/dt from the flow equation (centred difference of E_clover "
                     "along the flow force, Richardson-extrapolated); w0 is taken from it\n");
    if (obs & YM_MEASURE_BIT(YM_M_QIMPR))
        sb_printf(b, "# Q_improved: 5Li charge (de Forcrand, Garcia Perez, Stamatescu), O(a^4) improved;"
                     " nan when a split direction has fewer than 3 sites per rank\n");
    if (!(obs & (YM_MEASURE_BIT(YM_M_ECLOV) | YM_MEASURE_BIT(YM_M_T2ECLOV) | YM_MEASURE_BIT(YM_M_WCLOV) |
                 YM_MEASURE_BIT(YM_M_QCLOV) | YM_MEASURE_BIT(YM_M_EMAX))))
        sb_printf(b, "# t0 and w0 are nan: no E_clover observable was selected\n");
    sb_printf(b, "# effective parameters:\n");
    cli_buf_card(b, eff, neff, "# ");
}

int cmd_flow(int argc, char **argv)
{
    int ens_handled = 0, ens_rc = cli_flow_ensemble(argc, argv, &ens_handled); /* cli/ensemble.c */
    if (ens_handled) return ens_rc;
    MPI_Comm comm = cli_comm(); /* a group of ranks when an ensemble member */
    int rank;
    MPI_Comm_rank(comm, &rank);
    static flow_par p;
    ym_param tab[MAXTAB], eff[MAXTAB];
    int ntab = make_table(&p, tab), neff = 0, st = YM_OK, force = 0, resume = 0;
    long stop_after = -1;
    const char *card = NULL, *config = NULL, *pos[2] = {NULL, NULL}, *hl_arg = NULL;
    int npos = 0;
    char unknown_x[128] = "";
    char **ovr = calloc((size_t)argc + 1, sizeof *ovr);
    char **ovr_own = calloc((size_t)argc + 1, sizeof *ovr_own);
    int novr = 0;
    if (!ovr || !ovr_own) return cli_fail("flow", YM_ERROR(YM_ENOMEM, "out of memory"));
    cli_args a;
    cli_args_init(&a, argc, argv);
    while (st == YM_OK && cli_next(&a)) {
        const char *k = a.key;
        if (!k) {
            if (npos < 2) pos[npos++] = a.value;
            else st = YM_ERROR(YM_EINVAL, "unexpected argument '%s' (at most a run card and a configuration)", a.value);
        } else if (!strcmp(k, "h") || !strcmp(k, "help")) {
            cli_print("%s%s", usage, cli_flow_ensemble_help);
            free(ovr);
            free(ovr_own);
            return CLI_OK;
        } else if (!strcmp(k, "force")) force = 1;
        else if (!strcmp(k, "resume")) resume = 1;
        else if (!strcmp(k, "action-param") || !strcmp(k, "solver-param")) {
            /* --action-param NAME=V -> action.NAME=V (names checked against the chosen type below) */
            const char *sec = k[0] == 'a' ? "action" : "solver";
            if (!cli_value(&a)) {
                st = YM_ERROR(YM_EINVAL, "%s: missing NAME=VALUE", k);
                break;
            }
            const char *eq = strchr(a.value, '=');
            if (!eq || eq == a.value) {
                st = YM_ERROR(YM_EINVAL, "%s: '%s' is not NAME=VALUE", k, a.value);
                break;
            }
            int known = 0;
            for (int j = 0; j < p.nx; ++j)
                if (!strcmp(p.xsec[j], sec) && strlen(p.xname[j]) == (size_t)(eq - a.value) &&
                    !strncmp(p.xname[j], a.value, (size_t)(eq - a.value)))
                    known = 1;
            if (!known) { /* not a parameter of any registered type: refused below, listing the chosen one's */
                if (!unknown_x[0]) snprintf(unknown_x, sizeof unknown_x, "%s=%.*s", sec, (int)(eq - a.value), a.value);
                continue;
            }
            size_t len = strlen(a.value) + 16;
            char *o = malloc(len);
            if (!o) st = YM_ERROR(YM_ENOMEM, "out of memory");
            else {
                snprintf(o, len, "%s.%s", sec, a.value);
                ovr_own[novr] = o;
                ovr[novr++] = o;
            }
        }
        else if (!strcmp(k, "metric")) { /* the rym solver's metric start: [solver] metric */
            if (!cli_value(&a)) {
                st = YM_ERROR(YM_EINVAL, "metric: missing value");
                break;
            }
            size_t len = strlen(a.value) + 16;
            char *o = malloc(len);
            if (!o) st = YM_ERROR(YM_ENOMEM, "out of memory");
            else {
                snprintf(o, len, "solver.metric=%s", a.value);
                ovr_own[novr] = o;
                ovr[novr++] = o;
            }
        } else if (!strcmp(k, "stop-after-steps")) { /* hidden, for tests: simulate a killed run */
            int v = 0;
            st = cli_value(&a) ? cli_int(a.value, "stop-after-steps", 1, 1 << 30, &v) : YM_EINVAL;
            stop_after = v;
        } else if (strchr(k, '.')) {
            if (!a.eq) st = YM_ERROR(YM_EINVAL, "--%s: use --section.key=value", k);
            else ovr[novr++] = argv[a.i];
        } else {
            int idx = -1;
            for (int i = 0; i < NPAR; ++i)
                if (!strcmp(flags[i], k)) idx = i;
            if (idx < 0 || idx >= ntab) {
                st = YM_ERROR(YM_EINVAL, "unknown option '%s' (see ymflow flow --help)", argv[a.i]);
                break;
            }
            if (!cli_value(&a)) {
                st = YM_ERROR(YM_EINVAL, "%s: missing value", k);
                break;
            }
            if (!strcmp(k, "headerless")) hl_arg = a.value; /* needed to classify the positionals */
            size_t len = strlen(tab[idx].section) + strlen(tab[idx].key) + strlen(a.value) + 4;
            char *o = malloc(len);
            if (!o) st = YM_ERROR(YM_ENOMEM, "out of memory");
            else {
                snprintf(o, len, "%s.%s=%s", tab[idx].section, tab[idx].key, a.value);
                ovr_own[novr] = o;
                ovr[novr++] = o;
            }
        }
    }
    /* each positional is a run card or a configuration, judged by content */
    ym_headerless hl;
    if (!st && hl_arg) st = ym_headerless_parse(hl_arg, &hl);
    for (int i = 0; !st && i < npos; ++i) {
        int kind = 0;
        st = cli_classify_positional(comm, pos[i], hl_arg ? &hl : NULL, &kind, NULL);
        const char **slot = kind == CLI_POS_CARD ? &card : &config;
        if (!st && *slot)
            st = YM_ERROR(YM_EINVAL, "'%s' and '%s' are both %s; give at most one run card and one configuration",
                          *slot, pos[i], kind == CLI_POS_CARD ? "run cards" : "configurations");
        if (!st) *slot = pos[i];
    }
    if (!st && card) st = ym_card_parse(comm, card, tab, ntab);
    for (int i = 0; !st && i < novr; ++i) st = ym_card_override(tab, ntab, ovr[i]);
    for (int i = 0; i < novr; ++i) free(ovr_own[i]);
    free(ovr);
    free(ovr_own);
    if (!st && config) snprintf(p.start, sizeof p.start, "file:%s", config);

    /* ---- validate everything before any work ---- */
    const ym_solver_type *stype = NULL;
    ym_solver_opts so;
    ym_solver_opts_default(&so);
    double times[MAXTIMES], dtimes[MAXTIMES];
    int ntimes = 0, ndtimes = 0, pd[4] = {0, 0, 0, 0};
    unsigned long seed = 1;
    enum { S_FILE, S_INST, S_RANDOM, S_UNIT, S_FLUX } start = S_RANDOM;
    int flux_mu = 0, flux_nu = 1, flux_n = 0;
    if (!st && !(isfinite(p.eps) && p.eps > 0)) st = YM_ERROR(YM_EINVAL, "eps: %g must be finite and > 0", p.eps);
    if (!st && !(isfinite(p.tmax) && p.tmax >= 0)) st = YM_ERROR(YM_EINVAL, "tmax: %g must be finite and >= 0", p.tmax);
    if (!st && !isfinite(p.ref)) st = YM_ERROR(YM_EINVAL, "ref: not finite");
    if (!st && p.every < 1) st = YM_ERROR(YM_EINVAL, "measure-every: %d must be >= 1", p.every);
    if (!st && p.ckevery < 0) st = YM_ERROR(YM_EINVAL, "checkpoint-every: %d must be >= 0", p.ckevery);
    if (!st && p.ckevery > 0 && !*p.ckpt) st = YM_ERROR(YM_EINVAL, "checkpoint: checkpoint-every needs --checkpoint PREFIX");
    if (!st && resume && !*p.ckpt) st = YM_ERROR(YM_EINVAL, "resume: needs --checkpoint PREFIX");
    if (!st && (p.N < 2 || p.N > YM_NMAX)) st = YM_ERROR(YM_EINVAL, "N: %d is not in 2..%d", p.N, YM_NMAX);
    if (!st && (!isfinite(p.rho) || p.rho < 0)) st = YM_ERROR(YM_EINVAL, "rho: %g must be > 0", p.rho);
    unsigned obs = 0;
    int bc[4] = {0, 0, 0, 0}, have_layout = 0;
    ym_headerless layout;
    if (!st) st = ym_measure_columns_parse(p.observables, &obs);
    if (!st && p.boundary[0]) st = cli_boundary(p.boundary, bc);
    if (!st && *p.headerless) {
        st = ym_headerless_parse(p.headerless, &layout);
        have_layout = 1;
    }
    if (!st) st = parse_times(p.times, "measure-times", times, &ntimes);
    if (!st) st = parse_times(p.dump_times, "dump-times", dtimes, &ndtimes);
    if (!st && ndtimes && !*p.dump) st = YM_ERROR(YM_EINVAL, "dump-times: needs --dump FILE.h5");
    if (!st && *p.dump && !ndtimes) st = YM_ERROR(YM_EINVAL, "dump: needs --dump-times t1,t2,...");
    if (!st && ndtimes && dtimes[ndtimes - 1] > p.tmax)
        st = YM_ERROR(YM_EINVAL, "dump-times: %g is beyond tmax %g", dtimes[ndtimes - 1], p.tmax);
    if (!st) { /* merge the dump times into the measurement targets */
        for (int i = 0; i < ndtimes && !st; ++i) {
            int j = 0;
            while (j < ntimes && times[j] < dtimes[i]) ++j;
            if (j < ntimes && times[j] == dtimes[i]) continue;
            if (ntimes == MAXTIMES) st = YM_ERROR(YM_EINVAL, "dump-times: too many times");
            else {
                memmove(times + j + 1, times + j, sizeof(double) * (size_t)(ntimes - j));
                times[j] = dtimes[i];
                ++ntimes;
            }
        }
    }
    if (!st && strcmp(p.grid, "auto") != 0) st = ym_parse_dims(p.grid, "grid", pd);
    if (!st) {
        if (!strncmp(p.start, "file:", 5) && p.start[5]) start = S_FILE;
        else if (!strcmp(p.start, "instanton")) start = S_INST;
        else if (!strcmp(p.start, "unit")) start = S_UNIT;
        else if (!strncmp(p.start, "flux:", 5)) {
            start = S_FLUX;
            st = ym_flux_parse(p.start + 5, &flux_mu, &flux_nu, &flux_n);
        }
        else if (!strncmp(p.start, "random:", 7)) {
            char *end;
            errno = 0;
            seed = strtoul(p.start + 7, &end, 10);
            if (errno || end == p.start + 7 || *end) st = YM_ERROR(YM_EINVAL, "start: bad seed in '%s'", p.start);
        } else st = YM_ERROR(YM_EINVAL, "start: '%s' is not file:PATH, instanton, random:SEED, unit or flux:PLANE,n",
                                 p.start);
    }
    if (!st && !(stype = ym_solver_find(p.solver))) st = YM_EINVAL;
    if (!st && !(so.action = ym_action_find(p.action))) st = YM_EINVAL;
    if (!st && !(so.integrator = ym_integrator_find(p.integrator))) st = YM_EINVAL;
    if (!st) {
        so.eps = p.eps;
        if (unknown_x[0]) { /* an --action-param / --solver-param name no type has */
            char names[512], *nm = strchr(unknown_x, '=') + 1;
            int sol = unknown_x[0] == 's';
            list_names(names, sizeof names, sol ? ym_solver_type_nparams(stype) : so.action->nparams,
                       sol ? sname : aname, sol ? (const void *)stype : (const void *)so.action);
            st = YM_ERROR(YM_EINVAL, "%s-param: '%s' is not a parameter of %s '%s' (its parameters: %s)",
                          sol ? "solver" : "action", nm, sol ? "solver" : "action",
                          sol ? ym_solver_type_name(stype) : so.action->name, names);
        }
        if (!st) st = resolve_params(&p, tab, ntab, so.action, stype, &so);
        if (!st) st = ym_solver_check(stype, &so);
        if (!st) neff = effective_table(&p, tab, so.action, stype, &so, eff);
    }
    /* solvers with their own time unit (cooling sweeps) take whole numbers */
    const char *tunit = stype ? ym_solver_type_time_unit(stype) : NULL;
    if (!st && tunit) {
        if (p.tmax != floor(p.tmax)) st = YM_ERROR(YM_EINVAL, "tmax: %g is not a whole number of %s", p.tmax, tunit);
        for (int i = 0; !st && i < ntimes; ++i)
            if (times[i] != floor(times[i]))
                st = YM_ERROR(YM_EINVAL, "measure-times: %g is not a whole number of %s", times[i], tunit);
    }
    if (!st && start == S_FILE) { /* a member of an ensemble resumed, flowed before */
        int keep = 0;
        sbuf pre = {0};
        csv_preamble(&pre, &p, obs, eff, neff);
        st = pre.oom ? YM_ERROR(YM_ENOMEM, "out of memory") : cli_flow_member_keep(comm, p.out, pre.s, &keep);
        cli_buf_free(&pre);
        if (!st && keep) return cli_fail("flow", YM_OK);
    }
    if (!st && !force) {
        if (file_exists(p.out)) st = YM_ERROR(YM_EIO, "out: %s exists (use --force to replace it)", p.out);
        else if (*p.dump && file_exists(p.dump))
            st = YM_ERROR(YM_EIO, "dump: %s exists (use --force to replace it)", p.dump);
        else if (*p.config_out && file_exists(p.config_out))
            st = YM_ERROR(YM_EIO, "config-out: %s exists (use --force to replace it)", p.config_out);
        else if (*p.ckpt && !resume) {
            char sp[STR + 64];
            snprintf(sp, sizeof sp, "%s.state", p.ckpt);
            if (file_exists(sp)) st = YM_ERROR(YM_EIO, "checkpoint: %s exists (use --resume or --force)", sp);
        }
    }
    if (!st && !strcmp(p.out, "-")) st = YM_ERROR(YM_EINVAL, "out: a file name is required");
    if (!st && have_layout && start != S_FILE)
        st = YM_ERROR(YM_EINVAL, "headerless: a layout needs a configuration file (CONFIG or --start file:PATH)");
    st = ym_status_agree(comm, st);
    if (st) return cli_fail("flow", st);
    if (resume) {
        st = ckpt_check_params(comm, p.ckpt, eff, neff);
        if (st) return cli_fail("flow", st);
    }

    /* ---- set up ---- */
    int depth = ym_solver_halo_depth(stype, &so);
    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ym_gauge *u = NULL;
    ym_solver *s = NULL;
    ym_measure *m = NULL;
    rowset rows = {0};
    if (start == S_FILE) {
        cli_config_opts co;
        cli_config_opts_default(&co);
        co.layout = have_layout ? &layout : NULL;
        co.have_bc = p.boundary[0] != 0;
        memcpy(co.bc, bc, sizeof bc);
        memcpy(co.pd, pd, sizeof pd);
        co.depth = depth;
        st = cli_load_config(comm, p.start + 5, &co, &grid, &geom, &u, NULL);
    } else {
        st = ym_grid_create(&grid, comm, p.L, pd, depth);
        if (!st) st = ym_geom_create(&geom, grid, depth, bc);
        if (!st) st = ym_gauge_create(&u, geom, p.N);
        if (!st && start == S_RANDOM) st = ym_gauge_set_random(u, seed);
        if (!st && start == S_FLUX) st = ym_gauge_set_flux(u, flux_mu, flux_nu, flux_n);
        if (!st && start == S_INST) {
            ym_instanton obj;
            ym_instanton_default(&obj, p.L);
            if (p.rho > 0) obj.rho = p.rho;
            st = ym_instanton_check(&obj, p.L);
            if (!st) st = ym_instanton_set(u, &obj, 1);
        }
    }
    st = ym_status_agree(comm, st);
    if (!st) st = ym_solver_create(&s, stype, &so, u);
    if (!st) st = ym_measure_create(&m, u, ym_solver_action(s), ym_solver_action_params(s));
    double tscale = s ? ym_solver_time_scale(s) : 1; /* flow time per unit of solver time */
    rows.ncol = YM_MEASURE_NCOL + ym_solver_type_nobs(stype);
    if (!st && ym_solver_type_nobs(stype) > FLOW_MAXOBS)
        st = YM_ERROR(YM_EINVAL, "solver %s: more than %d observables", p.solver, FLOW_MAXOBS);
    long last_ck = -1;
    if (!st && resume) {
        char gpath[STR];
        ym_solver_state ss;
        memset(gpath, 0, sizeof gpath);
        st = ckpt_read(comm, p.ckpt, gpath, &ss, &rows);
        ym_config_info info;
        if (!st) st = ym_config_read_header(comm, gpath, &info);
        if (!st) st = ym_config_read_into(u, gpath, &info);
        if (!st) st = ym_solver_restore(s, &ss);
        char cpre[STR + 64];
        snprintf(cpre, sizeof cpre, "%s.%ld", p.ckpt, ss.steps);
        if (!st) st = ym_solver_load_files(s, cpre);
        if (!st) last_ck = ss.steps;
        st = ym_status_agree(comm, st);
    }
    ym_dump *dump = NULL;
    int di = 0;
    if (!st && *p.dump) {
        while (di < ndtimes && dtimes[di] < ym_solver_time(s)) ++di;
        if (resume && ndtimes && dtimes[0] <= ym_solver_time(s) && ym_solver_time(s) > 0)
            st = YM_ERROR(YM_EINVAL, "dump-times: %g is not after the checkpoint time %.17g (dumps are not kept in "
                          "checkpoints)", dtimes[0], ym_solver_time(s));
        if (!st) {
            sbuf pb = {0};
            cli_buf_card(&pb, eff, neff, "");
            st = ym_dump_create(&dump, u, p.dump, force, pb.s ? pb.s : "");
            free(pb.s);
        }
        if (!st && di < ndtimes && dtimes[di] == ym_solver_time(s)) st = dump_all(dump, m, s, u, tscale * dtimes[di++]);
    }
    int tty = rank == 0 && !cli_quiet() && isatty(2);
    double row[YM_MEASURE_NCOL + FLOW_MAXOBS];
    if (!st && rows.nrows == 0) {
        st = ym_measure_row_columns(m, u, 0, obs, row);
        if (!st) st = ym_solver_observe(s, u, row + YM_MEASURE_NCOL);
        if (!st) st = rows_add(&rows, row);
    }
    /* ---- flow ---- */
    int ti = 0;
    while (ti < ntimes && times[ti] <= ym_solver_time(s)) ++ti;
    long nstep_run = 0;
    int stopped = 0;
    while (!st && ym_solver_time(s) < p.tmax) {
        double target = p.tmax;
        if (ti < ntimes && times[ti] < target) target = times[ti];
        double dt;
        st = ym_solver_step(s, u, target, &dt);
        if (st) break;
        ++nstep_run;
        double t = ym_solver_time(s);
        long k = ym_solver_steps(s);
        int hit = t >= target;
        if (hit && ti < ntimes && target == times[ti]) ++ti;
        if (!st && hit && di < ndtimes && target == dtimes[di]) st = dump_all(dump, m, s, u, tscale * dtimes[di++]);
        if (!st && (hit || k % p.every == 0)) {
            st = ym_measure_row_columns(m, u, tscale * t, obs, row);
            if (!st) st = ym_solver_observe(s, u, row + YM_MEASURE_NCOL);
            if (!st) st = rows_add(&rows, row);
            if (!st) progress(tty, t, p.tmax, k, row, 0);
        }
        if (!st && p.ckevery > 0 && k % p.ckevery == 0)
            st = ckpt_write(comm, p.ckpt, u, s, &rows, eff, neff, &last_ck);
        if (!st && stop_after > 0 && nstep_run >= stop_after && ym_solver_time(s) < p.tmax) {
            stopped = 1;
            break;
        }
    }
    if (!st && tty && rows.nrows) progress(tty, ym_solver_time(s), p.tmax, ym_solver_steps(s),
                                           rows.rows + (size_t)(rows.nrows - 1) * rows.ncol, 1);
    if (!st && stopped) {
        st = YM_ERROR(YM_ENUM, "stopped after %ld steps at t = %.17g (--stop-after-steps)", nstep_run,
                      ym_solver_time(s));
    }

    /* ---- outputs ---- */
    double t0 = NAN, w0 = NAN;
    int w_from_exact = (obs & YM_MEASURE_BIT(YM_M_WEXACT)) != 0;
    if (!st && rows.nrows) {
        double *tt = malloc(sizeof(double) * (size_t)rows.nrows), *ye = malloc(sizeof(double) * (size_t)rows.nrows),
               *yw = malloc(sizeof(double) * (size_t)rows.nrows);
        if (!tt || !ye || !yw) st = YM_ERROR(YM_ENOMEM, "out of memory");
        for (int i = 0; !st && i < rows.nrows; ++i) {
            tt[i] = rows.rows[(size_t)i * rows.ncol + YM_M_T];
            ye[i] = rows.rows[(size_t)i * rows.ncol + YM_M_T2ECLOV];
        }
        /* W_clover from the whole history (a resumed run has the earlier rows) */
        if (!st) st = ym_measure_w_history(tt, ye, rows.nrows, yw);
        for (int i = 0; !st && i < rows.nrows; ++i) {
            double *r = rows.rows + (size_t)i * rows.ncol;
            r[YM_M_WCLOV] = yw[i];
            if (w_from_exact) yw[i] = r[YM_M_WEXACT];
        }
        if (!st) st = ym_scale_t0(tt, ye, rows.nrows, p.ref, &t0);
        if (!st) st = ym_scale_w0(tt, yw, rows.nrows, p.ref, &w0);
        free(tt);
        free(ye);
        free(yw);
    }
    if (!st) {
        sbuf b = {0};
        csv_preamble(&b, &p, obs, eff, neff);
        if (tunit)
            sb_printf(&b, "# t is the matched flow time %.17g * %s; column %s counts them\n", tscale, tunit, tunit);
        /* the selected columns in their canonical order, t first */
        int first = 1;
        for (int c = 0; c < YM_MEASURE_NCOL; ++c)
            if (obs & YM_MEASURE_BIT(c)) {
                sb_printf(&b, "%s%s", first ? "" : ",", ym_measure_column(c));
                first = 0;
            }
        if (tunit) sb_printf(&b, ",%s", tunit);
        for (int c = YM_MEASURE_NCOL; c < rows.ncol; ++c)
            sb_printf(&b, ",%s", ym_solver_type_obs_name(stype, c - YM_MEASURE_NCOL));
        sb_printf(&b, "\n");
        for (int i = 0; i < rows.nrows; ++i) {
            const double *r = rows.rows + (size_t)i * rows.ncol;
            first = 1;
            for (int c = 0; c < YM_MEASURE_NCOL; ++c)
                if (obs & YM_MEASURE_BIT(c)) {
                    sb_printf(&b, "%s%.17g", first ? "" : ",", r[c]);
                    first = 0;
                }
            if (tunit) sb_printf(&b, ",%lld", llround(r[YM_M_T] / tscale));
            for (int c = YM_MEASURE_NCOL; c < rows.ncol; ++c) sb_printf(&b, ",%.17g", r[c]);
            sb_printf(&b, "\n");
        }
        sb_printf(&b, "# ref: %.17g\n# t0: %.17g\n# w0: %.17g\n", p.ref, t0, w0);
        if (b.oom) st = YM_ERROR(YM_ENOMEM, "out of memory");
        else st = write_text_atomic(comm, p.out, force, b.s);
        free(b.s);
    }
    if (!st && *p.config_out) {
        /* the configuration records the parameters that produced it */
        sbuf mb = {0};
        cli_buf_card_lines(&mb, eff, neff);
        if (mb.oom) st = YM_ERROR(YM_ENOMEM, "out of memory");
        else st = ym_ildg_write_ex(u, p.config_out, 64, force, mb.s, NULL);
        free(mb.s);
    }
    if (dump) {
        int st2 = ym_dump_close(dump, !st);
        if (!st) st = st2;
        if (!st) cli_print("dump: %s\n", p.dump);
    }
    if (!st) {
        cli_print("t0: %.17g\n", t0);
        cli_print("w0: %.17g\n", w0);
        cli_print("ref: %.17g\n", p.ref);
        cli_print("t: %.17g\n", tscale * ym_solver_time(s)); /* flow time (cooling: matched) */
        cli_print("steps: %ld\n", ym_solver_steps(s));
        cli_print("measurements: %d\n", rows.nrows);
        cli_print("out: %s\n", p.out);
        if (*p.config_out) cli_print("config: %s\n", p.config_out);
    }
    free(rows.rows);
    ym_measure_free(m);
    ym_solver_free(s);
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    return cli_fail("flow", st);
}
