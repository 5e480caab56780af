// SPDX-License-Identifier: Apache-2.0
// sandbox-probe: a static program that reports what it sees from inside a sandbox.
//
// It is linked statically so it runs in any root (the host's, a busybox rootfs, an empty dir).
// Output is line-oriented and easy to parse:
//
//   sandbox-probe facts             key=value lines (ids, maps, caps, mounts, env, fds, ...)
//   sandbox-probe ACTION ARGS...    optional info lines "key=value", then ONE result line:
//                                   "ok" or "errno=ENAME" (the attempt ran; exit status 0)
//   sandbox-probe A ARGS + B ARGS   a sequence: one result line per action, in order
//
// Exit status: 0 when every action ran (whatever its result), 2 for a usage error,
// N for "exit N", and death by signal for "raise SIG". A result line is never printed for
// "exit"/"raise". Lines that are not results never begin with "ok" or "errno=".
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

// ---------------------------------------------------------------------------------------------
// Output helpers

static void result_ok(void) {
  printf("ok\n");
}

static const char *errno_name(int e) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char *n = strerrorname_np(e);
  if (n)
    return n;
#endif
  static char buf[32];
  snprintf(buf, sizeof buf, "E%d", e);
  return buf;
}

static void result_errno(int e) {
  printf("errno=%s\n", errno_name(e));
}

// Print "ok" when rc >= 0, else errno=NAME; returns rc.
static long result_of(long rc) {
  if (rc < 0)
    result_errno(errno);
  else
    result_ok();
  return rc;
}

static void die_usage(const char *msg) {
  fflush(stdout);
  fprintf(stderr, "sandbox-probe: usage: %s\n", msg);
  exit(2);
}

// Strip trailing newlines and collapse whitespace runs into one space; lines joined by ';'.
static void normalize(const char *in, char *out, size_t outsz) {
  size_t o = 0;
  int space = 0, line_started = 0, newline = 0;
  for (const char *p = in; *p && o + 2 < outsz; p++) {
    if (*p == '\n') {
      if (line_started)
        newline = 1;
      space = 0;
      line_started = 0;
      continue;
    }
    if (isspace((unsigned char)*p)) {
      if (line_started)
        space = 1;
      continue;
    }
    if (newline) {
      out[o++] = ';';
      newline = 0;
      space = 0;
    } else if (space) {
      out[o++] = ' ';
      space = 0;
    }
    out[o++] = *p;
    line_started = 1;
  }
  out[o] = 0;
}

// Read a whole (small) file; returns bytes read or -1 with errno set.
static ssize_t slurp(const char *path, char *buf, size_t bufsz) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  size_t n = 0;
  for (;;) {
    ssize_t r = read(fd, buf + n, bufsz - 1 - n);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      int e = errno;
      close(fd);
      errno = e;
      return -1;
    }
    if (r == 0 || n + (size_t)r >= bufsz - 1) {
      n += (size_t)r;
      break;
    }
    n += (size_t)r;
  }
  buf[n] = 0;
  close(fd);
  return (ssize_t)n;
}

static void print_file_fact(const char *key, const char *path) {
  static char buf[65536], norm[65536];
  if (slurp(path, buf, sizeof buf) < 0) {
    printf("%s=<%s>\n", key, errno_name(errno));
    return;
  }
  normalize(buf, norm, sizeof norm);
  printf("%s=%s\n", key, norm);
}

static int parse_signal(const char *s) {
  static const struct {
    const char *name;
    int sig;
  } table[] = {{"HUP", SIGHUP},   {"INT", SIGINT},    {"QUIT", SIGQUIT}, {"ILL", SIGILL},
               {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},  {"BUS", SIGBUS},   {"FPE", SIGFPE},
               {"KILL", SIGKILL}, {"USR1", SIGUSR1},  {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
               {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},  {"TERM", SIGTERM}, {"CHLD", SIGCHLD},
               {"CONT", SIGCONT}, {"STOP", SIGSTOP},  {"TSTP", SIGTSTP}, {"XFSZ", SIGXFSZ},
               {"SYS", SIGSYS},   {"WINCH", SIGWINCH}};
  if (isdigit((unsigned char)s[0]))
    return atoi(s);
  if (strncmp(s, "SIG", 3) == 0)
    s += 3;
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i].name, s) == 0)
      return table[i].sig;
  die_usage("unknown signal name");
  return 0;
}

static const char *signal_name(int sig) {
  static char buf[32];
  const char *abbrev = sigabbrev_np(sig);
  if (abbrev) {
    snprintf(buf, sizeof buf, "SIG%s", abbrev);
    return buf;
  }
  snprintf(buf, sizeof buf, "SIG%d", sig);
  return buf;
}

// ---------------------------------------------------------------------------------------------
// facts

static void fact_ids(void) {
  uid_t r, e, s;
  gid_t gr, ge, gs;
  getresuid(&r, &e, &s);
  getresgid(&gr, &ge, &gs);
  printf("uid=%u\neuid=%u\nsuid=%u\n", r, e, s);
  printf("gid=%u\negid=%u\nsgid=%u\n", gr, ge, gs);
  gid_t groups[NGROUPS_MAX];
  int n = getgroups(NGROUPS_MAX, groups);
  printf("groups=");
  for (int i = 0; i < n; i++)
    printf("%s%u", i ? "," : "", groups[i]);
  printf("\n");
  print_file_fact("uid_map", "/proc/self/uid_map");
  print_file_fact("gid_map", "/proc/self/gid_map");
  print_file_fact("setgroups", "/proc/self/setgroups");
}

static void fact_status(void) {
  static char buf[65536];
  if (slurp("/proc/self/status", buf, sizeof buf) < 0) {
    printf("status=<%s>\n", errno_name(errno));
    return;
  }
  static const char *keys[] = {"CapInh",     "CapPrm",  "CapEff",          "CapBnd", "CapAmb",
                               "NoNewPrivs", "Seccomp", "Seccomp_filters", "NSpid"};
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
    char *colon = strchr(line, ':');
    if (!colon)
      continue;
    *colon = 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
      if (strcmp(line, keys[i]) == 0) {
        char *v = colon + 1;
        while (isspace((unsigned char)*v))
          v++;
        char norm[256];
        normalize(v, norm, sizeof norm);
        printf("%s=%s\n", keys[i], norm);
      }
    }
  }
}

