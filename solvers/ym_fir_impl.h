/* Internal to ym_fir.c, ym_preproc.c and ym_surrogate.c: reusable FFTW
 * plans for zero-phase FIR convolution and the analytic signal, the
 * firwin-style design from MNE's frequency/gain lists, and a recording
 * metadata copy. Not installed. */
#ifndef YM_FIR_IMPL_H
#define YM_FIR_IMPL_H
#include <fftw3.h>
#include <stdint.h>

#include "ym_recording.h"

/* MNE's _length_factors['hamming']: transition width times length. */
#define YM_FIR_HAMMING_FACTOR 3.3

/* Zero-phase convolution of n-sample signals with odd kernels of half
 * length <= pad, by one real FFT of a length L >= n + 2 pad that FFTW
 * transforms fast (2^a 3^b 5^c, b <= 1, c <= 2; ym_fir.c) of the signal padded as MNE's
 * 'reflect_limited'. The signal's spectrum is kept,
 * so several kernels can be applied to one transformed signal. */
typedef struct {
    int64_t n, pad, L;
    double *buf;         /* L reals: padded signal, then the result */
    fftw_complex *spec;  /* L/2+1: spectrum of the padded signal */
    fftw_complex *work;  /* L/2+1: product (destroyed by the c2r) */
    fftw_plan fwd, bwd;
} ym_conv_plan;

int ym_conv_plan_init(ym_conv_plan *c, int64_t n, int64_t pad);
void ym_conv_plan_destroy(ym_conv_plan *c);
/* The real spectrum (L/2+1 doubles) of the symmetric kernel h centred at
 * sample 0, into H. Errors: YM_EINVAL (len even or (len-1)/2 > pad). */
int ym_conv_kernel(ym_conv_plan *c, const double *h, int len, double *H);
/* Pad x and transform it into c->spec. */
void ym_conv_load(ym_conv_plan *c, const double *x);
/* y[0..n) = the loaded signal filtered by the kernel of spectrum H. */
void ym_conv_apply(ym_conv_plan *c, const double *H, double *y);
/* The same without the copy: a pointer to the n filtered samples inside the
 * plan's buffer, valid until the plan's next load or filter. */
const double *ym_conv_filter(ym_conv_plan *c, const double *H);

/* The analytic signal of n-sample signals zero-padded to m = fast_len(n).
 * Its real part is the input itself, so only the Hilbert transform is
 * transformed back, by a real (c2r) transform of half the cost of a complex
 * one. */
typedef struct {
    int64_t n, m;
    double *in;         /* m reals */
    fftw_complex *spec; /* m/2+1 complex: the half spectrum */
    double *out;        /* m reals: the Hilbert transform */
    fftw_plan fwd, bwd;
    /* write the output with non-temporal stores (set by the caller when the
     * outputs of a run are far larger than the caches, so that writing them
     * does not first read every line in) */
    int stream;
} ym_hilbert_plan;

int ym_hilbert_plan_init(ym_hilbert_plan *h, int64_t n);
void ym_hilbert_plan_destroy(ym_hilbert_plan *h);
/* z (2n doubles, re/im) = analytic signal of x. */
void ym_hilbert_exec(ym_hilbert_plan *h, const double *x, double *z);
/* z = the analytic signal of the loaded signal filtered by H: ym_conv_filter
 * then ym_hilbert_exec, without copying the filtered samples (c and h for
 * the same n). */
void ym_conv_filter_analytic(ym_conv_plan *c, const double *H, ym_hilbert_plan *h, double *z);
/* |X_k|^2 of x zero-padded to m, k = 0..m/2, into P (accumulated). */
void ym_hilbert_power(ym_hilbert_plan *h, const double *x, double *P);

/* MNE's _firwin_design: an odd-length-N kernel from band edges freq[0..m-1]
 * (Hz, freq[0] = 0, freq[m-1] = rate/2) with gains 0/1, one Hamming-windowed
 * sinc low-pass per gain change sized by its own transition band.
 * Errors: YM_EINVAL (a transition needs more than N taps), YM_ENOMEM. */
int ym_fir_design(double rate, const double *freq, const int *gain, int m, int N, double *h);
/* MNE's filter length for a smallest transition band of mt Hz. */
int ym_fir_length(double rate, double mt);

/* Copy names, units, types, positions and bad flags of in's channels
 * chans[0..n-1] into out's channels 0..n-1, and the events, start and
 * source. Errors: YM_ENOMEM. */
int ym_rec_copy_meta(const ym_recording *in, const int *chans, int n, ym_recording *out);

#endif
