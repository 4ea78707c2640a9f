/* Built-in actions defined outside ym_action.c: each file adds its type
 * here, one line, and gets registered with the core set. */
#include "ym_action.h"

const ym_action_type *const ym_action_extra[] = {NULL};
const int ym_action_nextra = 0;
