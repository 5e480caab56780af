// SPDX-License-Identifier: Apache-2.0
#pragma once
// The parent<->child handshake: one SOCK_SEQPACKET|SOCK_CLOEXEC socketpair with framed, typed
// messages. EOF on the parent's end means the command was exec'd (the child's end closes on
// execve), or the child died; EOF on the child's end means the parent died. Never EOF as "go".

#include <optional>

#include "sys/fd.hpp"
#include "util/error.hpp"

namespace sandbox::launch {

// One-byte packets on a SOCK_SEQPACKET socket, for processes that share memory and errno
// (launch/launcher.cpp): neither call sets errno where raw system calls exist.
// The byte received, once there is one; '\0' on EOF or an error.
char receive_byte(int fd) noexcept;
// 0, or the errno of send(2) (MSG_NOSIGNAL: no SIGPIPE when the peer is gone).
int send_byte(int fd, char byte) noexcept;

class Channel {
public:
  enum class Kind { maps_ready, failure, eof };
  struct Message {
    Kind kind = Kind::eof;
    int exit_code = 0;          // for failure: what sandbox should exit with (125, 126, 127)
    std::optional<Error> error; // for failure
  };

  Channel() = default;
  explicit Channel(sys::UniqueFd fd) : m_fd(std::move(fd)) {}
  // {parent end, child end}
  static std::pair<Channel, Channel> make_pair();

  void send_maps_ready();
  // The child's wait for send_maps_ready(): false on EOF or error (the launcher failed or
  // died). Allocates nothing: until it returns the launcher, which shares the child's memory,
  // may be allocating (see launcher.cpp).
  bool wait_maps_ready() noexcept;
  // The early-started child's report that it made its namespaces (launch::start_early).
  struct NamespacesMade {
    bool reported = false; // false: the child is gone, or said something else
    int unshare_errno = 0;
    int maps_errno = -1;     // 0: the child wrote its own id maps; -1: it did not try
    bool plan_taken = false; // the child went on with a published plan (no "maps ready")
    // A socket in the new network namespace, for the launcher to bring its loopback up with
    // (-1: none); the receiver owns it. The child then waits for "loopback up".
    int loopback_socket = -1;
    // Whether the child sent one: the receiver may not get it (at its limit of open files).
    bool loopback_socket_sent = false;
  };
  // Allocates nothing (the launcher may be allocating meanwhile). False when the message could
  // not be sent.
  [[nodiscard]] bool send_namespaces_made(const NamespacesMade &made) noexcept;
  // The launcher's wait for it.
  NamespacesMade wait_namespaces_made() noexcept;
  // The launcher's word that the loopback of the socket it was sent is up; the child waits for
  // it (false on EOF or error), after "maps ready" if one was sent.
  // 0 or an errno, which stays out of errno (the child, which shares it, runs meanwhile).
  [[nodiscard]] int send_loopback_up() noexcept;
  bool wait_loopback_up() noexcept;
  // Whether the other end is closed (its process gone), without waiting.
  bool peer_closed() noexcept;
  // Best effort and allocation-light: used on the child's way out.
  void send_failure(const Error &error, int exit_code) noexcept;
  Message receive();
  // A message already queued, or eof when there is none.
  Message receive_queued();

  [[nodiscard]] int fd() const { return m_fd.get(); }
  void close() { m_fd.reset(); }

private:
  sys::UniqueFd m_fd;
};

} // namespace sandbox::launch
