/* The Procrustes embedding of analytic signals into SU(K) links (ym_embed.h). */
#include "ym_embed.h"

#include "ym_grid.h"
#include "ym_hot.h"
#include "ym_status.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ym_embed_opts_default(ym_embed_opts *o)
{
    memset(o, 0, sizeof *o);
    o->K = 2;
    o->degenerate_tol = 1e-10;
}

int ym_embed_nwindows(int64_t nsamples, const ym_embed_opts *o)
{
    if (o->window < 1 || o->hop < 1 || nsamples < o->window)
        return 0;
    int64_t n = (nsamples - o->window) / o->hop + 1;
    return n > INT_MAX ? INT_MAX : (int)n;
}

int ym_embed_opts_resolve(ym_embed_opts *o, const ym_layout *l, const ym_recording *a)
{
    if (o->K < 2 || o->K > YM_NMAX)
        return YM_ERROR(YM_EINVAL, "embed: bands per site K = %d, must be 2..%d", o->K, YM_NMAX);
    if (o->window < 1 || o->hop < 1)
        return YM_ERROR(YM_EINVAL, "embed: window (%lld samples) and hop (%lld samples) must be >= 1",
                        (long long)o->window, (long long)o->hop);
    if (o->pad < 0 || o->groups < 0 || o->windows < 0 || !(o->degenerate_tol >= 0))
        return YM_ERROR(YM_EINVAL, "embed: negative padding, band groups, windows or tolerance");
    int nb = ym_recording_nbands(a);
    if (nb == 0)
        return YM_ERROR(YM_EINVAL, "embed: %s holds real samples; the embedding needs analytic signals "
                                   "(preprocess it first)",
                        ym_recording_source(a)[0] ? ym_recording_source(a) : "the recording");
    int groups = o->groups ? o->groups : nb / o->K;
    if (groups < 1 || (int64_t)groups * o->K > nb)
        return YM_ERROR(YM_EINVAL, "embed: %d band group(s) of K = %d bands need %lld bands, the recording has %d",
                        groups < 1 ? 1 : groups, o->K, (long long)(groups < 1 ? 1 : groups) * o->K, nb);
    int nw = ym_embed_nwindows(ym_recording_nsamples(a), o);
    if (nw < 1)
        return YM_ERROR(YM_EINVAL, "embed: the recording's %lld samples are shorter than one window (%lld)",
                        (long long)ym_recording_nsamples(a), (long long)o->window);
    if (o->windows > nw)
        return YM_ERROR(YM_EINVAL, "embed: %d windows asked, the recording holds %d", o->windows, nw);
    int windows = o->windows ? o->windows : nw;
    int nch = ym_recording_nchan(a);
    for (int y = 0; y < ym_layout_ny(l); y++)
        for (int x = 0; x < ym_layout_nx(l); x++)
            if (ym_layout_channel(l, x, y) >= nch)
                return YM_ERROR(YM_EINVAL, "embed: the layout puts channel %d at (%d, %d); the recording has %d "
                                           "channels (compact the layout and select its channels)",
                                ym_layout_channel(l, x, y), x, y, nch);
    int64_t ext[4] = {ym_layout_nx(l) + 2 * (int64_t)o->pad, ym_layout_ny(l) + 2 * (int64_t)o->pad,
                      groups > 1 ? groups + 2 * (int64_t)o->pad : 1, windows + 2 * (int64_t)o->pad};
    for (int mu = 0; mu < 4; mu++)
        if (ext[mu] > YM_LMAX)
            return YM_ERROR(YM_EINVAL, "embed: extent %lld in direction %d exceeds %d%s", (long long)ext[mu], mu,
                            YM_LMAX, mu == 3 ? " (use a longer hop, fewer windows or epochs)" : "");
    o->groups = groups;
    o->windows = windows;
    return YM_OK;
}

int ym_embed_dims(const ym_layout *l, const ym_recording *a, const ym_embed_opts *o, int L[4], int bc[4])
{
    ym_embed_opts r = *o;
    int st = ym_embed_opts_resolve(&r, l, a);
    if (st)
        return st;
    L[0] = ym_layout_nx(l) + 2 * r.pad;
    L[1] = ym_layout_ny(l) + 2 * r.pad;
    L[2] = r.groups > 1 ? r.groups + 2 * r.pad : 1;
    L[3] = r.windows + 2 * r.pad;
    for (int mu = 0; mu < 4; mu++)
        bc[mu] = YM_BC_OPEN;
    return YM_OK;
}

