/* Flow observables and reference scales (THEORY.md B.4).
 *
 * One measurement is a row of YM_MEASURE_NCOL doubles, columns:
 *   t                   flow time (lattice units)
 *   plaquette           <(1/N) Re tr P>, and its spatial / temporal parts
 *   plaquette_spatial, plaquette_temporal
 *   E_plaq              site average of E_plaq(x) = 2 sum_{mu<nu} Re tr(1 - P)
 *   E_clover            site average of E_clov(x) = -1/2 sum tr F^2 (clover F)
 *   t2E_plaq, t2E_clover   t^2 E
 *   W_clover            t d(t^2 E_clover)/dt derived from the measured history
 *                       of t^2 E_clover (ym_measure_w_history: second-order
 *                       finite differences over the measured flow times, as
 *                       openQCD and MILC users do); a single row leaves it nan
 *   Q_clover            sum_x q(x), clover definition
 *   Q_improved          5Li charge (ym_measure_charge_improved)
 *   E_clover_max        max_x E_clov(x)
 *   W_exact             t d(t^2 E_clover)/dt = 2 t^2 E + t^3 dE/dt, where
 *                       dE/dt is the derivative along the flow equation
 *                       V' = Z(V) V of the flow's action: a centred
 *                       difference of E_clover(exp(+-h Z) V) in h with
 *                       Richardson extrapolation (h = 1e-4, error O(h^4)),
 *                       independent of the integrator and measurement spacing
 *                       (costs a force and four clover evaluations)
 * A selection of columns is a mask of YM_MEASURE_BIT(column); what several
 * selected columns share (the plaquettes, the clover densities) is computed
 * once per row.
 * t0: t^2 E_clover(t0) = ref; w0: W(w0^2) = ref (ref default 0.3),
 * found by GSL interpolation (cspline, linear for fewer than 3 points) of
 * the measured points and Brent root finding; nan when not reached.
 */
#ifndef YM_MEASURE_H
#define YM_MEASURE_H

#include "ym_action.h"
#include "ym_field.h"
#include "ym_gauge.h"

enum {
    YM_M_T = 0,
    YM_M_PLAQ,
    YM_M_PLAQ_S,
    YM_M_PLAQ_T,
    YM_M_EPLAQ,
    YM_M_ECLOV,
    YM_M_T2EPLAQ,
    YM_M_T2ECLOV,
    YM_M_WCLOV,
    YM_M_QCLOV,
    YM_M_QIMPR,
    YM_M_EMAX,
    YM_M_WEXACT,
    YM_MEASURE_NCOL
};

/* The bit of column i in a selection mask. */
#define YM_MEASURE_BIT(i) (1u << (i))
/* Every column. */
#define YM_MEASURE_ALL ((1u << YM_MEASURE_NCOL) - 1u)
/* The default selection: t, plaquette, E_clover, t2E_clover, W_clover,
 * Q_clover (one plaquette and one clover evaluation per row). */
#define YM_MEASURE_DEFAULT                                                                                        \
    (YM_MEASURE_BIT(YM_M_T) | YM_MEASURE_BIT(YM_M_PLAQ) | YM_MEASURE_BIT(YM_M_ECLOV) |                            \
     YM_MEASURE_BIT(YM_M_T2ECLOV) | YM_MEASURE_BIT(YM_M_WCLOV) | YM_MEASURE_BIT(YM_M_QCLOV))

/* Column name of column i (the CSV header), NULL out of range. Local. */
const char *ym_measure_column(int i);
/* The column named name (case-sensitive), -1 if none. Local. */
int ym_measure_column_find(const char *name);
/* Parse a comma-separated list of column names (spaces allowed; "default"
 * and "all" stand for those sets) into *mask; t is always included. Local.
 * Errors: YM_EINVAL naming the unknown entry and listing the known ones. */
int ym_measure_columns_parse(const char *list, unsigned *mask);

typedef struct ym_measure ym_measure;

/* Workspace for measuring fields shaped like u while flowing with action a
 * (par NULL = defaults; a NULL: W_clover is nan). The first row with
 * Q_improved adds an improved-charge workspace (ym_improved_create: a
 * depth-3 copy of the links and the loop scratch, ~3 link fields), kept
 * until ym_measure_free so later rows do not allocate it again. Collective.
 * Errors: YM_EINVAL, YM_ENOMEM. */
