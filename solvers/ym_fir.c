/* FIR design with MNE-Python's rules (mne.filter.create_filter with
 * fir_design='firwin', fir_window='hamming', phase='zero'), zero-phase FFT
 * convolution with MNE's 'reflect_limited' edge padding, and the analytic
 * signal with MNE's n_fft='auto' (scipy.signal.hilbert on the signal
 * zero-padded to the next 5-smooth length). */
#include <limits.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ym_fir_impl.h"
#include "ym_preproc.h"
#include "ym_status.h"

int64_t ym_fast_len(int64_t n)
{
    if (n <= 1) return 1;
    if (n > INT64_MAX / 8) return n; /* no 5-smooth search this close to overflow */
    int64_t best = INT64_MAX;
    /* every 2^a 3^b 5^c: for each 3^b 5^c take the smallest power of 2 reaching n */
    for (int64_t p5 = 1;; p5 *= 5) {
        for (int64_t p35 = p5;; p35 *= 3) {
            int64_t v = p35;
            while (v < n) v *= 2;
            if (v < best) best = v;
            if (p35 >= n) break;
        }
        if (p5 >= n) break;
    }
    return best;
}

int ym_fir_length(double rate, double mt)
{
    /* MNE: '%ss' % (3.3 / mt) parsed back, then ceil(len_s * sfreq), made odd */
    double v = ceil((YM_FIR_HAMMING_FACTOR / mt) * rate);
    if (!(v >= 1.0)) v = 1.0;
    if (v > (double)(INT_MAX - 2)) return -1;
    int len = (int)v;
    len += (len - 1) % 2;
    return len;
}

/* scipy.signal.firwin(N, cutoff, window='hamming', pass_zero=True, fs=2):
 * cutoff relative to Nyquist, scaled to unit gain at DC. */
static void firwin_lowpass(int N, double cutoff, double *h)
{
    double alpha = 0.5 * (N - 1), s = 0;
    for (int k = 0; k < N; ++k) {
        double m = k - alpha, x = cutoff * m;
        double sinc = (x == 0) ? 1.0 : sin(M_PI * x) / (M_PI * x);
        double w = (N > 1) ? 0.54 - 0.46 * cos(2.0 * M_PI * k / (N - 1)) : 1.0;
        h[k] = cutoff * sinc * w;
        s += h[k];
    }
    for (int k = 0; k < N; ++k) h[k] /= s;
}

int ym_fir_design(double rate, const double *freq, const int *gain, int m, int N, double *h)
{
    if (m < 2 || N < 1 || N % 2 == 0 || freq[0] != 0)
        return YM_ERROR(YM_EINVAL, "FIR design: invalid band specification");
    double nyq = rate / 2.0;
    memset(h, 0, (size_t)N * sizeof *h);
    double prev_f = freq[m - 1] / nyq;
    int prev_g = gain[m - 1];
    if (prev_g == 1) h[N / 2] = 1.0; /* start from an all-pass and carve */
    double *lp = malloc((size_t)N * sizeof *lp);
    if (!lp) return YM_ERROR(YM_ENOMEM, "out of memory designing a FIR filter");
    for (int i = m - 2; i >= 0; --i) {
        double f = freq[i] / nyq;
        if (gain[i] != prev_g) {
            /* each transition gets a low-pass whose length fits its own band */
            double transition = (prev_f - f) / 2.0;
            double nn = nearbyint(YM_FIR_HAMMING_FACTOR / transition);
            if (!(nn >= 1.0) || nn > (double)N) {
                free(lp);
                return YM_ERROR(YM_EINVAL,
                                "FIR design: a %.3g Hz transition band needs more than %d taps",
                                transition * rate / 2.0, N);
            }
            int tn = (int)nn;
            tn += 1 - tn % 2;
            if (tn > N) {
                free(lp);
                return YM_ERROR(YM_EINVAL,
                                "FIR design: a %.3g Hz transition band needs more than %d taps",
                                transition * rate / 2.0, N);
            }
            firwin_lowpass(tn, (prev_f + f) / 2.0, lp);
            int off = (N - tn) / 2;
            for (int k = 0; k < tn; ++k) h[off + k] += (gain[i] == 0) ? -lp[k] : lp[k];
        }
        prev_g = gain[i];
        prev_f = f;
    }
    free(lp);
    return YM_OK;
}