void ym_embed_site(const ym_layout *l, const ym_embed_opts *o, const int xg[4], int *channel, int *masked,
                   int *window, int *group)
{
    int p = o->pad, x = xg[0] - p, y = xg[1] - p, z = o->groups > 1 ? xg[2] - p : xg[2], w = xg[3] - p;
    int zmax = o->groups > 1 ? o->groups : 1;
    int inside = x >= 0 && y >= 0 && x < ym_layout_nx(l) && y < ym_layout_ny(l) && z >= 0 && z < zmax && w >= 0 &&
                 (o->windows < 1 || w < o->windows);
    if (!inside) {
        *channel = -1;
        *masked = 1;
        *window = -1;
        *group = -1;
        return;
    }
    *channel = ym_layout_channel(l, x, y);
    *masked = ym_layout_masked(l, x, y) || *channel < 0;
    *window = w;
    *group = z;
}

/* C_ij = sum_k a_i[offa + k] conj(b_j[offb + k]), k < len (complex samples).
 * One pass with K^2 independent accumulators: the sums are latency-bound
 * otherwise. The order of additions is fixed, so every process grid gets
 * the same bits. */
#define CORRELATE_K(KK)                                                                                        \
    do {                                                                                                       \
        double re[KK][KK] = {{0}}, im[KK][KK] = {{0}};                                                         \
        for (int64_t k = 0; k < len; k++) {                                                                    \
            double ar[KK], ai[KK], br[KK], bi[KK];                                                             \
            for (int i = 0; i < KK; i++) {                                                                     \
                ar[i] = creal(a[i][offa + k]);                                                                 \
                ai[i] = cimag(a[i][offa + k]);                                                                 \
                br[i] = creal(b[i][offb + k]);                                                                 \
                bi[i] = cimag(b[i][offb + k]);                                                                 \
            }                                                                                                  \
            for (int i = 0; i < KK; i++)                                                                       \
                for (int j = 0; j < KK; j++) {                                                                 \
                    re[i][j] += ar[i] * br[j] + ai[i] * bi[j];                                                 \
                    im[i][j] += ai[i] * br[j] - ar[i] * bi[j];                                                 \
                }                                                                                              \
        }                                                                                                      \
        for (int i = 0; i < KK; i++)                                                                           \
            for (int j = 0; j < KK; j++)                                                                       \
                C[i * KK + j] = re[i][j] + I * im[i][j];                                                       \
    } while (0)

#if defined(__GNUC__) && !defined(YM_PLAIN_KERNELS)
/* K = 2 with 4-double vectors along the samples (GCC/Clang extensions; two
 * SSE2 halves on the baseline, AVX in the x86-64-v3 clone). A vector holds
 * two consecutive complex samples (r, i, r', i') of one band, as stored, so
 * a pair of samples costs four loads and two in-lane swaps; the element-wise
 * products a_i b_j and a_i swap(b_j) accumulate, per lane, the four terms of
 * Re and Im of a_i conj(b_j) (r br, i bi, ... and r bi, i br, ...), which
 * the end combines in a fixed order: Re = (l0 + l1) + (l2 + l3), Im = (l1 -
 * l0) + (l3 - l2). An odd last sample goes to lanes 0 and 1 alone. FMA
 * contraction is switched off, so every CPU gets the same bits; the
 * additions are grouped differently from CORRELATE_K(2) (rounding-level
 * differences). Against the earlier vector form that broadcast each sample
 * into all four C_ij lanes, it does one shuffle per sample instead of
 * eight, which bound that loop. */
typedef double emb_v4 __attribute__((vector_size(32), aligned(8)));
#if defined(__clang__)
#define EMB_NOCONTRACT
#else
#define EMB_NOCONTRACT __attribute__((optimize("fp-contract=off")))
#endif
/* a macro, not a function: a 32-byte vector argument or return value would
 * change the ABI between the baseline and AVX clones */
