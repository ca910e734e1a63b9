#!/usr/bin/env bash
# Starts a private Docker Engine and a registry for the tests, in the
# background, under a state directory (default /tmp/devspace-testbed):
#
#   dockerd on unix://$STATE/docker.sock (no bridge, no iptables: nothing on
#   the host's network changes) and docker-registry on 127.0.0.1:PORT.
#
# Idempotent: daemons that are already running and answering are reused.
# Waits until both answer (bounded), then prints on stdout
#
#   export DEVSPACE_TEST_DOCKER_HOST=unix:///tmp/devspace-testbed/docker.sock
#   export DEVSPACE_TEST_REGISTRY=127.0.0.1:5000
#
# so `eval "$(testbed/start.sh)"` sets them; the same lines are kept in
# $STATE/docker.env (testbed/testbed up keeps the full set in $STATE/env). Progress and errors go to stderr. Stop with testbed/stop.sh.
# Settings: DEVSPACE_TESTBED_DIR (state directory), DEVSPACE_TESTBED_REGISTRY_PORT
# (default: the first free port from 5000), DEVSPACE_TESTBED_TIMEOUT (seconds, 60).
set -euo pipefail

STATE=${DEVSPACE_TESTBED_DIR:-/tmp/devspace-testbed}
TIMEOUT=${DEVSPACE_TESTBED_TIMEOUT:-60}
PATH=$PATH:/usr/sbin:/sbin

log() { echo "testbed: $*" >&2; }
die() { log "$*"; exit 1; }

for bin in dockerd docker-registry; do
	command -v "$bin" >/dev/null 2>&1 || die "$bin is not installed: run testbed/install.sh (apt-get install docker.io docker-registry busybox-static)"
done

mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)
SOCK=$STATE/docker.sock
HOST=unix://$SOCK

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

docker_answers() {
	if command -v curl >/dev/null 2>&1; then
		curl -sf --max-time 2 --unix-socket "$SOCK" http://docker/_ping >/dev/null 2>&1
	else
		timeout 5 docker -H "$HOST" version >/dev/null 2>&1
	fi
}

# registry_answers HOST:PORT: a GET /v2/ that answers 200 (no curl needed).
registry_answers() {
	local host=${1%:*} port=${1##*:} status
	status=$(timeout 2 bash -c '
		exec 3<>"/dev/tcp/$0/$1" || exit 1
		printf "GET /v2/ HTTP/1.0\r\nHost: %s\r\n\r\n" "$0" >&3
		head -n 1 <&3' "$host" "$port" 2>/dev/null) || return 1
	[[ $status == *" 200 "* ]]
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for WHAT LOGFILE PIDFILE COMMAND...: polls COMMAND until it succeeds.
wait_for() {
	local what=$1 logfile=$2 pidfile=$3; shift 3
	local deadline=$((SECONDS + TIMEOUT))
	until "$@"; do
		if ! alive "$pidfile"; then
			tail -n 20 "$logfile" >&2 || true
			die "$what exited; log: $logfile"
		fi
		if [ $SECONDS -ge $deadline ]; then
			tail -n 20 "$logfile" >&2 || true
			die "$what did not answer within ${TIMEOUT}s; log: $logfile"
		fi
		sleep 0.2
	done
}

start_docker() {
	if alive "$STATE/dockerd.pid" && docker_answers; then
		log "dockerd already running (pid $(cat "$STATE/dockerd.pid")) on $HOST"
		return
	fi
	if alive "$STATE/dockerd.pid"; then
		# Running but not answering (hung, or a zombie left by a killed
		# session): replace it.
		log "dockerd (pid $(cat "$STATE/dockerd.pid")) does not answer; restarting it"
		kill -9 "$(cat "$STATE/dockerd.pid")" 2>/dev/null || true
		rm -f "$STATE/dockerd.pid"
	fi
	if ! alive "$STATE/dockerd.pid"; then
		# No daemon of ours runs: whatever a killed one left in its runtime
		# directory (pid files, containerd sockets) is stale. Images in
		# data/ are kept.
		awk -v d="$STATE/exec/" 'index($2, d) == 1 {print $2}' /proc/mounts 2>/dev/null |
			while read -r m; do umount -l "$m" 2>/dev/null || true; done
		rm -rf "$STATE/exec" 2>/dev/null || rm -f "$STATE/exec/dockerd.pid"
		rm -f "$SOCK"
		mkdir -p "$STATE/data" "$STATE/exec"
		# An explicit daemon.json: a host's /etc/docker/daemon.json (hosts,
		# bridges, registries) must not change this daemon. It only turns
		# BuildKit on (as testbed/process.go does); a daemon already running
		# keeps its settings: restart it with testbed/stop.sh first.
		echo '{"features": {"buildkit": true}}' >"$STATE/daemon.json"
		log "starting dockerd on $HOST"
		setsid dockerd \
			--host "$HOST" \
			--config-file "$STATE/daemon.json" \
			--data-root "$STATE/data" \
			--exec-root "$STATE/exec" \
			--pidfile "$STATE/exec/dockerd.pid" \
			--iptables=false --ip-masq=false --bridge=none \
			</dev/null >>"$STATE/dockerd.log" 2>&1 &
		echo $! >"$STATE/dockerd.pid"
	fi
	wait_for dockerd "$STATE/dockerd.log" "$STATE/dockerd.pid" docker_answers
}

start_registry() {
	if [ -f "$STATE/registry.addr" ] && alive "$STATE/registry.pid" && registry_answers "$(cat "$STATE/registry.addr")"; then
		log "registry already running (pid $(cat "$STATE/registry.pid")) on $(cat "$STATE/registry.addr")"
		return
	fi
	if alive "$STATE/registry.pid"; then
		kill "$(cat "$STATE/registry.pid")" 2>/dev/null || true
		sleep 0.5
	fi
	local port=${DEVSPACE_TESTBED_REGISTRY_PORT:-}
	if [ -z "$port" ]; then
		port=5000
		until port_free "$port"; do
			port=$((port + 1))
			[ $port -lt 5100 ] || die "no free port in 5000-5099 for the registry; set DEVSPACE_TESTBED_REGISTRY_PORT"
		done
	fi
	local addr=127.0.0.1:$port
	mkdir -p "$STATE/registry"
	cat >"$STATE/registry.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $STATE/registry
  delete:
    enabled: true
http:
  addr: $addr
  secret: devspace-testbed
YAML
	log "starting docker-registry on $addr"
	setsid docker-registry serve "$STATE/registry.yml" </dev/null >>"$STATE/registry.log" 2>&1 &
	echo $! >"$STATE/registry.pid"
	echo "$addr" >"$STATE/registry.addr"
	wait_for docker-registry "$STATE/registry.log" "$STATE/registry.pid" registry_answers "$addr"
}

start_docker
start_registry

{
	echo "export DEVSPACE_TEST_DOCKER_HOST=$HOST"
	echo "export DEVSPACE_TEST_REGISTRY=$(cat "$STATE/registry.addr")"
} | tee "$STATE/docker.env"
