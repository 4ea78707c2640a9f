/* Preprocessing of recordings (ym_preproc.h): DC removal, common average
 * reference, mains notches, the zero-phase band-pass bank and analytic
 * signals, planned once; dF/F for imaging data. */
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ym_bigmem.h"
#include "ym_fir_impl.h"
#include "ym_preproc.h"
#include "ym_status.h"

/* MNE notch_filter's trans_bandwidth default (Hz). */
#define NOTCH_TRANS 1.0
/* A mains line is taken as present when its peak power is this many times
 * the median power 1.5-5 Hz around it (a noise-only bin exceeds it with
 * probability ~1e-8 per channel). */
#define MAINS_RATIO 20.0

struct ym_preproc {
    int64_t n;
    double rate;
    ym_preproc_opts o;
    int nb;
    double *edges;
    double mains_used;
    ym_conv_plan bp;
    double *Hbp; /* nb x (bp.L/2+1) */
    int ncand;
    double cand[2];
    int has_notch[2];
    ym_conv_plan nt;
    double *Hn; /* ncand x (nt.L/2+1) */
    ym_hilbert_plan hb;
    double *X; /* nX x n: work copy of the selected channels, kept between runs */
    double *ref; /* n: the average reference */
    int *good;
    int nX;
    double *tmp;  /* n: a channel after the notch (X itself is kept) */
    int nprep;    /* channels of X prepared by the last run or prepare */
    unsigned gen; /* counts prepares: a cache's slots are stale when it moved */
    int last_notch;  /* the notch kernel of the last run (-1: none) */
    int fixed_notch; /* >= -1 after ym_preproc_keep_mains: that kernel, no detection */
    int bank_only;   /* after ym_preproc_bank_only: inputs come conditioned */
};

void ym_preproc_opts_default(ym_preproc_opts *o)
{
    memset(o, 0, sizeof *o);
    o->dc = 1;
    o->car = 1;
    o->mains = -1;
    o->notch_max = 0;
    o->nbands = 8;
    o->fmin = 4;
    o->fmax = 128;
    o->edges = NULL;
}

int ym_preproc_band_edges(const ym_preproc_opts *o, double rate, double *edges)
{
    if (!o || !edges || !(rate > 0) || !isfinite(rate))
        return YM_ERROR(YM_EINVAL, "band edges: invalid sampling rate %g Hz", rate);
    int nb = o->nbands;
    double nyq = rate / 2.0;
    if (nb < 1) return YM_ERROR(YM_EINVAL, "band edges: %d bands (need at least 1)", nb);
    if (o->edges) {
        for (int k = 0; k <= nb; ++k) {
            double e = o->edges[k];
            if (!isfinite(e) || e <= 0 || e >= nyq || (k > 0 && e <= o->edges[k - 1]))
                return YM_ERROR(YM_EINVAL,
                                "band edges must increase within (0, %g Hz) (Nyquist): edge %d is %g Hz",
                                nyq, k, e);
            edges[k] = e;
        }
        return YM_OK;
    }
    double fmin = o->fmin, fmax = o->fmax;
    /* a top edge at or above Nyquist leaves no room for its transition band */
    if (isfinite(fmax) && fmax >= nyq) fmax = 0.8 * nyq;
    if (!isfinite(fmin) || !isfinite(fmax) || fmin <= 0 || fmax <= fmin)
        return YM_ERROR(YM_EINVAL, "band edges: need 0 < fmin < fmax < Nyquist, got %g and %g Hz (rate %g Hz)",
                        o->fmin, o->fmax, rate);
    for (int k = 0; k < nb; ++k) edges[k] = fmin * pow(fmax / fmin, (double)k / nb);
    edges[nb] = fmax;
    return YM_OK;
}

static double htrans(double hi, double rate) { return fmin(fmax(0.25 * hi, 2.0), rate / 2.0 - hi); }

/* The harmonics of f0 notched: up to lim Hz and with the stop band below Nyquist. */
static int harmonics(double f0, double lim, double rate, double *f, int max)
{
    int n = 0;
    for (int k = 1; n < max; ++k) {
        double fk = k * f0;
        if (fk > lim || fk + fk / 400.0 + NOTCH_TRANS / 2.0 >= rate / 2.0) break;
        f[n++] = fk;
    }
    return n;
}