static int design_alloc(double rate, const double *freq, const int *gain, int m, double mt,
                        double **h, int *len)
{
    int N = ym_fir_length(rate, mt);
    if (N < 1) return YM_ERROR(YM_EINVAL, "FIR design: transition band %g Hz is too narrow", mt);
    double *hh = malloc((size_t)N * sizeof *hh);
    if (!hh) return YM_ERROR(YM_ENOMEM, "out of memory for a %d-tap FIR filter", N);
    int rc = ym_fir_design(rate, freq, gain, m, N, hh);
    if (rc) {
        free(hh);
        return rc;
    }
    *h = hh;
    *len = N;
    return YM_OK;
}

int ym_fir_bandpass(double rate, double lo, double hi, double **h, int *len)
{
    if (!h || !len || !(rate > 0) || !isfinite(rate) || !isfinite(lo) || !isfinite(hi))
        return YM_ERROR(YM_EINVAL, "band-pass: invalid arguments");
    double nyq = rate / 2.0;
    double freq[6];
    int gain[6], m = 0;
    if (lo <= 0 && hi <= 0) return YM_ERROR(YM_EINVAL, "band-pass: no band edge given");
    if (hi > 0 && hi >= nyq)
        return YM_ERROR(YM_EINVAL, "band-pass: upper edge %g Hz is not below Nyquist (%g Hz)", hi, nyq);
    if (lo > 0 && lo >= nyq)
        return YM_ERROR(YM_EINVAL, "band-pass: lower edge %g Hz is not below Nyquist (%g Hz)", lo, nyq);
    if (lo > 0 && hi > 0 && lo >= hi)
        return YM_ERROR(YM_EINVAL, "band-pass: lower edge %g Hz is not below upper edge %g Hz", lo, hi);
    double lt = (lo > 0) ? fmin(fmax(0.25 * lo, 2.0), lo) : INFINITY;
    double ht = (hi > 0) ? fmin(fmax(0.25 * hi, 2.0), nyq - hi) : INFINITY;
    if (lo > 0 && hi > 0) {
        double s1 = lo - lt, s2 = hi + ht;
        if (s1 != 0) { freq[m] = 0; gain[m++] = 0; }
        freq[m] = s1; gain[m++] = 0;
        freq[m] = lo; gain[m++] = 1;
        freq[m] = hi; gain[m++] = 1;
        freq[m] = s2; gain[m++] = 0;
        if (s2 != nyq) { freq[m] = nyq; gain[m++] = 0; }
    } else if (hi > 0) { /* low-pass */
        double s = hi + ht;
        freq[m] = 0; gain[m++] = 1;
        freq[m] = hi; gain[m++] = 1;
        freq[m] = s; gain[m++] = 0;
        if (s != nyq) { freq[m] = nyq; gain[m++] = 0; }
    } else { /* high-pass */
        double s = lo - lt;
        if (s != 0) { freq[m] = 0; gain[m++] = 0; }
        freq[m] = s; gain[m++] = 0;
        freq[m] = lo; gain[m++] = 1;
        freq[m] = nyq; gain[m++] = 1;
    }
    return design_alloc(rate, freq, gain, m, fmin(lt, ht), h, len);
}

