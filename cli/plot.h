/* PNG plots for the activity commands, drawn with cairo (only cli/ uses
 * them). Every plot is written atomically: a temporary file in the target's
 * directory, then rename; an existing target is replaced only when force.
 * Local (call on rank 0). Return YM_OK or a ym_status code with a message
 * naming the file.
 */
#ifndef YM_CLI_PLOT_H
#define YM_CLI_PLOT_H
#include <stdint.h>

/* Flow history: t^2 E (left axis) and Q (right axis) against flow time t,
 * n points. Q may be NULL. */
int cli_plot_flow(const char *path, int force, const double *t, const double *t2E, const double *Q, int n,
                  const char *title);

/* q on the electrode grid, one small panel per window w = 0..nw-1 (time
 * label tlabel[w], e.g. window start in seconds), each an nx x ny heat map
 * of val[(w*ny + y)*nx + x] (diverging colour map symmetric about 0), with
 * cluster outlines drawn between cells of different label (label[...] as
 * val; -1: no cluster) and masked cells (mask may be NULL) hatched grey. */
int cli_plot_qgrid(const char *path, int force, int nx, int ny, int nw, const double *val, const int64_t *label,
                   const unsigned char *mask, const double *tlabel, const char *title);

/* Cluster raster: rows (electrodes, names row_names[r]) x columns (windows;
 * column c spans [t0[c], t0[c] + dt)), cell[r*ncols + c] = +1 (instanton
 * cluster, red), -1 (anti, blue), 0 (none); events drawn as vertical lines
 * at event_t[i] with their labels. */
int cli_plot_raster(const char *path, int force, int nrows, const char *const *row_names, int ncols,
                    const double *t0, double dt, const signed char *cell, int nevents, const double *event_t,
                    const char *const *event_label, const char *title);

#endif
