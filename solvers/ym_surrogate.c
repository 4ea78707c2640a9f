/* Phase-randomised surrogate recordings (ym_surrogate.h). */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ym_fir_impl.h"
#include "ym_status.h"
#include "ym_surrogate.h"

struct ym_surrogate {
    const ym_recording *r;
    int kind, nchan;
    int64_t n, nh;
    fftw_complex *X;    /* nchan x nh: the spectra of the recording */
    fftw_complex *work; /* nh */
    double *buf;        /* n */
    double *phase;      /* (n-1)/2 phases of one channel */
    double *rot;        /* their cos and sin, interleaved: computed once per draw in the
                           multivariate case, where every channel shares them */
    fftw_plan bwd;
};

void ym_surrogate_free(ym_surrogate *s)
{
    if (!s) return;
    if (s->bwd) fftw_destroy_plan(s->bwd);
    fftw_free(s->X);
    fftw_free(s->work);
    fftw_free(s->buf);
    free(s->phase);
    free(s->rot);
    free(s);
}

int ym_surrogate_create(ym_surrogate **out, const ym_recording *r, int kind)
{
    if (!out) return YM_ERROR(YM_EINVAL, "surrogates: NULL output");
    *out = NULL;
    if (!r || ym_recording_nbands(r) != 0)
        return YM_ERROR(YM_EINVAL, "surrogates need a real recording (not analytic signals)");
    if (kind != YM_SURR_MULTIVARIATE && kind != YM_SURR_PERCHANNEL)
        return YM_ERROR(YM_EINVAL, "surrogates: unknown kind %d", kind);
    int64_t n = ym_recording_nsamples(r);
    if (n > (int64_t)0x7fffffff) return YM_ERROR(YM_EINVAL, "surrogates: %lld samples is too long", (long long)n);
    ym_surrogate *s = calloc(1, sizeof *s);
    if (!s) return YM_ERROR(YM_ENOMEM, "out of memory for surrogates");
    s->r = r;
    s->kind = kind;
    s->nchan = ym_recording_nchan(r);
    s->n = n;
    s->nh = n / 2 + 1;
    s->X = fftw_alloc_complex((size_t)s->nchan * (size_t)s->nh);
    s->work = fftw_alloc_complex((size_t)s->nh);
    s->buf = fftw_alloc_real((size_t)n);
    s->phase = malloc((size_t)((n - 1) / 2 + 1) * sizeof *s->phase);
    s->rot = malloc((size_t)((n - 1) / 2 + 1) * 2 * sizeof *s->rot);
    if (!s->X || !s->work || !s->buf || !s->phase || !s->rot) {
        ym_surrogate_free(s);
        return YM_ERROR(YM_ENOMEM, "out of memory for the spectra of %d channels", s->nchan);
    }
    fftw_plan fwd = fftw_plan_dft_r2c_1d((int)n, s->buf, s->work, FFTW_ESTIMATE);
    s->bwd = fftw_plan_dft_c2r_1d((int)n, s->work, s->buf, FFTW_ESTIMATE);
    if (!fwd || !s->bwd) {
        if (fwd) fftw_destroy_plan(fwd);
        ym_surrogate_free(s);
        return YM_ERROR(YM_ENOMEM, "FFTW could not plan a transform of %lld samples", (long long)n);
    }
    for (int c = 0; c < s->nchan; ++c) {
        memcpy(s->buf, ym_recording_data_ro(r, c), (size_t)n * sizeof *s->buf);
        fftw_execute(fwd);
        memcpy(s->X + (size_t)c * s->nh, s->work, (size_t)s->nh * sizeof *s->work);
    }
    fftw_destroy_plan(fwd);
    *out = s;
    return YM_OK;
}

static void draw_phases(gsl_rng *g, double *ph, int64_t np)
{
    for (int64_t k = 0; k < np; ++k) ph[k] = 2.0 * M_PI * gsl_rng_uniform(g);
}

/* The samples of surrogate seed into o (already shaped like the recording). */
static int draw(ym_surrogate *s, unsigned long seed, ym_recording *o)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_ranlxd2);
    if (!g) return YM_ERROR(YM_ENOMEM, "out of memory for a random number generator");
    /* ranlxd2 takes its seed modulo 2^31 and maps 0 to 1: shift so that the
     * seeds 0 .. 2^31-2 all give different streams */
    gsl_rng_set(g, seed % 0x7fffffffUL + 1UL);
    int64_t n = s->n, nh = s->nh, np = (n - 1) / 2; /* bins strictly between DC and Nyquist */
    if (s->kind == YM_SURR_MULTIVARIATE) draw_phases(g, s->phase, np);
    for (int c = 0; c < s->nchan; ++c) {
        if (s->kind == YM_SURR_PERCHANNEL || c == 0) {
            if (s->kind == YM_SURR_PERCHANNEL) draw_phases(g, s->phase, np);
            for (int64_t k = 1; k <= np; ++k) {
                s->rot[2 * (k - 1)] = cos(s->phase[k - 1]);
                s->rot[2 * (k - 1) + 1] = sin(s->phase[k - 1]);
            }
        }
        const fftw_complex *X = s->X + (size_t)c * nh;
        memcpy(s->work, X, (size_t)nh * sizeof *s->work);
        for (int64_t k = 1; k <= np; ++k) {
            double cr = s->rot[2 * (k - 1)], si = s->rot[2 * (k - 1) + 1];
            s->work[k][0] = X[k][0] * cr - X[k][1] * si;
            s->work[k][1] = X[k][0] * si + X[k][1] * cr;
        }
        fftw_execute(s->bwd);
        double *d = ym_recording_data(o, c);
        for (int64_t t = 0; t < n; ++t) d[t] = s->buf[t] / (double)n;
    }
    gsl_rng_free(g);
    return YM_OK;
}

int ym_surrogate_draw(ym_surrogate *s, unsigned long seed, ym_recording **out)
{
    if (!out) return YM_ERROR(YM_EINVAL, "surrogates: NULL output");
    *out = NULL;
    if (!s) return YM_ERROR(YM_EINVAL, "surrogates: NULL plan");
    const ym_recording *r = s->r;
    ym_recording *o = NULL;
    int rc = ym_recording_create(&o, s->nchan, 0, s->n, ym_recording_rate(r));
    if (!rc) rc = ym_rec_copy_meta(r, NULL, s->nchan, o);
    int shape[3];
    double spacing[3];
    if (!rc && ym_recording_image(r, shape, spacing))
        rc = ym_recording_set_image(o, shape[0], shape[1], shape[2], spacing);
    if (!rc) rc = draw(s, seed, o);
    if (rc) {
        ym_recording_free(o);
        return rc;
    }
    *out = o;
    return YM_OK;
}

int ym_surrogate_redraw(ym_surrogate *s, unsigned long seed, ym_recording *out)
{
    if (!s || !out) return YM_ERROR(YM_EINVAL, "surrogates: NULL plan or recording");
    if (ym_recording_nchan(out) != s->nchan || ym_recording_nbands(out) != 0 || ym_recording_nsamples(out) != s->n)
        return YM_ERROR(YM_EINVAL, "surrogates: the recording to overwrite is not shaped like the planned one");
    return draw(s, seed, out);
}