int ym_fir_notches(double rate, const double *f0, const double *widths, int nf, double trans,
                   double **h, int *len)
{
    if (!h || !len || !f0 || nf < 1 || !(rate > 0) || !isfinite(rate) || !(trans > 0) ||
        !isfinite(trans))
        return YM_ERROR(YM_EINVAL, "notch: invalid arguments");
    double nyq = rate / 2.0, tb2 = trans / 2.0;
    int m = 4 * nf + 2;
    double *freq = malloc((size_t)m * sizeof *freq);
    int *gain = malloc((size_t)m * sizeof *gain);
    if (!freq || !gain) {
        free(freq);
        free(gain);
        return YM_ERROR(YM_ENOMEM, "out of memory designing a notch filter");
    }
    int k = 0, rc = YM_OK;
    for (int i = 0; i < nf && !rc; ++i) {
        double w = widths ? widths[i] : f0[i] / 200.0;
        if (!(f0[i] > 0) || !(w >= 0)) {
            rc = YM_ERROR(YM_EINVAL, "notch: invalid frequency %g Hz or width %g Hz", f0[i], w);
            break;
        }
        /* mne.filter.notch_filter -> band-stop triage (reverse=True), same arithmetic */
        double lows = f0[i] - w / 2.0 - tb2, highs = f0[i] + w / 2.0 + tb2;
        double p1 = (lows - tb2) + tb2, s1 = lows + tb2;
        double p2 = (highs + tb2) - tb2, s2 = highs - tb2;
        if (p1 < 0 || p2 > nyq) {
            rc = YM_ERROR(YM_EINVAL, "notch at %g Hz: the stop band leaves 0..%g Hz", f0[i], nyq);
            break;
        }
        freq[k] = p1; gain[k++] = 1;
        freq[k] = s1; gain[k++] = 0;
        freq[k] = s2; gain[k++] = 0;
        freq[k] = p2; gain[k++] = 1;
    }
    if (!rc) {
        /* stable sort by frequency (the lists are tiny) */
        for (int i = 1; i < k; ++i)
            for (int j = i; j > 0 && freq[j - 1] > freq[j]; --j) {
                double tf = freq[j];
                freq[j] = freq[j - 1];
                freq[j - 1] = tf;
                int tg = gain[j];
                gain[j] = gain[j - 1];
                gain[j - 1] = tg;
            }
        if (freq[0] != 0) {
            memmove(freq + 1, freq, (size_t)k * sizeof *freq);
            memmove(gain + 1, gain, (size_t)k * sizeof *gain);
            freq[0] = 0;
            gain[0] = 1;
            ++k;
        }
        if (freq[k - 1] != nyq) {
            freq[k] = nyq;
            gain[k++] = 1;
        }
        for (int i = 2; i < k; ++i)
            if (abs(gain[i] - 2 * gain[i - 1] + gain[i - 2]) > 1) {
                rc = YM_ERROR(YM_EINVAL, "notch: stop bands are not sufficiently separated");
                break;
            }
    }
    if (!rc) rc = design_alloc(rate, freq, gain, k, tb2, h, len);
    free(freq);
    free(gain);
    return rc;
}

int ym_fir_bandstop(double rate, double f0, double width, double trans, double **h, int *len)
{
    return ym_fir_notches(rate, &f0, &width, 1, trans, h, len);
}

/* ---- zero-phase FFT convolution ---- */

/* The convolution's length. Any L >= need gives the same linear
 * convolution up to rounding, and FFTW's estimated plans differ by 1.5x in
 * speed between neighbouring 5-smooth lengths: r2c + c2r at 23 328 = 2^5 3^6
 * take 99 us here, at 24 576 = 2^13 3 70 us, at 25 600 = 2^10 5^2 69 us.
 * Lengths with at most one factor 3 and two factors 5 were the fast ones,
 * so L is the smallest 2^a m >= need with m in {1, 3, 5, 15, 25, 75}: at
 * most 25% longer than need. (Choosing by FFTW's own estimate,
 * fftw_estimate_cost, picks similar lengths but plans a dozen candidates of
 * 3-10 ms each, more than it saves.) */
static int64_t conv_length(int64_t need)
{
    static const int64_t odd[] = {1, 3, 5, 15, 25, 75};
    if (need > INT64_MAX / 4) return need;
    int64_t best = INT64_MAX;
    for (int k = 0; k < 6; ++k) {
        int64_t v = odd[k];
        while (v < need) v *= 2;
        if (v < best) best = v;
    }
    return best;
}

