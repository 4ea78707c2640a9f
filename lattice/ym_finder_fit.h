/* Private to the finder: least-squares fit of the BPST profile
 * P (rho^2 / ((d - delta)^2 + rho^2))^4 to values v at offsets d. */
#ifndef YM_FINDER_FIT_H
#define YM_FINDER_FIT_H

#include <stddef.h>

/* pts: 4 doubles per point (offsets from the peak site), val: the values.
 * out: delta[4], rho, P. Returns 0 when GSL converged to finite values with
 * rho > 0 and P > 0; nonzero otherwise (out then undefined). Local. */
int ym_finder_fit_bpst(size_t n, const double *pts, const double *val, double rho0, double peak0, double out[6]);

#endif
