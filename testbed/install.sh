#!/usr/bin/env bash
# Installs what the Docker-backed tests need on a Debian machine: a Docker
# Engine (docker.io: dockerd, containerd, runc), a registry (docker-registry,
# distribution 2.x) and a static busybox to make base images without pulling.
# Idempotent: it runs apt-get only when something is missing. Runs as root
# (or through sudo when it is available and we are not root).
set -euo pipefail

missing=()
command -v dockerd >/dev/null 2>&1 || [ -x /usr/sbin/dockerd ] || missing+=(docker.io)
command -v docker-registry >/dev/null 2>&1 || [ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'; then
	missing+=(busybox-static)
fi

if [ ${#missing[@]} -eq 0 ]; then
	echo "testbed: docker.io, docker-registry and busybox-static are installed"
	exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "testbed: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
	as_root=(sudo)
fi

# Packages must not start system services (a dockerd on /var/run/docker.sock,
# a registry on :5000): the tests start their own daemons on private sockets.
# Debian asks /usr/sbin/policy-rc.d; install a "deny" one for the duration
# unless the machine already has one.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
	"${as_root[@]}" chmod 755 "$policy"
	trap '"${as_root[@]}" rm -f "$policy"' EXIT
fi

echo "testbed: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