static void fact_process(void) {
  printf("pid=%d\nppid=%d\nsid=%d\npgid=%d\n", getpid(), getppid(), getsid(0), getpgid(0));
  struct utsname u;
  if (uname(&u) == 0)
    printf("hostname=%s\n", u.nodename);
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd))
    printf("cwd=%s\n", cwd);
  else
    printf("cwd=<%s>\n", errno_name(errno));
  mode_t m = umask(0);
  umask(m);
  printf("umask=%04o\n", (unsigned)m);
  printf("dumpable=%d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
  for (int fd = 0; fd < 3; fd++)
    printf("isatty.%d=%d\n", fd, isatty(fd));
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n >= 0) {
    exe[n] = 0;
    printf("exe=%s\n", exe);
  }
  static const char *ns[] = {"user", "mnt", "pid", "net", "ipc", "uts", "cgroup"};
  for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
    char path[64], target[128];
    snprintf(path, sizeof path, "/proc/self/ns/%s", ns[i]);
    ssize_t k = readlink(path, target, sizeof target - 1);
    if (k < 0) {
      printf("ns.%s=<%s>\n", ns[i], errno_name(errno));
      continue;
    }
    target[k] = 0;
    printf("ns.%s=%s\n", ns[i], target);
  }
  print_file_fact("cgroup", "/proc/self/cgroup");
}

extern char **environ;
static void fact_env(void) {
  size_t count = 0;
  for (char **e = environ; *e; e++) {
    count++;
    // Values with newlines would break the format: escape them.
    printf("env.");
    for (const char *p = *e; *p; p++) {
      if (*p == '\n')
        printf("\\n");
      else
        putchar(*p);
    }
    printf("\n");
  }
  printf("env_count=%zu\n", count);
}

static void fact_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) {
    printf("fds=<%s>\n", errno_name(errno));
    return;
  }
  int self = dirfd(d);
  int fds[1024];
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)) && n < 1024) {
    if (!isdigit((unsigned char)de->d_name[0]))
      continue;
    int fd = atoi(de->d_name);
    if (fd == self)
      continue;
    fds[n++] = fd;
  }
  closedir(d);
  // readdir order is numeric for /proc/self/fd, but sort anyway.
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
      int t = fds[j];
      fds[j] = fds[j - 1];
      fds[j - 1] = t;
    }
  printf("fds=");
  for (size_t i = 0; i < n; i++)
    printf("%s%d", i ? "," : "", fds[i]);
  printf("\n");
  for (size_t i = 0; i < n; i++) {
    char path[64], target[PATH_MAX];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fds[i]);
    ssize_t k = readlink(path, target, sizeof target - 1);
    if (k < 0)
      continue;
    target[k] = 0;
    printf("fd.%d=%s\n", fds[i], target);
  }
}

static void fact_netifs(void) {
  struct if_nameindex *ifs = if_nameindex();
  if (!ifs) {
    printf("netifs=<%s>\n", errno_name(errno));
    return;
  }
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  printf("netifs=");
  for (struct if_nameindex *i = ifs; i->if_index; i++) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", i->if_name);
    const char *state = "unknown";
    if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0)
      state = (ifr.ifr_flags & IFF_UP) ? "up" : "down";
    printf("%s%s:%s", i == ifs ? "" : ",", i->if_name, state);
  }
  printf("\n");
  if (s >= 0)
    close(s);
  if_freenameindex(ifs);
}

static void fact_rlimits(void) {
  static const struct {
    const char *name;
    int res;
  } table[] = {{"as", RLIMIT_AS},
               {"core", RLIMIT_CORE},
               {"cpu", RLIMIT_CPU},
               {"data", RLIMIT_DATA},
               {"fsize", RLIMIT_FSIZE},
               {"memlock", RLIMIT_MEMLOCK},
               {"nofile", RLIMIT_NOFILE},
               {"nproc", RLIMIT_NPROC},
               {"stack", RLIMIT_STACK},
               {"msgqueue", RLIMIT_MSGQUEUE},
               {"nice", RLIMIT_NICE},
               {"rtprio", RLIMIT_RTPRIO},
               {"sigpending", RLIMIT_SIGPENDING}};
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    struct rlimit rl;
    if (getrlimit(table[i].res, &rl) != 0)
      continue;
    printf("rlimit.%s=", table[i].name);
    if (rl.rlim_cur == RLIM_INFINITY)
      printf("unlimited:");
    else
      printf("%llu:", (unsigned long long)rl.rlim_cur);
    if (rl.rlim_max == RLIM_INFINITY)
      printf("unlimited\n");
    else
      printf("%llu\n", (unsigned long long)rl.rlim_max);
  }
}

// Decode mountinfo's octal escapes (\040 for space etc.) in place.
static void unescape_octal(char *s) {
  char *o = s;
  for (char *p = s; *p; p++) {
    if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
        p[3] <= '7') {
      *o++ = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
      p += 3;
    } else {
      *o++ = *p;
    }
  }
  *o = 0;
}

// mount.<path>=<fstype>,<ro|rw>,<propagation>  (the top-most mount at that path wins: printed last)
// mountopts.<path>=<per-mount options>|<superblock options>
static void fact_mounts(void) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) {
    printf("mounts=<%s>\n", errno_name(errno));
    return;
  }
  char *line = NULL;
  size_t cap = 0;
  int count = 0;
  while (getline(&line, &cap, f) > 0) {
    line[strcspn(line, "\n")] = 0;
    // id parent major:minor root mountpoint options [optional...] - fstype source superopts
    char *fields[64];
    int nf = 0;
    for (char *tok = strtok(line, " "); tok && nf < 64; tok = strtok(NULL, " "))
      fields[nf++] = tok;
    if (nf < 7)
      continue;
    int sep = -1;
    for (int i = 6; i < nf; i++)
      if (strcmp(fields[i], "-") == 0) {
        sep = i;
        break;
      }
    if (sep < 0 || sep + 1 >= nf)
      continue;
    char *mp = fields[4];
    unescape_octal(mp);
    const char *opts = fields[5];
    const char *rw =
        (strncmp(opts, "ro", 2) == 0 && (opts[2] == ',' || opts[2] == 0)) ? "ro" : "rw";
    int shared = 0, slave = 0, unbindable = 0;
    for (int i = 6; i < sep; i++) {
      if (strncmp(fields[i], "shared:", 7) == 0)
        shared = 1;
      else if (strncmp(fields[i], "master:", 7) == 0)
        slave = 1;
      else if (strcmp(fields[i], "unbindable") == 0)
        unbindable = 1;
    }
    const char *prop = unbindable          ? "unbindable"
                       : (shared && slave) ? "shared+slave"
                       : shared            ? "shared"
                       : slave             ? "slave"
                                           : "private";
    printf("mount.%s=%s,%s,%s\n", mp, fields[sep + 1], rw, prop);
    printf("mountopts.%s=%s|%s\n", mp, opts, sep + 3 < nf ? fields[sep + 3] : "");
    printf("mountsrc.%s=%s\n", mp, sep + 2 < nf ? fields[sep + 2] : "");
    count++;
  }
  free(line);
  fclose(f);
  printf("mount_count=%d\n", count);
}

