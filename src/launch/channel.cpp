// SPDX-License-Identifier: Apache-2.0
#include "launch/channel.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <sys/syscall.h>
#include <unistd.h>

#include "sys/raw_syscall.hpp"
#include "sys/syscalls.hpp"

namespace sandbox::launch {

namespace {
constexpr char k_maps_ready = 'M';
constexpr char k_failure = 'F';
constexpr char k_namespaces_made = 'N';
constexpr char k_loopback_up = 'L';
constexpr size_t k_max_message = 8192;

void put_int(std::string &out, int v) {
  out.append(reinterpret_cast<const char *>(&v), sizeof v);
}
int get_int(std::string_view &in) {
  int v = 0;
  if (in.size() >= sizeof v) {
    std::memcpy(&v, in.data(), sizeof v);
    in.remove_prefix(sizeof v);
  }
  return v;
}
std::string get_string(std::string_view &in) {
  auto end = in.find('\0');
  std::string s(in.substr(0, end));
  in.remove_prefix(end == std::string_view::npos ? in.size() : end + 1);
  return s;
}
} // namespace

std::pair<Channel, Channel> Channel::make_pair() {
  std::array<int, 2> fds{};
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds.data()) != 0)
    sys::throw_errno("socketpair");
  return {Channel(sys::UniqueFd(fds[0])), Channel(sys::UniqueFd(fds[1]))};
}

void Channel::send_maps_ready() {
  if (send(m_fd.get(), &k_maps_ready, 1, MSG_NOSIGNAL) != 1)
    sys::throw_errno("send", "sync channel");
}

void Channel::send_failure(const Error &error, int exit_code) noexcept {
  try {
    std::string msg(1, k_failure);
    put_int(msg, exit_code);
    put_int(msg, error.err());
    for (const std::string *s : {&error.context(), &error.op(), &error.path(), &error.path2(),
                                 &error.text(), &error.hint()}) {
      msg += *s;
      msg += '\0';
    }
    if (msg.size() > k_max_message)
      msg.resize(k_max_message);
    (void)send(m_fd.get(), msg.data(), msg.size(), MSG_NOSIGNAL);
  } catch (...) {
    // Out of memory while describing the failure: still a failure, with its exit code.
    char fallback[1 + 2 * sizeof(int)] = {k_failure};
    std::memcpy(fallback + 1, &exit_code, sizeof exit_code);
    (void)send(m_fd.get(), fallback, sizeof fallback, MSG_NOSIGNAL);
  }
}

// 'N', the two errnos, plan_taken, loopback_socket_sent.
constexpr std::size_t k_namespaces_made_size = 1 + 2 * sizeof(int) + 2;

// Room for one SCM_RIGHTS descriptor.
union FdControl {
  cmsghdr header;
  std::array<char, CMSG_SPACE(sizeof(int))> space;
};

bool Channel::send_namespaces_made(const NamespacesMade &made) noexcept {
  std::array<char, k_namespaces_made_size> msg{k_namespaces_made};
  std::memcpy(msg.data() + 1, &made.unshare_errno, sizeof(int));
  std::memcpy(msg.data() + 1 + sizeof(int), &made.maps_errno, sizeof(int));
  msg[1 + 2 * sizeof(int)] = made.plan_taken ? 1 : 0;
  msg.back() = made.loopback_socket >= 0 ? 1 : 0;
  iovec iov{msg.data(), msg.size()};
  msghdr header{};
  header.msg_iov = &iov;
  header.msg_iovlen = 1;
  FdControl control{};
  if (made.loopback_socket >= 0) {
    header.msg_control = control.space.data();
    header.msg_controllen = control.space.size();
    cmsghdr *fd_message = CMSG_FIRSTHDR(&header);
    fd_message->cmsg_level = SOL_SOCKET;
    fd_message->cmsg_type = SCM_RIGHTS;
    fd_message->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(fd_message), &made.loopback_socket, sizeof(int));
  }
  return sendmsg(m_fd.get(), &header, MSG_NOSIGNAL) == static_cast<ssize_t>(msg.size());
}

