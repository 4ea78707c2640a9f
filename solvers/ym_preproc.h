/* Preprocessing of recordings with FFTW (DESIGN.md §8): DC removal, common
 * average reference, mains notch filters, a zero-phase FIR band-pass bank
 * and analytic signals, with MNE-Python's defaults so that users can compare
 * (mne.filter.create_filter / filter_data with method='fir', phase='zero',
 * fir_window='hamming', fir_design='firwin'; notch_filter; apply_hilbert
 * with n_fft='auto'). Imaging data: dF/F against a running low-percentile
 * baseline.
 *
 * Plans (FFTW plans, filter kernels and their spectra) are made once in
 * ym_preproc_create and reused for every channel and every call.
 * Everything here is Local: recordings are small and replicated per rank.
 */
#ifndef YM_PREPROC_H
#define YM_PREPROC_H
#include <stdint.h>
#include "ym_recording.h"

typedef struct {
    int dc;              /* subtract each channel's mean (default 1) */
    int car;             /* common average reference over the selected channels
                            that are not bad (default 1) */
    double mains;        /* notch at mains and its harmonics: 50 or 60 (Hz); 0: no
                            notch; -1: detect 50 or 60 from the spectrum (default -1) */
    double notch_max;    /* highest harmonic notched (Hz); 0: up to the top band edge
                            plus its transition band, below Nyquist (default 0) */
    int nbands;          /* bands in the bank (default 8) */
    double fmin, fmax;   /* log-spaced band edges fmin .. fmax (Hz; defaults 4, 128;
                            fmax is capped below Nyquist with a note) */
    const double *edges; /* or nbands+1 increasing edges (Hz); NULL: log-spaced */
    int allow_short;     /* 1: filter a record shorter than a filter anyway, as MNE
                            does after its "filter_length is longer than the signal"
                            warning (edges padded with zeros beyond one reflection);
                            0: refuse it (default) */
} ym_preproc_opts;

/* Defaults above. Local. */
void ym_preproc_opts_default(ym_preproc_opts *o);

/* The nbands+1 band edges (Hz) the options give at sampling rate rate.
 * Local. Errors: YM_EINVAL (edges not increasing, <= 0, or >= Nyquist). */
int ym_preproc_band_edges(const ym_preproc_opts *o, double rate, double *edges);

typedef struct ym_preproc ym_preproc;

/* Plan the preprocessing of nsamples samples at rate Hz. Local.
 * Errors: YM_EINVAL (options, a record too short for the longest filter
 * unless allow_short), YM_ENOMEM. */
int ym_preproc_create(ym_preproc **out, int64_t nsamples, double rate, const ym_preproc_opts *o);
/* NULL-safe. Local. */
void ym_preproc_free(ym_preproc *p);

/* Band-limited analytic signals of the channels chans[0..nsel-1] of the real
 * recording in: *out becomes a complex recording of nsel channels x nbands
 * bands x nsamples (channel i = in's channel chans[i], names, units,
 * positions, bad flags, events, rate and start copied). Steps: DC removal,
 * average reference over the selected good channels, notches, band-pass
 * bank, analytic signal. Channels with non-finite samples are refused.
 * Local. Errors: YM_EINVAL (shape or rate differ from the plan, complex
 * input, channel index out of range), YM_ENUM (non-finite samples), YM_ENOMEM. */
int ym_preproc_run(ym_preproc *p, const ym_recording *in, const int *chans, int nsel, ym_recording **out);
/* The same analytic signals written over the samples of out, a recording
 * made by ym_preproc_run from p with the same selection (its metadata is
 * kept): a loop over many inputs (surrogates) then reuses one buffer.
 * Local. Errors: those of ym_preproc_run, and YM_EINVAL when out is not
 * nsel channels x the plan's bands x its samples. */
int ym_preproc_rerun(ym_preproc *p, const ym_recording *in, const int *chans, int nsel, ym_recording *out);

/* Channel by channel instead of all at once (the nsel x nbands x n output
 * is 177 MB for the ECoG default; the embedding needs a few channels at a
 * time). ym_preproc_prepare does what ym_preproc_run does before filtering:
 * checks, DC removal, mains decision, reference. ym_preproc_channel then
 * writes the analytic signals of selected channel i (0 <= i < nsel), band
 * after band (nbands x nsamples complex, re/im interleaved, the layout of
 * one channel of ym_preproc_run's output), into z: the same bits as
 * ym_preproc_run. Local. Errors: those of ym_preproc_run; YM_EINVAL for a
 * channel that was not prepared. */
int ym_preproc_prepare(ym_preproc *p, const ym_recording *in, const int *chans, int nsel);
/* The recording ym_preproc_run would make (channels, bands, samples,
 * metadata), its samples zero and not computed: the shape that
 * ym_embed_build_src reads while the samples come from a ym_preproc_cache.
 * (From 32 MB its samples are mapped pages not yet touched, which cost no
 * memory until written.) Local. Errors: as ym_preproc_run. */
