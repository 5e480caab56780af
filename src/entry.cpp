// SPDX-License-Identifier: Apache-2.0
// The entry point of the static-PIE `sandbox` (src/CMakeLists.txt), run before glibc's _start.
//
// glibc's first act in a static PIE is to relocate the program: it writes a pointer into every
// page of the relocated read-only data (vtables, tables of names; about 17 pages) and .data,
// and each first write is a copy-on-write fault; on the VMs we measure on a fault costs ~15 us
// and mapping the same pages in ahead with MADV_POPULATE_WRITE a few us each. So the writable
// segments are mapped in with one call each, first. Nothing here may need relocating or TLS
// (no globals through pointers, no stack protector, no libc): it runs before either exists.
#include <elf.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <cstdint>

extern "C" {
// The program's own ELF header, which the linker places at its load address (the linker's
// name for it).
extern const Elf64_Ehdr
    __ehdr_start // NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)
    __attribute__((visibility("hidden")));
}

namespace {

__attribute__((no_stack_protector)) long raw_madvise(std::uintptr_t addr, std::uintptr_t length,
                                                     long advice) {
  long ret = SYS_madvise;
  asm volatile("syscall"
               : "+a"(ret)
               : "D"(addr), "S"(length), "d"(advice)
               : "rcx", "r11", "memory");
  return ret;
}

} // namespace

// Called by sandbox_entry below. Best effort: a kernel before 5.14 refuses the advice
// (EINVAL), and the pages fault in as before.
extern "C" [[gnu::visibility("hidden")]] void sandbox_populate_writable_segments();

extern "C" __attribute__((no_stack_protector, used)) void sandbox_populate_writable_segments() {
  constexpr std::uintptr_t page = 4096;
  const auto base = reinterpret_cast<std::uintptr_t>(&__ehdr_start);
  const auto *segments = reinterpret_cast<const Elf64_Phdr *>(base + __ehdr_start.e_phoff);
  for (unsigned i = 0; i < __ehdr_start.e_phnum; ++i) {
    const Elf64_Phdr &segment = segments[i];
    if (segment.p_type != PT_LOAD || (segment.p_flags & PF_W) == 0)
      continue;
    const std::uintptr_t first = (base + segment.p_vaddr) & ~(page - 1);
    const std::uintptr_t end = (base + segment.p_vaddr + segment.p_memsz + page - 1) & ~(page - 1);
    (void)raw_madvise(first, end - first, MADV_POPULATE_WRITE);
  }
}

// The kernel enters here with the stack as _start expects it; %rdx (the dynamic loader's exit
// hook, 0 from the kernel) is zeroed again for _start after the call.
asm(R"(
  .text
  .globl sandbox_entry
  .hidden sandbox_entry
  .type sandbox_entry, @function
sandbox_entry:
  endbr64
  call sandbox_populate_writable_segments
  xor %edx, %edx
  jmp _start
  .size sandbox_entry, . - sandbox_entry
)");