void ym_preproc_free(ym_preproc *p)
{
    if (!p) return;
    ym_conv_plan_destroy(&p->bp);
    ym_conv_plan_destroy(&p->nt);
    ym_hilbert_plan_destroy(&p->hb);
    free(p->Hbp);
    free(p->Hn);
    free(p->edges);
    free(p->X);
    free(p->ref);
    free(p->good);
    free(p->tmp);
    free(p);
}

int ym_preproc_create(ym_preproc **out, int64_t nsamples, double rate, const ym_preproc_opts *o)
{
    if (!out) return YM_ERROR(YM_EINVAL, "preprocessing: NULL output");
    *out = NULL;
    ym_preproc_opts def;
    if (!o) {
        ym_preproc_opts_default(&def);
        o = &def;
    }
    if (nsamples < 1 || !(rate > 0) || !isfinite(rate))
        return YM_ERROR(YM_EINVAL, "preprocessing: %lld samples at %g Hz", (long long)nsamples, rate);
    if (!(o->mains == 0 || o->mains == -1 || (o->mains > 0 && o->mains < rate / 2.0)))
        return YM_ERROR(YM_EINVAL, "preprocessing: mains %g Hz (give 50, 60, 0 for none or -1 to detect)",
                        o->mains);
    if (!(o->notch_max >= 0) || !isfinite(o->notch_max))
        return YM_ERROR(YM_EINVAL, "preprocessing: notch_max %g Hz", o->notch_max);
    ym_preproc *p = calloc(1, sizeof *p);
    if (!p) return YM_ERROR(YM_ENOMEM, "out of memory for preprocessing");
    p->n = nsamples;
    p->rate = rate;
    p->o = *o;
    p->o.edges = NULL;
    p->nb = o->nbands;
    p->mains_used = (o->mains > 0) ? o->mains : 0;
    p->last_notch = -2;
    p->fixed_notch = -2;
    int rc = YM_OK, nb = p->nb;
    double **hb = NULL, *hn[2] = {NULL, NULL};
    int *lens = NULL, nlen[2] = {0, 0};
    if (nb < 1 || nb > 4096) {
        rc = YM_ERROR(YM_EINVAL, "preprocessing: %d bands", nb);
        goto done;
    }
    p->edges = malloc((size_t)(nb + 1) * sizeof *p->edges);
    hb = calloc((size_t)nb, sizeof *hb);
    lens = calloc((size_t)nb, sizeof *lens);
    if (!p->edges || !hb || !lens) {
        rc = YM_ERROR(YM_ENOMEM, "out of memory for preprocessing");
        goto done;
    }
    if ((rc = ym_preproc_band_edges(o, rate, p->edges))) goto done;
    int maxlen = 1;
    for (int b = 0; b < nb; ++b) {
        if ((rc = ym_fir_bandpass(rate, p->edges[b], p->edges[b + 1], &hb[b], &lens[b]))) goto done;
        if (lens[b] > maxlen) maxlen = lens[b];
    }
    /* notch kernels: the given mains, or both candidates when detecting */
    if (o->mains != 0) {
        double lim = o->notch_max > 0 ? o->notch_max : p->edges[nb] + htrans(p->edges[nb], rate);
        p->ncand = (o->mains > 0) ? 1 : 2;
        p->cand[0] = (o->mains > 0) ? o->mains : 50.0;
        p->cand[1] = 60.0;
        for (int i = 0; i < p->ncand; ++i) {
            double f[256];
            int nh = harmonics(p->cand[i], lim, rate, f, 256);
            if (nh == 0) continue;
            if ((rc = ym_fir_notches(rate, f, NULL, nh, NOTCH_TRANS, &hn[i], &nlen[i]))) goto done;
            p->has_notch[i] = 1;
            if (nlen[i] > maxlen) maxlen = nlen[i];
        }
        if (o->mains > 0 && !p->has_notch[0]) p->mains_used = 0; /* no harmonic below the limit */
    }
    if (nsamples < maxlen && !o->allow_short) {
        rc = YM_ERROR(YM_EINVAL,
                      "preprocessing: the recording (%lld samples, %.3g s) is shorter than the longest "
                      "filter (%d samples%s)",
                      (long long)nsamples, nsamples / rate, maxlen,
                      (nlen[0] == maxlen || nlen[1] == maxlen) ? ", the mains notch; set mains to 0" : "");
        goto done;
    }
    int bpad = 0;
    for (int b = 0; b < nb; ++b)
        if ((lens[b] - 1) / 2 > bpad) bpad = (lens[b] - 1) / 2;
    if ((rc = ym_conv_plan_init(&p->bp, nsamples, bpad))) goto done;
    int64_t nh = p->bp.L / 2 + 1;
    p->Hbp = malloc((size_t)nb * (size_t)nh * sizeof *p->Hbp);
    if (!p->Hbp) {
        rc = YM_ERROR(YM_ENOMEM, "out of memory for %d filter spectra", nb);
        goto done;
    }
    for (int b = 0; b < nb; ++b)
        if ((rc = ym_conv_kernel(&p->bp, hb[b], lens[b], p->Hbp + (size_t)b * nh))) goto done;
    if (p->has_notch[0] || p->has_notch[1]) {
        int npad = 0;
        for (int i = 0; i < 2; ++i)
            if (p->has_notch[i] && (nlen[i] - 1) / 2 > npad) npad = (nlen[i] - 1) / 2;
        if ((rc = ym_conv_plan_init(&p->nt, nsamples, npad))) goto done;
        int64_t nn = p->nt.L / 2 + 1;
        p->Hn = malloc(2 * (size_t)nn * sizeof *p->Hn);
        if (!p->Hn) {
            rc = YM_ERROR(YM_ENOMEM, "out of memory for the notch filter spectra");
            goto done;
        }
        for (int i = 0; i < 2; ++i)
            if (p->has_notch[i] && (rc = ym_conv_kernel(&p->nt, hn[i], nlen[i], p->Hn + (size_t)i * nn)))
                goto done;
    }
    rc = ym_hilbert_plan_init(&p->hb, nsamples);
done:
    if (hb)
        for (int b = 0; b < nb; ++b) free(hb[b]);
    free(hb);
    free(lens);
    free(hn[0]);
    free(hn[1]);
    if (rc) {
        ym_preproc_free(p);
        return rc;
    }
    *out = p;
    return YM_OK;
}

