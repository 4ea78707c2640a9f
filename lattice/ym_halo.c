/* Halo exchange: index lists per direction, one message pair per split direction. */
#include "ym_halo.h"
#include "ym_status.h"

#include <mpi.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int split;      /* more than one rank in this direction */
    int n;          /* sites per face region */
    int *send_lo;   /* my lowest interior layers, go to the lower neighbour */
    int *send_hi;   /* my highest interior layers, go to the upper neighbour */
    int *recv_lo;   /* my lower halo */
    int *recv_hi;   /* my upper halo */
    int nb_lo, nb_hi;
    int nrun;       /* unsplit: copies as runs of consecutive sites */
    int *run;       /* nrun x (destination, source, length) */
} dir_plan;

struct ym_halo {
    const ym_geom *g;
    MPI_Comm comm;
    size_t ncomp;
    size_t off, len; /* the doubles of each site this exchange moves */
    dir_plan d[4];
    double *sbuf_lo, *sbuf_hi, *rbuf_lo, *rbuf_hi;
    MPI_Request req[4];
    int next;     /* first direction finish() still has to do */
    int pending;  /* a split direction has messages in flight */
};

/* Enumerate the region where coordinate mu runs over [a, a+len) and the
 * others over the extended range (nu < mu, already exchanged) or the interior
 * (nu > mu); the enumeration order is the same on every rank. */
static int region(const ym_geom *g, int mu, int a, int len, int *out)
{
    const int *l = ym_grid_local(ym_geom_grid(g));
    int d = ym_geom_depth(g), lo[4], hi[4], x[4], n = 0;
    for (int nu = 0; nu < 4; ++nu) {
        lo[nu] = nu < mu ? -d : 0;
        hi[nu] = nu < mu ? l[nu] + d : l[nu];
    }
    lo[mu] = a;
    hi[mu] = a + len;
    for (x[3] = lo[3]; x[3] < hi[3]; ++x[3])
        for (x[2] = lo[2]; x[2] < hi[2]; ++x[2])
            for (x[1] = lo[1]; x[1] < hi[1]; ++x[1])
                for (x[0] = lo[0]; x[0] < hi[0]; ++x[0])
                    if (out) out[n++] = ym_geom_index(g, x);
                    else ++n;
    return n;
}

/* For an unsplit direction, the source of each halo site is the interior
 * site at its coordinate modulo l (this also covers l < depth). */
static void wrap_sources(const ym_geom *g, int mu, const int *halo, int n, int *src)
{
    const int *l = ym_grid_local(ym_geom_grid(g));
    for (int k = 0; k < n; ++k) {
        int x[4];
        ym_geom_local_coords(g, halo[k], x);
        x[mu] = ((x[mu] % l[mu]) + l[mu]) % l[mu];
        src[k] = ym_geom_index(g, x);
    }
}

/* Sources of one direction are interior in it and its destinations halo,
 * so the copies do not overlap and their order is free: sites consecutive
 * in storage on both sides go in one memcpy (a face of the slowest
 * directions is a few long runs, not thousands of site-sized calls). */
static int make_runs(const int *dst, const int *src, int n, int *run)
{
    int nr = 0;
    for (int k = 0; k < n; ++k) {
        if (nr && dst[k] == run[3 * (nr - 1)] + run[3 * (nr - 1) + 2] &&
            src[k] == run[3 * (nr - 1) + 1] + run[3 * (nr - 1) + 2]) {
            run[3 * (nr - 1) + 2]++;
            continue;
        }
        run[3 * nr] = dst[k];
        run[3 * nr + 1] = src[k];
        run[3 * nr + 2] = 1;
        ++nr;
    }
    return nr;
}

