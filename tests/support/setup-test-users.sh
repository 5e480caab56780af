#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Prepare a machine (CI, a dev VM) for the integration and escape tests. Run as root; idempotent.
#
#   sbxtest   the unprivileged user the tests run sandboxes as; /etc/subuid and /etc/subgid
#             ranges of 65536 ids (for map = "subids")
#   sbxnosub  a user with NO subordinate ids (the "no subids" negative test)
#   /dev/fuse made usable by normal users (fuse-overlayfs needs to open it; it is 0600 here)
#
# The build and source trees must be readable (and the dirs searchable) by sbxtest.
set -eu

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-test-users.sh: must run as root" >&2
  exit 1
fi

add_user() {
  name=$1
  if ! getent passwd "$name" >/dev/null; then
    useradd --create-home --shell /bin/sh --comment "sandbox tests" "$name"
  fi
  home=$(getent passwd "$name" | cut -d: -f6)
  if [ ! -d "$home" ]; then
    mkdir -p "$home"
    chown "$name:" "$home"
  fi
  chmod 0700 "$home"
}

# The next free range of 65536 subordinate ids at or above 100000 in FILE.
next_free_start() {
  file=$1
  start=100000
  if [ -s "$file" ]; then
    start=$(awk -F: 'BEGIN { m = 100000 } { e = $2 + $3; if (e > m) m = e } END { print m }' "$file")
  fi
  echo "$start"
}

add_subids() {
  name=$1
  for file in /etc/subuid /etc/subgid; do
    touch "$file"
    chmod 0644 "$file"
    if ! grep -q "^$name:" "$file"; then
      echo "$name:$(next_free_start "$file"):65536" >> "$file"
    fi
  done
}

remove_subids() {
  name=$1
  for file in /etc/subuid /etc/subgid; do
    if [ -f "$file" ] && grep -q "^$name:" "$file"; then
      sed -i "/^$name:/d" "$file"
    fi
  done
}

add_user sbxtest
add_subids sbxtest
add_user sbxnosub
remove_subids sbxnosub

if [ -e /dev/fuse ]; then
  chmod 0666 /dev/fuse
fi

echo "setup-test-users.sh: sbxtest (uid $(id -u sbxtest), subids: $(grep '^sbxtest:' /etc/subuid)), sbxnosub (uid $(id -u sbxnosub), no subids)"
