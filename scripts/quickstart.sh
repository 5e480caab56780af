#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages (with sudo when not root), builds a release binary, and runs a
# real sandbox on the built-in default profile as you (or, as root, as the test user).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then bash scripts/install-deps.sh; else sudo bash scripts/install-deps.sh; fi
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target sandbox >/dev/null
bin=$PWD/build/release/src/sandbox
demo='echo "inside: $(id -un) uid=$(id -u), pid $$, host $(hostname)"; echo "home: $(ls -A ~ | wc -l) entries"; touch /usr/x 2>&1 | sed "s/^/try: /"'
if [ "$(id -u)" = 0 ]; then
  # Root would prove nothing about rootless: run it as an unprivileged user.
  user=${SANDBOX_TEST_USER:-sbxtest}
  id "$user" >/dev/null 2>&1 || useradd -m "$user"
  chmod o+rx build build/release build/release/src 2>/dev/null || true
  exec runuser -u "$user" -- sh -c "cd /tmp && '$bin' run -- sh -c '$demo'"
fi
exec "$bin" run -- sh -c "$demo"