#define EMB_SWAP(v) ((emb_v4){(v)[1], (v)[0], (v)[3], (v)[2]})
YM_HOT EMB_NOCONTRACT static void correlate2(const ym_cplx *const *a, const ym_cplx *const *b, int64_t offa,
                                            int64_t offb, int64_t len, ym_cplx *C)
{
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
    const double *a0 = (const double *)(a[0] + offa), *a1 = (const double *)(a[1] + offa);
    const double *b0 = (const double *)(b[0] + offb), *b1 = (const double *)(b[1] + offb);
    emb_v4 r00 = {0, 0, 0, 0}, r01 = r00, r10 = r00, r11 = r00, i00 = r00, i01 = r00, i10 = r00, i11 = r00;
#define EMB_ACC(A0, A1, B0, B1)                                                                      \
    do {                                                                                            \
        const emb_v4 S0 = EMB_SWAP(B0), S1 = EMB_SWAP(B1);                                          \
        r00 += A0 * B0, r01 += A0 * B1, r10 += A1 * B0, r11 += A1 * B1;                             \
        i00 += A0 * S0, i01 += A0 * S1, i10 += A1 * S0, i11 += A1 * S1;                             \
    } while (0)
    int64_t k = 0;
    for (; k + 2 <= len; k += 2) {
        /* fixed-size copies: one vector load each */
        emb_v4 A0, A1, B0, B1;
        memcpy(&A0, a0 + 2 * k, sizeof A0), memcpy(&A1, a1 + 2 * k, sizeof A1);
        memcpy(&B0, b0 + 2 * k, sizeof B0), memcpy(&B1, b1 + 2 * k, sizeof B1);
        EMB_ACC(A0, A1, B0, B1);
    }
    if (k < len) { /* the odd last sample, in lanes 0 and 1 */
        const emb_v4 A0 = {a0[2 * k], a0[2 * k + 1], 0, 0}, A1 = {a1[2 * k], a1[2 * k + 1], 0, 0};
        const emb_v4 B0 = {b0[2 * k], b0[2 * k + 1], 0, 0}, B1 = {b1[2 * k], b1[2 * k + 1], 0, 0};
        EMB_ACC(A0, A1, B0, B1);
    }
#undef EMB_ACC
    /* lanes of a b: (r br, i bi, r' br', i' bi'); of a swap(b): (r bi, i br, ...) */
#define EMB_RE(v) (((v)[0] + (v)[1]) + ((v)[2] + (v)[3]))
#define EMB_IM(v) (((v)[1] - (v)[0]) + ((v)[3] - (v)[2]))
    C[0] = EMB_RE(r00) + I * EMB_IM(i00);
    C[1] = EMB_RE(r01) + I * EMB_IM(i01);
    C[2] = EMB_RE(r10) + I * EMB_IM(i10);
    C[3] = EMB_RE(r11) + I * EMB_IM(i11);
#undef EMB_RE
#undef EMB_IM
#undef EMB_SWAP
}
#define CORRELATE_2() correlate2(a, b, offa, offb, len, C)
#else
#define CORRELATE_2() CORRELATE_K(2)
#endif

static void correlate(int K, const ym_cplx *const *a, const ym_cplx *const *b, int64_t offa, int64_t offb,
                      int64_t len, ym_cplx *C)
{
    switch (K) {
    case 2: CORRELATE_2(); break;
    case 3: CORRELATE_K(3); break;
    case 4: CORRELATE_K(4); break;
    default:
        for (int i = 0; i < K; i++)
            for (int j = 0; j < K; j++) {
                const ym_cplx *pa = a[i] + offa, *pb = b[j] + offb;
                double re = 0, im = 0;
                for (int64_t k = 0; k < len; k++) {
                    double ar = creal(pa[k]), ai = cimag(pa[k]), br = creal(pb[k]), bi = cimag(pb[k]);
                    re += ar * br + ai * bi;
                    im += ai * br - ar * bi;
                }
                C[i * K + j] = re + I * im;
            }
    }
}

/* The K bands of group z of channel ch; 0, or YM_ENUM when the source has
 * none (its message kept). */
static int bands(const ym_embed_src *src, int ch, int z, int K, const ym_cplx **p)
{
    for (int i = 0; i < K; i++)
        if (!(p[i] = (const ym_cplx *)src->band(src->ctx, ch, z * K + i)))
            return YM_ERROR(YM_ENUM, "no analytic signal for channel %d, band %d: %s", ch, z * K + i, ym_errmsg());
    return YM_OK;
}

static const double *rec_band(void *ctx, int ch, int b) { return ym_recording_cdata_ro(ctx, ch, b); }

int ym_embed_build(ym_gauge *u, const ym_layout *l, const ym_recording *a, const ym_embed_opts *o,
                   ym_field *degenerate, ym_embed_info *info)
{
    const ym_embed_src src = {rec_band, (void *)a};
    return ym_embed_build_src(u, l, a, &src, o, degenerate, info);
}