static int do_facts(void) {
  fact_ids();
  fact_status();
  fact_process();
  fact_env();
  fact_fds();
  fact_netifs();
  fact_rlimits();
  fact_mounts();
  printf("facts_end=1\n");
  return 0;
}

// ---------------------------------------------------------------------------------------------
// actions

static void install_waitsig_handlers(void);

static int list_pids(int *pids, int max) {
  DIR *d = opendir("/proc");
  if (!d)
    return -1;
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d)) && n < max)
    if (isdigit((unsigned char)de->d_name[0]))
      pids[n++] = atoi(de->d_name);
  closedir(d);
  return n;
}

static char proc_state(int pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  if (slurp(path, buf, sizeof buf) < 0)
    return '?';
  char *rp = strrchr(buf, ')');
  if (!rp || !rp[1] || !rp[2])
    return '?';
  return rp[2];
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double secs) {
  struct timespec ts;
  ts.tv_sec = (time_t)secs;
  ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// Each action consumes its arguments from argv[0..argc) and returns how many it used,
// or exits. Results are printed by the action itself.
typedef int (*action_fn)(int argc, char **argv);

#define NEED(n, usage)                                                                             \
  do {                                                                                             \
    if (argc < (n))                                                                                \
      die_usage(usage);                                                                            \
  } while (0)

static int a_read(int argc, char **argv) {
  NEED(1, "read PATH");
  int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    result_errno(errno);
    return 1;
  }
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf);
  int e = errno;
  close(fd);
  if (n < 0)
    result_errno(e);
  else
    result_ok();
  return 1;
}

// cat PATH: prints "data=<content with \n escaped>" then the result.
static int a_cat(int argc, char **argv) {
  NEED(1, "cat PATH");
  static char buf[65536];
  if (slurp(argv[0], buf, sizeof buf) < 0) {
    result_errno(errno);
    return 1;
  }
  printf("data=");
  for (char *p = buf; *p; p++) {
    if (*p == '\n')
      printf("\\n");
    else
      putchar(*p);
  }
  printf("\n");
  result_ok();
  return 1;
}

static int a_write(int argc, char **argv) {
  NEED(1, "write PATH [DATA]");
  const char *data = "probe\n";
  int used = 1;
  if (argc >= 2 && strcmp(argv[1], "+") != 0) {
    data = argv[1];
    used = 2;
  }
  int fd = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    result_errno(errno);
    return used;
  }
  ssize_t n = write(fd, data, strlen(data));
  int e = errno;
  close(fd);
  if (n < 0)
    result_errno(e);
  else
    result_ok();
  return used;
}

static int a_open_write(int argc, char **argv) {
  NEED(1, "open-write PATH");
  int fd = open(argv[0], O_WRONLY | O_CLOEXEC);
  if (fd >= 0)
    close(fd);
  result_of(fd);
  return 1;
}

static int a_mkdir(int argc, char **argv) {
  NEED(1, "mkdir PATH");
  result_of(mkdir(argv[0], 0755));
  return 1;
}

static int a_unlink(int argc, char **argv) {
  NEED(1, "unlink PATH");
  result_of(unlink(argv[0]));
  return 1;
}

static int a_rmdir(int argc, char **argv) {
  NEED(1, "rmdir PATH");
  result_of(rmdir(argv[0]));
  return 1;
}

// ls PATH: "entries=a,b,c" (sorted, without . and ..) then the result.
static int cmpstr(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}
static int a_ls(int argc, char **argv) {
  NEED(1, "ls PATH");
  DIR *d = opendir(argv[0]);
  if (!d) {
    result_errno(errno);
    return 1;
  }
  char *names[4096];
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)) && n < 4096) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    names[n++] = strdup(de->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof names[0], cmpstr);
  printf("entries=");
  for (size_t i = 0; i < n; i++) {
    printf("%s%s", i ? "," : "", names[i]);
    free(names[i]);
  }
  printf("\n");
  result_ok();
  return 1;
}

static int a_exists(int argc, char **argv) {
  NEED(1, "exists PATH");
  struct stat st;
  result_of(lstat(argv[0], &st));
  return 1;
}

// stat PATH: "type=... mode=0755 uid=N gid=N" then the result.
static int a_stat(int argc, char **argv) {
  NEED(1, "stat PATH");
  struct stat st;
  if (lstat(argv[0], &st) != 0) {
    result_errno(errno);
    return 1;
  }
  const char *type = S_ISREG(st.st_mode)    ? "file"
                     : S_ISDIR(st.st_mode)  ? "dir"
                     : S_ISLNK(st.st_mode)  ? "symlink"
                     : S_ISCHR(st.st_mode)  ? "char"
                     : S_ISBLK(st.st_mode)  ? "block"
                     : S_ISFIFO(st.st_mode) ? "fifo"
                                            : "socket";
  printf("type=%s\nmode=%04o\nowner=%u\ngroup=%u\nsize=%lld\n", type,
         (unsigned)(st.st_mode & 07777), st.st_uid, st.st_gid, (long long)st.st_size);
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
    printf("rdev=%u:%u\n", major(st.st_rdev), minor(st.st_rdev));
  result_ok();
  return 1;
}

static int a_readlink(int argc, char **argv) {
  NEED(1, "readlink PATH");
  char buf[PATH_MAX];
  ssize_t n = readlink(argv[0], buf, sizeof buf - 1);
  if (n < 0) {
    result_errno(errno);
    return 1;
  }
  buf[n] = 0;
  printf("target=%s\n", buf);
  result_ok();
  return 1;
}

static int a_kill(int argc, char **argv) {
  NEED(2, "kill PID SIG");
  result_of(kill(atoi(argv[0]), parse_signal(argv[1])));
  return 2;
}

// ptrace PID: PTRACE_SEIZE (no stop), detach on success.
static int a_ptrace(int argc, char **argv) {
  NEED(1, "ptrace PID");
  pid_t pid = atoi(argv[0]);
  long rc = ptrace(PTRACE_SEIZE, pid, NULL, NULL);
  int e = errno;
  if (rc == 0)
    ptrace(PTRACE_DETACH, pid, NULL, NULL);
  errno = e;
  result_of(rc);
  return 1;
}

