/*
 * libvcpu - a state dump for diagnostics: every supported VMCS component by
 * name and value, grouped by type, then the registers outside the VMCS and
 * the booking info; as aligned text or as one JSON object.
 */
#include "core.h"
#include "fmt.h"

typedef void (*print_fn)(void *ctx, const char *line);

static void dump_vmcs(struct vcpu *vcpu, enum vcpu_dump_format format, print_fn print, void *ctx)
{
	char line[128];
	bool first = true;

	for (unsigned type = VMCS_TYPE_CONTROL; type <= VMCS_TYPE_HOST; type++) {
		if (format == VCPU_DUMP_TEXT) {
			fmt_snprintf(line, sizeof(line), "-- %s fields --", vmcs_type_name((enum vmcs_type)type));
			print(ctx, line);
		}
		for (unsigned slot = 0; slot < VMCS_NR_FIELD_SLOTS; slot++) {
			uint32_t field = vmcs_slot_field(slot);
			uint64_t v;

			if (vmcs_field_type(field) != type || !slot_set_has(&vcpu->vm->supported, slot) ||
			    vmcs_get(vcpu, slot, &v) < 0)
				continue;
			if (format == VCPU_DUMP_TEXT)
				fmt_snprintf(line, sizeof(line), "%-32s (0x%04x) 0x%016llx",
					     vmcs_field_name(field), field, (unsigned long long)v);
			else
				fmt_snprintf(line, sizeof(line), "%s\"%s\": \"0x%llx\"", first ? "" : ",",
					     vmcs_field_name(field), (unsigned long long)v);
			first = false;
			print(ctx, line);
		}
	}
}

static void dump_regs(struct vcpu *vcpu, enum vcpu_dump_format format, print_fn print, void *ctx)
{
	char line[128];
	uint64_t v;

	if (format == VCPU_DUMP_TEXT)
		print(ctx, "-- registers outside the VMCS (and the guest's view of CRs) --");
	for (unsigned reg = 0; reg < VCPU_NR_REGS; reg++) {
		if (vcpu_get_reg(vcpu, (enum vcpu_reg)reg, &v) < 0)
			continue;
		if (format == VCPU_DUMP_TEXT)
			fmt_snprintf(line, sizeof(line), "%-32s 0x%016llx", vcpu_reg_name((enum vcpu_reg)reg),
				     (unsigned long long)v);
		else
			fmt_snprintf(line, sizeof(line), "%s\"%s\": \"0x%llx\"", reg ? "," : "",
				     vcpu_reg_name((enum vcpu_reg)reg), (unsigned long long)v);
		print(ctx, line);
	}
	for (unsigned cr = 0; cr <= 8; cr++) {
		if (vcpu_get_cr(vcpu, cr, &v) < 0)
			continue;
		if (format == VCPU_DUMP_TEXT)
			fmt_snprintf(line, sizeof(line), "CR%u (guest view)%-15s 0x%016llx", cr, "",
				     (unsigned long long)v);
		else
			fmt_snprintf(line, sizeof(line), ",\"CR%u\": \"0x%llx\"", cr, (unsigned long long)v);
		print(ctx, line);
	}
}

int vcpu_dump(struct vcpu *vcpu, enum vcpu_dump_format format, print_fn print, void *ctx)
{
	char line[192];
	struct vcpu_booking b;

	if (!vcpu || !print || (format != VCPU_DUMP_TEXT && format != VCPU_DUMP_JSON))
		return VCPU_EINVAL;
	vcpu_get_booking(vcpu, &b);
	if (format == VCPU_DUMP_TEXT) {
		fmt_snprintf(line, sizeof(line),
			     "VCPU %u on %s: state %s, logical CPU %d, %s, %llu entries, %llu exits",
			     b.id, vcpu->vm->ops->name, vcpu_state_name(b.state), b.pcpu,
			     b.launched ? "launched" : "clear", (unsigned long long)b.entries,
			     (unsigned long long)b.exits);
		print(ctx, line);
		if (b.state == VCPU_STATE_DESTROYED)
			return 0;
		dump_vmcs(vcpu, format, print, ctx);
		dump_regs(vcpu, format, print, ctx);
		return 0;
	}
	fmt_snprintf(line, sizeof(line),
		     "{\"vcpu\": %u, \"backend\": \"%s\", \"state\": \"%s\", \"pcpu\": %d, "
		     "\"launched\": %s, \"entries\": %llu, \"exits\": %llu,",
		     b.id, vcpu->vm->ops->name, vcpu_state_name(b.state), b.pcpu,
		     b.launched ? "true" : "false", (unsigned long long)b.entries,
		     (unsigned long long)b.exits);
	print(ctx, line);
	if (b.state != VCPU_STATE_DESTROYED) {
		print(ctx, "\"vmcs\": {");
		dump_vmcs(vcpu, format, print, ctx);
		print(ctx, "}, \"regs\": {");
		dump_regs(vcpu, format, print, ctx);
		print(ctx, "}");
	} else {
		print(ctx, "\"vmcs\": {}, \"regs\": {}");
	}
	print(ctx, "}");
	return 0;
}
