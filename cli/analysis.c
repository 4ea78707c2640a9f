/* Instanton analysis along a flow, shared by clusters and pipeline (see
 * analysis.h). */
#include "analysis.h"
#include "ym_sum.h"

#include "cli.h"
#include "ym_curv.h"
#include "ym_improved.h"
#include "ym_stats.h"
#include "ym_status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void ana_defaults(ana_par *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->solver, sizeof p->solver, "gradient-flow");
    snprintf(p->action, sizeof p->action, "wilson");
    snprintf(p->integrator, sizeof p->integrator, "rk3");
    p->eps = 0.02;
    p->tmax = -1;
    snprintf(p->density, sizeof p->density, "clover");
    ym_finder_opts_default(&p->fo);
    snprintf(p->finder_on, sizeof p->finder_on, "s");
    snprintf(p->threshold, sizeof p->threshold, "lambda");
    p->value = 0.5;
}

int ana_table(ana_par *p, ym_param *t)
{
    int n = 0;
    t[n++] = (ym_param){"flow", "solver", YM_PARAM_STRING, p->solver, .size = sizeof p->solver,
                        .help = "solver type (ymflow solvers)"};
    t[n++] = (ym_param){"flow", "action", YM_PARAM_STRING, p->action, .size = sizeof p->action, .help = "flow action"};
    t[n++] = (ym_param){"flow", "integrator", YM_PARAM_STRING, p->integrator, .size = sizeof p->integrator,
                        .help = "integrator"};
    t[n++] = (ym_param){"flow", "eps", YM_PARAM_DOUBLE, &p->eps, .min = 1e-8, .max = 10, .help = "step size"};
    t[n++] = (ym_param){"flow", "metric", YM_PARAM_STRING, p->metric, .size = sizeof p->metric,
                        .help = "metric start of a solver with a metric (rym): flat|diag:a,b,c,d|random:SEED,AMP|file:F.h5"};
    t[n++] = (ym_param){"flow", "tmax", YM_PARAM_DOUBLE, &p->tmax, .min = -1, .max = 1e6,
                        .help = "final flow time (-1: the command's default)"};
    t[n++] = (ym_param){"flow", "times", YM_PARAM_STRING, p->times, .size = sizeof p->times,
                        .help = "comma-separated flow times to analyse before tmax"};
    t[n++] = (ym_param){"density", "kind", YM_PARAM_CHOICE, p->density, .size = sizeof p->density,
                        .choices = "clover|3loop|5loop|5li", .help = "field strength of s(x) and q(x)"};
    t[n++] = (ym_param){"finder", "on", YM_PARAM_CHOICE, p->finder_on, .size = sizeof p->finder_on, .choices = "s|q",
                        .help = "maxima of s(x) or of |q(x)|"};
    t[n++] = (ym_param){"finder", "rho_min", YM_PARAM_DOUBLE, &p->fo.rho_min, .min = 0, .max = 1e6,
                        .help = "smallest size kept (dislocations below)"};
    t[n++] = (ym_param){"finder", "duality_tol", YM_PARAM_DOUBLE, &p->fo.duality_tol, .min = 0, .max = 1e6,
                        .help = "largest |s/(8 pi^2 |q|) - 1|"};
    t[n++] = (ym_param){"finder", "ball_min", YM_PARAM_DOUBLE, &p->fo.ball_min, .min = 0, .max = 1e6,
                        .help = "smallest |charge| in the rho-ball"};
    t[n++] = (ym_param){"finder", "ball_max", YM_PARAM_DOUBLE, &p->fo.ball_max, .min = 0, .max = 1e6,
                        .help = "largest |charge| in the rho-ball"};
    t[n++] = (ym_param){"finder", "fit", YM_PARAM_BOOL, &p->fo.fit, .help = "fit the BPST profile"};
    t[n++] = (ym_param){"finder", "fit_radius", YM_PARAM_DOUBLE, &p->fo.fit_radius, .min = 0, .max = 1e3,
                        .help = "fit ball radius in units of rho_peak"};
    t[n++] = (ym_param){"clusters", "threshold", YM_PARAM_CHOICE, p->threshold, .size = sizeof p->threshold,
                        .choices = "lambda|fraction|absolute", .help = "how the cut on |q| is given"};
    t[n++] = (ym_param){"clusters", "value", YM_PARAM_DOUBLE, &p->value, .min = 0, .max = 1e12,
                        .help = "lambda (of max|q|), occupied fraction, or absolute |q|"};
    return n;
}

