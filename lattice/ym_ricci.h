/* Geometry of a lattice metric from one difference jet (RYM.md §1.1).
 *
 * At each site the jet (g, Dg, DDg) is taken once from the metric field:
 *   D_a g  = [g(x+a) - g(x-a)]/2,  DD_aa g = g(x+a) - 2g(x) + g(x-a),
 *   DD_ab g = [g(x+a+b) - g(x+a-b) - g(x-a+b) + g(x-a-b)]/4   (a != b),
 * and the Christoffel symbols, their derivatives, the Ricci tensor, R, the
 * DeTurck vector W^k = g^pq Gamma^k_pq (flat background) and L_W g are then
 * evaluated pointwise and algebraically from it, with
 * d_a g^kl = -g^kp (D_a g)_pq g^ql. Nothing derived is differenced again,
 * which is what makes the linearised Ricci–DeTurck flow exactly the 3-point
 * Laplacian per component (RYM.md §1.1).
 *
 * Open directions (see lattice/README.md): at a site whose neighbour x-a or
 * x+a is not part of the lattice the jet is mirrored (the missing neighbour
 * is replaced by the one across x), i.e. a Neumann edge: D_a g = 0,
 * DD_aa g = 2[g(x+-a) - g(x)], DD_ab g = 0 for b != a. The stencils are
 * written as differences from g(x), so a constant metric gives an exactly
 * zero jet. Open directions need L >= 2.
 */
#ifndef YM_RICCI_H
#define YM_RICCI_H

#include "ym_field.h"

/* The jet at one site: dg[a] = D_a g, ddg[a][b] = DD_ab g (symmetric in a, b). */
typedef struct {
    double g[4][4];
    double dg[4][4][4];
    double ddg[4][4][4][4];
} ym_ricci_jet;

/* Pointwise geometry from a jet. */
typedef struct {
    double ginv[4][4];
    double detg;
    double gam[4][4][4]; /* Gamma^k_ij as gam[k][i][j] */
    double ric[4][4];    /* Ricci tensor Rc_ij (symmetrised) */
    double R;            /* g^ij Rc_ij */
    double W[4];         /* DeTurck vector W^k */
    double lwg[4][4];    /* (L_W g)_ij (symmetrised) */
} ym_ricci_geo;

/* Evaluate the geometry of a jet. Local. Returns 1, or 0 (out unset) if
 * jet->g is not positive definite; records no message, so that callers can
 * name the site. */
int ym_ricci_eval(const ym_ricci_jet *jet, ym_ricci_geo *out);

/* The Ricci-DeTurck velocity k = -2 Rc + L_W g of a jet, in Shi's form
 * g^ab DD_ab g + Q(g^-1, Dg) (equal to ym_ricci_eval's -2 ric + lwg to
 * rounding, at half its cost; k symmetric). Local. Returns 1, or 0 (k unset)
 * if jet->g is not positive definite. */
int ym_ricci_deturck(const ym_ricci_jet *jet, double k[4][4]);

typedef struct ym_ricci ym_ricci;

/* Plan the jets of metric fields on geometry g: checks that every stencil
 * stays inside the stored block (the RK3 workspace, two metric-sized
 * fields, is made by the first ym_ricci_step_rk3). deturck: 1 for -2Rc + L_W g (Ricci–DeTurck,
 * the default of the flow), 0 for plain -2Rc. Collective. Errors: YM_EINVAL
 * (an open direction with L < 2), YM_ENOMEM. The geometry must outlive the plan. */
int ym_ricci_create(ym_ricci **out, const ym_geom *g, int deturck);
/* NULL-safe. Local. */
void ym_ricci_free(ym_ricci *r);
/* Switch the DeTurck term on (1) or off (0). Local. */
void ym_ricci_set_deturck(ym_ricci *r, int deturck);

/* The jet at storage site idx (an interior site) of metric field g, whose
 * halo must be up to date. Local. */
void ym_ricci_jet_at(const ym_ricci *r, ym_field *g, int idx, ym_ricci_jet *jet);

/* K = -2 Rc(g) [+ L_W g] at every interior site (halo of K untouched);
 * updates g's halo first. Collective. Errors: YM_EINVAL (field shapes),
 * YM_ENUM (g not positive definite at a site, named in the message), YM_EMPI. */
int ym_ricci_rhs(ym_ricci *r, ym_field *g, ym_field *K);

/* ym_ricci_rhs, also handing over what it computes at every site on the way:
 * out[YM_RICCI_NGEO * i + c] = (g^-1)_c (the ten packed components of
 * ym_metric_comp) and out[YM_RICCI_NGEO * i + 10] = det g, for the i-th
 * interior site (ym_geom_interior order); out may be NULL. The coupled
 * flow's gauge action needs both at the same metric (ym_hybrid). Collective. */
#define YM_RICCI_NGEO 11
int ym_ricci_rhs_geo(ym_ricci *r, ym_field *g, ym_field *K, double *out);

/* One step of the pure metric flow dg/dt = -2Rc [+ L_W g] with Lüscher's
 * third-order 2N-storage Runge–Kutta tableau (RYM.md §1.3). Collective.
 * Errors: as ym_ricci_rhs, YM_EINVAL (dt not finite), YM_ENOMEM. On error g holds
 * a partially advanced field. */
int ym_ricci_step_rk3(ym_ricci *r, ym_field *g, double dt);

#endif
