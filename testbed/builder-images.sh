#!/usr/bin/env bash
# Puts the images of the in-cluster builders into the test bed's registry,
# made from Go source (nothing is pulled), and prints their references:
#
#   export DEVSPACE_TEST_KANIKO_IMAGE=127.0.0.1:5000/devspace-testbed/kaniko:v1.24.0-<hash>
#   export DEVSPACE_TEST_BUILDKIT_IMAGE=127.0.0.1:5000/devspace-testbed/buildkit:v0.34.2-<hash>
#
# - kaniko: the executor of testbed/kaniko's kaniko requirement, laid out
#   like gcr.io/kaniko-project/executor (/kaniko/executor, CA bundle in
#   /kaniko/ssl/certs, DOCKER_CONFIG=/kaniko/.docker, WORKDIR /workspace),
#   so one pod spec fits both.
# - buildkit: buildkitd and buildctl of testbed/buildkit's buildkit
#   requirement in /usr/bin like moby/buildkit (rootful), with the host's
#   runc and git (for Git-URL contexts) and the libraries they link,
#   /etc/buildkit/buildkitd.toml, and testbed/buildkit/entrypoint as
#   ENTRYPOINT: it remounts the container's
#   cgroups read-write (needs CAP_SYS_ADMIN) and execs buildkitd with the
#   container's arguments.
#
# The binaries are cached by version under ${DEVSPACE_TESTBED_CACHE:-
# $HOME/.cache/devspace-testbed} (cold, empty GOCACHE: kaniko ~1.5-2.5 min,
# buildkitd ~1.5-2 min, buildctl and the entrypoint seconds after it; the
# builds run one after the other: 2 cores). A tag is the version
# plus a hash of the image's files: a node keeps an image it has under its
# tag (IfNotPresent), so new content must come under a new tag. An image is
# built and pushed only when its tag is missing in the registry.
#
# Called by testbed/testbed up with DEVSPACE_TESTBED_DIR, DOCKER_HOST and
# REGISTRY set. Export lines go to stdout, progress to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
state=${DEVSPACE_TESTBED_DIR:?}
registry=${REGISTRY:?}
cache=${DEVSPACE_TESTBED_CACHE:-$HOME/.cache/devspace-testbed}
log() { echo "testbed: $*" >&2; }
die() {
	log "$*"
	exit 1
}

# requirement MODULE_DIR PATH: the version of PATH that MODULE_DIR/go.mod
# requires.
requirement() {
	local v
	v=$(awk -v m="$2" '($1 == m || ($1 == "require" && $2 == m)) { for (i = 1; i <= NF; i++) if ($i ~ /^v[0-9]/) { print $i; exit } }' "$1/go.mod")
	[ -n "$v" ] || die "no $2 requirement in $1/go.mod"
	echo "$v"
}

# cached OUT DIR PACKAGE GO-BUILD-ARGS...: builds PACKAGE (static) in the
# module DIR into OUT unless OUT exists. Two `up`s at once must not both
# spend a minute: the second waits on the lock and then finds OUT. The build
# goes to a temporary name that is renamed, so a killed build never leaves a
# truncated binary under the cached name.
cached() {
	local out=$1 dir=$2 pkg=$3
	shift 3
	[ -x "$out" ] && return 0
	mkdir -p "$(dirname "$out")"
	(
		exec 9>"$out.lock"
		flock 9
		[ -x "$out" ] && exit 0
		log "building $pkg into $out (cached afterwards)"
		local start=$SECONDS tmp
		tmp=$(mktemp "$out.XXXXXX")
		trap 'rm -f "$tmp"' EXIT
		(cd "$dir" && CGO_ENABLED=0 go build -trimpath "$@" -o "$tmp" "$pkg")
		chmod 755 "$tmp"
		mv -f "$tmp" "$out"
		trap - EXIT
		log "built $out in $((SECONDS - start))s"
	)
}

