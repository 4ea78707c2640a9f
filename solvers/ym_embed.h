/* The Procrustes connection of recorded activity (DESIGN.md §8): analytic
 * signals psi(s, tau) in C^K at the sites of a layout become SU(K) links.
 *
 * Lattice axes: x, y from the layout; z = band groups (group z holds bands
 * zK .. zK+K-1 of the analytic recording); t = time windows, window w
 * covering samples [w*hop, w*hop + window). Optional vacuum padding of
 * identity links, pad sites wide on both sides of x, y, t (and z when it has
 * more than one group). Boundaries are open in every direction (also of
 * extent 1: periodic there would add planes of trivially unit plaquettes to
 * every average).
 *
 *  C_x,y(s) = sum_tau psi(s, tau) psi(s + mu, tau)^H over the window of s;
 *  C_t(s)   = sum_j psi(x,y,z, w*hop + j) psi(x,y,z, (w+1)*hop + j)^H;
 *  C_z(s)   = sum_tau psi_z(s, tau) psi_{z+1}(s, tau)^H (the K bands of group
 *             z against those of group z+1, same channel and window);
 *  U = P / det(P)^{1/K}, P = C (C^H C)^{-1/2} the polar factor, principal
 *  branch of the K-th root. A C whose smallest singular value is below
 *  degenerate_tol times its largest gives the identity (counted). Links to or
 *  from masked sites and padding are the identity.
 *
 * Covariant: psi(s) -> g(s) psi(s) gives U_mu(s) -> g(s) U_mu(s) g(s+mu)^H.
 */
#ifndef YM_EMBED_H
#define YM_EMBED_H
#include <stdint.h>
#include "ym_field.h"
#include "ym_gauge.h"
#include "ym_layout.h"
#include "ym_recording.h"

typedef struct {
    int K;                 /* bands per site: SU(K), 2 <= K <= YM_NMAX (default 2) */
    int groups;            /* band groups = z extent, >= 1 (default: nbands / K) */
    int64_t window, hop;   /* samples per window and between window starts, >= 1 */
    int pad;               /* vacuum padding width, >= 0 (default 0) */
    double degenerate_tol; /* relative singular-value threshold (default 1e-10) */
    int windows;           /* windows embedded, from the first (default 0: every window
                              that fits the recording) */
} ym_embed_opts;

/* Defaults; window and hop are left 0 (must be set). Local. */
void ym_embed_opts_default(ym_embed_opts *o);

/* Check o against layout l and complex recording a and replace the
 * defaults groups = 0 and windows = 0 by the numbers they stand for
 * (ym_embed_site needs them). Local. Errors: as ym_embed_dims. */
int ym_embed_opts_resolve(ym_embed_opts *o, const ym_layout *l, const ym_recording *a);

/* The polar/Procrustes link of one K x K complex matrix C (row-major):
 * *degenerate = 1 and U = 1 when C is degenerate. Local. Errors: YM_EINVAL
 * (K), YM_ENUM (non-finite C). */
int ym_procrustes(int K, const ym_cplx *C, double tol, ym_cplx *U, int *degenerate);

/* Number of windows of a recording of nsamples samples (0 if shorter than a
 * window). Local. */
int ym_embed_nwindows(int64_t nsamples, const ym_embed_opts *o);

/* Global extents and boundary conditions of the embedded lattice for layout
 * l and the complex recording a (channels as the compacted layout's, bands
 * = K*groups). Local. Errors: YM_EINVAL (options, too few windows or bands,
 * a real recording, a layout channel beyond a's channels). */
int ym_embed_dims(const ym_layout *l, const ym_recording *a, const ym_embed_opts *o, int L[4], int bc[4]);

/* Which datum a global site holds: channel (-1 in padding or an empty site),
 * masked (1 for empty, bad or padding sites), window w, band group z (-1 in
 * padding). o must be resolved (ym_embed_opts_resolve) for the padding
 * after the last window and group to be recognised. Local. */
void ym_embed_site(const ym_layout *l, const ym_embed_opts *o, const int xg[4], int *channel, int *masked,
                   int *window, int *group);

typedef struct {
    int64_t links;      /* links computed from data */
    int64_t degenerate; /* of those, degenerate (set to the identity) */
    int64_t identity;   /* links set to the identity by masks and padding */
} ym_embed_info;

/* Fill u (SU(K), geometry with the extents and boundaries of ym_embed_dims)
 * with the Procrustes links; each rank builds its own sites' links, so the
 * field is the same on any process grid. degenerate (may be NULL; 4 doubles
 * per site) receives 1 where a link was degenerate. info (may be NULL) is
 * summed over ranks. Collective. Errors: YM_EINVAL (shapes), YM_ENUM. */
int ym_embed_build(ym_gauge *u, const ym_layout *l, const ym_recording *a, const ym_embed_opts *o,
                   ym_field *degenerate, ym_embed_info *info);
/* Where ym_embed_build_src reads band b of channel ch: n complex samples,
 * re/im interleaved. A pointer must stay valid until two other channels have
 * been asked for; NULL is an error (with its message set). */
typedef struct {
    const double *(*band)(void *ctx, int ch, int b);
    void *ctx;
} ym_embed_src;
/* ym_embed_build with the samples from src: a gives only the shapes
 * (channels, bands, samples, rate) and need not hold samples, so the
 * analytic signals can be made a few channels at a time (ym_preproc_cache).
 * The same links, bit for bit. Collective. Errors: as ym_embed_build. */
int ym_embed_build_src(ym_gauge *u, const ym_layout *l, const ym_recording *a, const ym_embed_src *src,
                       const ym_embed_opts *o, ym_field *degenerate, ym_embed_info *info);

/* Epochs: the windows locked to events. For each event of r whose label
 * equals label (NULL: every event), the samples [onset - pre, onset + post)
 * (seconds) if they lie inside the recording: first sample
 * llround((onset - pre) * rate) into first[], the event's index into
 * event_index[] (may be NULL), the number of epochs into *n (capacity max);
 * events whose epoch leaves the recording are skipped and counted in
 * *skipped (may be NULL). Every epoch has ym_embed_epoch_samples samples.
 * Local. Errors: YM_EINVAL (pre + post <= 0 or not finite, an epoch shorter
 * than one sample, more than max epochs). */
int ym_embed_epochs(const ym_recording *r, const char *label, double pre, double post, int64_t *first,
                    int *event_index, int max, int *n, int *skipped);
/* Samples per epoch: llround((pre + post) * rate). Local. */
int64_t ym_embed_epoch_samples(double rate, double pre, double post);

#endif
