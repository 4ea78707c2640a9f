/* Shared by the rym tests: a "rym" solver with the given parameters. */
#ifndef YM_TEST_RYM_COMMON_H
#define YM_TEST_RYM_COMMON_H

#include <stdio.h>

#include "ym_rym.h"
#include "ym_solver.h"

static inline int rym_test_solver(ym_solver **s, ym_gauge *u, double eps, const char *metric, double kappa,
                                  int deturck, int clover, int mflow, int drag)
{
    const ym_solver_type *t = ym_solver_find("rym");
    if (!t) return YM_EINVAL;
    static ym_solver_opts o;
    ym_solver_opts_default(&o);
    o.eps = eps;
    o.have_par = 1;
    o.par[YM_RYM_KAPPA] = kappa;
    o.par[YM_RYM_DETURCK] = deturck;
    o.par[YM_RYM_CLOVER] = clover;
    o.par[YM_RYM_METRIC_FLOW] = mflow;
    o.par[YM_RYM_DRAG] = drag;
    o.have_spar = 1;
    snprintf(o.spar[0], sizeof o.spar[0], "%s", metric);
    return ym_solver_create(s, t, &o, u);
}

#endif
