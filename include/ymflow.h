/* Umbrella header of libymflow: include <ymflow/ymflow.h> and compile with mpicc.
 * It lives in include/, above lattice/, io/ and solvers/, whose headers it
 * includes (those folders never include upward). */
#ifndef YMFLOW_H
#define YMFLOW_H

#include "ym_status.h"
#include "ym_grid.h"
#include "ym_geom.h"
#include "ym_halo.h"
#include "ym_sum.h"
#include "ym_field.h"
#include "ym_rng.h"
#include "ym_su.h"
#include "ym_gauge.h"
#include "ym_curv.h"
#include "ym_instanton.h"
#include "ym_finder.h"
#include "ym_stats.h"
#include "ym_cluster.h"
#include "ym_raw.h"
#include "ym_format.h"
#include "ym_ildg.h"
#include "ym_nersc.h"
#include "ym_milc.h"
#include "ym_openqcd.h"
#include "ym_card.h"
#include "ym_recording.h"
#include "ym_activity.h"
#include "ym_improved.h"
#include "ym_cool.h"
#include "ym_smear.h"
#include "ym_action.h"
#include "ym_integrator.h"
#include "ym_solver.h"
#include "ym_measure.h"
#include "ym_preproc.h"
#include "ym_surrogate.h"
#include "ym_layout.h"
#include "ym_embed.h"

#endif
