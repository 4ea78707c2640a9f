/* Private to ym_action.c, included once per N (NN = 2, 3) after the
 * product kernels (nn, nna, loop4, negpack, negproj of that N): the force
 * of the rectangle actions (plaquette + 1x2 loops, no 2x2), built around
 * the corner products of each plane (mu < nu),
 *   V(c) = U_mu(c) U_nu(c+mu),   W(c) = U_nu(c) U_mu(c+nu).
 * The plaquette is V W^+, so its staples are free: the staple sums of the
 * two corners start as S_V = w0 W^+, S_W = w0 V^+. A 1x2 loop is a 4-sided
 * loop a b c^+ d^+ with one corner product per side pair,
 *   2 along mu at y: U_mu(y), V(y+mu), U_mu(y+mu+nu), W(y)
 *   2 along nu at y: V(y), U_nu(y+mu+nu), W(y+nu), U_nu(y)
 * (6 products for its 4 staples, loop4). S_V and S_W go to the two links
 * of their corner once complete (2 products each). Per site and plane:
 * 2 corners + 12 for the two 1x2 loops + 4 hand-overs = 18, so 108 + 4 for
 * Omega = 112 per site, against 134 with two-link sides (FK_LOOPS).
 * Everything is done in one sweep over the corners c in storage order:
 * at c, V(c) and W(c) are formed, then the 1x2 loops that end there (2
 * along mu at c - mu, 2 along nu at c - nu), then the sums S_W(c - mu) and
 * S_V(c - nu), which that completes, are handed over. So V and S_V of a
 * plane are kept for one nu-stride of corners, W and S_W for one mu-stride
 * (rings of stride + 1 slots, slot c mod (stride + 1)): 7 MB at 16^4
 * for the nu = x3 planes, kilobytes for the others. Sigma lives in a
 * three-slab ring (as in FK_LOOPS); a link has all its terms once the
 * corners one x3-slab above it are done, and its force is written there.
 * Only what reaches an interior link is formed (RKI below: a site of the
 * plane in the interior), so halo corners cost only their partial
 * loops, and every interior link receives its terms in an order fixed by
 * corner offset, plane and step: the same on every process grid. Needs a
 * halo of depth >= 2 (loop_prepare). */
#define RK_CAT_(a, b) a##b
#define RK_CAT(a, b) RK_CAT_(a, b)
#define RK(name) RK_CAT(name, NN)

/* t = w x^+ */
FK_INLINE void RK(dagw)(double *restrict t, const double *restrict x, double w)
{
    FK_UNROLL for (int i = 0; i < NN; ++i) FK_UNROLL for (int j = 0; j < NN; ++j)
    {
        t[2 * (i * NN + j)] = w * x[2 * (j * NN + i)];
        t[2 * (i * NN + j) + 1] = -w * x[2 * (j * NN + i) + 1];
    }
}