double ym_preproc_mains(const ym_preproc *p) { return p ? p->mains_used : 0; }

int ym_preproc_keep_mains(ym_preproc *p)
{
    if (!p || p->last_notch < -1)
        return YM_ERROR(YM_EINVAL, "preprocessing: no run yet whose mains decision could be kept");
    p->fixed_notch = p->last_notch;
    return YM_OK;
}

int ym_preproc_bank_only(ym_preproc *p)
{
    if (!p || p->last_notch < -1)
        return YM_ERROR(YM_EINVAL, "preprocessing: the bank alone needs an earlier run that conditioned the inputs");
    p->bank_only = 1;
    return YM_OK;
}

const double *ym_preproc_edges(const ym_preproc *p) { return p ? p->edges : NULL; }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* 50, 60 or 0 from the summed periodogram of the good channels: the
 * candidate whose peak stands highest above its neighbourhood, if any does. */
static int detect_mains(ym_preproc *p, const double *X, const int *good, int nsel, double *mains)
{
    int64_t m = p->hb.m, nh = m / 2 + 1;
    double *P = calloc((size_t)nh, sizeof *P), *bg = malloc((size_t)nh * sizeof *bg);
    if (!P || !bg) {
        free(P);
        free(bg);
        return YM_ERROR(YM_ENOMEM, "out of memory detecting the mains frequency");
    }
    for (int c = 0; c < nsel; ++c)
        if (good[c]) ym_hilbert_power(&p->hb, X + (size_t)c * p->n, P);
    double df = p->rate / (double)m, best = 0, best_ratio = MAINS_RATIO;
    for (int i = 0; i < 2; ++i) {
        double f0 = p->cand[i];
        if (!p->has_notch[i] || f0 + 5.0 >= p->rate / 2.0) continue;
        double peak = P[(int64_t)nearbyint(f0 / df)];
        int64_t nbg = 0;
        for (int64_t k = 0; k < nh; ++k) {
            double d = fabs(k * df - f0);
            if (d <= 0.5 && P[k] > peak) peak = P[k];
            if (d >= 1.5 && d <= 5.0) bg[nbg++] = P[k];
        }
        if (nbg == 0) continue;
        qsort(bg, (size_t)nbg, sizeof *bg, cmp_double);
        double med = gsl_stats_median_from_sorted_data(bg, 1, (size_t)nbg);
        double ratio = (med > 0) ? peak / med : (peak > 0 ? INFINITY : 0);
        if (ratio > best_ratio) {
            best_ratio = ratio;
            best = f0;
        }
    }
    free(P);
    free(bg);
    *mains = best;
    return YM_OK;
}

