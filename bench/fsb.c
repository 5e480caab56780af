// SPDX-License-Identifier: Apache-2.0
// fsb — the timed workloads of bench/fs.sh, run inside the sandbox. One process runs a list of
// steps and prints one line per step: "fsb STEP ms=MILLISECONDS n=COUNT bytes=BYTES".
//   create DIR N SIZE   N files of SIZE bytes in DIR/dNN/fNNNN (100 files a directory; no fsync)
//   read   DIR N        open + read whole + close each of those N files
//   append DIR N        open O_WRONLY|O_APPEND each existing DIR/fNNNN (i < N), append a line
//                       (in an overlay, DIR is in the lower layer: every open is a copy-up)
//   write  FILE MIB     sequential write of MIB MiB in 1 MiB blocks, fsync, close (all timed;
//                       the line also gives fsync_ms, the fsync alone)
//   readf  FILE         sequential read of FILE in 1 MiB blocks
// Built by bench/fs.sh with `cc -O2`; any failure exits 1 with the path and errno text.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char block[1 << 20];

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void die(const char *what, const char *path) {
  fprintf(stderr, "fsb: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

static void write_all(int fd, const char *buf, size_t len, const char *path) {
  while (len > 0) {
    ssize_t w = write(fd, buf, len);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      die("write", path);
    }
    buf += w;
    len -= (size_t)w;
  }
}

static long long read_whole(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    die("open", path);
  long long total = 0;
  for (;;) {
    ssize_t r = read(fd, block, sizeof block);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      die("read", path);
    if (r == 0)
      break;
    total += r;
  }
  close(fd);
  return total;
}

int main(int argc, char **argv) {
  for (size_t i = 0; i < sizeof block; i++)
    block[i] = (char)('a' + i % 26);
  char path[4096];
  int i = 1;
  while (i < argc) {
    const char *op = argv[i];
    long long n = 0, bytes = 0;
    double t0 = now_ms(), fsync_ms = -1;
    if (!strcmp(op, "create") && i + 3 < argc) {
      const char *dir = argv[i + 1];
      n = atoll(argv[i + 2]);
      size_t size = (size_t)atoll(argv[i + 3]);
      if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        die("mkdir", dir);
      for (long long k = 0; k < n; k++) {
        if (k % 100 == 0) {
          snprintf(path, sizeof path, "%s/d%03lld", dir, k / 100);
          if (mkdir(path, 0755) != 0 && errno != EEXIST)
            die("mkdir", path);
        }
        snprintf(path, sizeof path, "%s/d%03lld/f%05lld", dir, k / 100, k);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
          die("create", path);
        write_all(fd, block, size, path);
        close(fd);
        bytes += (long long)size;
      }
      i += 4;
    } else if (!strcmp(op, "read") && i + 2 < argc) {
      const char *dir = argv[i + 1];
      n = atoll(argv[i + 2]);
      for (long long k = 0; k < n; k++) {
        snprintf(path, sizeof path, "%s/d%03lld/f%05lld", dir, k / 100, k);
        bytes += read_whole(path);
      }
      i += 3;
    } else if (!strcmp(op, "append") && i + 2 < argc) {
      const char *dir = argv[i + 1];
      n = atoll(argv[i + 2]);
      static const char line[] = "appended by fsb\n";
      for (long long k = 0; k < n; k++) {
        snprintf(path, sizeof path, "%s/f%05lld", dir, k);
        int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0)
          die("open", path);
        write_all(fd, line, sizeof line - 1, path);
        close(fd);
        bytes += (long long)sizeof line - 1;
      }
      i += 3;
    } else if (!strcmp(op, "write") && i + 2 < argc) {
      const char *file = argv[i + 1];
      n = atoll(argv[i + 2]);
      int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0)
        die("create", file);
      for (long long k = 0; k < n; k++) {
        write_all(fd, block, sizeof block, file);
        bytes += (long long)sizeof block;
      }
      double t1 = now_ms();
      if (fsync(fd) != 0)
        die("fsync", file);
      fsync_ms = now_ms() - t1;
      if (close(fd) != 0)
        die("close", file);
      i += 3;
    } else if (!strcmp(op, "readf") && i + 1 < argc) {
      bytes = read_whole(argv[i + 1]);
      n = 1;
      i += 2;
    } else {
      fprintf(stderr,
              "fsb: bad step at '%s'; usage: fsb [create DIR N SIZE | read DIR N | "
              "append DIR N | write FILE MIB | readf FILE]...\n",
              op);
      return 2;
    }
    printf("fsb %s ms=%.1f n=%lld bytes=%lld", op, now_ms() - t0, n, bytes);
    if (fsync_ms >= 0)
      printf(" fsync_ms=%.1f", fsync_ms);
    printf("\n");
    fflush(stdout);
  }
  return 0;
}
