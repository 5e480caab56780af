// SPDX-License-Identifier: Apache-2.0
#pragma once
// System calls that return -errno instead of setting errno: for the sandbox's first process
// while it shares the launcher's memory and thread-local storage (launch/launcher.cpp), where
// errno is the launcher's too, and for the program's entry point (entry.cpp), which runs before
// TLS exists. Always inlined, so that entry.cpp's copy is compiled as entry.cpp is (without a
// stack protector, which reads TLS). x86-64 and aarch64 only; elsewhere k_raw_syscalls is false
// and callers do without.

#include <unistd.h>

#include <cerrno>

namespace sandbox::sys {

#if defined(__x86_64__)
inline constexpr bool k_raw_syscalls = true;

[[gnu::always_inline]] inline long raw_syscall(long number, long a1 = 0, long a2 = 0, long a3 = 0,
                                               long a4 = 0, long a5 = 0, long a6 = 0) noexcept {
  register long r10 asm("r10") = a4;
  register long r8 asm("r8") = a5;
  register long r9 asm("r9") = a6;
  asm volatile("syscall"
               : "+a"(number)
               : "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
               : "rcx", "r11", "memory");
  return number;
}
#elif defined(__aarch64__)
inline constexpr bool k_raw_syscalls = true;

[[gnu::always_inline]] inline long raw_syscall(long number, long a1 = 0, long a2 = 0, long a3 = 0,
                                               long a4 = 0, long a5 = 0, long a6 = 0) noexcept {
  register long x8 asm("x8") = number;
  register long x0 asm("x0") = a1;
  register long x1 asm("x1") = a2;
  register long x2 asm("x2") = a3;
  register long x3 asm("x3") = a4;
  register long x4 asm("x4") = a5;
  register long x5 asm("x5") = a6;
  asm volatile("svc 0"
               : "+r"(x0)
               : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
               : "memory");
  return x0;
}
#else
inline constexpr bool k_raw_syscalls = false;

inline long raw_syscall(long, long = 0, long = 0, long = 0, long = 0, long = 0, long = 0) noexcept {
  return -ENOSYS; // never called where k_raw_syscalls is false
}
#endif

// `number` through raw_syscall where there is one, else through libc's syscall(2): -errno on
// failure either way. For code that runs alongside a process that shares its errno (the
// launcher's processes, launch/launcher.cpp), which only the raw call leaves alone. Not for
// entry.cpp, which runs before libc may be called.
inline long syscall_returning_error(long number, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0,
                                    long a5 = 0, long a6 = 0) noexcept {
  if constexpr (k_raw_syscalls)
    return raw_syscall(number, a1, a2, a3, a4, a5, a6);
  const long ret = ::syscall(number, a1, a2, a3, a4, a5, a6);
  return ret == -1 ? -errno : ret;
}

} // namespace sandbox::sys