static const char *const ana_flags[][2] = {
    {"solver", "flow.solver"},       {"action", "flow.action"},     {"integrator", "flow.integrator"},
    {"eps", "flow.eps"},             {"tmax", "flow.tmax"},         {"times", "flow.times"},
    {"density", "density.kind"},     {"lambda", "clusters.value"},  {"rho-min", "finder.rho_min"},
    {"duality-tol", "finder.duality_tol"}, {"metric", "flow.metric"},
};

const char *ana_flag(const char *key)
{
    for (size_t i = 0; i < sizeof ana_flags / sizeof ana_flags[0]; ++i)
        if (!strcmp(key, ana_flags[i][0])) return ana_flags[i][1];
    return NULL;
}

const char *ana_help =
    "Flow and analysis (card sections [flow] [density] [finder] [clusters]):\n"
    "  --solver NAME --action NAME --integrator NAME --eps E\n"
    "                         the smoother (default gradient-flow, wilson, rk3, 0.02)\n"
    "  --metric M             metric start of a solver with a metric (--solver rym): flat |\n"
    "                         diag:a,b,c,d | random:SEED,AMP | file:F.h5; its clusters get a\n"
    "                         metric_volume column (the sum of sqrt(det g) over their sites)\n"
    "  --tmax T               final flow time; --times T1,T2,... also analyse at these times,\n"
    "                         objects tracked from one time to the next\n"
    "  --density KIND         clover (default) | 3loop | 5loop | 5li field strength for s(x), q(x)\n"
    "  --rho-min R            dislocation cut (default 2); --duality-tol D (default 0.3);\n"
    "                         [finder] ball_min, ball_max, fit, fit_radius, on = s|q\n"
    "  --lambda L             cluster cut |q| > L max|q| (default 0.5); [clusters] threshold =\n"
    "                         lambda|fraction|absolute with value\n";

int ana_times(const ana_par *p, double tmax, double *t, int *n)
{
    int k = 0;
    char buf[ANA_STR];
    snprintf(buf, sizeof buf, "%s", p->times);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        char *end;
        double v = strtod(tok, &end);
        if (*end || !isfinite(v) || v < 0) return YM_ERROR(YM_EINVAL, "times: '%s' is not a flow time >= 0", tok);
        if (v > tmax) return YM_ERROR(YM_EINVAL, "times: %g is beyond tmax %g", v, tmax);
        if (k == ANA_MAXT - 1) return YM_ERROR(YM_EINVAL, "times: more than %d times", ANA_MAXT - 1);
        if (k && v <= t[k - 1]) return YM_ERROR(YM_EINVAL, "times: give increasing times ('%s')", tok);
        t[k++] = v;
    }
    if (!k || t[k - 1] < tmax) t[k++] = tmax;
    *n = k;
    return YM_OK;
}

/* The improved densities go through one workspace per run (*imp, made at
 * the first analysed time and freed by the caller): its depth-3 copy and
 * scratch are most of a pass's memory traffic when made afresh. */
static int densities(ym_gauge *u, const char *kind, ym_field *s, ym_field *q, ym_improved **imp)
{
    if (!strcmp(kind, "clover")) return ym_curv_clover_densities(u, s, q);
    int scheme = !strcmp(kind, "3loop") ? YM_QIMP_3LOOP : !strcmp(kind, "5loop") ? YM_QIMP_5LOOP : YM_QIMP_5LI;
    int st = *imp ? YM_OK : ym_improved_create(imp, ym_gauge_geom(u), ym_gauge_N(u));
    return st ? st : ym_improved_densities(*imp, u, scheme, q, s);
}

static int mode_of(const char *th)
{
    return !strcmp(th, "fraction") ? YM_CLUSTER_FRACTION : !strcmp(th, "absolute") ? YM_CLUSTER_ABSOLUTE
                                                                                     : YM_CLUSTER_LAMBDA;
}