# files_hash DIR: 12 hex digits of a sha256 over the path, type and mode of
# everything below DIR and the content of its files (mtimes do not count: a
# rebuilt binary with the same bytes keeps the tag).
files_hash() {
	(cd "$1" && find . -printf '%p %y %m\n' | LC_ALL=C sort | while read -r path type mode; do
		echo "$path $type $mode"
		[ "$type" != f ] || sha256sum <"$path"
	done) | sha256sum | cut -c1-12
}

# image NAME DIR VERSION: pushes DIR (a Dockerfile and its context) as
# $registry/devspace-testbed/NAME:VERSION-<hash of DIR> unless the registry
# has that tag, and prints the reference.
image() {
	local name=$1 dir=$2 version=$3
	local repo=devspace-testbed/$name tag
	tag=$version-$(files_hash "$dir")
	local ref=$registry/$repo:$tag
	if ! curl -sf --max-time 3 -o /dev/null -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
		"http://$registry/v2/$repo/manifests/$tag"; then
		log "building and pushing $ref"
		local start=$SECONDS
		# The legacy builder: the CLI's BuildKit path needs the buildx
		# plugin, which this machine does not have.
		DOCKER_BUILDKIT=0 docker build -q -t "$ref" "$dir" >/dev/null 2>>"$state/builder-images.log" ||
			die "building $ref failed; log: $state/builder-images.log"
		docker push -q "$ref" >/dev/null 2>>"$state/builder-images.log" ||
			die "pushing $ref failed; log: $state/builder-images.log"
		# The registry has it now; the copy in dockerd is not needed.
		docker rmi "$ref" >/dev/null 2>&1 || true
		log "pushed $ref in $((SECONDS - start))s"
	fi
	echo "$ref"
}

