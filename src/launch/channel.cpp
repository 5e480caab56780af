// SPDX-License-Identifier: Apache-2.0
#include "launch/channel.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

#include "sys/syscalls.hpp"

namespace sandbox::launch {

namespace {
constexpr char k_maps_ready = 'M';
constexpr char k_failure = 'F';
constexpr char k_namespaces_made = 'N';
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

void Channel::send_namespaces_made(int unshare_errno, int maps_errno) noexcept {
  std::array<char, 1 + 2 * sizeof(int)> msg{k_namespaces_made};
  std::memcpy(msg.data() + 1, &unshare_errno, sizeof unshare_errno);
  std::memcpy(msg.data() + 1 + sizeof(int), &maps_errno, sizeof maps_errno);
  (void)send(m_fd.get(), msg.data(), msg.size(), MSG_NOSIGNAL);
}

Channel::NamespacesMade Channel::wait_namespaces_made() noexcept {
  std::array<char, 1 + 2 * sizeof(int)> msg{};
  ssize_t n = 0;
  do {
    n = recv(m_fd.get(), msg.data(), msg.size(), 0);
  } while (n < 0 && errno == EINTR);
  NamespacesMade made;
  if (n != static_cast<ssize_t>(msg.size()) || msg[0] != k_namespaces_made)
    return made;
  made.reported = true;
  std::memcpy(&made.unshare_errno, msg.data() + 1, sizeof(int));
  std::memcpy(&made.maps_errno, msg.data() + 1 + sizeof(int), sizeof(int));
  return made;
}

bool Channel::wait_maps_ready() noexcept {
  char kind = 0;
  ssize_t n = 0;
  do {
    n = recv(m_fd.get(), &kind, 1, 0);
  } while (n < 0 && errno == EINTR);
  return n == 1 && kind == k_maps_ready;
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
  do {
    n = recv(m_fd.get(), buf.data(), buf.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0)
    sys::throw_errno("recv", "sync channel");
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
