/* Private (not installed): the loop-action force by the generic path,
 * each link's loops walked one by one, which the fast kernels must
 * reproduce (tests/test_loopforce.c). */
#ifndef YM_ACTION_IMPL_H
#define YM_ACTION_IMPL_H

#include "ym_action.h"

/* ym_loop_action_force without the N = 2, 3 kernels. Collective. Errors:
 * those of ym_loop_action_force. */
int ym_loop_action_force_generic(const ym_loop_set *ls, ym_gauge *u, ym_field *z);

#endif