int ym_preproc_shape(ym_preproc *p, const ym_recording *in, const int *chans, int nsel, ym_recording **out);
int ym_preproc_channel(ym_preproc *p, int i, double *z);

/* A few channels of analytic signals made on demand from p's last prepare
 * (a later prepare empties it): the one asked for, computed if it is not
 * held, replaces the least recently used. A returned pointer (n complex
 * samples) stays valid until two other channels have been asked for.
 * capacity >= 2 channels. Local. Errors: YM_EINVAL, YM_ENOMEM; band: NULL
 * (with the error set) for a channel or band out of range. */
typedef struct ym_preproc_cache ym_preproc_cache;
int ym_preproc_cache_create(ym_preproc_cache **out, ym_preproc *p, int capacity);
void ym_preproc_cache_free(ym_preproc_cache *c);
const double *ym_preproc_cache_band(ym_preproc_cache *c, int ch, int band);

/* The mains frequency notched (50, 60 or 0) after ym_preproc_run (it may
 * have been detected; 0 when no harmonic lies below the notch limit), and
 * the band edges (nbands+1). Local. */
double ym_preproc_mains(const ym_preproc *p);
const double *ym_preproc_edges(const ym_preproc *p);
/* Later runs of p notch what its last run notched (the detected mains
 * frequency, or nothing) instead of detecting again: surrogates of a
 * recording then go through the observed recording's filters. Local.
 * Errors: YM_EINVAL (p has not run). */
int ym_preproc_keep_mains(ym_preproc *p);
/* Channel i of p's last prepare or run as its band-pass bank sees it: DC
 * removed, referenced and notched (n samples into x). Local. Errors:
 * YM_EINVAL for a channel that was not prepared. */
int ym_preproc_conditioned(ym_preproc *p, int i, double *x);
/* Later prepares and runs of p take their inputs as conditioned already
 * (ym_preproc_conditioned's output, or a phase-randomised surrogate of it):
 * no DC removal, mains decision, reference or notch, only the band-pass
 * bank and the analytic signals. Conditioned channels then give the bits
 * of the full chain. Local. Errors: YM_EINVAL (p has not run). */
int ym_preproc_bank_only(ym_preproc *p);

/* Building blocks (exposed for tests and other tools). All Local. */

/* FIR design with MNE's rules (firwin, Hamming window): transition bands
 * l_trans = min(max(0.25 lo, 2), lo), h_trans = min(max(0.25 hi, 2),
 * rate/2 - hi); length = 3.3/min(transition) * rate rounded up to odd.
 * lo <= 0: low-pass at hi; hi <= 0: high-pass at lo. *h is malloc'ed (free()).
 * Errors: YM_EINVAL. */
int ym_fir_bandpass(double rate, double lo, double hi, double **h, int *len);
/* Band-stop FIR at f0 as mne.filter.notch_filter makes it: width is the
 * stop band (MNE's notch_widths, default f0/200) and trans MNE's
 * trans_bandwidth (default 1 Hz): the pass bands end at f0 -+ (width +
 * trans)/2, so each transition band is trans/2 wide and the length is
 * 3.3/(trans/2) * rate rounded up to odd. Errors: YM_EINVAL, YM_ENOMEM. */
int ym_fir_bandstop(double rate, double f0, double width, double trans, double **h, int *len);
/* One band-stop FIR with stop bands at f0[0..nf-1] (widths[i], or f0[i]/200
 * when widths is NULL): what notch_filter builds for several harmonics
 * (the sum of the band-stops, not their product). Errors: YM_EINVAL (a
 * stop band outside 0..rate/2, stop bands that overlap), YM_ENOMEM. */
int ym_fir_notches(double rate, const double *f0, const double *widths, int nf, double trans,
                   double **h, int *len);
/* y = x filtered by the odd-length linear-phase kernel h, delay compensated
 * (zero phase), edges padded as MNE does ('reflect_limited'); FFT
 * convolution. y may equal x. Errors: YM_EINVAL, YM_ENOMEM. */
int ym_fir_apply(const double *h, int len, const double *x, int64_t n, double *y);
/* The analytic signal x + i H[x] (z: 2n doubles, re/im interleaved), by FFT
 * zero-padded to the next length made of factors 2, 3 and 5 (MNE's
 * n_fft='auto'). Errors: YM_EINVAL, YM_ENOMEM. */
int ym_analytic_signal(const double *x, int64_t n, double *z);
/* Smallest length >= n whose prime factors are 2, 3 and 5. */
int64_t ym_fast_len(int64_t n);

/* Imaging: in place, every channel x -> (x - F0)/F0 with F0 the running
 * percentile (e.g. 10) over a window of window_s seconds (centred, shrunk
 * at the edges; numpy's linear-interpolation percentile). Channels are done
 * in order; after an error the channels before the failing one are already
 * transformed. Errors: YM_EINVAL, YM_ENUM (non-finite sample, a baseline
 * <= 0), YM_ENOMEM. */
int ym_preproc_dff(ym_recording *r, double window_s, double percentile);

#endif
