/* Private (not installed): the hybrid/clover force by the run-time-N path,
 * which the N = 2, 3 kernels of ym_hybrid_force must reproduce
 * (tests/test_hybrid_fast.c). */
#ifndef YM_HYBRID_IMPL_H
#define YM_HYBRID_IMPL_H

#include "ym_hybrid.h"

/* ym_hybrid_force without the N = 2, 3 kernels. Collective. Errors: those
 * of ym_hybrid_force. */
int ym_hybrid_force_generic(ym_hybrid *h, ym_gauge *u, ym_field *g, ym_field *z);

#endif
