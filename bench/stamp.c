// SPDX-License-Identifier: Apache-2.0
// bench/stages.sh: spawns argv[1..] and prints "stage T0-spawn NS" and "stage T1-waited NS"
// (CLOCK_MONOTONIC) around it, to frame the stage lines a SANDBOX_STAGE_CLOCK build prints.
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: stamp PROGRAM [ARG...]\n");
    return 2;
  }
  const long long start = now_ns();
  pid_t pid;
  if (posix_spawn(&pid, argv[1], NULL, NULL, argv + 1, environ) != 0) {
    perror("posix_spawn");
    return 2;
  }
  int status;
  waitpid(pid, &status, 0);
  const long long end = now_ns();
  fprintf(stderr, "stage T0-spawn %lld\nstage T1-waited %lld\n", start, end);
  return 0;
}
