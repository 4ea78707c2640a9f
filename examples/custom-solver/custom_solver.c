/* A solver type written outside the library, registered at run time and
 * driven by ymflow's own solver driver (ym_solver_create / ym_solver_advance
 * / ym_solver_save / ym_solver_restore), as a user program would do it.
 *
 * The type, "stout-flow", integrates the Wilson flow by stout smearing: one
 * stout step with rho is exactly one explicit Euler step of the Wilson flow
 * with eps = rho (solvers/ym_smear.h). A step of size h applies nsub stout
 * steps with rho = h / nsub; nsub (a parameter of the type) = 1 is the Euler
 * integrator, larger nsub is Euler with nsub sub-steps.
 *
 * Checks (the program exits non-zero if any fails):
 *  1. the type registers, is found by name and listed; a second
 *     registration under the same name is refused;
 *  2. its check() refuses a non-Wilson action and a non-integer nsub, before
 *     any work;
 *  3. flowing a BPST instanton to t = 0.5 in 4 segments, the Wilson action
 *     decreases in every segment and the driver lands on each target time;
 *  4. with nsub = 1 the field equals that of the built-in "gradient-flow"
 *     solver with the "euler" integrator (plaquette to 1e-12);
 *  5. a checkpoint taken half-way (ym_solver_save) and restored into a new
 *     solver (ym_solver_restore) continues, over the same segments, to the
 *     same field (plaquette bit for bit) with the same time and step count.
 * The last line, "RESULT plaquette=... Q=...", lets a script compare runs on
 * different numbers of ranks.
 *
 * Build: make (needs pkg-config to find ymflow). Run: ./custom_solver
 * or mpirun -n 2 ./custom_solver.
 */
#include <ymflow/ymflow.h>
#include <ymflow/ym_measure.h>
#include <ymflow/ym_solver_impl.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---------------- the user's solver type ---------------- */

static const ym_solver_param stout_params[] = {
    {"nsub", 1, "stout sub-steps per flow step (integer >= 1; 1 = Euler)"},
};

/* Called by ym_solver_check / ym_solver_create with the action and
 * integrator already resolved and par = the effective parameters. */
static int stout_check(const ym_solver_type *t, const ym_solver_opts *o, const double *par)
{
    (void)t;
    if (strcmp(o->action->name, "wilson") != 0)
        return YM_ERROR(YM_EINVAL, "action: stout-flow integrates the Wilson flow only, not '%s'", o->action->name);
    if (!(par[0] >= 1 && par[0] <= 1000 && par[0] == floor(par[0])))
        return YM_ERROR(YM_EINVAL, "nsub: %g must be an integer in [1, 1000]", par[0]);
    return YM_OK;
}

/* Advance u by h = min(eps, t_left). Collective (ym_smear_stout is). */
static int stout_step(ym_solver *s, ym_gauge *u, double t_left, double *dt)
{
    double eps = ym_solver_get_opts(s)->eps;
    double h = t_left <= eps * (1 + 1e-10) ? t_left : eps; /* land on the target */
    int nsub = (int)ym_solver_params(s)[0];
    *dt = h;
    return ym_smear_stout(u, h / nsub, nsub);
}

/* The type keeps no state beyond time and step count; nothing to save. */
static const ym_solver_type stout_flow = {
    .name = "stout-flow",
    .description = "Wilson flow by stout smearing, rho = eps / nsub per sub-step (user type)",
    .state_size = 0,
    .nparams = 1,
    .params = stout_params,
    .check = stout_check,
    .step = stout_step,
};

/* ---------------- the program ---------------- */

static int rank, nfail;

static void check(int ok, const char *what)
{
    if (!ok) ++nfail;
    if (rank == 0) printf("%s: %s\n", ok ? "ok" : "FAILED", what);
}

