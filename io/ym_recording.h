/* A recording: what every activity reader (EDF/BDF, NWB, HDF5, NPY) produces
 * and what the layouts, preprocessing and embedding consume (DESIGN.md §8).
 *
 * Samples are float64 in physical units, stored channel-major: channel c's
 * nsamples values are contiguous (ym_recording_data). A recording of
 * analytic signals the user already computed (complex NPY of shape
 * channels x bands x samples) has nbands > 0 and complex samples, (re, im)
 * interleaved, per channel and band (ym_recording_cdata).
 *
 * Per channel: name, unit, type (e.g. "ECOG", "EEG", "EKG", "MISC",
 * "PIXEL"), an optional 3-D position (metres unless the reader says
 * otherwise), a bad flag. Per recording: rate (Hz, > 0), start offset (s),
 * the source path, events/annotations (onset s, duration s, label), and for
 * imaging data the pixel shape (channel = x + nx*(y + ny*z)) with spacing.
 *
 * Everything here is local (no MPI): readers read on every rank or read on
 * rank 0 and broadcast (ym_recording_bcast).
 */
#ifndef YM_RECORDING_H
#define YM_RECORDING_H

#include <mpi.h>
#include <stdint.h>

#define YM_REC_NAMEMAX 64
#define YM_REC_LABELMAX 256

typedef struct ym_recording ym_recording;

typedef struct {
    double onset;    /* seconds from the first sample */
    double duration; /* seconds; 0 for an instant */
    char label[YM_REC_LABELMAX];
} ym_rec_event;

/* Create a real recording of nchan channels x nsamples samples at rate Hz,
 * samples zeroed, channels named by index ("0", "1", ...), type "MISC".
 * nbands > 0 makes it complex (analytic signals: nchan x nbands x nsamples).
 * Local. Errors: YM_EINVAL (nchan < 1, nsamples < 1, rate not finite and
 * > 0, sizes that overflow), YM_ENOMEM. */
int ym_recording_create(ym_recording **out, int nchan, int nbands, int64_t nsamples, double rate);
/* NULL-safe. Local. */
void ym_recording_free(ym_recording *r);

/* Shape. Local. */
int ym_recording_nchan(const ym_recording *r);
int ym_recording_nbands(const ym_recording *r); /* 0: real samples */
int64_t ym_recording_nsamples(const ym_recording *r);
double ym_recording_rate(const ym_recording *r);
void ym_recording_set_rate(ym_recording *r, double rate);
double ym_recording_start(const ym_recording *r);
void ym_recording_set_start(ym_recording *r, double t0);
const char *ym_recording_source(const ym_recording *r);
void ym_recording_set_source(ym_recording *r, const char *path);

/* Real samples of channel ch (nsamples doubles); NULL if complex or ch out of
 * range. Local. */
double *ym_recording_data(ym_recording *r, int ch);
const double *ym_recording_cdata_ro(const ym_recording *r, int ch, int band);
const double *ym_recording_data_ro(const ym_recording *r, int ch);
/* Complex samples of channel ch, band b (2*nsamples doubles, re/im
 * interleaved); NULL if real or out of range. Local. */
double *ym_recording_cdata(ym_recording *r, int ch, int band);

/* Channel metadata. Strings are copied (truncated to YM_REC_NAMEMAX-1).
 * NULL arguments leave a field unchanged. Local. Errors: YM_EINVAL. */
int ym_recording_set_channel(ym_recording *r, int ch, const char *name, const char *unit,
                             const char *type);
const char *ym_recording_channel_name(const ym_recording *r, int ch);
const char *ym_recording_channel_unit(const ym_recording *r, int ch);
const char *ym_recording_channel_type(const ym_recording *r, int ch);
/* Index of the channel called name, or -1. Local. */
int ym_recording_find_channel(const ym_recording *r, const char *name);
int ym_recording_set_position(ym_recording *r, int ch, const double xyz[3]);
/* 1 and xyz filled if channel ch has a position, else 0. Local. */
int ym_recording_position(const ym_recording *r, int ch, double xyz[3]);
void ym_recording_set_bad(ym_recording *r, int ch, int bad);
int ym_recording_is_bad(const ym_recording *r, int ch);

/* Events and annotations, kept in the order added. Local. Errors:
 * YM_EINVAL (non-finite onset or negative duration), YM_ENOMEM. */
int ym_recording_add_event(ym_recording *r, double onset, double duration, const char *label);
int ym_recording_nevents(const ym_recording *r);
const ym_rec_event *ym_recording_event(const ym_recording *r, int i);

/* Imaging data: channels are pixels, ch = x + nx*(y + ny*z); spacing per
 * axis (x, y, z) in micrometres (0 if unknown). Local. Errors: YM_EINVAL
 * (nx*ny*nz != nchan). */
int ym_recording_set_image(ym_recording *r, int nx, int ny, int nz, const double spacing[3]);
/* 1 and the shape filled if the recording is an image, else 0. Local. */
int ym_recording_image(const ym_recording *r, int shape[3], double spacing[3]);

/* Copy every field from root to the other ranks of comm (the others pass
 * *r == NULL or a recording to replace). Collective. Errors: YM_EMPI,
 * YM_ENOMEM. */
int ym_recording_bcast(ym_recording **r, int root, MPI_Comm comm);

/* A new recording of channels chans[0..n-1] of r in that order (samples and
 * channel metadata copied; events, rate, start, source kept; the pixel
 * shape of an image is not, since the channels need not form one). Local.
 * Errors: YM_EINVAL (index out of range, n < 1), YM_ENOMEM. */
int ym_recording_select(const ym_recording *r, const int *chans, int n, ym_recording **out);
/* A new recording of samples [first, first + n) of r (every channel; start
 * advanced by first/rate; events moved and those outside dropped). Local.
 * Errors: YM_EINVAL (range), YM_ENOMEM. */
int ym_recording_slice(const ym_recording *r, int64_t first, int64_t n, ym_recording **out);

#endif
