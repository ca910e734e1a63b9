#!/usr/bin/env bash
# Installs what the tests need on a Debian machine: a Docker Engine
# (docker.io: dockerd, containerd, runc), a registry (docker-registry,
# distribution 2.x) and a static busybox to make base images without pulling.
# Unless DEVSPACE_TESTBED_KUBE=0, also what testbed/testbed runs a one-node
# Kubernetes with: etcd (etcd-server), the CNI plugins
# (containernetworking-plugins, in /usr/lib/cni) and iproute2 (ip, for the
# service range route and the CNI bridge), runc and ca-certificates (for
# the builder images). The Kubernetes components themselves are built from
# Go source by testbed/kube-build.sh, kaniko and BuildKit by
# testbed/builder-images.sh. Also chromium, the headless browser the tests
# of `devspace ui` drive.
# Idempotent: it runs apt-get only when something is missing. Runs as root
# (or through sudo when it is available and we are not root). Messages go
# to stderr.
set -euo pipefail

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
command -v dockerd >/dev/null 2>&1 || [ -x /usr/sbin/dockerd ] || missing+=(docker.io)
command -v docker-registry >/dev/null 2>&1 || [ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
installed busybox-static || missing+=(busybox-static)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ "${DEVSPACE_TESTBED_KUBE:-1}" != 0 ]; then
	command -v etcd >/dev/null 2>&1 || [ -x /usr/bin/etcd ] || missing+=(etcd-server)
	[ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
	command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || missing+=(iproute2)
	# containerd and ctr come with docker.io; a machine that has dockerd
	# from elsewhere may lack them.
	command -v containerd >/dev/null 2>&1 || missing+=(containerd)
	# The script talks to the components with curl and makes the
	# service-account key with openssl.
	command -v curl >/dev/null 2>&1 || missing+=(curl)
	command -v openssl >/dev/null 2>&1 || missing+=(openssl)
	# The BuildKit image (testbed/builder-images.sh) carries the host's
	# runc and both builder images its CA bundle.
	command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] || missing+=(runc)
	[ -s /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
fi

if [ ${#missing[@]} -eq 0 ]; then
	echo "testbed: everything the test bed needs is installed" >&2
	exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "testbed: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
	as_root=(sudo)
fi

# Packages must not start system services (a dockerd on /var/run/docker.sock,
# a registry on :5000, an etcd on :2379): the tests start their own daemons
# on private sockets and the test bed's ports.
# Debian asks /usr/sbin/policy-rc.d; install a "deny" one for the duration
# unless the machine already has one.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
	"${as_root[@]}" chmod 755 "$policy"
	trap '"${as_root[@]}" rm -f "$policy"' EXIT
fi

echo "testbed: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >&2
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