// vmread PID: process_vm_readv from the first readable mapping of PID (or a guess).
// EFAULT would mean the access check PASSED (only the address was bad), so it is reported as
// "errno=EFAULT" and tests treat it as an escape just like "ok".
static int a_vmread(int argc, char **argv) {
  NEED(1, "vmread PID");
  pid_t pid = atoi(argv[0]);
  unsigned long addr = 0x400000;
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%d/maps", pid);
  if (slurp(path, buf, sizeof buf) > 0)
    addr = strtoul(buf, NULL, 16);
  char dst[16];
  struct iovec local = {dst, sizeof dst};
  struct iovec remote = {(void *)addr, sizeof dst};
  result_of(process_vm_readv(pid, &local, 1, &remote, 1, 0));
  return 1;
}

static int a_pidfd_open(int argc, char **argv) {
  NEED(1, "pidfd-open PID");
  long fd = syscall(SYS_pidfd_open, atoi(argv[0]), 0);
  if (fd >= 0) {
    // An open pidfd is itself a capability: try to signal through it (signal 0).
    long rc = syscall(SYS_pidfd_send_signal, (int)fd, 0, NULL, 0);
    printf("pidfd_send_signal=%s\n", rc == 0 ? "ok" : errno_name(errno));
    close((int)fd);
  }
  result_of(fd);
  return 1;
}

static int a_exit(int argc, char **argv) {
  NEED(1, "exit N");
  fflush(stdout);
  _exit(atoi(argv[0]));
}

static int a_raise(int argc, char **argv) {
  NEED(1, "raise SIG");
  int sig = parse_signal(argv[0]);
  fflush(stdout);
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  raise(sig);
  // If it did not kill us (ignored/caught by policy), say so.
  printf("raise_survived=1\n");
  result_errno(EINTR);
  return 1;
}

// orphan: fork a child that forks a grandchild and exits at once; the grandchild outlives it
// by ~0.2 s and exits. Prints orphan_pid=N then ok. Zombies are checked with "zombies".
static int a_orphan(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fflush(stdout);
  int pfd[2];
  if (pipe2(pfd, O_CLOEXEC) != 0) {
    result_errno(errno);
    return 0;
  }
  pid_t child = fork();
  if (child < 0) {
    result_errno(errno);
    return 0;
  }
  if (child == 0) {
    pid_t gc = fork();
    if (gc == 0) {
      close(pfd[0]);
      close(pfd[1]);
      sleep_s(0.2);
      _exit(0);
    }
    if (write(pfd[1], &gc, sizeof gc) != (ssize_t)sizeof gc)
      _exit(1);
    _exit(gc > 0 ? 0 : 1);
  }
  close(pfd[1]);
  pid_t gc = -1;
  ssize_t n = read(pfd[0], &gc, sizeof gc);
  close(pfd[0]);
  int status = 0;
  waitpid(child, &status, 0);
  if (n != (ssize_t)sizeof gc || gc <= 0) {
    result_errno(ECHILD);
    return 0;
  }
  printf("orphan_pid=%d\n", gc);
  result_ok();
  return 0;
}

// zombies: "zombies=N" and "zombie_pids=..." over /proc (excluding our own children: we have
// none unless an earlier action left some, which is then reported too).
static int a_zombies(int argc, char **argv) {
  (void)argc;
  (void)argv;
  int pids[4096];
  int n = list_pids(pids, 4096);
  if (n < 0) {
    result_errno(errno);
    return 0;
  }
  int z = 0;
  char list[4096] = "";
  for (int i = 0; i < n; i++) {
    if (proc_state(pids[i]) == 'Z') {
      z++;
      size_t len = strlen(list);
      snprintf(list + len, sizeof list - len, "%s%d", len ? "," : "", pids[i]);
    }
  }
  printf("zombies=%d\nzombie_pids=%s\n", z, list);
  result_ok();
  return 0;
}

// pids: every pid visible in /proc, "pids=1,2,7".
static int a_pids(int argc, char **argv) {
  (void)argc;
  (void)argv;
  int pids[4096];
  int n = list_pids(pids, 4096);
  if (n < 0) {
    result_errno(errno);
    return 0;
  }
  printf("pids=");
  for (int i = 0; i < n; i++)
    printf("%s%d", i ? "," : "", pids[i]);
  printf("\npid_count=%d\n", n);
  result_ok();
  return 0;
}

// wait-gone PID SECS: poll until /proc/PID disappears (reaped) or the time is up.
static int a_wait_gone(int argc, char **argv) {
  NEED(2, "wait-gone PID SECS");
  char path[64];
  snprintf(path, sizeof path, "/proc/%d", atoi(argv[0]));
  double deadline = now_s() + atof(argv[1]);
  struct stat st;
  while (stat(path, &st) == 0 && now_s() < deadline)
    sleep_s(0.02);
  if (stat(path, &st) == 0) {
    printf("state=%c\n", proc_state(atoi(argv[0])));
    result_errno(ETIMEDOUT);
  } else {
    result_ok();
  }
  return 2;
}

// sleep SECS [TAG]: prints "sleeping" (flushed) then sleeps. TAG is ignored: tests use it to
// find their processes by command line.
static int a_sleep(int argc, char **argv) {
  NEED(1, "sleep SECS [TAG]");
  printf("sleeping\n");
  fflush(stdout);
  sleep_s(atof(argv[0]));
  result_ok();
  return (argc >= 2 && strcmp(argv[1], "+") != 0) ? 2 : 1;
}

// tiocsti [FD]: push one character into the input queue of FD's terminal (default 0).
// CVE-2017-5226 (bubblewrap), CVE-2016-7545 (SELinux sandbox), CVE-2019-10063 (flatpak).
static int a_tiocsti(int argc, char **argv) {
  int fd = 0, used = 0;
  if (argc >= 1 && strcmp(argv[0], "+") != 0) {
    fd = atoi(argv[0]);
    used = 1;
  }
  printf("isatty=%d\n", isatty(fd));
  char c = '\n';
  result_of(ioctl(fd, TIOCSTI, &c));
  return used;
}

