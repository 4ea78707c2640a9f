/* Built-in integrators defined outside ym_integrator.c: each file adds its
 * type here, one line, and gets registered with the core set. */
#include "ym_integrator.h"

const ym_integrator_type *const ym_integrator_extra[] = {NULL};
const int ym_integrator_nextra = 0;