/* Checks shared by ym_preproc_run and ym_preproc_rerun. */
static int check_input(const ym_preproc *p, const ym_recording *in, const int *chans, int nsel)
{
    if (!p || !in || !chans || nsel < 1) return YM_ERROR(YM_EINVAL, "preprocessing: no channels selected");
    if (ym_recording_nbands(in) != 0)
        return YM_ERROR(YM_EINVAL, "preprocessing: the recording already holds analytic signals");
    if (ym_recording_nsamples(in) != p->n || fabs(ym_recording_rate(in) - p->rate) > 1e-9 * p->rate)
        return YM_ERROR(YM_EINVAL,
                        "preprocessing: planned for %lld samples at %g Hz, got %lld samples at %g Hz",
                        (long long)p->n, p->rate, (long long)ym_recording_nsamples(in),
                        ym_recording_rate(in));
    int nchan = ym_recording_nchan(in);
    for (int i = 0; i < nsel; ++i)
        if (chans[i] < 0 || chans[i] >= nchan)
            return YM_ERROR(YM_EINVAL, "preprocessing: channel index %d out of range (0..%d)", chans[i],
                            nchan - 1);
    int64_t n = p->n;
    for (int i = 0; i < nsel; ++i) {
        const double *x = ym_recording_data_ro(in, chans[i]);
        for (int64_t t = 0; t < n; ++t)
            if (!isfinite(x[t]))
                return YM_ERROR(YM_ENUM, "%s: channel %s has a non-finite sample at %.6g s",
                                ym_recording_source(in)[0] ? ym_recording_source(in) : "recording",
                                ym_recording_channel_name(in, chans[i]), t / p->rate);
    }
    return YM_OK;
}

/* The referenced, mains-decided copy of the selected channels in p->X,
 * from which each channel's analytic signals are made (channel below). The
 * nsel x n work copy is kept in p: a fresh one would be fresh pages (and
 * their faults) on every call. */
static int prepare(ym_preproc *p, const ym_recording *in, const int *chans, int nsel)
{
    int64_t n = p->n;
    p->nprep = 0;
    p->gen++;
    if (p->nX < nsel) {
        free(p->X);
        free(p->good);
        p->X = malloc((size_t)nsel * (size_t)n * sizeof *p->X);
        p->good = malloc((size_t)nsel * sizeof *p->good);
        if (!p->ref) p->ref = malloc((size_t)n * sizeof *p->ref);
        if (!p->tmp) p->tmp = malloc((size_t)n * sizeof *p->tmp);
        p->nX = (p->X && p->good && p->ref && p->tmp) ? nsel : 0;
        if (!p->nX) return YM_ERROR(YM_ENOMEM, "out of memory preprocessing %d channels", nsel);
    }
    double *X = p->X;
    int *good = p->good, rc = YM_OK;
    int ngood = 0;
    for (int i = 0; i < nsel; ++i) {
        good[i] = !ym_recording_is_bad(in, chans[i]);
        ngood += good[i];
        memcpy(X + (size_t)i * n, ym_recording_data_ro(in, chans[i]), (size_t)n * sizeof *X);
    }
    if (p->bank_only) { /* conditioned by an earlier prepare of p (ym_preproc_conditioned) */
        p->last_notch = -1;
        p->nprep = nsel;
        return YM_OK;
    }
    if (p->o.dc)
        for (int i = 0; i < nsel; ++i) {
            double *x = X + (size_t)i * n, s = 0;
            for (int64_t t = 0; t < n; ++t) s += x[t];
            s /= (double)n;
            for (int64_t t = 0; t < n; ++t) x[t] -= s;
        }
    /* detect before the reference: mains pickup is largely common to all
     * channels and the average reference would hide it */
    int notch = -1;
    if (p->fixed_notch >= -1) {
        notch = p->fixed_notch;
    } else if (p->o.mains < 0) {
        if ((rc = detect_mains(p, X, good, nsel, &p->mains_used))) return rc;
        for (int i = 0; i < 2; ++i)
            if (p->mains_used > 0 && p->cand[i] == p->mains_used) notch = i;
    } else if (p->o.mains > 0 && p->has_notch[0]) {
        notch = 0;
    }
    p->last_notch = notch;
    if (p->o.car && ngood > 0) {
        /* channel by channel along the rows (a sample's channels lie n
         * apart); each sample's sum still adds the channels in order */
        double *ref = p->ref;
        for (int64_t t = 0; t < n; ++t) ref[t] = 0;
        for (int i = 0; i < nsel; ++i)
            if (good[i]) {
                const double *x = X + (size_t)i * n;
                for (int64_t t = 0; t < n; ++t) ref[t] += x[t];
            }
        for (int64_t t = 0; t < n; ++t) ref[t] /= ngood;
        for (int i = 0; i < nsel; ++i) {
            double *x = X + (size_t)i * n;
            for (int64_t t = 0; t < n; ++t) x[t] -= ref[t];
        }
    }
    p->nprep = nsel;
    return YM_OK;
}

