/* The per-configuration flow CSVs of an ensemble and their statistics: the
 * mean of every column at every measured flow time with its error (Wolff's
 * Gamma method with tau_int, or jackknife with binning; lattice/ym_stats),
 * <Q^2> and chi_top = <Q^2>/V, and t0, w0 as derived quantities of the mean
 * t^2 E history (GSL interpolation and root, solvers/ym_measure's
 * ym_scale_root). Everything is local and deterministic: the ensemble CSV
 * depends only on the configurations' CSVs and their order. */
#ifndef YM_CLI_ENS_TABLE_H
#define YM_CLI_ENS_TABLE_H

#include "cli_out.h"
#include "ym_stats.h"

typedef struct {
    int ncol;
    char **col;     /* column names of the per-configuration CSV, t first */
    int nrow;       /* measured flow times */
    int n, cap;     /* configurations */
    double *v;      /* configuration k, row r, column c: v[(k nrow + r) ncol + c] */
    double *t0, *w0; /* per configuration, from the CSV's footer */
    double ref;      /* the t0 / w0 reference value (footer) */
    char **file;
} ens_table;

/* Add one configuration's flow CSV (text as ymflow flow writes it: comment
 * lines, a header naming the columns, rows, "# ref/t0/w0:" footer), named
 * file in messages. It must have the columns, flow times and ref of the
 * first. Local. Errors: YM_EFORMAT (malformed CSV), YM_EINVAL naming file
 * (other columns, flow times or ref), YM_ENOMEM. */
int ens_table_add(ens_table *e, const char *file, const char *csv);
void ens_table_free(ens_table *e);

typedef struct {
    ym_stats_opts so; /* error method */
    double volume;    /* lattice sites, for chi_top */
} ens_opts;

/* Ensemble results beside the CSV: t0 (t^2 E_clover = ref), w0
 * (W = t d(t^2 E)/dt = ref, from W_exact when measured, else from the mean
 * t^2 E_clover history), <Q_clover^2> and chi_top at the last flow time
 * tQ. A quantity not reached or not measured has mean nan; a derived one
 * whose error cannot be formed (not reached on every jackknife sample or
 * within one error of the means) has a mean and err nan. */
typedef struct {
    ym_stats_est t0, w0, Q2, chi;
    double tQ;
} ens_summary;

/* The ensemble CSV (comment lines, header t,<col>,<col>_err[,<col>_tau_int]
 * ..., Q2_clover, chi_top_clover (and _improved) with theirs, one row per
 * flow time, "# key: value" footer) into out and the summary into s. Means
 * are those of ym_stats over the configurations in order (a jackknife drops
 * a trailing partial bin). Local. Errors: YM_EINVAL (no configuration, or
 * fewer than the method needs: 2 values, 2 bins), YM_ENOMEM. */
int ens_table_write(const ens_table *e, const ens_opts *o, cli_buf *out, ens_summary *s);

#endif
