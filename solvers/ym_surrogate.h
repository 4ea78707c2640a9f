/* Surrogate recordings by FFT phase randomisation (DESIGN.md §8): the null
 * hypothesis for the significance of instanton clusters.
 *
 *  YM_SURR_MULTIVARIATE  the same random phase added at each frequency in
 *                        every channel (Prichard-Theiler): every power
 *                        spectrum and every cross-spectrum is kept.
 *  YM_SURR_PERCHANNEL    independent phases per channel: only the power
 *                        spectra are kept.
 * DC and (for even lengths) Nyquist bins keep their phase, so the surrogate
 * is real with the same mean. Phases come from GSL's RANLUX (ranlxd2)
 * seeded with (seed mod (2^31 - 1)) + 1 (ranlxd2 itself reduces seeds mod
 * 2^31 and maps 0 to 1, so seeds 0 .. 2^31 - 2 give distinct streams), one
 * uniform phase per bin in increasing frequency, channel after channel for
 * YM_SURR_PERCHANNEL; a surrogate is a function of (recording, kind, seed)
 * only. Local: recordings are replicated per rank.
 */
#ifndef YM_SURROGATE_H
#define YM_SURROGATE_H
#include "ym_recording.h"

enum { YM_SURR_MULTIVARIATE = 0, YM_SURR_PERCHANNEL = 1 };

typedef struct ym_surrogate ym_surrogate;

/* Plan surrogates of the real recording r (its spectra are computed once).
 * r must outlive s. Local. Errors: YM_EINVAL (complex recording, kind),
 * YM_ENOMEM. */
int ym_surrogate_create(ym_surrogate **out, const ym_recording *r, int kind);
/* NULL-safe. Local. */
void ym_surrogate_free(ym_surrogate *s);
/* A new surrogate of the planned recording for seed: same shape, channel
 * metadata, events and rate. Local. Errors: YM_ENOMEM. */
int ym_surrogate_draw(ym_surrogate *s, unsigned long seed, ym_recording **out);
/* The same surrogate written over the samples of out, a recording made by
 * ym_surrogate_draw from s (its metadata is kept): lets a loop over seeds
 * reuse one buffer instead of mapping fresh pages each time. Local.
 * Errors: YM_EINVAL (out shaped unlike the planned recording), YM_ENOMEM. */
int ym_surrogate_redraw(ym_surrogate *s, unsigned long seed, ym_recording *out);

#endif