// tty-ioctl TIOCSTI|TIOCLINUX [high] [FD]: the terminal ioctls of the injection attacks, on
// FD (default 0). "high" sets bit 32 of the request: the kernel truncates the request to 32
// bits, so a seccomp rule that compares all 64 (flatpak, CVE-2019-10063) lets it through.
static int a_tty_ioctl(int argc, char **argv) {
  NEED(1, "tty-ioctl TIOCSTI|TIOCLINUX [high] [FD]");
  unsigned long request;
  if (strcmp(argv[0], "TIOCSTI") == 0)
    request = TIOCSTI;
  else if (strcmp(argv[0], "TIOCLINUX") == 0)
    request = TIOCLINUX;
  else
    die_usage("tty-ioctl: TIOCSTI or TIOCLINUX");
  int used = 1, fd = 0;
  if (used < argc && strcmp(argv[used], "high") == 0) {
    request |= 1UL << 32;
    used++;
  }
  if (used < argc && strcmp(argv[used], "+") != 0)
    fd = atoi(argv[used++]);
  printf("isatty=%d\n", isatty(fd));
  // TIOCSTI pushes one newline; TIOCLINUX subcode 7 reads the shift state (on a terminal that
  // is not a virtual console the kernel answers ENOTTY before looking at the subcode).
  char arg = (request & 0xffffffffUL) == TIOCSTI ? '\n' : 7;
  result_of(syscall(SYS_ioctl, fd, request, &arg));
  return used;
}

static int a_connect_tcp(int argc, char **argv) {
  NEED(2, "connect-tcp ADDR PORT");
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    result_errno(errno);
    return 2;
  }
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)atoi(argv[1]));
  if (inet_pton(AF_INET, argv[0], &sa.sin_addr) != 1)
    die_usage("connect-tcp: bad IPv4 address");
  result_of(connect(s, (struct sockaddr *)&sa, sizeof sa));
  close(s);
  return 2;
}

static int a_connect_unix(int argc, char **argv) {
  NEED(1, "connect-unix PATH|@abstract");
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    result_errno(errno);
    return 1;
  }
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  size_t len = strlen(argv[0]);
  if (len >= sizeof sa.sun_path)
    die_usage("connect-unix: path too long");
  memcpy(sa.sun_path, argv[0], len);
  if (argv[0][0] == '@')
    sa.sun_path[0] = 0;
  socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
  result_of(connect(s, (struct sockaddr *)&sa, salen));
  close(s);
  return 1;
}

static int a_unshare(int argc, char **argv, int flags) {
  (void)argc;
  (void)argv;
  result_of(unshare(flags));
  return 0;
}
static int a_unshare_user(int argc, char **argv) {
  return a_unshare(argc, argv, CLONE_NEWUSER);
}
static int a_unshare_mount(int argc, char **argv) {
  return a_unshare(argc, argv, CLONE_NEWNS);
}
static int a_unshare_net(int argc, char **argv) {
  return a_unshare(argc, argv, CLONE_NEWNET);
}

static int a_mount_tmpfs(int argc, char **argv) {
  NEED(1, "mount-tmpfs PATH");
  result_of(mount("probe-tmpfs", argv[0], "tmpfs", 0, "size=1m"));
  return 1;
}

static int a_bind(int argc, char **argv) {
  NEED(2, "bind SRC DST");
  result_of(mount(argv[0], argv[1], NULL, MS_BIND | MS_REC, NULL));
  return 2;
}

static int a_umount(int argc, char **argv) {
  NEED(1, "umount PATH");
  result_of(umount2(argv[0], MNT_DETACH));
  return 1;
}

// remount-rw PATH: a bind remount without MS_RDONLY (the way to clear a per-mount "ro").
static int a_remount_rw(int argc, char **argv) {
  NEED(1, "remount-rw PATH");
  long rc = mount(NULL, argv[0], NULL, MS_REMOUNT | MS_BIND, NULL);
  if (rc != 0) {
    int e = errno;
    // Also try a superblock remount; report the first error if both fail.
    rc = mount(NULL, argv[0], NULL, MS_REMOUNT, NULL);
    if (rc != 0)
      errno = e;
  }
  result_of(rc);
  return 1;
}

static int a_setuid(int argc, char **argv) {
  NEED(1, "setuid N");
  result_of(setuid((uid_t)atoi(argv[0])));
  return 1;
}

static int a_setgid(int argc, char **argv) {
  NEED(1, "setgid N");
  result_of(setgid((gid_t)atoi(argv[0])));
  return 1;
}

// setgroups: try to drop supplementary groups (CVE-2014-8989: setgroups in a userns lets a
// user drop a group used for negative permissions).
static int a_setgroups(int argc, char **argv) {
  (void)argc;
  (void)argv;
  result_of(setgroups(0, NULL));
  return 0;
}

static int a_setns(int argc, char **argv) {
  NEED(1, "setns PATH");
  int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    printf("open=%s\n", errno_name(errno));
    result_errno(errno);
    return 1;
  }
  result_of(setns(fd, 0));
  close(fd);
  return 1;
}

static int a_chroot(int argc, char **argv) {
  NEED(1, "chroot PATH");
  result_of(chroot(argv[0]));
  return 1;
}

static int a_mknod(int argc, char **argv) {
  NEED(1, "mknod PATH");
  // A block device that would be the host's first disk (major 8 minor 0 = /dev/sda).
  result_of(mknod(argv[0], S_IFBLK | 0600, makedev(8, 0)));
  return 1;
}

static int a_sethostname(int argc, char **argv) {
  NEED(1, "sethostname NAME");
  result_of(sethostname(argv[0], strlen(argv[0])));
  return 1;
}

// keyctl: join a new session keyring (the kernel keyring is not namespaced).
static int a_keyctl(int argc, char **argv) {
  (void)argc;
  (void)argv;
  result_of(syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "sandbox-probe"));
  return 0;
}

static int a_add_key(int argc, char **argv) {
  (void)argc;
  (void)argv;
  result_of(syscall(SYS_add_key, "user", "sandbox-probe", "x", 1, KEY_SPEC_PROCESS_KEYRING));
  return 0;
}

// bpf: BPF_MAP_CREATE of a tiny array map (needs no privilege when unprivileged bpf is on).
static int a_bpf(int argc, char **argv) {
  (void)argc;
  (void)argv;
  union {
    struct {
      uint32_t map_type, key_size, value_size, max_entries, map_flags;
    } m;
    char pad[128];
  } attr;
  memset(&attr, 0, sizeof attr);
  attr.m.map_type = 2; // BPF_MAP_TYPE_ARRAY
  attr.m.key_size = 4;
  attr.m.value_size = 4;
  attr.m.max_entries = 1;
  long fd = syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, &attr, sizeof attr);
  if (fd >= 0)
    close((int)fd);
  result_of(fd);
  return 0;
}