int ym_embed_build_src(ym_gauge *u, const ym_layout *l, const ym_recording *a, const ym_embed_src *src,
                       const ym_embed_opts *o, ym_field *degenerate, ym_embed_info *info)
{
    const ym_geom *g = ym_gauge_geom(u);
    const ym_grid *grid = ym_geom_grid(g);
    MPI_Comm comm = ym_grid_comm(grid);
    ym_embed_opts r = *o;
    int L[4], bc[4];
    int st = ym_embed_opts_resolve(&r, l, a);
    if (!st)
        st = ym_embed_dims(l, a, &r, L, bc);
    if (!st) {
        const int *GL = ym_grid_L(grid);
        for (int mu = 0; mu < 4 && !st; mu++)
            if (GL[mu] != L[mu] || ym_geom_bc(g, mu) != bc[mu])
                st = YM_ERROR(YM_EINVAL, "embed: the field's lattice %dx%dx%dx%d (boundaries %d%d%d%d) is not "
                                         "the embedding's %dx%dx%dx%d, open",
                              GL[0], GL[1], GL[2], GL[3], ym_geom_bc(g, 0), ym_geom_bc(g, 1), ym_geom_bc(g, 2),
                              ym_geom_bc(g, 3), L[0], L[1], L[2], L[3]);
    }
    if (!st && ym_gauge_N(u) != r.K)
        st = YM_ERROR(YM_EINVAL, "embed: the field is SU(%d), the embedding SU(%d)", ym_gauge_N(u), r.K);
    if (!st && degenerate && (ym_field_geom(degenerate) != g || ym_field_ncomp(degenerate) != 4))
        st = YM_ERROR(YM_EINVAL, "embed: the degenerate-link field needs 4 components on the field's geometry");
    st = ym_status_agree(comm, st);
    if (st)
        return st;

    const int K = r.K;
    const int64_t hop = r.hop, win = r.window;
    int64_t cnt[3] = {0, 0, 0}; /* links, degenerate, identity */
    /* every interior link is written below (a unit matrix where there is no
     * data); the halo is refreshed at the end, and beyond an open boundary
     * it is not read (ym_halo.h): no unit fill of the whole field first,
     * which cost a tenth of the rebuild */
    if (degenerate)
        ym_field_fill(degenerate, 0);
    /* Overlapping windows share samples: with g = gcd(hop, window), a window
     * is window/g consecutive blocks of g samples, and a column of sites
     * (fixed x, y, z, direction) sums each block once and each window from
     * its blocks. Blocks are aligned to sample 0, so the additions are the
     * same on every process grid. */
    int64_t gb = win, h = hop;
    while (h) {
        int64_t t = gb % h;
        gb = h;
        h = t;
    }
    const int64_t nbw = win / gb, bhop = hop / gb;
    const int use_blocks = nbw >= 2 && gb >= 4;
    const int *ll = ym_grid_local(grid);
    ym_cplx *B = NULL;
    if (use_blocks) {
        B = malloc(((size_t)(ll[3] - 1) * (size_t)bhop + (size_t)nbw) * (size_t)(K * K) * sizeof *B);
        if (!B)
            st = YM_ERROR(YM_ENOMEM, "embed: out of memory for window block sums");
    }
    st = ym_status_agree(comm, st);
    if (st)
        return st;
    const ym_cplx *pa[YM_NMAX], *pb[YM_NMAX];
    ym_cplx C[YM_NMAX * YM_NMAX];
    /* along a column the site index steps by the t stride and the global t
     * by one (interior sites do not wrap): no coordinate arithmetic per link */
    const unsigned char *ftab = ym_geom_flag_table(g);
    int str[4];
    ym_geom_strides(g, str);
    /* z innermost of the columns: a channel's links (x, y and every band
     * group) follow one another, and the next row's channels are the only
     * others asked for before it is done with, so a source that makes
     * channels on demand (ym_preproc_cache) holds a row and a few, not all */
    int pch = -1, pz = -1, pch2 = -1, pz2 = -1; /* the channels and groups in pa, pb */
    for (int ly = 0; ly < ll[1] && !st; ly++)
        for (int lx = 0; lx < ll[0] && !st; lx++)
            for (int lz = 0; lz < ll[2] && !st; lz++) {
                const int xl0[4] = {lx, ly, lz, 0};
                const int idx0 = ym_geom_index(g, xl0);
                int xg0[4];
                ym_geom_global_coords(g, idx0, xg0);
                for (int mu = 0; mu < 4 && !st; mu++) {
                    int64_t bstart = -1, bend = -1; /* blocks held in B */
                    for (int lt = 0; lt < ll[3] && !st; lt++) {
                        int idx = idx0 + lt * str[3], ch, m, w, z;
                        if (!(ftab[idx] & YM_GEOM_LINK(mu))) {
                            ym_su_unit(K, ym_gauge_link(u, idx, mu)); /* open boundary: not a link */
                            continue;
                        }
                        const int xg[4] = {xg0[0], xg0[1], xg0[2], xg0[3] + lt};
                        ym_embed_site(l, &r, xg, &ch, &m, &w, &z);
                        int xn[4] = {xg[0], xg[1], xg[2], xg[3]}, ch2, m2, w2, z2;
                        xn[mu]++;
                        ym_embed_site(l, &r, xn, &ch2, &m2, &w2, &z2);
                        if (m || m2) {
                            ym_su_unit(K, ym_gauge_link(u, idx, mu));
                            cnt[2]++;
                            continue;
                        }
                        if (ch != pch || z != pz || ch2 != pch2 || z2 != pz2) {
                            /* both again: a source's pointer outlives one other channel, not two */
                            st = bands(src, ch, z, K, pa);
                            if (!st) st = bands(src, ch2, z2, K, pb); /* for t: the same channel and group */
                            if (st) break;
                            pch = ch, pz = z, pch2 = ch2, pz2 = z2;
                        }
                        const int64_t shift = mu == 3 ? hop : 0, t0 = (int64_t)w * hop;
                        if (!use_blocks) {
                            correlate(K, pa, pb, t0, t0 + shift, win, C);
                        } else {
                            const int64_t b0 = (int64_t)w * bhop;
                            if (bstart < 0)
                                bstart = bend = b0;
                            for (; bend < b0 + nbw; bend++)
                                correlate(K, pa, pb, bend * gb, bend * gb + shift, gb,
                                          B + (size_t)(bend - bstart) * (size_t)(K * K));
                            for (int e = 0; e < K * K; e++) {
                                ym_cplx c = 0;
                                for (int64_t k = 0; k < nbw; k++)
                                    c += B[(size_t)(b0 + k - bstart) * (size_t)(K * K) + (size_t)e];
                                C[e] = c;
                            }
                        }
                        int dg;
                        st = ym_procrustes(K, C, r.degenerate_tol, ym_gauge_link(u, idx, mu), &dg);
                        cnt[0]++;
                        if (dg) {
                            cnt[1]++;
                            if (degenerate)
                                ym_field_site(degenerate, idx)[mu] = 1;
                        }
                    }
                }
            }
    free(B);
    if (st) {
        /* Say where, keeping the first message. */
        char msg[256];
        snprintf(msg, sizeof msg, "%s", ym_errmsg());
        ym_error_clear();
        st = YM_ERROR(st, "embed: %s", msg);
    }
    st = ym_status_agree(comm, st);
    if (!st)
        st = ym_gauge_halo_update(u);
    if (!st && degenerate)
        st = ym_field_halo_update(degenerate);
    if (!st && info) {
        long long tot[3] = {cnt[0], cnt[1], cnt[2]};
        if (MPI_Allreduce(MPI_IN_PLACE, tot, 3, MPI_LONG_LONG, MPI_SUM, comm) != MPI_SUCCESS)
            st = YM_ERROR(YM_EMPI, "embed: MPI_Allreduce of the link counts failed");
        info->links = tot[0];
        info->degenerate = tot[1];
        info->identity = tot[2];
    }
    return ym_status_agree(comm, st);
}