/* Per cluster, the sum of the solver's sqrt(det g) over its sites (labels
 * as ym_cluster_find fills them); nothing for solvers without a metric. The
 * accumulators are added in rank order, so the column is the same on every
 * process grid. */
static int metric_volumes(ym_solver *sv, ym_gauge *u, ana_time *tm)
{
    const ym_solver_type *ty = ym_solver_get_type(sv);
    int id = -1;
    for (int i = 0; i < ym_solver_type_ndens(ty); ++i)
        if (!strcmp(ym_solver_type_dens_name(ty, i), "sqrtg")) id = i;
    if (id < 0) return YM_OK;
    ym_field *f = NULL;
    int comp = 0;
    int st = ym_solver_density(sv, u, id, &f, &comp);
    if (st) return st;
    const ym_geom *g = ym_gauge_geom(u);
    ym_sum *acc = calloc((size_t)tm->ncl + 1, sizeof *acc);
    tm->mvol = calloc((size_t)tm->ncl + 1, sizeof *tm->mvol);
    st = (acc && tm->mvol) ? YM_OK : YM_ERROR(YM_ENOMEM, "metric volumes: out of memory");
    const int *in = ym_geom_interior(g);
    for (int i = 0; !st && i < ym_geom_ninterior(g); ++i) {
        double lab = ym_field_site(tm->labels, in[i])[0];
        if (lab < 0) continue;
        int lo = 0, hi = tm->ncl - 1; /* the table is sorted by label */
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if ((double)tm->cl[mid].label < lab) lo = mid + 1;
            else hi = mid;
        }
        if (tm->ncl && (double)tm->cl[lo].label == lab) ym_sum_add(&acc[lo], ym_field_site(f, in[i])[comp]);
    }
    st = ym_status_agree(ym_grid_comm(ym_geom_grid(g)), st);
    if (!st) st = ym_sum_allreduce_n(acc, tm->ncl, ym_grid_comm(ym_geom_grid(g)), tm->mvol);
    free(acc);
    return st;
}

/* Analyse u at flow time t into tm (fields allocated here). */
static int analyse(ym_gauge *u, ym_solver *sv, ym_field *mask, const ana_par *p, double t, ana_time *tm,
                   ym_improved **imp)
{
    const ym_geom *g = ym_gauge_geom(u);
    memset(tm, 0, sizeof *tm);
    tm->t = t;
    int st = ym_field_create(&tm->s, g, 1);
    if (!st) st = ym_field_create(&tm->q, g, 1);
    if (!st) st = ym_field_create(&tm->labels, g, 1);
    if (!st) st = densities(u, p->density, tm->s, tm->q, imp);
    double S = 0;
    if (!st) st = ym_field_sum(tm->q, 0, &tm->Q);
    if (!st) st = ym_field_sum(tm->s, 0, &S);
    if (!st) {
        tm->S8 = S / (8 * M_PI * M_PI);
        tm->t2E = t * t * S / (double)ym_grid_volume(ym_geom_grid(g));
    }
    ym_finder_opts fo = p->fo;
    fo.use_q = !strcmp(p->finder_on, "q");
    if (!st) st = ym_finder_run(tm->s, tm->q, mask, &fo, &tm->obj, &tm->nobj, &tm->cnt);
    if (!st)
        st = ym_cluster_find(tm->q, tm->s, mask, mode_of(p->threshold), p->value, tm->labels, &tm->cl, &tm->ncl,
                             &tm->qcut);
    if (!st) st = metric_volumes(sv, u, tm);
    if (!st) {
        tm->obj_track = malloc((size_t)(tm->nobj + 1) * sizeof *tm->obj_track);
        tm->cl_track = malloc((size_t)(tm->ncl + 1) * sizeof *tm->cl_track);
        if (!tm->obj_track || !tm->cl_track) st = YM_ERROR(YM_ENOMEM, "analysis: out of memory");
    }
    return st;
}

static void drop_fields(ana_time *tm)
{
    ym_field_free(tm->s);
    ym_field_free(tm->q);
    ym_field_free(tm->labels);
    tm->s = tm->q = tm->labels = NULL;
}

