/* Quenched SU(N) Monte Carlo: Cabibbo-Marinari heatbath and microcanonical
 * overrelaxation for the Wilson plaquette action
 *     S = beta sum_p (1 - (1/N) Re tr U_p),
 * so that a link with staple sum A (bitwise ym_cool_staple's with the Wilson
 * loop set, from a dedicated kernel; Re tr of its plaquettes = Re tr(U A))
 * has the weight exp((beta/N) Re tr(U A)).
 *
 * Heatbath: U <- G U for each SU(2) subgroup (rows i < j, all N(N-1)/2 in
 * order), G drawn from exp((beta/N) Re tr(G M)), M = U A: with the 2x2 block
 * of M = k V + (non-quaternion part), V in SU(2), G = X V^dagger where X has
 * the density sqrt(1 - x0^2) exp(alpha x0), alpha = 2 beta k / N, in its
 * real part x0 (Kennedy-Pendleton for alpha >= creutz_below, Creutz's
 * inversion below, where it is faster) and a uniform direction. A subgroup
 * whose a0 proposals are all rejected (max_trials of them) keeps the link
 * it had before that subgroup step, never a rejected proposal; these are
 * counted. Overrelaxation: G = (V^dagger)^2 for each subgroup, which leaves
 * Re tr(U A) unchanged. Links are reunitarised after every update.
 *
 * Order (the result does not depend on the process grid): for mu = 0..3, for
 * parity 0, 1 of the global site, every link U_mu(x) of that parity at once
 * (they share no plaquette), then a halo exchange. Periodic extents must be
 * even. Open boundaries: plaquettes leaving the lattice are left out.
 *
 * Random numbers: one RANLUX (ranlxd2) stream per global site, seeded as in
 * ym_rng.h and kept for the whole chain; link U_mu(x) draws from x's stream.
 * A chain is therefore the same on any number of ranks and process grid, and
 * the streams' states can be saved and restored (checkpoints) exactly.
 */
#ifndef YM_HEATBATH_H
#define YM_HEATBATH_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

#include "ym_gauge.h"

typedef struct ym_heatbath ym_heatbath;

typedef struct {
    double beta;         /* Wilson coupling, > 0 */
    unsigned long seed;  /* seed of the per-site streams */
    int max_trials;      /* a0 proposals per subgroup before the old link is kept (>= 1) */
    double creutz_below; /* Creutz's sampler for alpha below this, Kennedy-Pendleton above */
} ym_heatbath_params;

/* Counts of one or more heatbath sweeps (summed over ranks by the sweeps). */
typedef struct {
    int64_t updates;   /* subgroup heatbath updates */
    int64_t proposals; /* a0 proposals drawn */
    int64_t kept;      /* subgroup updates that kept the old link after max_trials rejections */
} ym_heatbath_counts;

/* a0 samplers for ym_heatbath_su2_a0. */
enum { YM_HB_AUTO = 0, YM_HB_KP = 1, YM_HB_CREUTZ = 2 };

/* Defaults: beta 6, seed 1, max_trials 100, creutz_below 5.5 (where the two
 * samplers cost the same per accepted x0 with ranlxd2, measured by
 * bench/bench_heatbath: Creutz draws 2 numbers per proposal, Kennedy-Pendleton
 * 4, but Creutz's acceptance falls like alpha^-3/2). Local. */
void ym_heatbath_defaults(ym_heatbath_params *p);

/* Set up the per-site streams for u's geometry (kept by the object; u must
 * keep that geometry). Collective. Errors: YM_EINVAL (parameters, an odd
 * periodic extent), YM_ENOMEM. */
int ym_heatbath_create(ym_heatbath **out, ym_gauge *u, const ym_heatbath_params *p);
/* NULL-safe. Local. */
void ym_heatbath_free(ym_heatbath *h);
/* The parameters. Local. */
const ym_heatbath_params *ym_heatbath_get_params(const ym_heatbath *h);

/* Hot start: Haar-random links, drawn from the site streams (the first
 * numbers of the chain). Collective. Errors: YM_EINVAL (other geometry), YM_EMPI. */
int ym_heatbath_set_hot(ym_heatbath *h, ym_gauge *u);
/* One heatbath sweep over all links; counts (may be NULL) are incremented by
 * this sweep's totals over all ranks. Collective. Errors: YM_EINVAL, YM_EMPI. */
int ym_heatbath_sweep(ym_heatbath *h, ym_gauge *u, ym_heatbath_counts *c);
/* One overrelaxation sweep over all links (no random numbers). Collective.
 * Errors: YM_EINVAL, YM_EMPI. */
int ym_heatbath_or_sweep(ym_heatbath *h, ym_gauge *u);

/* Heatbath of the single interior link U_mu(x) (storage index x) with the
 * staple A, drawing from x's stream; counts incremented (not reduced).
 * Local. */
void ym_heatbath_link(ym_heatbath *h, ym_gauge *u, int x, int mu, const ym_cplx *A, ym_heatbath_counts *c);
/* Overrelaxation of one link U with staple A: Re tr(U A) is unchanged.
 * Local. */
void ym_heatbath_or_link(int N, ym_cplx *U, const ym_cplx *A);

/* Draw x0 in [-1, 1] with density proportional to sqrt(1 - x0^2)
 * exp(alpha x0) (alpha >= 0) by method (YM_HB_KP, YM_HB_CREUTZ, or
 * YM_HB_AUTO: creutz_below decides). Returns the number of proposals drawn
 * (1..max_trials) with *x0 set, or 0 when all were rejected (*x0
 * untouched). Local. */
int ym_heatbath_su2_a0(gsl_rng *r, double alpha, int method, double creutz_below, int max_trials, double *x0);

/* The states of this rank's site streams (interior order, *site_bytes each),
 * for checkpoints: save them with ym_sitestate_write and restore them with
 * ym_sitestate_read under the identity ym_heatbath_stream_id. Local. */
unsigned char *ym_heatbath_streams(ym_heatbath *h, size_t *site_bytes);
/* The streams' identity: generator, seed, state size, byte order. Local. */
void ym_heatbath_stream_id(const ym_heatbath *h, char *buf, size_t len);

#endif