int64_t ym_embed_epoch_samples(double rate, double pre, double post)
{
    return (int64_t)llround((pre + post) * rate);
}

int ym_embed_epochs(const ym_recording *r, const char *label, double pre, double post, int64_t *first,
                    int *event_index, int max, int *n, int *skipped)
{
    *n = 0;
    if (skipped)
        *skipped = 0;
    double rate = ym_recording_rate(r);
    if (!isfinite(pre) || !isfinite(post) || !(pre + post > 0))
        return YM_ERROR(YM_EINVAL, "epochs: pre %g s + post %g s must be positive", pre, post);
    int64_t len = ym_embed_epoch_samples(rate, pre, post), ns = ym_recording_nsamples(r);
    if (len < 1)
        return YM_ERROR(YM_EINVAL, "epochs: %g s at %g Hz is shorter than one sample", pre + post, rate);
    for (int e = 0; e < ym_recording_nevents(r); e++) {
        const ym_rec_event *ev = ym_recording_event(r, e);
        if (label && strcmp(label, ev->label))
            continue;
        double f = (ev->onset - pre) * rate;
        int64_t s0 = fabs(f) < 9e18 ? (int64_t)llround(f) : -1;
        if (s0 < 0 || s0 > ns - len) {
            if (skipped)
                (*skipped)++;
            continue;
        }
        if (*n >= max)
            return YM_ERROR(YM_EINVAL, "epochs: more than %d events match%s%s", max, label ? " " : "",
                            label ? label : "");
        if (first)
            first[*n] = s0;
        if (event_index)
            event_index[*n] = e;
        (*n)++;
    }
    return YM_OK;
}