/* Track ids: an object matched to one at the previous time keeps its id;
 * new ones get fresh ids. Only accepted instantons are tracked. */
static int track(const ym_gauge *u, ana_time *prev, ana_time *cur, ana_result *r)
{
    const int *L = ym_grid_L(ym_geom_grid(ym_gauge_geom(u)));
    for (int i = 0; i < cur->nobj; ++i) cur->obj_track[i] = -1;
    for (int i = 0; i < cur->ncl; ++i) cur->cl_track[i] = -1;
    if (prev) {
        int *m = malloc((size_t)(prev->nobj + 1) * sizeof *m);
        int *mc = malloc((size_t)(prev->ncl + 1) * sizeof *mc);
        if (!m || !mc) {
            free(m);
            free(mc);
            return YM_ERROR(YM_ENOMEM, "tracking: out of memory");
        }
        ym_finder_match(prev->obj, prev->nobj, cur->obj, cur->nobj, L, 3.0, m);
        for (int i = 0; i < prev->nobj; ++i)
            if (m[i] >= 0 && prev->obj_track[i] >= 0 && cur->obj[m[i]].accepted) cur->obj_track[m[i]] = prev->obj_track[i];
        int st = ym_cluster_match(prev->labels, prev->cl, prev->ncl, cur->labels, cur->cl, cur->ncl, mc);
        for (int i = 0; !st && i < prev->ncl; ++i)
            if (mc[i] >= 0 && cur->cl_track[mc[i]] < 0) cur->cl_track[mc[i]] = prev->cl_track[i];
        free(m);
        free(mc);
        if (st) return st;
    }
    for (int i = 0; i < cur->nobj; ++i)
        if (cur->obj[i].accepted && cur->obj_track[i] < 0) cur->obj_track[i] = r->ntrack_obj++;
    for (int i = 0; i < cur->ncl; ++i)
        if (cur->cl_track[i] < 0) cur->cl_track[i] = r->ntrack_cl++;
    return YM_OK;
}

int ana_run(ym_gauge *u, ym_field *mask, const ana_par *p, double tmax, int keep_fields, int progress,
            int last_only, ana_result *r)
{
    memset(r, 0, sizeof *r);
    double times[ANA_MAXT];
    int nt = 0;
    int st = ana_times(p, tmax, times, &nt);
    const ym_solver_type *stype = st ? NULL : ym_solver_find(p->solver);
    if (!st && !stype) st = YM_EINVAL;
    ym_solver_opts so;
    ym_solver_opts_default(&so);
    so.eps = p->eps;
    if (!st && !(so.action = ym_action_find(p->action))) st = YM_EINVAL;
    if (!st && !(so.integrator = ym_integrator_find(p->integrator))) st = YM_EINVAL;
    if (!st && p->metric[0]) {
        int k = -1, nsp = ym_solver_type_nsparams(stype);
        for (int i = 0; i < nsp && i < YM_SOLVER_MAXSPAR; ++i) {
            const char *def = NULL, *nm = ym_solver_type_sparam(stype, i, &def, NULL);
            snprintf(so.spar[i], sizeof so.spar[i], "%s", def ? def : "");
            if (!strcmp(nm, "metric")) k = i;
        }
        if (k < 0) st = YM_ERROR(YM_EINVAL, "metric: the solver %s has no metric (use --solver rym)", p->solver);
        else if (strlen(p->metric) >= sizeof so.spar[k]) st = YM_ERROR(YM_EINVAL, "metric: too long");
        else {
            snprintf(so.spar[k], sizeof so.spar[k], "%s", p->metric);
            so.have_spar = 1;
        }
    }
    if (!st) st = ym_solver_check(stype, &so);
    ym_solver *s = NULL;
    if (!st) st = ym_solver_create(&s, stype, &so, u);
    int rank = 0;
    MPI_Comm_rank(ym_grid_comm(ym_geom_grid(ym_gauge_geom(u))), &rank);
    int tty = progress && rank == 0 && isatty(2);
    ym_improved *imp = NULL;
    for (int k = 0; !st && k < nt; ++k) {
        if (times[k] > ym_solver_time(s)) st = ym_solver_advance(s, u, times[k]);
        if (st || (last_only && k < nt - 1)) continue;
        int j = r->ntimes;
        st = analyse(u, s, mask, p, times[k] * ym_solver_time_scale(s), &r->tm[j], &imp);
        r->ntimes = j + 1;
        if (!st) st = track(u, j ? &r->tm[j - 1] : NULL, &r->tm[j], r);
        if (j) drop_fields(&r->tm[j - 1]);
        if (tty)
            fprintf(stderr, "\rflow: t = %-8.4g Q = %-+9.4f instantons %-4lld clusters %-4d", r->tm[j].t, r->tm[j].Q,
                    (long long)r->tm[j].cnt.accepted, r->tm[j].ncl);
    }
    if (tty) fprintf(stderr, "\n");
    if (!st && !keep_fields && r->ntimes) drop_fields(&r->tm[r->ntimes - 1]);
    ym_improved_free(imp);
    ym_solver_free(s);
    return st;
}

