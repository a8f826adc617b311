#include "provenance/elf_needed.h"

#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

namespace converge::provenance {
namespace {

constexpr size_t kMaxProgramHeaders = 256;
constexpr size_t kMaxDynamicEntries = 4096;
constexpr size_t kMaxName = 4096;

// Reads exactly `size` bytes at `offset`; an error when the file is shorter or unreadable.
Status ReadAt(int fd, uint64_t offset, void* out, size_t size, const char* what) {
  size_t done = 0;
  while (done < size) {
    const ssize_t got = ::pread(fd, static_cast<char*>(out) + done, size - done,
                                static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Status(Code::kInternal, std::string("read: ") + std::strerror(errno));
    if (got == 0) return Status::Invalid("elf", std::string(what) + " is past the end of file");
    done += static_cast<size_t>(got);
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> NeededLibraries(int fd) {
  Elf64_Ehdr header{};
  const ssize_t got = ::pread(fd, &header, sizeof header, 0);
  if (got < static_cast<ssize_t>(sizeof header) ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB) {
    return std::vector<std::string>();  // not a 64-bit little-endian ELF file: nothing to say
  }
  if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum > kMaxProgramHeaders) {
    return Status::Invalid("elf", "unusual program headers");
  }
  std::vector<Elf64_Phdr> segments(header.e_phnum);
  CONVERGE_RETURN_IF_ERROR(ReadAt(fd, header.e_phoff, segments.data(),
                                  segments.size() * sizeof(Elf64_Phdr), "the program headers"));
  const Elf64_Phdr* dynamic = nullptr;
  for (const Elf64_Phdr& segment : segments) {
    if (segment.p_type == PT_DYNAMIC) dynamic = &segment;
  }
  if (dynamic == nullptr) return std::vector<std::string>();  // static: links nothing
  const size_t count = std::min<size_t>(dynamic->p_filesz / sizeof(Elf64_Dyn),
                                        kMaxDynamicEntries);
  std::vector<Elf64_Dyn> entries(count);
  CONVERGE_RETURN_IF_ERROR(ReadAt(fd, dynamic->p_offset, entries.data(),
                                  entries.size() * sizeof(Elf64_Dyn), "the dynamic section"));
  uint64_t strtab = 0, strsz = 0;
  std::vector<uint64_t> needed;
  for (const Elf64_Dyn& entry : entries) {
    if (entry.d_tag == DT_NULL) break;
    if (entry.d_tag == DT_NEEDED) needed.push_back(entry.d_un.d_val);
    if (entry.d_tag == DT_STRTAB) strtab = entry.d_un.d_ptr;
    if (entry.d_tag == DT_STRSZ) strsz = entry.d_un.d_val;
  }
  if (needed.empty()) return std::vector<std::string>();
  // DT_STRTAB is an address: the loaded segment holding it says where it is in the file.
  uint64_t strtab_offset = 0;
  bool found = false;
  for (const Elf64_Phdr& segment : segments) {
    if (segment.p_type == PT_LOAD && strtab >= segment.p_vaddr &&
        strtab < segment.p_vaddr + segment.p_filesz) {
      strtab_offset = segment.p_offset + (strtab - segment.p_vaddr);
      found = true;
    }
  }
  if (!found) return Status::Invalid("elf", "the string table is in no loaded segment");
  std::vector<std::string> names;
  for (uint64_t name_offset : needed) {
    if (strsz > 0 && name_offset >= strsz) {
      return Status::Invalid("elf", "a name is past DT_STRSZ");
    }
    char buffer[kMaxName];
    const ssize_t read = ::pread(fd, buffer, sizeof buffer,
                                 static_cast<off_t>(strtab_offset + name_offset));
    if (read <= 0) return Status::Invalid("elf", "a name is past the end of file");
    const void* end = std::memchr(buffer, '\0', static_cast<size_t>(read));
    if (end == nullptr) return Status::Invalid("elf", "a name is not terminated");
    names.emplace_back(buffer, static_cast<const char*>(end) - buffer);
  }
  return names;
}

}  // namespace converge::provenance
