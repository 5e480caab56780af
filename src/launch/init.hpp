// SPDX-License-Identifier: Apache-2.0
#pragma once
// Pid 1 of the sandbox (after bubblewrap's do_init): starts the command, reaps every orphan,
// forwards signals to the command, and exits with the command's status (128+N for signal N).

#include <sched.h>
#include <sys/types.h>

#include <cstdint>

#include "launch/channel.hpp"
#include "plan/plan.hpp"
#include "seccomp/filter.hpp"

namespace sandbox::launch {

// The command's process from its start, before pid 1 builds the root, until pid 1 lets it go
// on to its exec (run_init). Meanwhile it does what needs neither the root nor anything it
// shares with pid 1 (memory, errno, the filesystem context): its new session, its signals, and
// the bounding set's drop, a prctl(2) per capability. It does so on another CPU than pid 1's,
// then sleeps until the word. (Spinning for it instead was slower and had a long tail: a busy
// CPU holds up the kernel's grace periods, which pid 1's unmounts wait for.) What is left after
// the word: its own filesystem context, umask, rlimits, the working directory, the rest of the
// capabilities, no_new_privs, the seccomp filter, execve.
//
// The process shares pid 1's filesystem context (CLONE_FS) until then, so pivot_root gives it
// the sandbox's root as it gives pid 1, and its memory (CLONE_VM; the sanitizer build forks),
// on `stack_top`; it allocates nothing before the word, when pid 1 has stopped allocating.
// The object stays where it is until run_init (the process reads it); destroyed before,
// it kills and reaps the process.
class PendingCommand {
public:
  PendingCommand(const plan::SandboxPlan &plan, const Channel &channel,
                 const seccomp::Filter *filter, void *stack_top);
  PendingCommand(const PendingCommand &) = delete;
  PendingCommand &operator=(const PendingCommand &) = delete;
  ~PendingCommand();

  // What the process reads (through CLONE_VM memory, or its copy).
  struct Start {
    const plan::SandboxPlan *plan = nullptr;
    const seccomp::Filter *filter = nullptr;
    int channel_fd = -1;
    int word_fd = -1;      // its end of the word's socket pair
    int pid1_word_fd = -1; // pid 1's end, which it closes
    std::uint64_t keep_caps = 0;
    bool moved = false; // to other CPUs than pid 1's, until the word
    cpu_set_t cpus{};   // the CPUs it runs on once it has the word
  };

  [[nodiscard]] pid_t pid() const { return m_pid; }
  // The word: the root is built, pid 1 allocates nothing from now on.
  void go() noexcept;
  // After go(): returns once the process has exec'd or ended.
  void wait_for_exec() noexcept;
  // Kills and reaps the process, before the word (when pid 1 gives up).
  void abandon() noexcept;

private:
  Start m_start;
  pid_t m_pid = -1;
  int m_word_fd = -1;
};

// Pid 1, once the root is built: lets the command go on, drops its own capabilities, reaps and
// forwards until the command exits.
[[noreturn]] void run_init(Channel &channel, PendingCommand &command);

} // namespace sandbox::launch