/* Channel i as the band-pass bank sees it: its row of X, or the row
 * notched into buf. */
static const double *notched(ym_preproc *p, int i, double *buf)
{
    const double *x = p->X + (size_t)i * (size_t)p->n;
    if (p->last_notch < 0) return x;
    ym_conv_load(&p->nt, x);
    ym_conv_apply(&p->nt, p->Hn + (size_t)p->last_notch * (size_t)(p->nt.L / 2 + 1), buf);
    return buf;
}

/* Channel i's analytic signals, band after band (nb x n complex), into z. */
static void channel(ym_preproc *p, int i, double *z)
{
    int64_t n = p->n, nhb = p->bp.L / 2 + 1;
    ym_conv_load(&p->bp, notched(p, i, p->tmp));
    for (int b = 0; b < p->nb; ++b)
        ym_conv_filter_analytic(&p->bp, p->Hbp + (size_t)b * nhb, &p->hb, z + (size_t)b * 2 * (size_t)n);
}

/* The analytic signals of the selected channels into r's samples. */
static int compute(ym_preproc *p, const ym_recording *in, const int *chans, int nsel, ym_recording *r)
{
    int rc = prepare(p, in, chans, nsel);
    if (rc) return rc;
    /* beyond the last-level cache the analytic signals go straight to
     * memory: the embedding reads them from there in any case */
    p->hb.stream = (double)nsel * p->nb * (double)p->n * 16.0 > 64e6;
    for (int i = 0; i < nsel; ++i) channel(p, i, ym_recording_cdata(r, i, 0));
    return YM_OK;
}

int ym_preproc_prepare(ym_preproc *p, const ym_recording *in, const int *chans, int nsel)
{
    int rc = check_input(p, in, chans, nsel);
    return rc ? rc : prepare(p, in, chans, nsel);
}

int ym_preproc_conditioned(ym_preproc *p, int i, double *x)
{
    if (!p || !x || i < 0 || i >= p->nprep)
        return YM_ERROR(YM_EINVAL, "preprocessing: channel %d was not prepared (%d are)", i, p ? p->nprep : 0);
    const double *xi = notched(p, i, x);
    if (xi != x) memcpy(x, xi, (size_t)p->n * sizeof *x);
    return YM_OK;
}

int ym_preproc_channel(ym_preproc *p, int i, double *z)
{
    if (!p || !z || i < 0 || i >= p->nprep)
        return YM_ERROR(YM_EINVAL, "preprocessing: channel %d was not prepared (%d are)", i, p ? p->nprep : 0);
    /* written through the caches: non-temporal stores measured no faster
     * here, and the embedding reads the channel soon */
    p->hb.stream = 0;
    channel(p, i, z);
    return YM_OK;
}