int ym_measure_create(ym_measure **out, const ym_gauge *u, const ym_action_type *a, const double *par);
/* NULL-safe. Local. */
void ym_measure_free(ym_measure *m);

/* Every column of one row (all but W_clover, which needs the history) for
 * u at flow time t into row[YM_MEASURE_NCOL]. u is not changed (its halo is
 * updated). Collective; every rank gets the same row.
 * Errors: those of the curvature and action functions. */
int ym_measure_row(ym_measure *m, ym_gauge *u, double t, double *row);
/* The columns of mask for u at flow time t into row[YM_MEASURE_NCOL]:
 * each computation is done only if a selected column needs it, and fills
 * every column it yields (the plaquette its three parts, the clover
 * densities E_clover, t2E_clover, Q_clover, E_clover_max); the rest are
 * nan. W_clover in mask makes the clover densities computed (its history)
 * and stays nan here. Collective. Errors: as ym_measure_row. */
int ym_measure_row_columns(ym_measure *m, ym_gauge *u, double t, unsigned mask, double *row);

/* W(t_i) = t_i d(t^2 E)/dt at every measured point from the history
 * (t[i], t2E[i]), i < n, t increasing (not necessarily evenly spaced):
 * the second-order three-point derivative (centred for inner points,
 * one-sided at the ends), the two-point slope for n == 2, nan for n < 2
 * or non-finite data. Error O(dt^2) in the measurement spacing (stated
 * against W_exact in tests/test_solver.c). Local. Errors: YM_EINVAL (NULL,
 * t not increasing). */
int ym_measure_w_history(const double *t, const double *t2E, int n, double *W);

/* The densities E_clov(x) and q(x) of u (1 double per site), valid until
 * the next call on m. Collective. */
int ym_measure_densities(ym_measure *m, ym_gauge *u, ym_field **E, ym_field **q);

/* Improved topological charge of u into *Q. The single connection point to
 * the improved-charge module (lattice/ym_improved.h); until it is
 * connected *Q = nan and YM_OK. Collective. */
int ym_measure_charge_improved(ym_gauge *u, double *Q);

/* The first t where y(t) crosses ref, by interpolating (t[i], y[i]),
 * i < n, t increasing: cspline for n >= 3, linear for n == 2, then Brent's
 * root finder on the bracketing interval. *root = nan if y never reaches
 * ref (or n < 2). Local. Errors: YM_EINVAL (NULL, t not increasing,
 * non-finite data), YM_ENUM (GSL failure). */
int ym_scale_root(const double *t, const double *y, int n, double ref, double *root);
/* t0 from t^2 E(t) and w0 (= sqrt of the root of W) from W(t). Local. */
int ym_scale_t0(const double *t, const double *t2E, int n, double ref, double *t0);
int ym_scale_w0(const double *t, const double *W, int n, double ref, double *w0);

/* HDF5 dumps of the densities (parallel HDF5). One file holds groups
 * "E_clover" and "q", each with datasets "t=<flow time, %.17g>" of shape
 * [L_t][L_z][L_y][L_x] (x fastest, the global site order); each dataset
 * carries attributes "flow_time" (double) and "dims" (int[4], x y z t); the
 * root carries "dims" and "parameters" (text, e.g. the effective run card).
 * The file is written to path.tmp and renamed on ym_dump_close(d, 1). */
typedef struct ym_dump ym_dump;
/* Create the temporary file. Collective on the field's communicator.
 * Errors: YM_EIO (path exists and !overwrite, HDF5 failure). */
int ym_dump_create(ym_dump **out, const ym_gauge *u, const char *path, int overwrite, const char *parameters);
/* Write E_clov(x) and q(x) of u at flow time t. Collective.
 * Errors: YM_EIO, those of the curvature functions. */
int ym_dump_write(ym_dump *d, ym_measure *m, ym_gauge *u, double t);
/* Write component comp of the site field f (on u's geometry) as dataset
 * "group/t=<t>" (same shape and attributes as E_clover), creating the group
 * on first use: e.g. the metric fields of the rym solver. Collective.
 * Errors: YM_EINVAL (empty group name or one with '/', comp out of range,
 * another geometry), YM_EIO. */
int ym_dump_write_field(ym_dump *d, const char *group, ym_field *f, int comp, double t);
/* Close; commit = 1 renames to the final path, 0 removes the temporary.
 * NULL-safe. Collective. */
int ym_dump_close(ym_dump *d, int commit);

#endif