int ym_halo_create(ym_halo **out, const ym_geom *g, size_t ncomp)
{
    *out = NULL;
    const ym_grid *grid = ym_geom_grid(g);
    MPI_Comm comm = ym_grid_comm(grid);
    if (ncomp == 0) return ym_status_agree(comm, YM_ERROR(YM_EINVAL, "halo: zero components per site"));
    ym_halo *h = calloc(1, sizeof *h);
    int ok = h != NULL;
    size_t maxn = 0;
    if (h) {
        h->g = g;
        h->comm = comm;
        h->ncomp = ncomp;
        h->len = ncomp;
        const int *l = ym_grid_local(grid), *dims = ym_grid_dims(grid);
        int dep = ym_geom_depth(g);
        for (int mu = 0; mu < 4 && ok; ++mu) {
            dir_plan *p = &h->d[mu];
            p->split = dims[mu] > 1;
            p->nb_lo = ym_grid_neighbour(grid, mu, -1);
            p->nb_hi = ym_grid_neighbour(grid, mu, +1);
            /* beyond an open boundary there is nothing to copy: the
             * wrapped sites are not neighbours, and every reader leaves out
             * what lies across it (the open-boundary tests on 1, 2 and 4
             * ranks, where split directions still carry wrapped data, find
             * no difference). A tenth of a small open flow's time. */
            int copies = p->split || ym_geom_bc(g, mu) == YM_BC_PERIODIC;
            p->n = copies ? region(g, mu, -dep, dep, NULL) : 0;
            size_t sz = sizeof(int) * (size_t)(p->n > 0 ? p->n : 1);
            p->send_lo = malloc(sz);
            p->send_hi = malloc(sz);
            p->recv_lo = malloc(sz);
            p->recv_hi = malloc(sz);
            if (!p->send_lo || !p->send_hi || !p->recv_lo || !p->recv_hi) {
                ok = 0;
                break;
            }
            if (!copies) continue;
            region(g, mu, -dep, dep, p->recv_lo);
            region(g, mu, l[mu], dep, p->recv_hi);
            if (p->split) {
                region(g, mu, 0, dep, p->send_lo);
                region(g, mu, l[mu] - dep, dep, p->send_hi);
            } else {
                wrap_sources(g, mu, p->recv_lo, p->n, p->send_hi);
                wrap_sources(g, mu, p->recv_hi, p->n, p->send_lo);
                p->run = malloc(sizeof(int) * 3 * 2 * (size_t)(p->n > 0 ? p->n : 1));
                if (!p->run) {
                    ok = 0;
                    break;
                }
                p->nrun = make_runs(p->recv_lo, p->send_hi, p->n, p->run);
                p->nrun += make_runs(p->recv_hi, p->send_lo, p->n, p->run + 3 * p->nrun);
            }
            if ((size_t)p->n > maxn) maxn = (size_t)p->n;
        }
        if (ok) {
            size_t bytes = sizeof(double) * (maxn > 0 ? maxn : 1) * ncomp;
            h->sbuf_lo = malloc(bytes);
            h->sbuf_hi = malloc(bytes);
            h->rbuf_lo = malloc(bytes);
            h->rbuf_hi = malloc(bytes);
            ok = h->sbuf_lo && h->sbuf_hi && h->rbuf_lo && h->rbuf_hi;
        }
    }
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (!ok) {
        ym_halo_free(h);
        return ym_status_agree(comm, YM_ERROR(YM_ENOMEM, "out of memory planning the halo exchange"));
    }
    *out = h;
    return YM_OK;
}

void ym_halo_free(ym_halo *h)
{
    if (!h) return;
    for (int mu = 0; mu < 4; ++mu) {
        free(h->d[mu].send_lo);
        free(h->d[mu].send_hi);
        free(h->d[mu].recv_lo);
        free(h->d[mu].recv_hi);
        free(h->d[mu].run);
    }
    free(h->sbuf_lo);
    free(h->sbuf_hi);
    free(h->rbuf_lo);
    free(h->rbuf_hi);
    free(h);
}

static void gather(const ym_halo *h, double *buf, const double *data, const int *idx, int n)
{
    size_t nc = h->ncomp, len = h->len;
    data += h->off;
    for (int k = 0; k < n; ++k) memcpy(buf + (size_t)k * len, data + (size_t)idx[k] * nc, len * sizeof(double));
}

static void scatter(const ym_halo *h, double *data, const double *buf, const int *idx, int n)
{
    size_t nc = h->ncomp, len = h->len;
    data += h->off;
    for (int k = 0; k < n; ++k) memcpy(data + (size_t)idx[k] * nc, buf + (size_t)k * len, len * sizeof(double));
}