/* ---- the channel cache ---- */

struct ym_preproc_cache {
    ym_preproc *p;
    int cap;
    double *data;    /* cap x nb x n complex */
    size_t bytes;
    int *owner;      /* the channel in each slot, -1: none */
    uint64_t *used;  /* last use (clock), for least-recently-used eviction */
    uint64_t clock;
    unsigned gen;
};

int ym_preproc_cache_create(ym_preproc_cache **out, ym_preproc *p, int capacity)
{
    *out = NULL;
    if (!p || capacity < 2) return YM_ERROR(YM_EINVAL, "preprocessing cache: %d slots (at least 2)", capacity);
    ym_preproc_cache *c = calloc(1, sizeof *c);
    size_t per = (size_t)p->nb * 2 * (size_t)p->n;
    if (c) {
        c->p = p;
        c->cap = capacity;
        c->gen = p->gen;
        c->bytes = (size_t)capacity * per * sizeof *c->data;
        c->data = ym_bigmem_alloc(c->bytes);
        c->owner = malloc((size_t)capacity * sizeof *c->owner);
        c->used = calloc((size_t)capacity, sizeof *c->used);
    }
    if (!c || !c->data || !c->owner || !c->used) {
        ym_preproc_cache_free(c);
        return YM_ERROR(YM_ENOMEM, "out of memory for %d channels of analytic signals", capacity);
    }
    for (int k = 0; k < capacity; ++k) c->owner[k] = -1;
    *out = c;
    return YM_OK;
}

void ym_preproc_cache_free(ym_preproc_cache *c)
{
    if (!c) return;
    ym_bigmem_free(c->data, c->bytes);
    free(c->owner);
    free(c->used);
    free(c);
}

const double *ym_preproc_cache_band(ym_preproc_cache *c, int ch, int band)
{
    ym_preproc *p = c->p;
    if (band < 0 || band >= p->nb) {
        YM_ERROR(YM_EINVAL, "preprocessing cache: band %d of %d", band, p->nb);
        return NULL;
    }
    if (c->gen != p->gen) { /* prepared again: every slot is stale */
        for (int k = 0; k < c->cap; ++k) c->owner[k] = -1;
        c->gen = p->gen;
    }
    int slot = -1;
    for (int k = 0; k < c->cap && slot < 0; ++k)
        if (c->owner[k] == ch) slot = k;
    size_t per = (size_t)p->nb * 2 * (size_t)p->n;
    if (slot < 0) {
        /* an empty slot, else the least recently used one: never the
         * channel asked for last, whose pointer the caller may still hold */
        int lru = 0;
        for (int k = 0; k < c->cap; ++k) {
            if (c->owner[k] < 0) {
                lru = k;
                break;
            }
            if (c->used[k] < c->used[lru]) lru = k;
        }
        if (ym_preproc_channel(p, ch, c->data + (size_t)lru * per)) return NULL;
        c->owner[lru] = ch;
        slot = lru;
    }
    c->used[slot] = ++c->clock;
    return c->data + (size_t)slot * per + (size_t)band * 2 * (size_t)p->n;
}

int ym_preproc_run(ym_preproc *p, const ym_recording *in, const int *chans, int nsel, ym_recording **out)
{
    int rc = ym_preproc_shape(p, in, chans, nsel, out);
    if (!rc && (rc = compute(p, in, chans, nsel, *out))) {
        ym_recording_free(*out);
        *out = NULL;
    }
    return rc;
}

int ym_preproc_shape(ym_preproc *p, const ym_recording *in, const int *chans, int nsel, ym_recording **out)
{
    if (!out) return YM_ERROR(YM_EINVAL, "preprocessing: NULL output");
    *out = NULL;
    int rc = check_input(p, in, chans, nsel);
    if (rc) return rc;
    int64_t n = p->n;
    int nchan = ym_recording_nchan(in);
    ym_recording *r = NULL;
    if ((rc = ym_recording_create(&r, nsel, p->nb, n, p->rate))) goto done;
    if ((rc = ym_rec_copy_meta(in, chans, nsel, r))) goto done;
    int identity = (nsel == nchan);
    for (int i = 0; i < nsel && identity; ++i) identity = (chans[i] == i);
    int shape[3];
    double spacing[3];
    if (identity && ym_recording_image(in, shape, spacing) &&
        (rc = ym_recording_set_image(r, shape[0], shape[1], shape[2], spacing)))
        goto done;
done:
    if (rc) {
        ym_recording_free(r);
        return rc;
    }
    *out = r;
    return YM_OK;
}

