// ReturnFreeMemory: gives the heap's free pages back to the system (glibc's malloc_trim).
// glibc keeps what jobs freed (their parsed jobspecs, allocations, events) for reuse, so an
// instance that ran 100,000 jobs would otherwise keep the peak of its working set as its
// resident size. Costs a walk of the heap (milliseconds); call it now and then, not per job.
// Thread-safe (malloc's own locking).
#pragma once

namespace converge::instance {

void ReturnFreeMemory();

}  // namespace converge::instance
