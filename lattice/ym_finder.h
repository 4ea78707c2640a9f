/* Instanton finder (THEORY.md §D.1, §E.1, §E.3): candidates are strict local
 * maxima of the action density s(x) (or of |q(x)|) over the 80 neighbours of
 * the 3^4 hypercube around a site, across rank boundaries; each is tested for
 * self-duality, sized from its peak height and by a fit of the BPST profile,
 * and cut.
 *
 * Densities are given as fields of 1 double per site (ym_curv_clover_densities
 * gives the clover ones: s = E_clov; ym_curv_improved_densities the improved
 * ones), so the caller chooses clover or improved. With open boundaries
 * neighbours outside the lattice are absent (not maxima-breaking); masked
 * sites (mask != 0) are never candidates, are not compared as neighbours and
 * never enter fits or ball charges. A value <= 0 makes no candidate; on a
 * plateau (ties with neighbours) the site of smallest global index is the
 * candidate, so an object centred between sites still gives one.
 *
 * The fit: P (rho^2 / ((x - x0)^2 + rho^2))^4 with x0 (4), rho and the peak
 * height P free, to s (or to sign * q with use_q) on the unmasked sites
 * within max(2, fit_radius * rho_peak) of the peak site; the rho-ball charge
 * is taken around the fitted centre when the fit succeeded.
 *
 * Results are identical on every rank and on any process grid: objects are
 * sorted by the global index of their peak site.
 */
#ifndef YM_FINDER_H
#define YM_FINDER_H
#include <stdint.h>
#include "ym_field.h"

typedef struct {
    int use_q;          /* 0: maxima of s(x) (default); 1: maxima of |q(x)| */
    double rho_min;     /* cut: rho_peak below this is a dislocation (default 2) */
    double rho_max;     /* cut: rho_peak above this is not resolved on the lattice (default 0:
                           half the largest extent); it also bounds the work per candidate */
    double duality_tol; /* cut: |s/(8 pi^2 |q|) - 1| above this (default 0.3) */
    double ball_min;    /* cut: sign * (charge in the rho-ball) outside [ball_min, ball_max]
                           (an opposite-sign ball is no object) */
    double ball_max;    /*      (defaults 0.3, 1.5; the ball holds ~1/2 of a continuum
                               instanton's charge, so the window is wide) */
    int fit;            /* 1: fit the BPST profile (default), 0: no fit */
    double fit_radius;  /* fit ball radius in units of rho_peak (default 1.0, at least 2 sites);
                           the fit fails (CUT_FIT) when GSL does not converge, the centre moves
                           more than one site in a direction, or rho_fit < rho_min */
} ym_finder_opts;

/* Defaults above. Local. */
void ym_finder_opts_default(ym_finder_opts *o);

typedef struct {
    int64_t site;      /* global index of the peak site (x fastest) */
    int x[4];          /* its global coordinates */
    double center[4];  /* fitted sub-lattice centre (the peak site when not fitted),
                          in [0, L) for periodic directions */
    int sign;          /* sign of q at the peak: +1 instanton, -1 anti-instanton */
    double q_peak;     /* q(x0) */
    double s_peak;     /* s(x0) */
    double duality;    /* s(x0) / (8 pi^2 |q(x0)|) */
    double rho_peak;   /* (6 / (pi^2 |q(x0)|))^{1/4} */
    double rho_fit;    /* from the fit (NAN when not fitted or GSL failed) */
    double charge_ball;/* sum of q over the unmasked sites within rho_peak of the centre */
    int accepted;      /* passed every cut */
    int reason;        /* YM_FINDER_OK or the first cut failed */
} ym_finder_obj;

/* Cuts are applied in this order: rho (rho_min, rho_max), duality, then, for
 * the survivors, which alone are sized (rho_fit, charge_ball, fitted centre;
 * NAN / the peak site for the others), the ball charge and the fit. */
enum { YM_FINDER_OK = 0, YM_FINDER_CUT_RHO = 1, YM_FINDER_CUT_DUALITY = 2, YM_FINDER_CUT_BALL = 3,
       YM_FINDER_CUT_FIT = 4 };

typedef struct {
    int64_t candidates;
    int64_t accepted;
    int64_t rejected[5]; /* by reason (index YM_FINDER_CUT_*) */
} ym_finder_counts;

/* Find the candidates of the densities s and q (1 double per site each, same
 * geometry; mask may be NULL). *objs (malloc'ed, free()) receives every
 * candidate, accepted or not, *n their number; counts may be NULL.
 * The halos of s, q and mask are updated. Collective; the same objects on
 * every rank, bit-identical on any process grid. Errors: YM_EINVAL (field
 * shapes, options), YM_ENOMEM, YM_EMPI. */
int ym_finder_run(ym_field *s, ym_field *q, ym_field *mask, const ym_finder_opts *o, ym_finder_obj **objs,
                  int *n, ym_finder_counts *counts);

/* The size from a peak charge density: (6/(pi^2 |q|))^{1/4}. Local. */
double ym_finder_rho_from_peak(double q_peak);

/* Match objects at two flow times by proximity (distance between centres,
 * periodic on the directions with L[mu] > 0; pass 0 for open directions; at
 * most maxdist): match[i] = index in b of a's object i, or -1 (annihilated /
 * lost). Greedy by increasing distance (ties: lower i, then lower j), same
 * sign only, each b used once.
 * Local. */
void ym_finder_match(const ym_finder_obj *a, int na, const ym_finder_obj *b, int nb, const int L[4],
                     double maxdist, int *match);

#endif