/* Stop on a library error (every status is agreed over ranks). */
#define TRY(call)                                                                                                \
    do {                                                                                                         \
        int rc_ = (call);                                                                                        \
        if (rc_) {                                                                                               \
            if (rank == 0)                                                                                       \
                fprintf(stderr, "custom_solver: %s failed: %s (%s)\n", #call, ym_errmsg(), ym_strerror(rc_));  \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                                        \
        }                                                                                                        \
    } while (0)

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    TRY(ym_init());

    /* 1. register on every rank, then find it by name like any built-in */
    TRY(ym_solver_register(&stout_flow));
    const ym_solver_type *st = ym_solver_find("stout-flow");
    const ym_solver_type *gf = ym_solver_find("gradient-flow");
    check(st == &stout_flow && gf != NULL, "stout-flow registered and found by name");
    ym_solver_type dup = stout_flow;
    check(ym_solver_register(&dup) == YM_EINVAL, "a second 'stout-flow' is refused");
    ym_error_clear();
    const ym_solver_type *list[YM_SOLVER_MAXREG];
    int n = ym_solver_list(list, YM_SOLVER_MAXREG);
    if (rank == 0) {
        printf("registered solvers:\n");
        for (int i = 0; i < n && i < YM_SOLVER_MAXREG; ++i) {
            printf("  %-14s %s\n", ym_solver_type_name(list[i]), ym_solver_type_description(list[i]));
            for (int k = 0; k < ym_solver_type_nparams(list[i]); ++k) {
                double def;
                const char *desc;
                const char *pn = ym_solver_type_param(list[i], k, &def, &desc);
                printf("  %14s   %s=%g  %s\n", "", pn, def, desc);
            }
        }
    }

    /* 2. bad options are refused before any work */
    ym_solver_opts o;
    ym_solver_opts_default(&o);
    o.action = ym_action_find("symanzik");
    ym_error_clear();
    check(o.action && ym_solver_check(st, &o) == YM_EINVAL && !strncmp(ym_errmsg(), "action", 6),
          "non-Wilson action refused");
    if (rank == 0) printf("   (%s)\n", ym_errmsg());
    ym_solver_opts_default(&o);
    o.have_par = 1;
    o.par[0] = 2.5;
    ym_error_clear();
    check(ym_solver_check(st, &o) == YM_EINVAL && !strncmp(ym_errmsg(), "nsub", 4), "nsub = 2.5 refused");
    if (rank == 0) printf("   (%s)\n", ym_errmsg());
    ym_error_clear();

    /* an SU(2) instanton on 8^4, periodic, split automatically over the ranks */
    int L[4] = {8, 8, 8, 8};
    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ym_gauge *u = NULL, *ref = NULL, *cp = NULL;
    TRY(ym_grid_create(&grid, MPI_COMM_WORLD, L, NULL, 1));
    TRY(ym_geom_create(&geom, grid, 1, NULL));
    TRY(ym_gauge_create(&u, geom, 2));
    TRY(ym_gauge_create(&ref, geom, 2));
    TRY(ym_gauge_create(&cp, geom, 2));
    ym_instanton inst;
    ym_instanton_default(&inst, L);
    TRY(ym_instanton_set(u, &inst, 1));
    TRY(ym_gauge_copy(ref, u));
    if (rank == 0) {
        const int *d = ym_grid_dims(grid);
        printf("lattice 8^4 SU(2) instanton rho=%g on %d rank(s), process grid %dx%dx%dx%d\n", inst.rho,
               ym_grid_size(grid), d[0], d[1], d[2], d[3]);
    }

    ym_measure *m = NULL;
    double row[YM_MEASURE_NCOL], s_prev, s_now;
    TRY(ym_measure_create(&m, u, ym_action_find("wilson"), NULL));
    TRY(ym_measure_row(m, u, 0, row));
    TRY(ym_gauge_wilson_action(u, &s_prev));
    if (rank == 0)
        printf("%6s %18s %14s %12s %10s\n%6.3f %18.15f %14.8f %12.8f %10.6f\n", "t", "plaquette", "S_wilson",
               "E_clover", "Q_clover", 0.0, row[YM_M_PLAQ], s_prev, row[YM_M_ECLOV], row[YM_M_QCLOV]);
    double Q0 = row[YM_M_QCLOV];

    /* 3. flow with the user type through the library driver */
    ym_solver *s = NULL, *s2 = NULL, *sref = NULL;
    ym_solver_opts_default(&o); /* wilson, nsub = 1 */
    o.eps = 0.03;               /* 0.125 / 0.03 is not an integer: the driver shortens the last step */
    TRY(ym_solver_create(&s, st, &o, u));
    ym_solver_state half;
    int decreasing = 1, landed = 1;
    for (int k = 1; k <= 4; ++k) {
        double target = 0.125 * k;
        TRY(ym_solver_advance(s, u, target));
        if (k == 2) { /* checkpoint: solver state + a copy of the field */
            TRY(ym_solver_save(s, &half));
            TRY(ym_gauge_copy(cp, u));
        }
        TRY(ym_gauge_wilson_action(u, &s_now));
        TRY(ym_measure_row(m, u, ym_solver_time(s), row));
        decreasing &= s_now < s_prev;
        landed &= ym_solver_time(s) == target;
        s_prev = s_now;
        if (rank == 0)
            printf("%6.3f %18.15f %14.8f %12.8f %10.6f\n", ym_solver_time(s), row[YM_M_PLAQ], s_now, row[YM_M_ECLOV],
                   row[YM_M_QCLOV]);
    }
    check(decreasing, "Wilson action decreases in every segment");
    check(landed && ym_solver_steps(s) == 4 * 5, "driver lands on t = 0.125 k in 5 steps per segment");
    check(fabs(row[YM_M_QCLOV] - Q0) < 0.1 && fabs(row[YM_M_QCLOV]) > 0.5, "the instanton survives the flow (|dQ| < 0.1)");

    /* 4. same flow with the built-in solver and the Euler integrator */
    ym_solver_opts ob = o;
    ob.integrator = ym_integrator_find("euler");
    TRY(ym_solver_create(&sref, gf, &ob, ref));
    for (int k = 1; k <= 4; ++k) TRY(ym_solver_advance(sref, ref, 0.125 * k));
    ym_plaquette pu, pr;
    TRY(ym_gauge_plaquette(u, &pu));
    TRY(ym_gauge_plaquette(ref, &pr));
    double rd = fabs(pu.total - pr.total) / fabs(pr.total);
    if (rank == 0) printf("stout-flow %.15f, gradient-flow/euler %.15f, rel. diff %.2e\n", pu.total, pr.total, rd);
    check(rd < 1e-12 && ym_solver_steps(sref) == ym_solver_steps(s), "stout-flow == gradient-flow with euler (1e-12)");

    /* 5. restart from the checkpoint in a fresh solver */
    TRY(ym_solver_create(&s2, st, &o, cp));
    TRY(ym_solver_restore(s2, &half));
    for (int k = 3; k <= 4; ++k) TRY(ym_solver_advance(s2, cp, 0.125 * k)); /* the same segments */
    ym_plaquette pc;
    TRY(ym_gauge_plaquette(cp, &pc));
    check(ym_solver_time(s2) == 0.5 && ym_solver_steps(s2) == ym_solver_steps(s) && pc.total == pu.total,
          "restart from the t = 0.25 checkpoint reproduces the run");

    if (rank == 0) printf("RESULT plaquette=%.17g Q=%.17g\n", row[YM_M_PLAQ], row[YM_M_QCLOV]);

    ym_solver_free(s2);
    ym_solver_free(sref);
    ym_solver_free(s);
    ym_measure_free(m);
    ym_gauge_free(cp);
    ym_gauge_free(ref);
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    if (rank == 0) printf("%s\n", nfail ? "SOME CHECKS FAILED" : "all checks passed");
    MPI_Finalize();
    return nfail ? 1 : 0;
}
