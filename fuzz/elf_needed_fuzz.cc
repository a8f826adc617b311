// provenance::NeededLibraries on arbitrary bytes: the instance (often root) reads the ELF
// headers of every job's program, so no file may crash or hang it.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

#include "provenance/elf_needed.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = ::memfd_create("elf_needed_fuzz", MFD_CLOEXEC);
  if (fd < 0) return 0;
  size_t done = 0;
  while (done < size) {
    const ssize_t wrote = ::write(fd, data + done, size - done);
    if (wrote <= 0) break;
    done += static_cast<size_t>(wrote);
  }
  (void)converge::provenance::NeededLibraries(fd);
  ::close(fd);
  return 0;
}
