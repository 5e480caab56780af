// SPDX-License-Identifier: Apache-2.0
// bench/startup.sh: the start-up targets measured run by run. The shared anchor script measures
// each launcher in its own hyperfine call and the namespace floor after them, minutes apart; on a
// VM whose speed drifts by 25 % within minutes, the ratios of such numbers drift with it. Here
// every round runs each command once, in turn, so that drift hits all of them alike, and the
// ratios are taken within each round.
//
//   interleaved ROUNDS GAP_MS PROGRAM -- NAME=COMMAND...
//
// GAP_MS: a pause before each run, so that what the previous run left to the kernel's workers
// (a network namespace is torn down asynchronously, ~1 ms of work) does not slow the next one;
// 0 runs them back to back, as hyperfine does.
//
// "nsfloor" is measured in this process, as ../shared/bench/src/nsfloor.c measures its "all"
// row: clone with all seven namespaces, write setgroups/uid_map/gid_map, exec PROGRAM, wait;
// timed from clone to waitpid. Each NAME=COMMAND (split on spaces, no quoting) is timed from
// posix_spawnp to waitpid, like hyperfine -N. Prints each one's median and the median of its
// per-round ratio to nsfloor and to the first command. Exit status 1 if anything fails.
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum { k_max_commands = 8, k_max_args = 64, k_warmup = 10 };

struct command {
  const char *name;
  char *argv[k_max_args];
  double *ms;
};

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compare(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(const double *values, int n) {
  double *sorted = malloc(n * sizeof *sorted);
  memcpy(sorted, values, n * sizeof *sorted);
  qsort(sorted, n, sizeof *sorted, compare);
  const double m = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  free(sorted);
  return m;
}

struct floor_arg {
  int sync_fd;
  const char *program;
};

static int floor_child(void *p) {
  const struct floor_arg *a = p;
  char c;
  if (read(a->sync_fd, &c, 1) != 1)
    _exit(120);
  char *argv[] = {(char *)a->program, NULL};
  execv(a->program, argv);
  _exit(127);
}

static int write_file(const char *path, const char *text) {
  const int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  const ssize_t n = write(fd, text, strlen(text));
  close(fd);
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

// One nsfloor run, in ms; negative on failure.
static double run_floor(const char *program, char *stack, size_t stack_size) {
  int sync[2];
  if (pipe2(sync, O_CLOEXEC) != 0)
    return -1;
  struct floor_arg a = {sync[0], program};
  const double t0 = now_ms();
  const pid_t pid = clone(floor_child, stack + stack_size,
                          CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
                              CLONE_NEWCGROUP | CLONE_NEWNET | SIGCHLD,
                          &a);
  if (pid < 0)
    return -1;
  char path[64], map[64];
  int failed = 0;
  snprintf(path, sizeof path, "/proc/%d/setgroups", pid);
  failed |= write_file(path, "deny");
  snprintf(map, sizeof map, "0 %d 1\n", getuid());
  snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
  failed |= write_file(path, map);
  snprintf(map, sizeof map, "0 %d 1\n", getgid());
  snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
  failed |= write_file(path, map);
  failed |= write(sync[1], "x", 1) != 1;
  close(sync[0]);
  close(sync[1]);
  int status;
  waitpid(pid, &status, 0);
  const double t1 = now_ms();
  return failed || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ? -1 : t1 - t0;
}

// One run of `c`, in ms; negative on failure.
static double run_command(const struct command *c, posix_spawn_file_actions_t *quiet) {
  const double t0 = now_ms();
  pid_t pid;
  if (posix_spawnp(&pid, c->argv[0], quiet, NULL, c->argv, environ) != 0)
    return -1;
  int status;
  waitpid(pid, &status, 0);
  const double t1 = now_ms();
  return !WIFEXITED(status) || WEXITSTATUS(status) != 0 ? -1 : t1 - t0;
}

int main(int argc, char **argv) {
  if (argc < 6 || strcmp(argv[4], "--") != 0) {
    fprintf(stderr, "usage: %s ROUNDS GAP_MS PROGRAM -- NAME=COMMAND...\n", argv[0]);
    return 2;
  }
  const int rounds = atoi(argv[1]);
  const long gap_ns = atol(argv[2]) * 1000000L;
  const struct timespec gap = {gap_ns / 1000000000L, gap_ns % 1000000000L};
  const char *program = argv[3];
  struct command commands[k_max_commands];
  int n = 0;
  if (rounds < 1 || argc - 5 > k_max_commands) {
    fprintf(stderr, "interleaved: ROUNDS must be at least 1, and at most %d commands\n",
            k_max_commands);
    return 2;
  }
  for (int i = 5; i < argc; ++i, ++n) {
    char *eq = strchr(argv[i], '=');
    if (eq == NULL) {
      fprintf(stderr, "interleaved: expected NAME=COMMAND, got %s\n", argv[i]);
      return 2;
    }
    *eq = '\0';
    commands[n].name = argv[i];
    int k = 0;
    for (char *word = strtok(eq + 1, " "); word != NULL; word = strtok(NULL, " ")) {
      if (k == k_max_args - 1) {
        fprintf(stderr, "interleaved: %s: more than %d words\n", argv[i], k_max_args - 1);
        return 2;
      }
      commands[n].argv[k++] = word;
    }
    commands[n].argv[k] = NULL;
    commands[n].ms = calloc(rounds, sizeof(double));
  }
  double *floor_ms = calloc(rounds, sizeof(double));
  const size_t stack_size = 1 << 16;
  char *stack = malloc(stack_size);
  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);

  // Slot 0 is the floor, slot c + 1 command c. The order rotates from round to round, so that
  // each one follows each of the others as often: what a run leaves to the kernel's workers
  // (a network namespace is torn down asynchronously) slows whatever comes next.
  for (int r = -k_warmup; r < rounds; ++r) {
    for (int i = 0; i <= n; ++i) {
      const int slot = (i + (r + k_warmup)) % (n + 1);
      nanosleep(&gap, NULL);
      const double t = slot == 0 ? run_floor(program, stack, stack_size)
                                 : run_command(&commands[slot - 1], &quiet);
      if (t < 0) {
        fprintf(stderr, "interleaved: %s failed\n",
                slot == 0 ? "nsfloor" : commands[slot - 1].name);
        return 1;
      }
      if (r >= 0 && slot == 0)
        floor_ms[r] = t;
      else if (r >= 0)
        commands[slot - 1].ms[r] = t;
    }
  }

  double *ratio = calloc(rounds, sizeof(double));
  printf("%-20s %10s %14s %14s\n", "", "median ms", "/ nsfloor", "/ first row");
  printf("%-20s %10.3f %14.3f %14s\n", "nsfloor", median(floor_ms, rounds), 1.0, "");
  for (int c = 0; c < n; ++c) {
    for (int r = 0; r < rounds; ++r)
      ratio[r] = commands[c].ms[r] / floor_ms[r];
    const double vs_floor = median(ratio, rounds);
    for (int r = 0; r < rounds; ++r)
      ratio[r] = commands[c].ms[r] / commands[0].ms[r];
    printf("%-20s %10.3f %14.3f %14.3f\n", commands[c].name, median(commands[c].ms, rounds),
           vs_floor, median(ratio, rounds));
  }
  return 0;
}
