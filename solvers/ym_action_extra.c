/* Built-in actions defined outside ym_action.c: each file adds its type
 * here, one line, and gets registered with the core set. */
#include "ym_action.h"

extern const ym_action_type ym_action_overimproved_rect; /* ym_zeuthen.c */
extern const ym_action_type ym_action_zeuthen;           /* ym_zeuthen.c */

const ym_action_type *const ym_action_extra[] = {&ym_action_overimproved_rect, &ym_action_zeuthen};
const int ym_action_nextra = sizeof ym_action_extra / sizeof ym_action_extra[0];