void ana_result_free(ana_result *r)
{
    for (int k = 0; k < r->ntimes; ++k) {
        drop_fields(&r->tm[k]);
        free(r->tm[k].obj);
        free(r->tm[k].cl);
        free(r->tm[k].obj_track);
        free(r->tm[k].cl_track);
        free(r->tm[k].mvol);
    }
    memset(r, 0, sizeof *r);
}

static const char *reason_name(int reason)
{
    static const char *const n[] = {"accepted", "rho_min", "duality", "ball_charge", "fit"};
    return reason >= 0 && reason < 5 ? n[reason] : "?";
}

static void obj_row(cli_buf *b, const ym_finder_obj *o)
{
    cli_buf_printf(b, "%.17g\t%.17g\t%.17g\t%.17g\t%d\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g", o->center[0],
                   o->center[1], o->center[2], o->center[3], o->sign, o->rho_peak, o->rho_fit, o->charge_ball,
                   o->duality, o->q_peak, o->s_peak);
}

void ana_tsv_instantons(cli_buf *b, const ana_result *r)
{
    cli_buf_printf(b, "x\ty\tz\tt\tsign\trho_peak\trho_fit\tcharge_ball\tduality\tq_peak\ts_peak\tflow_time\ttrack\n");
    for (int k = 0; k < r->ntimes; ++k)
        for (int i = 0; i < r->tm[k].nobj; ++i) {
            const ym_finder_obj *o = &r->tm[k].obj[i];
            if (!o->accepted) continue;
            obj_row(b, o);
            cli_buf_printf(b, "\t%.17g\t%d\n", r->tm[k].t, r->tm[k].obj_track[i]);
        }
}

void ana_tsv_candidates(cli_buf *b, const ana_result *r)
{
    cli_buf_printf(b, "x\ty\tz\tt\tsign\trho_peak\trho_fit\tcharge_ball\tduality\tq_peak\ts_peak\tflow_time\t"
                      "peak_x\tpeak_y\tpeak_z\tpeak_t\tresult\n");
    for (int k = 0; k < r->ntimes; ++k)
        for (int i = 0; i < r->tm[k].nobj; ++i) {
            const ym_finder_obj *o = &r->tm[k].obj[i];
            obj_row(b, o);
            cli_buf_printf(b, "\t%.17g\t%d\t%d\t%d\t%d\t%s\n", r->tm[k].t, o->x[0], o->x[1], o->x[2], o->x[3],
                           reason_name(o->reason));
        }
}

void ana_tsv_clusters(cli_buf *b, const ana_result *r)
{
    cli_buf_printf(b, "label\tsign\tcharge\taction_over_8pi2\tvolume\tx\ty\tz\tt\textent_x\textent_y\textent_z\t"
                      "extent_t\tq_peak\tpeak_site\tpercolates\tflow_time\ttrack%s\n",
                   r->ntimes && r->tm[0].mvol ? "\tmetric_volume" : "");
    for (int k = 0; k < r->ntimes; ++k)
        for (int i = 0; i < r->tm[k].ncl; ++i) {
            const ym_cluster *c = &r->tm[k].cl[i];
            cli_buf_printf(b, "%lld\t%d\t%.17g\t%.17g\t%lld\t%.17g\t%.17g\t%.17g\t%.17g\t%d\t%d\t%d\t%d\t%.17g\t%lld\t%d\t"
                              "%.17g\t%d",
                           (long long)c->label, c->sign, c->charge, c->action_over_8pi2, (long long)c->volume,
                           c->center[0], c->center[1], c->center[2], c->center[3], c->extent[0], c->extent[1],
                           c->extent[2], c->extent[3], c->q_peak, (long long)c->peak_site, c->percolates, r->tm[k].t,
                           r->tm[k].cl_track[i]);
            if (r->tm[0].mvol) cli_buf_printf(b, "\t%.17g", r->tm[k].mvol ? r->tm[k].mvol[i] : NAN);
            cli_buf_printf(b, "\n");
        }
}

