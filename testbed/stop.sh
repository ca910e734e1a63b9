#!/usr/bin/env bash
# Stops the dockerd and registry that testbed/start.sh started (by the pids
# it recorded under the state directory, default /tmp/devspace-testbed).
# With --purge it also deletes the state directory (images, registry data).
set -euo pipefail

STATE=${DEVSPACE_TESTBED_DIR:-/tmp/devspace-testbed}
[ -d "$STATE" ] || exit 0

log() { echo "testbed: $*" >&2; }

# stop NAME PIDFILE SECONDS: SIGTERM, wait, then SIGKILL the process group
# (dockerd runs its containerd in its own session, started by setsid).
stop() {
	local name=$1 pidfile=$2 wait=$3 pid
	[ -f "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	if kill -0 "$pid" 2>/dev/null; then
		log "stopping $name (pid $pid)"
		kill -TERM "$pid" 2>/dev/null || true
		local deadline=$((SECONDS + wait))
		while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
		if kill -0 "$pid" 2>/dev/null; then
			log "$name did not stop in ${wait}s; killing it"
			kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$pidfile"
}

stop docker-registry "$STATE/registry.pid" 5
stop dockerd "$STATE/dockerd.pid" 20
rm -f "$STATE/docker.sock" "$STATE/env" "$STATE/docker.env"

if [ "${1:-}" = --purge ]; then
	# Layers left mounted by a killed daemon would make rm fail.
	awk -v d="$STATE/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	rm -rf "$STATE"
	log "removed $STATE"
fi