int ym_conv_plan_init(ym_conv_plan *c, int64_t n, int64_t pad)
{
    memset(c, 0, sizeof *c);
    if (n < 1 || pad < 0 || n > INT_MAX / 4 || pad > INT_MAX / 4)
        return YM_ERROR(YM_EINVAL, "FIR convolution: %lld samples with %lld padding are out of range",
                        (long long)n, (long long)pad);
    c->n = n;
    /* an even pad puts the filtered samples (buf + pad) on FFTW's SIMD
     * alignment, so the analytic signal can transform them in place; one
     * more padding sample lies beyond the kernel's reach and changes nothing
     * but rounding */
    c->pad = pad + (pad & 1);
    c->L = conv_length(n + 2 * c->pad);
    if (c->L > INT_MAX) return YM_ERROR(YM_EINVAL, "FIR convolution: FFT too long");
    c->buf = fftw_alloc_real((size_t)c->L);
    c->spec = fftw_alloc_complex((size_t)(c->L / 2 + 1));
    c->work = fftw_alloc_complex((size_t)(c->L / 2 + 1));
    if (!c->buf || !c->spec || !c->work) {
        ym_conv_plan_destroy(c);
        return YM_ERROR(YM_ENOMEM, "out of memory for an FFT of %lld samples", (long long)c->L);
    }
    c->fwd = fftw_plan_dft_r2c_1d((int)c->L, c->buf, c->spec, FFTW_ESTIMATE);
    c->bwd = fftw_plan_dft_c2r_1d((int)c->L, c->work, c->buf, FFTW_ESTIMATE);
    if (!c->fwd || !c->bwd) {
        ym_conv_plan_destroy(c);
        return YM_ERROR(YM_ENOMEM, "FFTW could not plan a transform of %lld samples", (long long)c->L);
    }
    return YM_OK;
}

void ym_conv_plan_destroy(ym_conv_plan *c)
{
    if (!c) return;
    if (c->fwd) fftw_destroy_plan(c->fwd);
    if (c->bwd) fftw_destroy_plan(c->bwd);
    fftw_free(c->buf);
    fftw_free(c->spec);
    fftw_free(c->work);
    memset(c, 0, sizeof *c);
}

int ym_conv_kernel(ym_conv_plan *c, const double *h, int len, double *H)
{
    if (len < 1 || len % 2 == 0 || (len - 1) / 2 > c->pad)
        return YM_ERROR(YM_EINVAL, "FIR convolution: kernel of %d taps does not fit the plan", len);
    int64_t L = c->L, h2 = (len - 1) / 2;
    memset(c->buf, 0, (size_t)L * sizeof *c->buf);
    /* centred at sample 0 so that the (symmetric) kernel's spectrum is real: zero phase */
    for (int64_t k = 0; k <= h2; ++k) c->buf[k] = h[h2 + k];
    for (int64_t k = 1; k <= h2; ++k) c->buf[L - k] = h[h2 - k];
    fftw_execute(c->fwd);
    for (int64_t k = 0; k <= L / 2; ++k) H[k] = c->spec[k][0] / (double)L;
    return YM_OK;
}

void ym_conv_load(ym_conv_plan *c, const double *x)
{
    int64_t n = c->n, pad = c->pad, L = c->L;
    double *e = c->buf;
    /* MNE's _smart_pad 'reflect_limited': odd reflection about each end
     * sample over at most n-1 samples, zeros beyond */
    for (int64_t p = 0; p < pad; ++p) {
        int64_t s = pad - p;
        e[p] = (s <= n - 1) ? 2.0 * x[0] - x[s] : 0.0;
    }
    memcpy(e + pad, x, (size_t)n * sizeof *x);
    for (int64_t q = 1; q <= pad; ++q) e[pad + n - 1 + q] = (q <= n - 1) ? 2.0 * x[n - 1] - x[n - 1 - q] : 0.0;
    for (int64_t p = n + 2 * pad; p < L; ++p) e[p] = 0.0;
    fftw_execute(c->fwd);
}

const double *ym_conv_filter(ym_conv_plan *c, const double *H)
{
    int64_t nh = c->L / 2 + 1;
#if defined(__SSE2__)
    /* a complex bin a register (as scalars this loop was a tenth of the
     * filter bank's own time) */
    for (int64_t k = 0; k < nh; ++k)
        _mm_storeu_pd(c->work[k], _mm_mul_pd(_mm_loadu_pd(c->spec[k]), _mm_set1_pd(H[k])));
#else
    for (int64_t k = 0; k < nh; ++k) {
        c->work[k][0] = c->spec[k][0] * H[k];
        c->work[k][1] = c->spec[k][1] * H[k];
    }
#endif
    fftw_execute(c->bwd);
    return c->buf + c->pad;
}

