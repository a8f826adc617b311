#include "instance/free_memory.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace converge::instance {

void ReturnFreeMemory() {
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

}  // namespace converge::instance