static void local_copy(const ym_halo *h, const dir_plan *p, double *data)
{
    size_t nc = h->ncomp, len = h->len;
    if (len == nc) {
        for (int r = 0; r < p->nrun; ++r)
            memcpy(data + (size_t)p->run[3 * r] * nc, data + (size_t)p->run[3 * r + 1] * nc,
                   (size_t)p->run[3 * r + 2] * nc * sizeof(double));
        return;
    }
    data += h->off;
    for (int r = 0; r < p->nrun; ++r) {
        double *d = data + (size_t)p->run[3 * r] * nc;
        const double *s = data + (size_t)p->run[3 * r + 1] * nc;
        for (int k = 0; k < p->run[3 * r + 2]; ++k) memcpy(d + (size_t)k * nc, s + (size_t)k * nc, len * sizeof(double));
    }
}

static int post(ym_halo *h, int mu, double *data)
{
    const dir_plan *p = &h->d[mu];
    int cnt = (int)((size_t)p->n * h->len), rc = MPI_SUCCESS;
    gather(h, h->sbuf_lo, data, p->send_lo, p->n);
    gather(h, h->sbuf_hi, data, p->send_hi, p->n);
    /* Tags name the direction of travel, so that with two ranks in a
     * direction (lower neighbour == upper neighbour) the pairs stay apart. */
    rc |= MPI_Irecv(h->rbuf_lo, cnt, MPI_DOUBLE, p->nb_lo, 2 * mu + 1, h->comm, &h->req[0]);
    rc |= MPI_Irecv(h->rbuf_hi, cnt, MPI_DOUBLE, p->nb_hi, 2 * mu, h->comm, &h->req[1]);
    rc |= MPI_Isend(h->sbuf_lo, cnt, MPI_DOUBLE, p->nb_lo, 2 * mu, h->comm, &h->req[2]);
    rc |= MPI_Isend(h->sbuf_hi, cnt, MPI_DOUBLE, p->nb_hi, 2 * mu + 1, h->comm, &h->req[3]);
    h->pending = 1;
    return rc == MPI_SUCCESS ? YM_OK : YM_ERROR(YM_EMPI, "halo: posting messages in direction %d failed", mu);
}

static int complete(ym_halo *h, int mu, double *data)
{
    const dir_plan *p = &h->d[mu];
    int rc = MPI_Waitall(4, h->req, MPI_STATUSES_IGNORE);
    h->pending = 0;
    if (rc != MPI_SUCCESS) return YM_ERROR(YM_EMPI, "halo: exchange in direction %d failed", mu);
    scatter(h, data, h->rbuf_lo, p->recv_lo, p->n);
    scatter(h, data, h->rbuf_hi, p->recv_hi, p->n);
    return YM_OK;
}

static int start(ym_halo *h, double *data)
{
    int st = YM_OK;
    h->next = 0;
    /* Do the leading unsplit directions now and put the first split one in
     * flight; finish() does the rest, which depends on it through corners. */
    while (h->next < 4 && !h->d[h->next].split) local_copy(h, &h->d[h->next++], data);
    if (h->next < 4) st = post(h, h->next, data);
    return st;
}

int ym_halo_start(ym_halo *h, double *data)
{
    h->off = 0;
    h->len = h->ncomp;
    return start(h, data);
}

static int finish_local(ym_halo *h, double *data)
{
    int st = YM_OK;
    if (h->pending) st = complete(h, h->next++, data);
    while (st == YM_OK && h->next < 4) {
        if (!h->d[h->next].split) {
            local_copy(h, &h->d[h->next++], data);
        } else {
            st = post(h, h->next, data);
            if (st == YM_OK) st = complete(h, h->next++, data);
        }
    }
    return st;
}

int ym_halo_finish(ym_halo *h, double *data)
{
    return ym_status_agree(h->comm, finish_local(h, data));
}

int ym_halo_exchange_part(ym_halo *h, double *data, size_t off, size_t len)
{
    if (len == 0 || off + len > h->ncomp || off + len < off)
        return ym_status_agree(h->comm, YM_ERROR(YM_EINVAL, "halo: components [%zu, %zu) of %zu per site", off,
                                                 off + len, h->ncomp));
    h->off = off;
    h->len = len;
    int st = start(h, data);
    if (st == YM_OK) st = finish_local(h, data);
    return ym_status_agree(h->comm, st);
}

int ym_halo_exchange(ym_halo *h, double *data) { return ym_halo_exchange_part(h, data, 0, h->ncomp); }
