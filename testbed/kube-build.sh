#!/usr/bin/env bash
# Builds the test bed's Kubernetes binary (testbed/kube: apiserver,
# controller-manager, scheduler and kubelet in one multi-call binary) and
# caches it by version at
#
#   ${DEVSPACE_TESTBED_CACHE:-$HOME/.cache/devspace-testbed}/kube-<version>
#
# The version is the k8s.io/kubernetes requirement of testbed/kube/go.mod,
# so changing that line builds a new binary and keeps the old one.
# When the cached binary exists it does nothing. A cold build takes ~6 min
# and ~3.5 GiB RAM (a relink with a warm GOCACHE ~10 s). Prints the path of
# the binary on stdout; progress goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
log() { echo "testbed: $*" >&2; }

version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit }' "$here/kube/go.mod")
[ -n "$version" ] || { log "no k8s.io/kubernetes requirement in $here/kube/go.mod"; exit 1; }
cache=${DEVSPACE_TESTBED_CACHE:-$HOME/.cache/devspace-testbed}
out=$cache/kube-$version

if [ -x "$out" ]; then
	echo "$out"
	exit 0
fi
mkdir -p "$cache"
# Two `up`s at once (two terminals, Task running deps in parallel) must not
# both spend 6 minutes: the second waits for the first and then finds the
# binary.
exec 9>"$out.lock"
flock 9
if [ -x "$out" ]; then
	echo "$out"
	exit 0
fi

# Without these stamps the components report v0.0.0-master, which kubectl
# and client version checks dislike.
minor=${version#v*.}
minor=${minor%%.*}
major=${version#v}
major=${major%%.*}
pkg=k8s.io/component-base/version
ldflags="-s -w -X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"

log "building Kubernetes $version into $out (cold: ~6 min, ~3.5 GiB RAM; cached afterwards)"
start=$SECONDS
# Build to a temporary name in the same directory, then rename: a killed
# build never leaves a truncated binary under the cached name.
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
(cd "$here/kube" && go build -trimpath -ldflags "$ldflags" -o "$tmp" .)
chmod 755 "$tmp"
mv -f "$tmp" "$out"
trap - EXIT
log "built $out in $((SECONDS - start))s"
echo "$out"
