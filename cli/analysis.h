/* The instanton analysis shared by `ymflow clusters` and `ymflow pipeline`:
 * one parameter table ([flow], [density], [finder], [clusters]), a flow
 * driver that stops at the requested times, the finder and the clusters at
 * each of them with objects tracked from one time to the next, and the TSV
 * tables both commands write. */
#ifndef YM_CLI_ANALYSIS_H
#define YM_CLI_ANALYSIS_H
#include <mpi.h>

#include "cli_out.h"
#include "ym_card.h"
#include "ym_cluster.h"
#include "ym_finder.h"
#include "ym_gauge.h"
#include "ym_solver.h"

#define ANA_STR 1024
#define ANA_NPAR 24
#define ANA_MAXT 64

typedef struct {
    /* [flow] */
    char solver[64], action[64], integrator[64];
    char metric[ANA_STR]; /* the solver's string parameter "metric" ("" = its default) */
    double eps, tmax; /* tmax < 0: the command's default */
    char times[ANA_STR];
    /* [density] */
    char density[16]; /* clover | 3loop | 5loop | 5li */
    /* [finder] */
    ym_finder_opts fo;
    char finder_on[8]; /* "s" or "q" */
    /* [clusters] */
    char threshold[16]; /* lambda | fraction | absolute */
    double value;
} ana_par;

void ana_defaults(ana_par *p);
/* Fill table (capacity ANA_NPAR); returns the count. */
int ana_table(ana_par *p, ym_param *t);
/* Short flags (--solver, --action, --integrator, --eps, --tmax, --times,
 * --density, --lambda, --rho-min, --duality-tol) -> "section.key", or NULL. */
const char *ana_flag(const char *key);
extern const char *ana_help;

/* Everything found at one flow time. */
typedef struct {
    double t;            /* flow time */
    double Q, S8;        /* total charge and action / 8 pi^2 of the densities used */
    double t2E;          /* t^2 <E_clover> per site */
    ym_finder_obj *obj;  /* every candidate */
    int nobj;
    ym_finder_counts cnt;
    int *obj_track;      /* track id per candidate (accepted ones), -1 otherwise */
    ym_cluster *cl;
    int ncl;
    int *cl_track;
    double qcut;
    double *mvol;        /* per cluster: sum of sqrt(det g) over its sites, for solvers
                            with a metric (density "sqrtg"); NULL otherwise */
    ym_field *q, *s, *labels; /* kept only for the last time (and while tracking) */
} ana_time;

typedef struct {
    ana_time tm[ANA_MAXT];
    int ntimes;
    int ntrack_obj, ntrack_cl;
} ana_result;

/* The requested flow times (sorted, ending at tmax) into t[]; *n their
 * count. Local. Errors: YM_EINVAL. */
int ana_times(const ana_par *p, double tmax, double *t, int *n);
/* Flow u through the times and analyse it at each (mask may be NULL: 1 double
 * per site, non-zero = masked). keep_fields: keep q, s, labels of the last
 * time. progress: print a progress line (rank 0, terminal). last_only: the
 * flow still stops at every time (so its steps are those of a run that
 * analyses them all), but only the last is analysed, into r->tm[0].
 * Collective. */
int ana_run(ym_gauge *u, ym_field *mask, const ana_par *p, double tmax, int keep_fields, int progress,
            int last_only, ana_result *r);
void ana_result_free(ana_result *r);

/* TSV tables (one header line, tab-separated, %.17g):
 *  instantons: x y z t sign rho_peak rho_fit charge_ball duality q_peak s_peak flow_time track
 *              (accepted objects)
 *  candidates: every candidate with its cut reason
 *  clusters:   label sign charge action_over_8pi2 volume x y z t extent_x .. extent_t q_peak
 *              peak_site percolates flow_time track [metric_volume: solvers with a metric]
 *  flow:       flow_time Q action_over_8pi2 t2E instantons anti_instantons candidates clusters qcut */
void ana_tsv_instantons(cli_buf *b, const ana_result *r);
void ana_tsv_candidates(cli_buf *b, const ana_result *r);
void ana_tsv_clusters(cli_buf *b, const ana_result *r);
void ana_tsv_flow(cli_buf *b, const ana_result *r);
/* lambda scan of the last time's q. Collective. */
int ana_tsv_scan(cli_buf *b, ana_result *r, ym_field *mask);


/* Ensembles (the epochs of a recording, or a list of gauge files): per
 * configuration the last flow time's charge, instanton counts, sizes and
 * nearest-neighbour distances; over the ensemble means with jackknife
 * errors (lattice/ym_stats). */
typedef struct {
    int n, cap;
    double *Q, *ninst, *nanti, *rho, *nn; /* per configuration (rho, nn: means, NAN if none) */
    char **name;
    int nobj, capobj;
    double *obj_rho, *obj_nn; /* every accepted object */
    int *obj_cfg;
    double volume;
} ana_ensemble;

/* Add the last time of r (a configuration called name on extents L). Local. */
int ana_ensemble_add(ana_ensemble *e, const char *name, const ana_result *r, const int L[4]);
void ana_ensemble_free(ana_ensemble *e);
/* Copy the entries of src that were made on the ranks of a group led by
 * world rank root into dst on every rank of comm (in order). Collective. */
int ana_ensemble_share(ana_ensemble *dst, const ana_ensemble *src, int root, MPI_Comm comm);
/* Tables: summary (quantity mean err n), configurations, objects (sizes and
 * nearest-neighbour distances: their distributions). Local. */
int ana_tsv_ensemble(cli_buf *sum, cli_buf *cfg, cli_buf *obj, const ana_ensemble *e);

#endif
