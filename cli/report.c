/* The observables block printed by `instanton` and `info`. */
#include "cli.h"
#include "ym_curv.h"
#include "ym_status.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

void cli_print(const char *fmt, ...)
{
    int rank;
    MPI_Comm_rank(cli_comm(), &rank);
    if (rank || cli_quiet()) return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

int cli_report(ym_gauge *u)
{
    ym_plaquette p;
    double sw, sc, q;
    int st = ym_gauge_plaquette(u, &p);
    if (!st) st = ym_gauge_wilson_action(u, &sw);
    if (!st) st = ym_curv_clover_totals(u, &sc, &q);
    if (st) return st;
    const double s0 = 8 * M_PI * M_PI;
    cli_print("plaquette: %.15g\n", p.total);
    cli_print("plaquette_spatial: %.15g\n", p.spatial);
    cli_print("plaquette_temporal: %.15g\n", p.temporal);
    cli_print("action_wilson_over_8pi2: %.15g\n", sw / s0);
    cli_print("action_clover_over_8pi2: %.15g\n", sc / s0);
    cli_print("Q_clover: %.15g\n", q);
    if (ym_geom_bc(ym_gauge_geom(u), 3) == YM_BC_PERIODIC) {
        ym_cplx pl;
        st = ym_gauge_polyakov(u, &pl);
        if (st) return st;
        cli_print("polyakov: %.15g %.15g\n", creal(pl), cimag(pl));
    }
    return YM_OK;
}