// perf-event-open: a software task-clock counter on ourselves, user space only (allowed by
// perf_event_paranoid <= 2 unless something denies it).
static int a_perf_event_open(int argc, char **argv) {
  (void)argc;
  (void)argv;
  struct {
    uint32_t type, size;
    uint64_t config, sample_period, sample_type, read_format, flags;
    char rest[256];
  } attr;
  memset(&attr, 0, sizeof attr);
  attr.type = 1;   // PERF_TYPE_SOFTWARE
  attr.size = 112; // PERF_ATTR_SIZE_VER5 is enough for the kernel
  attr.config = 1; // PERF_COUNT_SW_TASK_CLOCK
  attr.flags =
      (1ULL << 0) /* disabled */ | (1ULL << 5) /* exclude_kernel */ | (1ULL << 6) /* exclude_hv */;
  long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
  if (fd >= 0)
    close((int)fd);
  result_of(fd);
  return 0;
}

static int a_userfaultfd(int argc, char **argv) {
  (void)argc;
  (void)argv;
  long fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
  if (fd >= 0)
    close((int)fd);
  result_of(fd);
  return 0;
}

// open-by-handle: the "shocker" escape (Docker 2014): open_by_handle_at reaches any inode of
// the filesystem, bypassing the mount tree. Needs CAP_DAC_READ_SEARCH in the initial userns.
static int a_open_by_handle(int argc, char **argv) {
  NEED(1, "open-by-handle PATH");
  struct {
    struct file_handle fh;
    unsigned char buf[MAX_HANDLE_SZ];
  } h;
  h.fh.handle_bytes = MAX_HANDLE_SZ;
  int mount_id;
  if (name_to_handle_at(AT_FDCWD, argv[0], &h.fh, &mount_id, 0) != 0) {
    printf("name_to_handle_at=%s\n", errno_name(errno));
    result_errno(errno);
    return 1;
  }
  int fd = open_by_handle_at(AT_FDCWD, &h.fh, O_RDONLY | O_CLOEXEC);
  if (fd >= 0)
    close(fd);
  result_of(fd);
  return 1;
}

// forkbomb N: try to create N processes (each pauses); report forked=K, then kill them all.
// ok when all N were created; otherwise the errno of the failing fork.
static int a_forkbomb(int argc, char **argv) {
  NEED(1, "forkbomb N");
  int want = atoi(argv[0]);
  pid_t *kids = calloc((size_t)want + 1, sizeof(pid_t));
  int made = 0, err = 0;
  fflush(stdout);
  for (; made < want; made++) {
    pid_t p = fork();
    if (p < 0) {
      err = errno;
      break;
    }
    if (p == 0) {
      for (;;)
        pause();
    }
    kids[made] = p;
  }
  for (int i = 0; i < made; i++)
    kill(kids[i], SIGKILL);
  for (int i = 0; i < made; i++)
    waitpid(kids[i], NULL, 0);
  free(kids);
  printf("forked=%d\n", made);
  if (err)
    result_errno(err);
  else
    result_ok();
  return 1;
}

// fsize PATH BYTES: write BYTES bytes to PATH with SIGXFSZ ignored; errno=EFBIG when a
// file-size limit stops it. Prints written=N.
static int a_fsize(int argc, char **argv) {
  NEED(2, "fsize PATH BYTES");
  signal(SIGXFSZ, SIG_IGN);
  long long want = atoll(argv[1]);
  int fd = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    result_errno(errno);
    return 2;
  }
  static char block[65536];
  long long done = 0;
  int err = 0;
  while (done < want) {
    size_t chunk =
        (size_t)((want - done) < (long long)sizeof block ? (want - done) : (long long)sizeof block);
    ssize_t n = write(fd, block, chunk);
    if (n < 0) {
      err = errno;
      break;
    }
    done += n;
  }
  close(fd);
  printf("written=%lld\n", done);
  if (err)
    result_errno(err);
  else
    result_ok();
  return 2;
}

// waitsig [SECS]: catch the forwardable signals, print "ready", wait for one (default 30 s),
// print "signal=SIGNAME" and the result. A timeout prints errno=ETIMEDOUT.
static volatile sig_atomic_t g_sig;
static void on_signal(int sig) {
  g_sig = sig;
}
static void install_waitsig_handlers(void) {
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaction(sigs[i], &sa, NULL);
  sigset_t set;
  sigemptyset(&set);
  sigprocmask(SIG_SETMASK, &set, NULL);
}
static int a_waitsig(int argc, char **argv) {
  double secs = 30;
  int used = 0;
  if (argc >= 1 && strcmp(argv[0], "+") != 0) {
    secs = atof(argv[0]);
    used = 1;
  }
  install_waitsig_handlers();
  printf("ready\n");
  fflush(stdout);
  double deadline = now_s() + secs;
  while (!g_sig && now_s() < deadline)
    sleep_s(0.01); // nanosleep returns early on a signal; sleep_s retries, so poll in small steps
  if (g_sig) {
    printf("signal=%s\n", signal_name(g_sig));
    result_ok();
  } else {
    result_errno(ETIMEDOUT);
  }
  return used;
}

// cwd-check: CVE-2024-21626 (runc): a working directory left pointing outside the container's
// root. Prints cwd (getcwd), proc_cwd (/proc/self/cwd); ok when the cwd is reachable from our
// root and walking ".." 64 times ends at our "/".
static int a_cwd_check(int argc, char **argv) {
  (void)argc;
  (void)argv;
  char cwd[PATH_MAX], pcwd[PATH_MAX];
  char *g = getcwd(cwd, sizeof cwd);
  int gerr = errno;
  printf("cwd=%s\n", g ? cwd : errno_name(gerr));
  ssize_t n = readlink("/proc/self/cwd", pcwd, sizeof pcwd - 1);
  if (n >= 0) {
    pcwd[n] = 0;
    printf("proc_cwd=%s\n", pcwd);
  }
  if (!g) {
    result_errno(gerr);
    return 0;
  }
  if (cwd[0] != '/') {
    result_errno(EXDEV); // "(unreachable)/..." style cwd
    return 0;
  }
  int fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (int i = 0; i < 64; i++)
    if (chdir("..") != 0)
      break;
  struct stat top, root;
  int same = stat(".", &top) == 0 && stat("/", &root) == 0 && top.st_dev == root.st_dev &&
             top.st_ino == root.st_ino;
  if (fd >= 0) {
    if (fchdir(fd) != 0) {
      // stay where we are
    }
    close(fd);
  }
  if (same)
    result_ok();
  else
    result_errno(EXDEV);
  return 0;
}

