/* Per-site RANLUX streams. */
#include "ym_rng.h"
#include "ym_status.h"

#include <stdlib.h>

struct ym_rng {
    gsl_rng *r;
    unsigned long seed;
};

int ym_rng_create(ym_rng **out, unsigned long seed)
{
    *out = NULL;
    ym_rng *r = malloc(sizeof *r);
    if (!r) return YM_ERROR(YM_ENOMEM, "out of memory creating a random number generator");
    r->r = gsl_rng_alloc(gsl_rng_ranlxd2);
    if (!r->r) {
        free(r);
        return YM_ERROR(YM_ENOMEM, "out of memory creating a random number generator");
    }
    r->seed = seed;
    *out = r;
    return YM_OK;
}

void ym_rng_free(ym_rng *r)
{
    if (!r) return;
    gsl_rng_free(r->r);
    free(r);
}

void ym_rng_site(ym_rng *r, int64_t site, int64_t volume)
{
    const uint64_t m = 2147483647u; /* 2^31 - 1 */
    uint64_t s = ((uint64_t)(r->seed % m) * (uint64_t)(volume % (int64_t)m)) % m;
    s = (s + (uint64_t)site % m) % m;
    gsl_rng_set(r->r, (unsigned long)(s + 1));
}

gsl_rng *ym_rng_gsl(ym_rng *r) { return r->r; }