void ym_conv_apply(ym_conv_plan *c, const double *H, double *y)
{
    memcpy(y, ym_conv_filter(c, H), (size_t)c->n * sizeof *y);
}

int ym_fir_apply(const double *h, int len, const double *x, int64_t n, double *y)
{
    if (!h || !x || !y || n < 1 || len < 1 || len % 2 == 0)
        return YM_ERROR(YM_EINVAL, "FIR apply: invalid arguments (kernel of %d taps, %lld samples)", len,
                        (long long)n);
    ym_conv_plan c;
    int rc = ym_conv_plan_init(&c, n, (len - 1) / 2);
    if (rc) return rc;
    double *H = malloc((size_t)(c.L / 2 + 1) * sizeof *H);
    if (!H) {
        ym_conv_plan_destroy(&c);
        return YM_ERROR(YM_ENOMEM, "out of memory filtering %lld samples", (long long)n);
    }
    rc = ym_conv_kernel(&c, h, len, H);
    if (!rc) {
        ym_conv_load(&c, x);
        ym_conv_apply(&c, H, y);
    }
    free(H);
    ym_conv_plan_destroy(&c);
    return rc;
}

/* ---- analytic signal ---- */

int ym_hilbert_plan_init(ym_hilbert_plan *h, int64_t n)
{
    memset(h, 0, sizeof *h);
    if (n < 1 || n > INT_MAX / 2)
        return YM_ERROR(YM_EINVAL, "analytic signal: %lld samples out of range", (long long)n);
    h->n = n;
    h->m = ym_fast_len(n);
    h->in = fftw_alloc_real((size_t)h->m);
    h->spec = fftw_alloc_complex((size_t)(h->m / 2 + 1));
    h->out = fftw_alloc_real((size_t)h->m);
    if (!h->in || !h->spec || !h->out) {
        ym_hilbert_plan_destroy(h);
        return YM_ERROR(YM_ENOMEM, "out of memory for an FFT of %lld samples", (long long)h->m);
    }
    h->fwd = fftw_plan_dft_r2c_1d((int)h->m, h->in, h->spec, FFTW_ESTIMATE);
    h->bwd = fftw_plan_dft_c2r_1d((int)h->m, h->spec, h->out, FFTW_ESTIMATE);
    if (!h->fwd || !h->bwd) {
        ym_hilbert_plan_destroy(h);
        return YM_ERROR(YM_ENOMEM, "FFTW could not plan a transform of %lld samples", (long long)h->m);
    }
    return YM_OK;
}

void ym_hilbert_plan_destroy(ym_hilbert_plan *h)
{
    if (!h) return;
    if (h->fwd) fftw_destroy_plan(h->fwd);
    if (h->bwd) fftw_destroy_plan(h->bwd);
    fftw_free(h->in);
    fftw_free(h->spec);
    fftw_free(h->out);
    memset(h, 0, sizeof *h);
}

static void hilbert_forward(ym_hilbert_plan *h, const double *x)
{
    memcpy(h->in, x, (size_t)h->n * sizeof *x);
    for (int64_t k = h->n; k < h->m; ++k) h->in[k] = 0.0;
    fftw_execute(h->fwd);
}

static void hilbert_back(ym_hilbert_plan *h, const double *x, double *z);

void ym_hilbert_exec(ym_hilbert_plan *h, const double *x, double *z)
{
    hilbert_forward(h, x);
    hilbert_back(h, x, z);
}

void ym_conv_filter_analytic(ym_conv_plan *c, const double *H, ym_hilbert_plan *h, double *z)
{
    const double *y = ym_conv_filter(c, H);
    double *w = c->buf + c->pad;
    /* The filtered samples are transformed where they lie: the zero padding
     * goes over the convolution's unused tail, and FFTW's r2c keeps its
     * input. That needs the tail to be long enough and the plan's alignment;
     * otherwise (or for a short tail) they are copied. Same transform and
     * same input either way, so the same bits. */
    if (h->n == c->n && c->pad + h->m <= c->L && fftw_alignment_of(w) == fftw_alignment_of(h->in)) {
        for (int64_t k = h->n; k < h->m; ++k) w[k] = 0.0;
        fftw_execute_dft_r2c(h->fwd, w, h->spec);
    } else {
        hilbert_forward(h, y);
    }
    hilbert_back(h, y, z);
}