Channel::NamespacesMade Channel::wait_namespaces_made() noexcept {
  std::array<char, k_namespaces_made_size> msg{};
  iovec iov{msg.data(), msg.size()};
  msghdr header{};
  header.msg_iov = &iov;
  header.msg_iovlen = 1;
  FdControl control{};
  header.msg_control = control.space.data();
  header.msg_controllen = control.space.size();
  ssize_t n = 0;
  do {
    n = recvmsg(m_fd.get(), &header, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  NamespacesMade made;
  if (n > 0)
    for (cmsghdr *c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(&header, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
          c->cmsg_len == CMSG_LEN(sizeof(int)))
        std::memcpy(&made.loopback_socket, CMSG_DATA(c), sizeof(int));
  if (n != static_cast<ssize_t>(msg.size()) || msg[0] != k_namespaces_made) {
    if (made.loopback_socket >= 0)
      ::close(made.loopback_socket);
    made.loopback_socket = -1;
    return made;
  }
  made.reported = true;
  std::memcpy(&made.unshare_errno, msg.data() + 1, sizeof(int));
  std::memcpy(&made.maps_errno, msg.data() + 1 + sizeof(int), sizeof(int));
  made.plan_taken = msg[1 + 2 * sizeof(int)] != 0;
  made.loopback_socket_sent = msg.back() != 0;
  return made;
}

char receive_byte(int fd) noexcept {
  for (;;) {
    char byte = 0;
    const long n =
        sys::syscall_returning_error(SYS_recvfrom, fd, reinterpret_cast<long>(&byte), 1, 0, 0, 0);
    if (n != -EINTR)
      return n == 1 ? byte : '\0';
  }
}

int send_byte(int fd, char byte) noexcept {
  const long sent = sys::syscall_returning_error(SYS_sendto, fd, reinterpret_cast<long>(&byte), 1,
                                                 MSG_NOSIGNAL, 0, 0);
  return sent < 0 ? static_cast<int>(-sent) : 0;
}

bool Channel::wait_maps_ready() noexcept {
  return receive_byte(m_fd.get()) == k_maps_ready;
}

int Channel::send_loopback_up() noexcept {
  return send_byte(m_fd.get(), k_loopback_up);
}

bool Channel::wait_loopback_up() noexcept {
  return receive_byte(m_fd.get()) == k_loopback_up;
}

bool Channel::peer_closed() noexcept {
  pollfd peer{m_fd.get(), POLLRDHUP, 0};
  return poll(&peer, 1, 0) > 0 && (peer.revents & (POLLHUP | POLLRDHUP)) != 0;
}

Channel::Message Channel::receive_queued() {
  pollfd pending{m_fd.get(), POLLIN, 0};
  if (poll(&pending, 1, 0) <= 0 || (pending.revents & POLLIN) == 0)
    return {};
  return receive();
}

Channel::Message Channel::receive() {
  std::array<char, k_max_message> buf; // NOLINT(cppcoreguidelines-pro-type-member-init)
  ssize_t n = 0;
  bool reset_seen = false;
  for (;;) {
    n = recv(m_fd.get(), buf.data(), buf.size(), 0);
    if (n >= 0)
      break;
    if (errno == EINTR)
      continue;
    // The other end closed with a message of ours unread ("loopback up" to a child that failed
    // before it read it): the kernel reports that once, before what is still queued.
    if (errno == ECONNRESET && !reset_seen) {
      reset_seen = true;
      continue;
    }
    sys::throw_errno("recv", "sync channel");
  }
  Message m;
  if (n == 0)
    return m;
  std::string_view in(buf.data(), static_cast<size_t>(n));
  const char type = in.front();
  in.remove_prefix(1);
  if (type == k_maps_ready) {
    m.kind = Kind::maps_ready;
    return m;
  }
  m.kind = Kind::failure;
  m.exit_code = get_int(in);
  if (m.exit_code == 0)
    m.exit_code = 125; // a failure never reads as success
  const int err = get_int(in);
  std::string context = get_string(in), op = get_string(in), path = get_string(in),
              path2 = get_string(in), text = get_string(in), hint = get_string(in);
  Error e = err != 0 ? Error::from_errno(err, op, path, path2) : Error::message(text, hint);
  if (err != 0 && !hint.empty())
    e.with_hint(hint);
  if (!context.empty())
    e.with_context(context);
  m.error = std::move(e);
  return m;
}

} // namespace sandbox::launch