// fd-escape: CVE-2024-21626-style leaked directory fds: for every open fd >= 3 that is a
// directory, try openat(fd, "..") repeatedly and report whether we reach a "/" that is not our
// own root. Prints leaked=<fd list>; ok when nothing leaked, errno=EXDEV when an fd leads out.
static int a_fd_escape(int argc, char **argv) {
  (void)argc;
  (void)argv;
  struct stat root;
  stat("/", &root);
  int escaped = 0;
  char leaked[1024] = "";
  for (int fd = 3; fd < 1024; fd++) {
    struct stat st;
    if (fstat(fd, &st) != 0)
      continue;
    size_t len = strlen(leaked);
    snprintf(leaked + len, sizeof leaked - len, "%s%d", len ? "," : "", fd);
    if (!S_ISDIR(st.st_mode))
      continue;
    int cur = openat(fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    for (int i = 0; cur >= 0 && i < 64; i++) {
      int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
      close(cur);
      cur = up;
    }
    if (cur >= 0) {
      struct stat top;
      if (fstat(cur, &top) == 0 && (top.st_dev != root.st_dev || top.st_ino != root.st_ino))
        escaped = 1;
      close(cur);
    }
  }
  printf("leaked=%s\n", leaked);
  if (escaped)
    result_errno(EXDEV);
  else if (leaked[0])
    result_errno(EBADF); // something leaked, even if it did not lead out
  else
    result_ok();
  return 0;
}

static int write_str(const char *path, const char *s) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = write(fd, s, strlen(s));
  int e = errno;
  close(fd);
  errno = e;
  return n < 0 ? -1 : 0;
}

// userns-root: unshare a NESTED user + mount namespace and map ourselves to root in it (what an
// attacker does to get capabilities over copies of the sandbox's mounts). Later actions run
// with full capabilities in that namespace; the kernel must still keep the sandbox's mounts
// locked (MNT_LOCKED: no umount revealing what is below, no clearing of ro/nosuid).
static int a_userns_root(int argc, char **argv) {
  (void)argc;
  (void)argv;
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
    result_errno(errno);
    return 0;
  }
  char map[64];
  if (write_str("/proc/self/setgroups", "deny") != 0 && errno != ENOENT) {
    printf("setgroups_write=%s\n", errno_name(errno));
  }
  snprintf(map, sizeof map, "0 %u 1\n", gid);
  if (write_str("/proc/self/gid_map", map) != 0) {
    result_errno(errno);
    return 0;
  }
  snprintf(map, sizeof map, "0 %u 1\n", uid);
  if (write_str("/proc/self/uid_map", map) != 0) {
    result_errno(errno);
    return 0;
  }
  result_ok();
  return 0;
}

// daemon SECS TAG: double-fork + setsid, the way a payload tries to outlive its sandbox; the
// daemon sleeps SECS. Prints daemon_pid=N then ok.
static int a_daemon(int argc, char **argv) {
  NEED(1, "daemon SECS [TAG]");
  double secs = atof(argv[0]);
  fflush(stdout);
  int pfd[2];
  if (pipe2(pfd, O_CLOEXEC) != 0) {
    result_errno(errno);
    return argc >= 2 ? 2 : 1;
  }
  pid_t child = fork();
  if (child == 0) {
    setsid();
    signal(SIGHUP, SIG_IGN);
    pid_t gc = fork();
    if (gc == 0) {
      close(pfd[0]);
      close(pfd[1]);
      int nul = open("/dev/null", O_RDWR);
      if (nul >= 0) {
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(nul, 2);
      }
      sleep_s(secs);
      _exit(0);
    }
    if (write(pfd[1], &gc, sizeof gc) != (ssize_t)sizeof gc)
      _exit(1);
    _exit(0);
  }
  close(pfd[1]);
  pid_t gc = -1;
  ssize_t n = read(pfd[0], &gc, sizeof gc);
  close(pfd[0]);
  waitpid(child, NULL, 0);
  if (n != (ssize_t)sizeof gc || gc <= 0)
    result_errno(ECHILD);
  else {
    printf("daemon_pid=%d\n", gc);
    result_ok();
  }
  return argc >= 2 ? 2 : 1;
}

// proc-fd-escape PID: CVE-2016-9962 (runc): the container's init held host fds that a process
// in the container could reach through /proc/<pid>/fd. For every fd of PID, open it via /proc
// and, for directories, walk ".." to see if it leads to a "/" other than ours.
// Prints opened=<fds> (those we could open); ok when nothing leads out, errno=EXDEV when one
// does, or the errno of listing /proc/PID/fd.
static int a_proc_fd_escape(int argc, char **argv) {
  NEED(1, "proc-fd-escape PID");
  char dir[64];
  snprintf(dir, sizeof dir, "/proc/%d/fd", atoi(argv[0]));
  DIR *d = opendir(dir);
  if (!d) {
    result_errno(errno);
    return 1;
  }
  struct stat root;
  stat("/", &root);
  int escaped = 0;
  char opened[1024] = "";
  struct dirent *de;
  while ((de = readdir(d))) {
    if (!isdigit((unsigned char)de->d_name[0]))
      continue;
    char path[384];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
      continue;
    size_t len = strlen(opened);
    snprintf(opened + len, sizeof opened - len, "%s%s", len ? "," : "", de->d_name);
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      int cur = fd;
      fd = -1;
      for (int i = 0; cur >= 0 && i < 64; i++) {
        int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        close(cur);
        cur = up;
      }
      struct stat top;
      if (cur >= 0 && fstat(cur, &top) == 0 &&
          (top.st_dev != root.st_dev || top.st_ino != root.st_ino))
        escaped = 1;
      if (cur >= 0)
        close(cur);
    }
    if (fd >= 0)
      close(fd);
  }
  int e = errno;
  closedir(d);
  (void)e;
  printf("opened=%s\n", opened);
  if (escaped)
    result_errno(EXDEV);
  else
    result_ok();
  return 1;
}

// shm-get KEY: look up a System V shared memory segment by key (IPC namespace isolation).
static int a_shm_get(int argc, char **argv) {
  NEED(1, "shm-get KEY");
  result_of(shmget((key_t)strtol(argv[0], NULL, 0), 0, 0));
  return 1;
}

// exec PATH ARGS...: execv; consumes the rest of the line (no "+" after it).
static int a_exec(int argc, char **argv) {
  NEED(1, "exec PATH [ARGS...]");
  fflush(stdout);
  execv(argv[0], argv);
  result_errno(errno);
  return argc;
}

