/* ymflow solvers: list the registered solver types, actions and
 * integrators with their parameters. */
#include "cli.h"
#include "ym_action.h"
#include "ym_integrator.h"
#include "ym_solver.h"
#include "ym_status.h"

#include <string.h>

static const char *usage =
    "usage: ymflow solvers\n"
    "List every registered solver type, gauge action and integrator with its\n"
    "parameters (name=default) and a one-line description. The names are the\n"
    "values of the run-card keys flow.solver, flow.action and flow.integrator.\n";

int cmd_solvers(int argc, char **argv)
{
    cli_args a;
    cli_args_init(&a, argc, argv);
    while (cli_next(&a)) {
        if (a.key && (!strcmp(a.key, "h") || !strcmp(a.key, "help"))) {
            cli_print("%s", usage);
            return CLI_OK;
        }
        if (a.key) YM_ERROR(YM_EINVAL, "unknown option '%s' (see ymflow solvers --help)", argv[a.i]);
        else YM_ERROR(YM_EINVAL, "unexpected argument '%s'", a.value);
        return cli_fail("solvers", YM_EINVAL);
    }
    const ym_solver_type *st[YM_SOLVER_MAXREG];
    int ns = ym_solver_list(st, YM_SOLVER_MAXREG);
    cli_print("solvers:\n");
    for (int i = 0; i < ns && i < YM_SOLVER_MAXREG; ++i) {
        cli_print("  %-16s %s\n", ym_solver_type_name(st[i]), ym_solver_type_description(st[i]));
        for (int k = 0; k < ym_solver_type_nparams(st[i]); ++k) {
            double def;
            const char *desc;
            const char *nm = ym_solver_type_param(st[i], k, &def, &desc);
            char b[32];
            cli_print("  %-16s   %s=%s  %s\n", "", nm, cli_num(b, sizeof b, def), desc ? desc : "");
        }
        for (int k = 0; k < ym_solver_type_nsparams(st[i]); ++k) { /* string parameters, e.g. rym's metric */
            const char *def = "", *desc = NULL;
            const char *nm = ym_solver_type_sparam(st[i], k, &def, &desc);
            cli_print("  %-16s   %s=%s  %s\n", "", nm, def, desc ? desc : "");
        }
    }
    const ym_action_type *at[YM_ACTION_MAXREG];
    int na = ym_action_list(at, YM_ACTION_MAXREG);
    cli_print("actions:\n");
    for (int i = 0; i < na && i < YM_ACTION_MAXREG; ++i) {
        cli_print("  %-16s %s (halo depth %d)\n", at[i]->name, at[i]->description, at[i]->halo_depth);
        for (int k = 0; k < at[i]->nparams; ++k) {
            char b[32];
            cli_print("  %-16s   %s=%s  %s\n", "", at[i]->params[k].name, cli_num(b, sizeof b, at[i]->params[k].def),
                      at[i]->params[k].description ? at[i]->params[k].description : "");
        }
    }
    const ym_integrator_type *it[YM_INTEGRATOR_MAXREG];
    int ni = ym_integrator_list(it, YM_INTEGRATOR_MAXREG);
    cli_print("integrators:\n");
    for (int i = 0; i < ni && i < YM_INTEGRATOR_MAXREG; ++i)
        cli_print("  %-16s %s (order %d, %d stages%s)\n", it[i]->name, it[i]->description, it[i]->order,
                  it[i]->nstages, it[i]->adaptive ? ", adaptive: solver parameter tol" : "");
    return CLI_OK;
}
