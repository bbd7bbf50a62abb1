#!/usr/bin/env bash
# Debian's openssh-server on 127.0.0.1:22 for the integration tests (SshTest), which log in as
# the user running them (root on CI) with a key they generate and remove again. Idempotent. Needs root (re-runs itself with
# sudo otherwise).
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  exec sudo "$0" "$@"
fi
"$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" openssh-server

log() { echo "setup-ssh: $*"; }

ssh-keygen -A >/dev/null                      # host keys, if missing
mkdir -p /run/sshd /etc/ssh/sshd_config.d /root/.ssh
chmod 0755 /run/sshd
chmod 0700 /root/.ssh
conf=$(cat <<'CONF'
# Written by .ci/setup-ssh.sh for Kapu's tests: loopback only, keys only.
ListenAddress 127.0.0.1
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
# The tests open a reverse tunnel (-R) and start several sessions at once.
AllowTcpForwarding yes
MaxStartups 50:30:100
MaxSessions 50
CONF
)
changed=0
if [ "$(cat /etc/ssh/sshd_config.d/kapu.conf 2>/dev/null)" != "$conf" ]; then
  printf '%s\n' "$conf" > /etc/ssh/sshd_config.d/kapu.conf
  changed=1
fi
/usr/sbin/sshd -t

running() { [ -f /run/sshd.pid ] && kill -0 "$(cat /run/sshd.pid)" 2>/dev/null; }
if running && [ "$changed" = 1 ]; then
  kill -HUP "$(cat /run/sshd.pid)"            # re-reads its configuration
fi
if ! running; then
  log "starting sshd"
  /usr/sbin/sshd
fi
for _ in $(seq 1 50); do
  (exec 3<>/dev/tcp/127.0.0.1/22) 2>/dev/null && { log "sshd listens on 127.0.0.1:22"; exit 0; }
  sleep 0.1
done
log "sshd does not listen on 127.0.0.1:22" >&2
exit 1
