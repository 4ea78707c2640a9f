/* The activity layer shared by `ymflow embed` and `ymflow pipeline`: one
 * parameter table (run card sections [recording], [layout], [preprocess],
 * [bands], [windows], [embed], [epochs]) and one chain read -> layout ->
 * preprocess -> embed, so neither command re-parses or re-implements it. */
#ifndef YM_CLI_ACTIVITY_H
#define YM_CLI_ACTIVITY_H
#include <mpi.h>
#include <stdint.h>

#include "cli_out.h"
#include "ym_card.h"
#include "ym_embed.h"
#include "ym_gauge.h"
#include "ym_layout.h"
#include "ym_preproc.h"
#include "ym_recording.h"

#define ACT_STR 1024
#define ACT_NPAR 28

typedef struct {
    /* [recording] */
    char path[ACT_STR], dataset[ACT_STR], axes[ACT_STR];
    double rate;
    int plane;
    /* [layout] */
    char layout[ACT_STR], bad[ACT_STR];
    int bin;
    /* [preprocess] */
    int dc, car, dff;
    double mains, dff_window, dff_percentile;
    /* [bands] */
    int count;
    double fmin, fmax;
    /* [windows] */
    double length, hop;
    /* [embed] */
    int K, pad;
    double degenerate_tol;
    char boundary[64];
    /* [epochs] */
    char events[ACT_STR];
    double pre, post;
} act_par;

/* Defaults (MNE-like preprocessing, 8 log bands 4-128 Hz, SU(2) from band
 * pairs, 0.5 s windows with 0.25 s hop). */
void act_defaults(act_par *p);
/* Fill table (capacity ACT_NPAR) with p's parameters; returns the count. */
int act_table(act_par *p, ym_param *t);
/* Map a short flag of the activity commands (--layout, --rate, --window,
 * --hop, --bands-per-site, --bad, --pad, --bands, --fmin, --fmax, --mains,
 * --dataset, --axes, --events, --pre, --post, --bin) to "section.key";
 * NULL when key is not one. */
const char *act_flag(const char *key);
/* Help text of those flags. */
extern const char *act_help;

/* Everything the chain made, kept for surrogates and reports. */
typedef struct {
    ym_recording *rec;  /* as read (imaging: binned, dF/F) */
    ym_recording *sel;  /* the layout's channels in site order, real samples (NULL for
                           complex input) */
    ym_recording *ana;  /* analytic signals of sel (or the complex input's channels) */
    ym_layout *lay;     /* compacted: channel indices refer to sel / ana */
    int *chans;         /* rec's channel of layout channel i */
    int nchan, nmasked;
    ym_preproc *pp;     /* plan (NULL for complex input) */
    ym_preproc_cache *cache; /* act_prepare's: channels made as act_embed asks for them */
    ym_embed_opts eo;
    int L[4], bc[4], nwin;
    int bcu[4];         /* [embed] boundary, applied to directions of extent > 1 */
    double *edges;      /* nbands + 1 band edges (Hz); NULL for complex input */
    int nbands;
    int complex_input, image;
    double mains;
    char note[2048];
} act_ctx;

/* Read the recording (rank 0, then broadcast), make and mask the layout,
 * select its channels and plan the preprocessing. Collective. */
int act_load(MPI_Comm comm, const act_par *p, act_ctx *c);
/* Analytic signals of a real recording shaped like c->sel (the recording
 * itself or a surrogate of it) into *ana: a new recording when *ana is NULL,
 * else written over *ana (same shape: the previous surrogate's). Local. */
int act_analytic(act_ctx *c, const ym_recording *sel, ym_recording **ana);
/* What act_analytic does, channel by channel as the embedding asks for
 * them: *shape (made when NULL, else kept) is the analytic recording's
 * shape without samples, and act_embed / act_embed_again read the samples
 * from c's channel cache. The same field, bit for bit, without the nsel x
 * nbands x n signals in memory. Local. */
int act_prepare(act_ctx *c, const ym_recording *sel, ym_recording **shape);
/* After act_prepare or act_analytic of sel: sel's samples are replaced by
 * what the band-pass bank saw (DC removed, referenced, notched; metadata
 * kept), and c's later prepares take their inputs so conditioned (only the
 * bank and the analytic signals: ym_preproc_bank_only). The pipeline draws
 * its surrogates from it. Local. */
int act_condition(act_ctx *c, ym_recording *sel);
/* ym_embed_build of u again (same lattice) from ana, or from the channel
 * cache after act_prepare. Collective. */
int act_embed_again(act_ctx *c, ym_gauge *u, const ym_recording *ana);
/* Embed the analytic recording ana (windows of c) into a new field on the
 * process grid pd (NULL: automatic) with halo depth (>= 1). degenerate (may be NULL) receives a
 * 4-per-site mask field. Collective. */
int act_embed(MPI_Comm comm, act_ctx *c, const ym_recording *ana, const int pd[4], int depth, ym_grid **grid,
              ym_geom **geom, ym_gauge **u, ym_field **degenerate, ym_embed_info *info);
/* A mask field (1 double per site: 1 on empty, bad and padding sites) for u's geometry. Collective. */
int act_mask(const act_ctx *c, const ym_gauge *u, ym_field **mask);
void act_free(act_ctx *c);
/* Whether a positional argument is a recording (by content) or not (a run
 * card); the error "FILE: cannot open: reason" if its file (spec without
 * ":/dataset") cannot be read. */
int act_positional_is_recording(const char *spec, int *is_recording);

/* The metadata text written into embedded configurations: the effective
 * card (table) and the boundary line that ym_config_read applies. */
void act_metadata(cli_buf *b, const ym_param *t, int n, const act_ctx *c);
/* Site table as TSV text: x y channel name pos_x pos_y pos_z masked. */
void act_site_table(cli_buf *b, const act_ctx *c);

#endif