YM_HOT static int RK(rect_scatter)(const ym_geom *g, const double *ud, double *zd, double *kd, double A,
                                  const double wt[4])
{
    enum { S = 2 * NN * NN };
    const int *l = ym_grid_local(ym_geom_grid(g)), dep = ym_geom_depth(g);
    const int ns = ym_geom_nsites(g);
    int st[4];
    ym_geom_strides(g, st);
    const int e[3] = {l[0] + 2 * dep, l[1] + 2 * dep, l[2] + 2 * dep}; /* the x3-slab */
    const int ss = e[0] * e[1] * e[2], R = 3 * ss;
    const size_t nr = (size_t)R * 4 * S;
    if (nr > INT_MAX) /* ring offsets are ints */
        return YM_ERROR(YM_EINVAL, "loop force: local block too large (%d sites per x3-slab)", ss);
    /* corner rings: ring class k has stride[k] + 1 slots of [X | S_X] */
    size_t rl[4], ringsz = 0;
    for (int k = 0; k < 4; ++k) rl[k] = (size_t)st[k] + 1;
    static const int pm[6] = {0, 0, 0, 1, 1, 2}, pn[6] = {1, 2, 3, 2, 3, 3};
    size_t offV[6], offW[6];
    for (int p = 0; p < 6; ++p) {
        offV[p] = ringsz, ringsz += rl[pn[p]] * 2 * S;
        offW[p] = ringsz, ringsz += rl[pm[p]] * 2 * S;
    }
    const size_t nbytes = (nr + ringsz) * sizeof(double) + sizeof(int) * (size_t)ns;
    double *sg = ym_geom_workspace(g, nbytes);
    if (!sg) return YM_ERROR(YM_ENOMEM, "loop force: out of memory (%zu MB)", nbytes >> 20);
    double *cr = sg + nr;
    int *rix = (int *)(cr + ringsz);
    memset(sg, 0, nr * sizeof(double)); /* Sigma starts at zero; the corner rings are written first */
    for (int i = 0; i < ns; ++i) rix[i] = (i % R) * 4 * S;
    /* with equal 1x2 weights (the rectangle family) the sums are kept in
     * units of that weight, so the loops need no scaling: Omega = u U Sigma */
    const double unit = wt[1] == wt[2] && wt[1] != 0 ? wt[1] : 1.0;
    const double w0 = wt[0] / unit, wm = wt[2] / unit, wn = wt[1] / unit;
    int x[4];
    for (x[3] = -dep; x[3] < l[3] + dep; ++x[3]) {
        for (x[2] = -dep; x[2] < l[2] + dep; ++x[2])
            for (x[1] = -dep; x[1] < l[1] + dep; ++x[1]) {
                int r[4] = {-dep, x[1], x[2], x[3]};
                const int base = ym_geom_index(g, r) + dep;
                unsigned orow = 0;
                for (int m = 1; m < 4; ++m) orow |= (x[m] < 0 || x[m] >= l[m]) ? 1u << m : 0u;
                size_t slot[4], back[4]; /* c mod rl[k] and (c - stride[k]) mod rl[k] */
                for (int k = 0; k < 4; ++k) slot[k] = (size_t)(base - dep) % rl[k];
                for (x[0] = -dep; x[0] < l[0] + dep; ++x[0]) {
                    const int c = base + x[0];
                    const unsigned out = orow | ((x[0] < 0 || x[0] >= l[0]) ? 1u : 0u);
                    for (int k = 0; k < 4; ++k) back[k] = slot[k] + 1 == rl[k] ? 0 : slot[k] + 1;
                    if (!(out & (out - 1))) {
                        /* what the corners a few sites on will first read one x3-slab
                         * down (links, Sigma, the nu = x3 corner rings) and up (links,
                         * Sigma): a third of the kernel's samples waited on these loads */
                        const int cp = c + 3, lo = cp - ss, hi = cp + ss;
                        if (lo >= 0 && hi < ns) {
                            ymi_prefetch(L(lo, 0), 4 * S), ymi_prefetch(SG(lo, 0), 4 * S);
                            ymi_prefetch(L(lo + st[1], 3), S), ymi_prefetch(SG(lo + st[1], 3), S);
                            ymi_prefetch(L(lo + st[2], 3), S), ymi_prefetch(SG(lo + st[2], 3), S);
                            ymi_prefetch(L(cp + st[2], 0), 4 * S), ymi_prefetch(SG(cp + st[2], 0), 4 * S);
                            ymi_prefetch(L(cp + st[1], 0), 4 * S), ymi_prefetch(SG(cp + st[1], 0), 4 * S);
                            ymi_prefetch(L(hi, 0), 3 * S), ymi_prefetch(SG(hi, 0), 3 * S);
                            size_t sb = back[3] + 3 >= rl[3] ? back[3] + 3 - rl[3] : back[3] + 3;
                            static const int p3[3] = {2, 4, 5}; /* the planes (mu, 3) */
                            for (int q = 0; q < 3; ++q) ymi_prefetch(cr + offV[p3[q]] + sb * 2 * S, 2 * S);
                        }
                    }
                    for (int p = 0; p < 6; ++p) {
                            const int mu = pm[p], nu = pn[p];
                            if (out & ~((1u << mu) | (1u << nu))) continue;
                            const int xm = x[mu], xn = x[nu], lm = l[mu], ln = l[nu];
                            /* RKI(a, b): the site c + a e_mu + b e_nu is interior */
#define RKI(a, b) ((unsigned)(xm + (a)) < (unsigned)lm && (unsigned)(xn + (b)) < (unsigned)ln)
                            const int nV0 = RKI(0, 0) || RKI(1, 0), nW0 = RKI(0, 0) || RKI(0, 1);
                            const int nVb = RKI(0, -1) || RKI(1, -1), nWb = RKI(-1, 0) || RKI(-1, 1); /* at c - nu, c - mu */
                            /* 2 along mu at c - mu, 2 along nu at c - nu: a staple reaches an interior link */
                            const int rmu = wm != 0 && (RKI(-1, 0) || nV0 || RKI(0, 1) || nWb);
                            const int rnu = wn != 0 && (nVb || RKI(1, 0) || nW0 || RKI(0, -1));
                            /* the same for the loops starting at c (done at c + mu, c + nu) */
                            const int rmu0 = wm != 0 && (RKI(0, 0) || RKI(1, 0) || RKI(2, 0) || RKI(1, 1) || nW0);
                            const int rnu0 = wn != 0 && (nV0 || RKI(1, 1) || RKI(0, 1) || RKI(0, 2) || RKI(0, 0));
                            const int needV = nW0 || rmu || rnu0, needW = nV0 || rnu || rmu0;
                            if (!(needV || needW || nWb || nVb)) continue;
                            const int cm = c + st[mu], cn = c + st[nu];
                            double *V = cr + offV[p] + slot[nu] * 2 * S, *SV = V + S;
                            double *W = cr + offW[p] + slot[mu] * 2 * S, *SW = W + S;
                            double *Vb = cr + offV[p] + back[nu] * 2 * S, *SVb = Vb + S; /* at c - nu */
                            double *Wb = cr + offW[p] + back[mu] * 2 * S, *SWb = Wb + S; /* at c - mu */
                            if (needV) RK(nn)(V, L(c, mu), L(cm, nu));
                            if (needW) RK(nn)(W, L(c, nu), L(cn, mu));
                            if (nV0) RK(dagw)(SV, W, w0);
                            if (nW0) RK(dagw)(SW, V, w0);
                            if (rmu) {
                                const int y = c - st[mu];
                                RK(loop4)(L(y, mu), V, L(cn, mu), Wb, wm, RKI(-1, 0) ? SG(y, mu) : NULL, nV0 ? SV : NULL,
                                          RKI(0, 1) ? SG(cn, mu) : NULL, nWb ? SWb : NULL);
                            }
                            if (rnu) {
                                const int y = c - st[nu];
                                RK(loop4)(Vb, L(cm, nu), W, L(y, nu), wn, nVb ? SVb : NULL, RKI(1, 0) ? SG(cm, nu) : NULL,
                                          nW0 ? SW : NULL, RKI(0, -1) ? SG(y, nu) : NULL);
                            }
                            if (nWb) { /* W(y) = U_nu(y) U_mu(y+nu), y = c - mu */
                                const int y = c - st[mu], yn = y + st[nu];
                                if (RKI(-1, 0)) RK(nna)(SG(y, nu), L(yn, mu), SWb);
                                if (RKI(-1, 1)) RK(nna)(SG(yn, mu), SWb, L(y, nu));
                            }
                            if (nVb) { /* V(y) = U_mu(y) U_nu(y+mu), y = c - nu */
                                const int y = c - st[nu], ym = y + st[mu];
                                if (RKI(0, -1)) RK(nna)(SG(y, mu), L(ym, nu), SVb);
                                if (RKI(1, -1)) RK(nna)(SG(ym, nu), SVb, L(y, mu));
                            }
#undef RKI
                        }
                    /* the link one x3-slab down has all its terms now (the last
                     * come from corners at most e3 above it): Omega = U Sigma
                     * while its sums are still in cache */
                    const int k3 = x[3] - 1;
                    if (!(out & 7u) && k3 >= 0 && k3 < l[3]) {
                        const int y = c - ss;
                        const size_t i = ((((size_t)k3 * l[2] + x[2]) * l[1] + x[1]) * l[0]) + x[0];
                        for (int mu = 0; mu < 4; ++mu) {
                            double om[S];
                            RK(nn)(om, L(y, mu), SG(y, mu));
                            if (unit != 1.0) FK_UNROLL for (int j = 0; j < S; ++j) om[j] *= unit;
                            if (kd) RK(negpack)(kd + (i * 4 + mu) * NN * NN, om, A);
                            else RK(negproj)(zd + ((size_t)y * 4 + mu) * S, om);
                        }
                        memset(SG(y, 0), 0, 4 * S * sizeof(double));
                    }
                    for (int k = 0; k < 4; ++k) slot[k] = back[k];
                }
            }
    }
    return YM_OK;
}

#undef RK
#undef RK_CAT
#undef RK_CAT_
