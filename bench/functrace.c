// SPDX-License-Identifier: Apache-2.0
// For bench/hot-functions.sh: linked into a build compiled with -finstrument-functions, it
// records the address of every function of sandbox the first time it runs, in that order, and
// the launcher writes them (as offsets from the load address) to $SANDBOX_FUNCTRACE when it
// exits. Pid 1 and the command (before its exec) share the launcher's memory and so record into
// the same table; they never write it out. Nothing here may be instrumented or allocate, and
// it may run before the program is relocated: plain statics, atomics and raw writes only.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SLOTS (1u << 16)
static uintptr_t seen[SLOTS];
static uintptr_t order[SLOTS];
static unsigned count;
extern const char __ehdr_start __attribute__((visibility("hidden")));

__attribute__((no_instrument_function)) void __cyg_profile_func_enter(void *fn, void *site) {
  (void)site;
  uintptr_t key = (uintptr_t)fn;
  for (unsigned i = (unsigned)(key >> 4) * 2654435761u % SLOTS, n = 0; n < SLOTS;
       i = (i + 1) % SLOTS, ++n) {
    uintptr_t current = __atomic_load_n(&seen[i], __ATOMIC_ACQUIRE);
    if (current == key)
      return;
    if (current == 0) {
      uintptr_t expected = 0;
      if (__atomic_compare_exchange_n(&seen[i], &expected, key, 0, __ATOMIC_ACQ_REL,
                                      __ATOMIC_ACQUIRE)) {
        order[__atomic_fetch_add(&count, 1, __ATOMIC_ACQ_REL) % SLOTS] = key;
        return;
      }
      if (expected == key)
        return;
    }
  }
}

__attribute__((no_instrument_function)) void __cyg_profile_func_exit(void *fn, void *site) {
  (void)fn;
  (void)site;
}

__attribute__((no_instrument_function, destructor)) static void write_trace(void) {
  const char *path = getenv("SANDBOX_FUNCTRACE");
  if (path == NULL)
    return;
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return;
  char line[32];
  unsigned n = __atomic_load_n(&count, __ATOMIC_ACQUIRE);
  for (unsigned i = 0; i < n && i < SLOTS; ++i) {
    int len =
        snprintf(line, sizeof line, "%lx\n", (unsigned long)(order[i] - (uintptr_t)&__ehdr_start));
    if (write(fd, line, (size_t)len) != len)
      break;
  }
  (void)write(fd, "-\n", 2);
  close(fd);
}
