/* The recording object (see ym_recording.h). */
#include "ym_recording.h"

#include "ym_bigmem.h"
#include "ym_status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char name[YM_REC_NAMEMAX], unit[YM_REC_NAMEMAX], type[YM_REC_NAMEMAX];
    double pos[3];
    int has_pos, bad;
} rec_chan;

struct ym_recording {
    int nchan, nbands;
    int64_t nsamples;
    double rate, start;
    char source[4096];
    double *data; /* nchan * max(1,2*nbands) * nsamples */
    rec_chan *chan;
    ym_rec_event *ev;
    int nev, evcap;
    int img[3], is_img;
    double spacing[3];
};

static void copy_str(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

static size_t data_bytes(const ym_recording *r)
{
    size_t per = r->nbands > 0 ? 2 * (size_t)r->nbands : 1;
    return (size_t)r->nchan * per * (size_t)r->nsamples * sizeof(double);
}

int ym_recording_create(ym_recording **out, int nchan, int nbands, int64_t nsamples, double rate)
{
    *out = NULL;
    if (nchan < 1)
        return YM_ERROR(YM_EINVAL, "a recording needs at least one channel (got %d)", nchan);
    if (nsamples < 1)
        return YM_ERROR(YM_EINVAL, "a recording needs at least one sample (got %lld)", (long long)nsamples);
    if (nbands < 0)
        return YM_ERROR(YM_EINVAL, "negative band count %d", nbands);
    if (!isfinite(rate) || rate <= 0)
        return YM_ERROR(YM_EINVAL, "sampling rate must be finite and positive (got %g Hz)", rate);
    size_t per = nbands > 0 ? 2 * (size_t)nbands : 1;
    /* Refuse sizes whose byte count overflows or is absurd (> 2^40 doubles). */
    double total = (double)nchan * (double)per * (double)nsamples;
    if (total > 1099511627776.0)
        return YM_ERROR(YM_EINVAL, "recording of %d channels x %lld samples is too large", nchan,
                        (long long)nsamples);
    ym_recording *r = calloc(1, sizeof *r);
    if (!r)
        return YM_ERROR(YM_ENOMEM, "out of memory for a recording");
    r->nchan = nchan;
    r->nbands = nbands;
    r->nsamples = nsamples;
    r->rate = rate;
    r->data = ym_bigmem_alloc(data_bytes(r));
    r->chan = calloc((size_t)nchan, sizeof *r->chan);
    if (!r->data || !r->chan) {
        ym_recording_free(r);
        return YM_ERROR(YM_ENOMEM, "out of memory for %d channels x %lld samples", nchan,
                        (long long)nsamples);
    }
    for (int c = 0; c < nchan; c++) {
        snprintf(r->chan[c].name, YM_REC_NAMEMAX, "%d", c);
        copy_str(r->chan[c].type, YM_REC_NAMEMAX, "MISC");
    }
    *out = r;
    return YM_OK;
}

void ym_recording_free(ym_recording *r)
{
    if (!r)
        return;
    ym_bigmem_free(r->data, data_bytes(r));
    free(r->chan);
    free(r->ev);
    free(r);
}

int ym_recording_nchan(const ym_recording *r) { return r->nchan; }
int ym_recording_nbands(const ym_recording *r) { return r->nbands; }
int64_t ym_recording_nsamples(const ym_recording *r) { return r->nsamples; }
double ym_recording_rate(const ym_recording *r) { return r->rate; }
void ym_recording_set_rate(ym_recording *r, double rate) { r->rate = rate; }
double ym_recording_start(const ym_recording *r) { return r->start; }
void ym_recording_set_start(ym_recording *r, double t0) { r->start = t0; }
const char *ym_recording_source(const ym_recording *r) { return r->source; }
void ym_recording_set_source(ym_recording *r, const char *path)
{
    copy_str(r->source, sizeof r->source, path);
}

double *ym_recording_data(ym_recording *r, int ch)
{
    if (r->nbands > 0 || ch < 0 || ch >= r->nchan)
        return NULL;
    return r->data + (size_t)ch * (size_t)r->nsamples;
}

const double *ym_recording_data_ro(const ym_recording *r, int ch)
{
    return ym_recording_data((ym_recording *)r, ch);
}

double *ym_recording_cdata(ym_recording *r, int ch, int band)
{
    if (r->nbands == 0 || ch < 0 || ch >= r->nchan || band < 0 || band >= r->nbands)
        return NULL;
    return r->data + ((size_t)ch * (size_t)r->nbands + (size_t)band) * 2 * (size_t)r->nsamples;
}

const double *ym_recording_cdata_ro(const ym_recording *r, int ch, int band)
{
    return ym_recording_cdata((ym_recording *)r, ch, band);
}

int ym_recording_set_channel(ym_recording *r, int ch, const char *name, const char *unit,
                             const char *type)
{
    if (ch < 0 || ch >= r->nchan)
        return YM_ERROR(YM_EINVAL, "channel %d out of range (0..%d)", ch, r->nchan - 1);
    if (name)
        copy_str(r->chan[ch].name, YM_REC_NAMEMAX, name);
    if (unit)
        copy_str(r->chan[ch].unit, YM_REC_NAMEMAX, unit);
    if (type)
        copy_str(r->chan[ch].type, YM_REC_NAMEMAX, type);
    return YM_OK;
}

const char *ym_recording_channel_name(const ym_recording *r, int ch) { return r->chan[ch].name; }
const char *ym_recording_channel_unit(const ym_recording *r, int ch) { return r->chan[ch].unit; }
const char *ym_recording_channel_type(const ym_recording *r, int ch) { return r->chan[ch].type; }

int ym_recording_find_channel(const ym_recording *r, const char *name)
{
    for (int c = 0; c < r->nchan; c++)
        if (!strcmp(r->chan[c].name, name))
            return c;
    return -1;
}

int ym_recording_set_position(ym_recording *r, int ch, const double xyz[3])
{
    if (ch < 0 || ch >= r->nchan)
        return YM_ERROR(YM_EINVAL, "channel %d out of range (0..%d)", ch, r->nchan - 1);
    for (int i = 0; i < 3; i++) {
        if (!isfinite(xyz[i]))
            return YM_ERROR(YM_EINVAL, "channel '%s': non-finite position", r->chan[ch].name);
        r->chan[ch].pos[i] = xyz[i];
    }
    r->chan[ch].has_pos = 1;
    return YM_OK;
}

int ym_recording_position(const ym_recording *r, int ch, double xyz[3])
{
    if (ch < 0 || ch >= r->nchan || !r->chan[ch].has_pos)
        return 0;
    memcpy(xyz, r->chan[ch].pos, sizeof r->chan[ch].pos);
    return 1;
}

void ym_recording_set_bad(ym_recording *r, int ch, int bad)
{
    if (ch >= 0 && ch < r->nchan)
        r->chan[ch].bad = bad != 0;
}

int ym_recording_is_bad(const ym_recording *r, int ch)
{
    return ch >= 0 && ch < r->nchan && r->chan[ch].bad;
}

int ym_recording_add_event(ym_recording *r, double onset, double duration, const char *label)
{
    if (!isfinite(onset) || !isfinite(duration) || duration < 0)
        return YM_ERROR(YM_EINVAL, "event '%s': onset %g s, duration %g s is not valid",
                        label ? label : "", onset, duration);
    if (r->nev == r->evcap) {
        int cap = r->evcap ? 2 * r->evcap : 16;
        ym_rec_event *e = realloc(r->ev, (size_t)cap * sizeof *e);
        if (!e)
            return YM_ERROR(YM_ENOMEM, "out of memory for events");
        r->ev = e;
        r->evcap = cap;
    }
    ym_rec_event *e = &r->ev[r->nev++];
    e->onset = onset;
    e->duration = duration;
    copy_str(e->label, sizeof e->label, label);
    return YM_OK;
}

int ym_recording_nevents(const ym_recording *r) { return r->nev; }
const ym_rec_event *ym_recording_event(const ym_recording *r, int i)
{
    return i >= 0 && i < r->nev ? &r->ev[i] : NULL;
}

int ym_recording_set_image(ym_recording *r, int nx, int ny, int nz, const double spacing[3])
{
    if (nx < 1 || ny < 1 || nz < 1 || (int64_t)nx * ny * nz != r->nchan)
        return YM_ERROR(YM_EINVAL, "image shape %dx%dx%d does not match %d channels", nx, ny, nz,
                        r->nchan);
    r->img[0] = nx;
    r->img[1] = ny;
    r->img[2] = nz;
    for (int i = 0; i < 3; i++)
        r->spacing[i] = spacing ? spacing[i] : 0;
    r->is_img = 1;
    return YM_OK;
}

int ym_recording_image(const ym_recording *r, int shape[3], double spacing[3])
{
    if (!r->is_img)
        return 0;
    for (int i = 0; i < 3; i++) {
        if (shape)
            shape[i] = r->img[i];
        if (spacing)
            spacing[i] = r->spacing[i];
    }
    return 1;
}

/* The fixed-size part travels as bytes; pointers are rebuilt on arrival. */
int ym_recording_bcast(ym_recording **rp, int root, MPI_Comm comm)
{
    int rank, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    ym_recording head;
    if (rank == root)
        head = **rp;
    if (MPI_Bcast(&head, (int)sizeof head, MPI_BYTE, root, comm) != MPI_SUCCESS)
        return YM_ERROR(YM_EMPI, "MPI_Bcast of a recording failed");
    ym_recording *r = NULL;
    if (rank == root) {
        r = *rp;
    } else {
        st = ym_recording_create(&r, head.nchan, head.nbands, head.nsamples, head.rate);
        if (st == YM_OK) {
            rec_chan *ch = r->chan;
            double *d = r->data;
            *r = head;
            r->chan = ch;
            r->data = d;
            r->ev = head.nev ? malloc((size_t)head.nev * sizeof *r->ev) : NULL;
            r->evcap = head.nev;
            if (head.nev && !r->ev)
                st = YM_ERROR(YM_ENOMEM, "out of memory for events");
        }
    }
    st = ym_status_agree(comm, st);
    if (st != YM_OK) {
        if (rank != root)
            ym_recording_free(r);
        return st;
    }
    size_t per = head.nbands > 0 ? 2 * (size_t)head.nbands : 1;
    size_t n = (size_t)head.nchan * per * (size_t)head.nsamples;
    /* Counts above INT_MAX go in pieces. */
    for (size_t off = 0; off < n; off += (size_t)1 << 28) {
        size_t m = n - off < ((size_t)1 << 28) ? n - off : ((size_t)1 << 28);
        if (MPI_Bcast(r->data + off, (int)m, MPI_DOUBLE, root, comm) != MPI_SUCCESS)
            st = YM_EMPI;
    }
    if (MPI_Bcast(r->chan, (int)(head.nchan * sizeof *r->chan), MPI_BYTE, root, comm) != MPI_SUCCESS)
        st = YM_EMPI;
    if (head.nev &&
        MPI_Bcast(r->ev, (int)(head.nev * sizeof *r->ev), MPI_BYTE, root, comm) != MPI_SUCCESS)
        st = YM_EMPI;
    if (st != YM_OK)
        st = YM_ERROR(YM_EMPI, "MPI_Bcast of a recording failed");
    if (rank != root)
        ym_recording_free(*rp); /* the recording it replaces */
    *rp = r;
    return st;
}

/* Everything but the samples and the per-channel table. */
static void copy_head(ym_recording *dst, const ym_recording *src)
{
    dst->start = src->start;
    copy_str(dst->source, sizeof dst->source, src->source);
}

int ym_recording_select(const ym_recording *r, const int *chans, int n, ym_recording **out)
{
    *out = NULL;
    if (n < 1)
        return YM_ERROR(YM_EINVAL, "a channel selection needs at least one channel (got %d)", n);
    for (int i = 0; i < n; i++)
        if (chans[i] < 0 || chans[i] >= r->nchan)
            return YM_ERROR(YM_EINVAL, "channel index %d out of range (0..%d)", chans[i], r->nchan - 1);
    ym_recording *s;
    int st = ym_recording_create(&s, n, r->nbands, r->nsamples, r->rate);
    if (st)
        return st;
    copy_head(s, r);
    size_t per = (r->nbands > 0 ? 2 * (size_t)r->nbands : 1) * (size_t)r->nsamples;
    for (int i = 0; i < n; i++) {
        s->chan[i] = r->chan[chans[i]];
        memcpy(s->data + (size_t)i * per, r->data + (size_t)chans[i] * per, per * sizeof(double));
    }
    for (int e = 0; e < r->nev && st == YM_OK; e++)
        st = ym_recording_add_event(s, r->ev[e].onset, r->ev[e].duration, r->ev[e].label);
    /* The pixel shape does not survive an arbitrary choice of channels. */
    if (st) {
        ym_recording_free(s);
        return st;
    }
    *out = s;
    return YM_OK;
}

int ym_recording_slice(const ym_recording *r, int64_t first, int64_t n, ym_recording **out)
{
    *out = NULL;
    if (first < 0 || n < 1 || first > r->nsamples - n)
        return YM_ERROR(YM_EINVAL, "samples %lld..%lld are outside the recording (0..%lld)", (long long)first,
                        (long long)(first + n - 1), (long long)(r->nsamples - 1));
    ym_recording *s;
    int st = ym_recording_create(&s, r->nchan, r->nbands, n, r->rate);
    if (st)
        return st;
    copy_head(s, r);
    s->start = r->start + (double)first / r->rate;
    memcpy(s->chan, r->chan, (size_t)r->nchan * sizeof *r->chan);
    s->is_img = r->is_img;
    memcpy(s->img, r->img, sizeof s->img);
    memcpy(s->spacing, r->spacing, sizeof s->spacing);
    size_t w = r->nbands > 0 ? 2 : 1, nseries = (size_t)r->nchan * (r->nbands > 0 ? (size_t)r->nbands : 1);
    for (size_t k = 0; k < nseries; k++)
        memcpy(s->data + k * w * (size_t)n, r->data + (k * (size_t)r->nsamples + (size_t)first) * w,
               w * (size_t)n * sizeof(double));
    /* Onsets are relative to the first sample, so they move with it; an
     * event is kept when its onset falls inside the slice. */
    double t0 = (double)first / r->rate, t1 = (double)n / r->rate;
    for (int e = 0; e < r->nev && st == YM_OK; e++) {
        double on = r->ev[e].onset - t0;
        if (on >= 0 && on < t1)
            st = ym_recording_add_event(s, on, r->ev[e].duration, r->ev[e].label);
    }
    if (st) {
        ym_recording_free(s);
        return st;
    }
    *out = s;
    return YM_OK;
}
