/* Random numbers that do not depend on the process grid.
 *
 * GSL's RANLUX (ranlxd2, luxury level 2 in double precision) with one stream
 * per global lattice site: the stream of site i under user seed s is the
 * generator seeded with 1 + (s * V + i) mod (2^31 - 1), distinct for every
 * site as long as V < 2^31 - 1 (RANLUX seeds are 31-bit; its own seeding
 * decorrelates neighbouring seeds). Whatever rank owns a site draws the same
 * numbers for it.
 */
#ifndef YM_RNG_H
#define YM_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

typedef struct ym_rng ym_rng;

/* Local. Errors: YM_ENOMEM. */
int ym_rng_create(ym_rng **out, unsigned long seed);
/* NULL-safe. Local. */
void ym_rng_free(ym_rng *r);
/* Position the generator at the start of site's stream (volume: the global
 * lattice volume). Local. */
void ym_rng_site(ym_rng *r, int64_t site, int64_t volume);
/* The underlying GSL generator, for gsl_ran_* calls. Local. */
gsl_rng *ym_rng_gsl(ym_rng *r);

#endif
