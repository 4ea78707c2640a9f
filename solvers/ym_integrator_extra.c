/* Built-in integrators defined outside ym_integrator.c: each file adds its
 * type here, one line, and gets registered with the core set. */
#include "ym_integrator.h"

extern const ym_integrator_type ym_integrator_bs32; /* ym_bs32.c */

const ym_integrator_type *const ym_integrator_extra[] = {&ym_integrator_bs32};
const int ym_integrator_nextra = sizeof ym_integrator_extra / sizeof ym_integrator_extra[0];