static int a_facts(int argc, char **argv) {
  (void)argc;
  (void)argv;
  do_facts();
  return 0;
}

// seccomp-reaches NAME: does syscall NAME get past the seccomp filters already installed?
// In a child, install one more filter that answers SECCOMP_RET_TRACE for NAME (with no
// tracer, the kernel then skips the call and returns ENOSYS), then make the call with zero
// arguments. The kernel applies the highest-precedence verdict of all filters, and ERRNO
// outranks TRACE: "errno=ENOSYS" means no earlier filter stopped the call (it would have run
// into the kernel's own checks, e.g. capabilities), any other errno is an earlier filter's.
// That tells a seccomp denial apart from the EPERM of a missing capability.
static int a_seccomp_reaches(int argc, char **argv) {
  NEED(1, "seccomp-reaches "
          "kexec_load|kexec_file_load|init_module|finit_module|delete_module|reboot|swapon|acct|"
          "vhangup|mount");
  static const struct {
    const char *name;
    long nr;
  } calls[] = {{"kexec_load", SYS_kexec_load},
               {"kexec_file_load", SYS_kexec_file_load},
               {"init_module", SYS_init_module},
               {"finit_module", SYS_finit_module},
               {"delete_module", SYS_delete_module},
               {"reboot", SYS_reboot},
               {"swapon", SYS_swapon},
               {"acct", SYS_acct},
               {"vhangup", SYS_vhangup},
               {"bpf", SYS_bpf},
               {"open_by_handle_at", SYS_open_by_handle_at},
               {"mount", SYS_mount}};
  long nr = -1;
  for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
    if (strcmp(argv[0], calls[i].name) == 0)
      nr = calls[i].nr;
  if (nr < 0)
    die_usage("seccomp-reaches: unknown syscall name");
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
    result_errno(errno);
    return 1;
  }
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) {
    result_errno(errno);
    return 1;
  }
  if (child == 0) {
    struct sock_filter insns[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof insns / sizeof insns[0], .filter = insns};
    int e = 0;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
      e = -errno; // could not even ask: reported as a negative errno
    else if (syscall(nr, 0, 0, 0, 0, 0, 0) != 0)
      e = errno;
    (void)!write(pipefd[1], &e, sizeof e);
    _exit(0);
  }
  close(pipefd[1]);
  int e = 0;
  ssize_t n = read(pipefd[0], &e, sizeof e);
  close(pipefd[0]);
  waitpid(child, NULL, 0);
  if (n != (ssize_t)sizeof e)
    printf("error=no answer from the child\n");
  else if (e < 0)
    printf("error=cannot install the probe's filter: %s\n", errno_name(-e));
  else if (e == 0)
    result_ok();
  else
    result_errno(e);
  return 1;
}

// print MESSAGE: a marker line, e.g. to separate outputs.
static int a_echo(int argc, char **argv) {
  NEED(1, "echo TEXT");
  printf("%s\n", argv[0]);
  return 1;
}

static const struct {
  const char *name;
  action_fn fn;
} k_actions[] = {
    {"facts", a_facts},
    {"read", a_read},
    {"cat", a_cat},
    {"write", a_write},
    {"open-write", a_open_write},
    {"mkdir", a_mkdir},
    {"rmdir", a_rmdir},
    {"unlink", a_unlink},
    {"ls", a_ls},
    {"exists", a_exists},
    {"stat", a_stat},
    {"readlink", a_readlink},
    {"kill", a_kill},
    {"ptrace", a_ptrace},
    {"vmread", a_vmread},
    {"pidfd-open", a_pidfd_open},
    {"exit", a_exit},
    {"raise", a_raise},
    {"orphan", a_orphan},
    {"zombies", a_zombies},
    {"pids", a_pids},
    {"wait-gone", a_wait_gone},
    {"sleep", a_sleep},
    {"tiocsti", a_tiocsti},
    {"tty-ioctl", a_tty_ioctl},
    {"connect-tcp", a_connect_tcp},
    {"connect-unix", a_connect_unix},
    {"unshare-user", a_unshare_user},
    {"unshare-mount", a_unshare_mount},
    {"unshare-net", a_unshare_net},
    {"mount-tmpfs", a_mount_tmpfs},
    {"bind", a_bind},
    {"umount", a_umount},
    {"remount-rw", a_remount_rw},
    {"setuid", a_setuid},
    {"setgid", a_setgid},
    {"setgroups", a_setgroups},
    {"setns", a_setns},
    {"chroot", a_chroot},
    {"mknod", a_mknod},
    {"sethostname", a_sethostname},
    {"keyctl", a_keyctl},
    {"add-key", a_add_key},
    {"bpf", a_bpf},
    {"perf-event-open", a_perf_event_open},
    {"userfaultfd", a_userfaultfd},
    {"open-by-handle", a_open_by_handle},
    {"seccomp-reaches", a_seccomp_reaches},
    {"forkbomb", a_forkbomb},
    {"fsize", a_fsize},
    {"waitsig", a_waitsig},
    {"cwd-check", a_cwd_check},
    {"chdir-cwd", a_cwd_check},
    {"fd-escape", a_fd_escape},
    {"shm-get", a_shm_get},
    {"proc-fd-escape", a_proc_fd_escape},
    {"exec", a_exec},
    {"echo", a_echo},
    {"userns-root", a_userns_root},
    {"daemon", a_daemon},
};

static void usage_list(void) {
  fprintf(stderr, "usage: sandbox-probe ACTION [ARGS] [+ ACTION [ARGS]]...\nactions:");
  for (size_t i = 0; i < sizeof k_actions / sizeof k_actions[0]; i++)
    fprintf(stderr, " %s", k_actions[i].name);
  fprintf(stderr, "\n");
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2) {
    usage_list();
    return 2;
  }
  int i = 1;
  while (i < argc) {
    const char *name = argv[i];
    action_fn fn = NULL;
    for (size_t k = 0; k < sizeof k_actions / sizeof k_actions[0]; k++)
      if (strcmp(k_actions[k].name, name) == 0)
        fn = k_actions[k].fn;
    if (!fn) {
      fprintf(stderr, "sandbox-probe: unknown action '%s'\n", name);
      usage_list();
      return 2;
    }
    // Arguments of this action run up to the next "+".
    int end = i + 1;
    while (end < argc && strcmp(argv[end], "+") != 0)
      end++;
    int used = fn(end - (i + 1), argv + i + 1);
    (void)used;
    fflush(stdout);
    i = end + 1;
  }
  return 0;
}