void ana_tsv_flow(cli_buf *b, const ana_result *r)
{
    cli_buf_printf(b, "flow_time\tQ\taction_over_8pi2\tt2E\tinstantons\tanti_instantons\tcandidates\tclusters\tqcut\n");
    for (int k = 0; k < r->ntimes; ++k) {
        const ana_time *tm = &r->tm[k];
        int ni = 0, na = 0;
        for (int i = 0; i < tm->nobj; ++i)
            if (tm->obj[i].accepted) {
                if (tm->obj[i].sign > 0) ++ni;
                else ++na;
            }
        cli_buf_printf(b, "%.17g\t%.17g\t%.17g\t%.17g\t%d\t%d\t%lld\t%d\t%.17g\n", tm->t, tm->Q, tm->S8, tm->t2E, ni, na,
                       (long long)tm->cnt.candidates, tm->ncl, tm->qcut);
    }
}

int ana_tsv_scan(cli_buf *b, ana_result *r, ym_field *mask)
{
    if (!r->ntimes || !r->tm[r->ntimes - 1].q) return YM_ERROR(YM_EINTERNAL, "scan: no field kept");
    double lam[19];
    ym_cluster_scan_row rows[19];
    for (int i = 0; i < 19; ++i) lam[i] = 0.05 * (i + 1);
    int st = ym_cluster_scan(r->tm[r->ntimes - 1].q, mask, lam, 19, rows);
    if (st) return st;
    cli_buf_printf(b, "lambda\tclusters\tlargest_volume\tlargest_percolates\tpacking_fraction\n");
    for (int i = 0; i < 19; ++i)
        cli_buf_printf(b, "%.17g\t%d\t%lld\t%d\t%.17g\n", rows[i].lambda, rows[i].nclusters, (long long)rows[i].largest,
                       rows[i].largest_percolates, rows[i].packing);
    return YM_OK;
}

static int grow(void **p, int *cap, int need, size_t sz)
{
    if (need <= *cap) return YM_OK;
    int nc = *cap ? *cap : 16;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, (size_t)nc * sz);
    if (!q) return YM_ERROR(YM_ENOMEM, "ensemble: out of memory");
    *p = q;
    *cap = nc;
    return YM_OK;
}

/* Periodic-aware distance between two object centres. */
static double obj_dist(const ym_finder_obj *a, const ym_finder_obj *b, const int L[4])
{
    double d2 = 0;
    for (int mu = 0; mu < 4; ++mu) {
        double d = fabs(a->center[mu] - b->center[mu]);
        if (d > L[mu] / 2.0) d = L[mu] - d;
        d2 += d * d;
    }
    return sqrt(d2);
}

static int ens_append(ana_ensemble *e, const char *name, const double v[5], double volume, const double *orho,
                      const double *onn, int nobj);

