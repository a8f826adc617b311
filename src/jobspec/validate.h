// Validate: the semantic rules of a Jobspec model, shared by Parse() and by code that builds
// a Jobspec by hand (e.g. FromShorthand).
//
// RFC 14 rules: version >= 1; at least one resource and one task; every vertex has a type and
// a count >= 1 (gpu may be 0, as flux writes for -g 0); ranges have min >= 1, max >= min,
// operator '+', '*' or '^', operand >= 1 ('*' and '^' need operand >= 2, '^' min >= 2);
// slots have a label and a non-empty `with`; labels are unique; memory units are known;
// task commands are non-empty; exactly one of per_slot / total / per_resource, each >= 1;
// duration finite and >= 0; constraints well formed.
// With `v1`, RFC 25 too: version == 1; exactly one resource shaped node->slot->(core[,gpu])
// or slot->(core[,gpu]) with integer counts (exclusive allowed on node and slot only);
// exactly one task, on that slot's label, counted per_slot: 1 or total >= 1.
// (That attributes.system.duration is *present* in V1 is a property of the text; Parse()
// checks it.) Errors are kInvalidArgument with the field path in where(). Pure.
#pragma once

#include "common/status.h"
#include "jobspec/jobspec.h"

namespace converge::jobspec {

Status Validate(const Jobspec& spec, bool v1);

}  // namespace converge::jobspec