int ym_preproc_rerun(ym_preproc *p, const ym_recording *in, const int *chans, int nsel, ym_recording *out)
{
    int rc = check_input(p, in, chans, nsel);
    if (rc) return rc;
    if (!out || ym_recording_nchan(out) != nsel || ym_recording_nbands(out) != p->nb ||
        ym_recording_nsamples(out) != p->n)
        return YM_ERROR(YM_EINVAL, "preprocessing: the recording to overwrite is not %d channels x %d bands x "
                                   "%lld samples",
                        nsel, p->nb, (long long)p->n);
    return compute(p, in, chans, nsel, out);
}

/* ---- dF/F ---- */

int ym_preproc_dff(ym_recording *r, double window_s, double percentile)
{
    if (!r || ym_recording_nbands(r) != 0)
        return YM_ERROR(YM_EINVAL, "dF/F: needs a real recording");
    if (!(window_s > 0) || !isfinite(window_s) || !(percentile >= 0 && percentile <= 100))
        return YM_ERROR(YM_EINVAL, "dF/F: window %g s, percentile %g", window_s, percentile);
    int64_t n = ym_recording_nsamples(r);
    double rate = ym_recording_rate(r);
    int64_t half = (int64_t)floor(window_s * rate / 2.0);
    if (half > n) half = n;
    int64_t wmax = 2 * half + 1;
    double *x = malloc((size_t)n * sizeof *x), *s = malloc((size_t)wmax * sizeof *s);
    if (!x || !s) {
        free(x);
        free(s);
        return YM_ERROR(YM_ENOMEM, "out of memory for dF/F");
    }
    int rc = YM_OK;
    for (int c = 0; c < ym_recording_nchan(r) && !rc; ++c) {
        double *d = ym_recording_data(r, c);
        memcpy(x, d, (size_t)n * sizeof *x);
        for (int64_t t = 0; t < n; ++t)
            if (!isfinite(x[t])) {
                rc = YM_ERROR(YM_ENUM, "dF/F: channel %s has a non-finite sample",
                              ym_recording_channel_name(r, c));
                break;
            }
        if (rc) break;
        /* a sorted copy of the centred window, slid by one insertion and one removal */
        int64_t lo = 0, hi = (half < n - 1) ? half : n - 1, m = 0;
        for (int64_t t = lo; t <= hi; ++t) s[m++] = x[t];
        qsort(s, (size_t)m, sizeof *s, cmp_double);
        for (int64_t t = 0; t < n; ++t) {
            int64_t nlo = (t - half > 0) ? t - half : 0, nhi = (t + half < n - 1) ? t + half : n - 1;
            while (lo < nlo) { /* remove x[lo] */
                double v = x[lo++];
                int64_t a = 0, b = m - 1;
                while (a < b) {
                    int64_t mid = (a + b) / 2;
                    if (s[mid] < v) a = mid + 1;
                    else b = mid;
                }
                memmove(s + a, s + a + 1, (size_t)(m - a - 1) * sizeof *s);
                --m;
            }
            while (hi < nhi) { /* insert x[hi+1] */
                double v = x[++hi];
                int64_t a = 0, b = m;
                while (a < b) {
                    int64_t mid = (a + b) / 2;
                    if (s[mid] < v) a = mid + 1;
                    else b = mid;
                }
                memmove(s + a + 1, s + a, (size_t)(m - a) * sizeof *s);
                s[a] = v;
                ++m;
            }
            double f0 = gsl_stats_quantile_from_sorted_data(s, 1, (size_t)m, percentile / 100.0);
            if (!(f0 > 0)) {
                rc = YM_ERROR(YM_ENUM, "dF/F: channel %s has a baseline %g <= 0 at %.6g s",
                              ym_recording_channel_name(r, c), f0, t / rate);
                break;
            }
            d[t] = (x[t] - f0) / f0;
        }
    }
    free(x);
    free(s);
    return rc;
}