/* From the spectrum of x in h->spec: z = x + i H[x]. */
static void hilbert_back(ym_hilbert_plan *h, const double *x, double *z)
{
    int64_t m = h->m;
    /* scipy.signal.hilbert multiplies by 1 at DC (and Nyquist for even m),
     * 2 on positive and 0 on negative frequencies; that is X + sgn(f) X, whose
     * inverse is x + i H[x] with H[x] the inverse of -i sgn(f) X, a Hermitian
     * spectrum. */
    int64_t kpos = (m % 2 == 0) ? m / 2 : (m + 1) / 2;
    h->spec[0][0] = h->spec[0][1] = 0.0;
    for (int64_t k = 1; k < kpos; ++k) {
        double re = h->spec[k][0];
        h->spec[k][0] = h->spec[k][1];
        h->spec[k][1] = -re;
    }
    if (m % 2 == 0) h->spec[m / 2][0] = h->spec[m / 2][1] = 0.0;
    fftw_execute(h->bwd);
    double s = 1.0 / (double)m;
    int64_t t = 0;
#if defined(__SSE2__)
    /* two samples a time, interleaved in registers (as scalar stores the
     * copy was most of this function's time); non-temporal when asked */
    const int stream = h->stream && ((uintptr_t)z & 15) == 0;
    const __m128d vs = _mm_set1_pd(s);
    for (; t + 2 <= h->n; t += 2) {
        const __m128d xv = _mm_loadu_pd(x + t), hv = _mm_mul_pd(_mm_loadu_pd(h->out + t), vs);
        const __m128d lo = _mm_unpacklo_pd(xv, hv), hi = _mm_unpackhi_pd(xv, hv);
        if (stream) _mm_stream_pd(z + 2 * t, lo), _mm_stream_pd(z + 2 * t + 2, hi);
        else _mm_storeu_pd(z + 2 * t, lo), _mm_storeu_pd(z + 2 * t + 2, hi);
    }
#endif
    for (; t < h->n; ++t) {
        z[2 * t] = x[t];
        z[2 * t + 1] = h->out[t] * s;
    }
#if defined(__SSE2__)
    if (stream) _mm_sfence();
#endif
}

void ym_hilbert_power(ym_hilbert_plan *h, const double *x, double *P)
{
    hilbert_forward(h, x);
    for (int64_t k = 0; k <= h->m / 2; ++k) P[k] += h->spec[k][0] * h->spec[k][0] + h->spec[k][1] * h->spec[k][1];
}

int ym_analytic_signal(const double *x, int64_t n, double *z)
{
    if (!x || !z || n < 1) return YM_ERROR(YM_EINVAL, "analytic signal: invalid arguments");
    ym_hilbert_plan h;
    int rc = ym_hilbert_plan_init(&h, n);
    if (rc) return rc;
    ym_hilbert_exec(&h, x, z);
    ym_hilbert_plan_destroy(&h);
    return YM_OK;
}

/* ---- recording metadata ---- */

int ym_rec_copy_meta(const ym_recording *in, const int *chans, int n, ym_recording *out)
{
    for (int i = 0; i < n; ++i) {
        int c = chans ? chans[i] : i;
        int rc = ym_recording_set_channel(out, i, ym_recording_channel_name(in, c),
                                          ym_recording_channel_unit(in, c),
                                          ym_recording_channel_type(in, c));
        if (rc) return rc;
        double xyz[3];
        if (ym_recording_position(in, c, xyz)) {
            rc = ym_recording_set_position(out, i, xyz);
            if (rc) return rc;
        }
        ym_recording_set_bad(out, i, ym_recording_is_bad(in, c));
    }
    for (int e = 0; e < ym_recording_nevents(in); ++e) {
        const ym_rec_event *ev = ym_recording_event(in, e);
        int rc = ym_recording_add_event(out, ev->onset, ev->duration, ev->label);
        if (rc) return rc;
    }
    ym_recording_set_start(out, ym_recording_start(in));
    ym_recording_set_source(out, ym_recording_source(in));
    return YM_OK;
}