# stage SRC DST: puts SRC into an image directory: a hard link when SRC is
# one of our cached binaries on the same file system (no copy of 50 MB on
# every up), else a copy with SRC's mode. Never a link to a system file: a
# later change of one would change the other.
stage() {
	mkdir -p "$(dirname "$2")"
	if [[ $1 == "$cache"/* ]] && ln -f "$1" "$2" 2>/dev/null; then
		return
	fi
	cp -fL --preserve=mode "$1" "$2"
}

# fresh DIR: an empty image directory, so that nothing a former up put
# there (a library runc no longer links) stays in the image.
fresh() {
	rm -rf "$1"
	mkdir -p "$1"
}

# The CA bundle the images trust (TLS registries); from ca-certificates.
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[ -s "$ca_bundle" ] || die "no $ca_bundle: run testbed/install.sh"

kaniko_image() {
	local mod=github.com/GoogleContainerTools/kaniko version dir=$state/builder-images/kaniko
	version=$(requirement "$here/kaniko" "$mod")
	local bin=$cache/kaniko-$version
	cached "$bin" "$here/kaniko" "$mod/cmd/executor" -ldflags "-s -w"
	fresh "$dir"
	stage "$bin" "$dir/executor"
	stage "$ca_bundle" "$dir/ca-certificates.crt"
	# /kaniko/.docker exists but is empty in the upstream image; a
	# docker config Secret is mounted there. The legacy builder's COPY of
	# a directory copies its content, so an empty one makes an empty dir.
	mkdir -p "$dir/docker"
	cat >"$dir/Dockerfile" <<'EOF'
FROM scratch
COPY executor /kaniko/executor
COPY ca-certificates.crt /kaniko/ssl/certs/ca-certificates.crt
COPY docker/ /kaniko/.docker/
ENV DOCKER_CONFIG=/kaniko/.docker SSL_CERT_DIR=/kaniko/ssl/certs HOME=/root PATH=/usr/local/bin:/kaniko USER=root
WORKDIR /workspace
ENTRYPOINT ["/kaniko/executor"]
EOF
	image kaniko "$dir" "$version"
}

buildkit_image() {
	local mod=github.com/moby/buildkit version dir=$state/builder-images/buildkit
	version=$(requirement "$here/buildkit" "$mod")
	cached "$cache/buildkitd-$version" "$here/buildkit" "$mod/cmd/buildkitd" \
		-tags 'osusergo netgo static_build seccomp' -ldflags "-s -w -X $mod/version.Version=$version"
	cached "$cache/buildctl-$version" "$here/buildkit" "$mod/cmd/buildctl" \
		-tags 'osusergo netgo static_build' -ldflags "-s -w -X $mod/version.Version=$version"
	# The entrypoint is the project's own code: cached by a hash of its
	# source, so an edit builds a new one.
	local src
	src=$(cat "$here/buildkit/go.mod" "$here/buildkit/go.sum" "$here/buildkit/entrypoint/main.go" | sha256sum | cut -c1-12)
	cached "$cache/buildkit-entrypoint-$src" "$here/buildkit" ./entrypoint -ldflags "-s -w"

	local root=$dir/rootfs runc lib
	fresh "$dir"
	stage "$cache/buildkitd-$version" "$root/usr/bin/buildkitd"
	stage "$cache/buildctl-$version" "$root/usr/bin/buildctl"
	stage "$cache/buildkit-entrypoint-$src" "$root/usr/bin/buildkitd-entrypoint"
	# runc from Debian is linked dynamically (libseccomp, libc): the
	# libraries and the loader go to the paths ldd names.
	runc=$(command -v runc) || die "no runc: run testbed/install.sh"
	stage "$runc" "$root/usr/bin/runc"
	for lib in $(ldd "$runc" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
		stage "$lib" "$root$lib"
	done
	# git, for Git-URL build contexts: BuildKit's git source runs it; git
	# fetches over HTTP(S) through git-remote-http (the https one is the
	# same program), and BuildKit's `git submodule update` is a shell
	# script (Debian's git 2.39), run by the static busybox's sh and
	# applets (installed by the Dockerfile's RUN).
	local prog core=/usr/lib/git-core
	for prog in /usr/bin/git $core/git $core/git-remote-http $core/git-sh-i18n--envsubst; do
		[ -x "$prog" ] || die "no $prog: install git"
		stage "$prog" "$root$prog"
		for lib in $(ldd "$prog" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
			stage "$lib" "$root$lib"
		done
	done
	for prog in git-submodule git-sh-setup git-sh-i18n; do
		stage "$core/$prog" "$root$core/$prog"
	done
	ln -sf git-remote-http "$root$core/git-remote-https"
	ln -sf git "$root$core/git-submodule--helper"
	[ -x /bin/busybox ] || die "no /bin/busybox: run testbed/install.sh"
	stage /bin/busybox "$root/bin/busybox"
	stage "$ca_bundle" "$root/etc/ssl/certs/ca-certificates.crt"
	# buildkitd's Dockerfile frontend makes temporary directories (`failed
	# to read dockerfile: failed to create temp dir: stat /tmp`).
	mkdir -p "$root/tmp"
	chmod 1777 "$root/tmp"
	mkdir -p "$root/etc/buildkit"
	# Pods here see only `nameserver 127.0.0.1`, for which buildkitd
	# would give RUN steps public resolvers (traffic off the machine):
	# name the loopback one ourselves. Only the OCI worker (runc): there
	# is no containerd socket in the pod.
	cat >"$root/etc/buildkit/buildkitd.toml" <<'EOF'
[worker.oci]
  enabled = true
[worker.containerd]
  enabled = false
[dns]
  nameservers = ["127.0.0.1"]
EOF
	cat >"$dir/Dockerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
VOLUME /var/lib/buildkit
ENTRYPOINT ["/usr/bin/buildkitd-entrypoint"]
EOF
	image buildkit "$dir" "$version"
}

kaniko=$(kaniko_image)
buildkit=$(buildkit_image)
echo "export DEVSPACE_TEST_KANIKO_IMAGE=$kaniko"
echo "export DEVSPACE_TEST_BUILDKIT_IMAGE=$buildkit"