int ana_ensemble_add(ana_ensemble *e, const char *name, const ana_result *r, const int L[4])
{
    const ana_time *tm = &r->tm[r->ntimes - 1];
    int na = 0, ni = 0, nn_n = 0, m = 0;
    double rs = 0, nns = 0;
    double *orho = malloc((size_t)(tm->nobj + 1) * sizeof *orho), *onn = malloc((size_t)(tm->nobj + 1) * sizeof *onn);
    if (!orho || !onn) {
        free(orho);
        free(onn);
        return YM_ERROR(YM_ENOMEM, "ensemble: out of memory");
    }
    for (int i = 0; i < tm->nobj; ++i) {
        const ym_finder_obj *o = &tm->obj[i];
        if (!o->accepted) continue;
        double rho = isfinite(o->rho_fit) ? o->rho_fit : o->rho_peak, nn = INFINITY;
        for (int j = 0; j < tm->nobj; ++j)
            if (j != i && tm->obj[j].accepted) {
                double d = obj_dist(o, &tm->obj[j], L);
                if (d < nn) nn = d;
            }
        if (o->sign > 0) ++ni;
        else ++na;
        rs += rho;
        orho[m] = rho;
        onn[m++] = isfinite(nn) ? nn : NAN;
        if (isfinite(nn)) {
            nns += nn;
            ++nn_n;
        }
    }
    double v[5] = {tm->Q, ni, na, ni + na ? rs / (ni + na) : NAN, nn_n ? nns / nn_n : NAN};
    int st = ens_append(e, name, v, (double)L[0] * L[1] * L[2] * L[3], orho, onn, m);
    free(orho);
    free(onn);
    return st;
}

void ana_ensemble_free(ana_ensemble *e)
{
    for (int i = 0; i < e->n; ++i) free(e->name[i]);
    free(e->name);
    free(e->Q);
    free(e->ninst);
    free(e->nanti);
    free(e->rho);
    free(e->nn);
    free(e->obj_rho);
    free(e->obj_nn);
    free(e->obj_cfg);
    memset(e, 0, sizeof *e);
}

static int f_chi(const double *m, void *ctx, double *v)
{
    *v = m[0] / *(const double *)ctx;
    return YM_OK;
}

int ana_tsv_ensemble(cli_buf *sum, cli_buf *cfg, cli_buf *obj, const ana_ensemble *e)
{
    int n = e->n, st = YM_OK;
    double *x = malloc((size_t)(n > 0 ? n : 1) * 2 * sizeof *x);
    if (!x) return YM_ERROR(YM_ENOMEM, "ensemble: out of memory");
    cli_buf_printf(sum, "quantity\tmean\terr\tconfigurations\n");
    struct {
        const char *name;
        int kind;
    } q[] = {{"instanton_density", 0}, {"instantons_per_config", 1}, {"anti_instantons_per_config", 2},
             {"mean_rho", 3},          {"mean_nn_distance", 4},      {"Q", 5},
             {"Q2", 6},                {"chi_top", 7}};
    for (size_t k = 0; !st && k < sizeof q / sizeof q[0]; ++k) {
        int m = 0;
        for (int i = 0; i < n; ++i) {
            double v;
            switch (q[k].kind) {
            case 0: v = (e->ninst[i] + e->nanti[i]) / e->volume; break;
            case 1: v = e->ninst[i]; break;
            case 2: v = e->nanti[i]; break;
            case 3: v = e->rho[i]; break;
            case 4: v = e->nn[i]; break;
            case 5: v = e->Q[i]; break;
            default: v = e->Q[i] * e->Q[i]; break;
            }
            /* configurations without objects have no size or distance */
            if (isfinite(v)) x[m++] = v;
        }
        ym_stats_est est = {NAN, NAN, 0, 0, 0};
        if (m >= 2) {
            if (q[k].kind == 7) {
                double V = e->volume;
                st = ym_stats_jackknife_derived(x, 1, (size_t)m, 1, f_chi, &V, &est);
            } else
                st = ym_stats_jackknife(x, (size_t)m, 1, &est);
        } else if (m == 1)
            est.mean = q[k].kind == 7 ? x[0] / e->volume : x[0];
        if (!st) cli_buf_printf(sum, "%s\t%.17g\t%.17g\t%d\n", q[k].name, est.mean, est.err, m);
    }
    free(x);
    cli_buf_printf(cfg, "config\tfile\tQ\tinstantons\tanti_instantons\tmean_rho\tmean_nn_distance\n");
    for (int i = 0; i < n; ++i)
        cli_buf_printf(cfg, "%d\t%s\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\n", i, e->name[i], e->Q[i], e->ninst[i],
                       e->nanti[i], e->rho[i], e->nn[i]);
    cli_buf_printf(obj, "config\trho\tnn_distance\n");
    for (int i = 0; i < e->nobj; ++i)
        cli_buf_printf(obj, "%d\t%.17g\t%.17g\n", e->obj_cfg[i], e->obj_rho[i], e->obj_nn[i]);
    return st;
}

