/*
 * vmxhost: the scenario groups, in the order they run; one line each.
 * SCENARIO_GROUP(g) names the group a scenario_<g>.c defines with
 * SCENARIOS(g, ...) (see scenario.h). No include guard: included twice.
 */
SCENARIO_GROUP(host)
SCENARIO_GROUP(cpu)
SCENARIO_GROUP(libvcpu)
/* Groups on the raw VMX backend, built where src/backend-vmx-raw is. */
#ifdef LIBVCPU_HAVE_VMX_RAW
SCENARIO_GROUP(vmx_exits)
SCENARIO_GROUP(vmx_entry)
SCENARIO_GROUP(vmx_realmode)
#endif