/* Append one configuration's summary and its objects. */
static int ens_append(ana_ensemble *e, const char *name, const double v[5], double volume, const double *orho,
                      const double *onn, int nobj)
{
    int st = YM_OK;
    void *pp[6] = {e->Q, e->ninst, e->nanti, e->rho, e->nn, e->name};
    int c = e->cap;
    for (int k = 0; !st && k < 6; ++k) {
        c = e->cap;
        st = grow(&pp[k], &c, e->n + 1, k == 5 ? sizeof(char *) : sizeof(double));
    }
    e->Q = pp[0], e->ninst = pp[1], e->nanti = pp[2], e->rho = pp[3], e->nn = pp[4], e->name = pp[5];
    if (st) return st;
    e->cap = c;
    int co = e->capobj;
    void *q1 = e->obj_rho, *q2 = e->obj_nn, *q3 = e->obj_cfg;
    st = grow(&q1, &co, e->nobj + nobj, sizeof(double));
    co = e->capobj;
    if (!st) st = grow(&q2, &co, e->nobj + nobj, sizeof(double));
    co = e->capobj;
    if (!st) st = grow(&q3, &co, e->nobj + nobj, sizeof(int));
    e->obj_rho = q1, e->obj_nn = q2, e->obj_cfg = q3;
    if (st) return st;
    e->capobj = co;
    for (int i = 0; i < nobj; ++i) {
        e->obj_rho[e->nobj] = orho[i];
        e->obj_nn[e->nobj] = onn[i];
        e->obj_cfg[e->nobj++] = e->n;
    }
    e->Q[e->n] = v[0];
    e->ninst[e->n] = v[1];
    e->nanti[e->n] = v[2];
    e->rho[e->n] = v[3];
    e->nn[e->n] = v[4];
    e->volume = volume;
    e->name[e->n] = strdup(name);
    if (!e->name[e->n]) return YM_ERROR(YM_ENOMEM, "ensemble: out of memory");
    e->n++;
    return YM_OK;
}

int ana_ensemble_share(ana_ensemble *dst, const ana_ensemble *src, int root, MPI_Comm comm)
{
    int rank, n = 0, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    if (rank == root) n = src->n;
    MPI_Bcast(&n, 1, MPI_INT, root, comm);
    for (int k = 0; !st && k < n; ++k) {
        double head[7] = {0};
        int nobj = 0, first = 0, len = 0;
        char name[4096] = "";
        if (rank == root) {
            head[0] = src->Q[k], head[1] = src->ninst[k], head[2] = src->nanti[k], head[3] = src->rho[k];
            head[4] = src->nn[k], head[5] = src->volume;
            for (int i = 0; i < src->nobj; ++i)
                if (src->obj_cfg[i] == k) {
                    if (!nobj) first = i;
                    ++nobj;
                }
            snprintf(name, sizeof name, "%s", src->name[k]);
            len = (int)strlen(name) + 1;
        }
        MPI_Bcast(head, 7, MPI_DOUBLE, root, comm);
        MPI_Bcast(&nobj, 1, MPI_INT, root, comm);
        MPI_Bcast(&len, 1, MPI_INT, root, comm);
        MPI_Bcast(name, len, MPI_CHAR, root, comm);
        double *buf = malloc((size_t)(2 * nobj + 1) * sizeof *buf);
        if (!buf) st = YM_ERROR(YM_ENOMEM, "ensemble: out of memory");
        st = ym_status_agree(comm, st);
        if (st) {
            free(buf);
            break;
        }
        if (rank == root)
            for (int i = 0; i < nobj; ++i) {
                buf[i] = src->obj_rho[first + i];
                buf[nobj + i] = src->obj_nn[first + i];
            }
        MPI_Bcast(buf, 2 * nobj, MPI_DOUBLE, root, comm);
        st = ens_append(dst, name, head, head[5], buf, buf + nobj, nobj);
        free(buf);
        st = ym_status_agree(comm, st);
    }
    return st;
}
