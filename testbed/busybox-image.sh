#!/usr/bin/env bash
# busybox-image.sh: makes sure the Docker Engine at DOCKER_HOST has the
# image testbed.Busybox builds for the tests, devspace-test/busybox:latest
# (FROM scratch plus this host's static busybox, nothing pulled), and
# prints its name. The test bed cannot pull from Docker Hub, so examples
# whose images are FROM busybox take this one as BASE_IMAGE:
#
#   BASE_IMAGE=$(testbed/busybox-image.sh) devspace deploy
set -euo pipefail

IMAGE=devspace-test/busybox:latest
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
	bin=/bin/busybox
	[[ -x $bin ]] || { echo "busybox-image.sh: no $bin: apt-get install busybox-static" >&2; exit 1; }
	dir=$(mktemp -d)
	trap 'rm -rf "$dir"' EXIT
	cp "$bin" "$dir/busybox"
	printf '%s\n' 'FROM scratch' 'COPY busybox /bin/busybox' \
		'RUN ["/bin/busybox", "--install", "-s", "/bin"]' >"$dir/Dockerfile"
	# The legacy builder: its RUN works on a daemon without a bridge network
	# (its deprecation notice is shown only when the build fails).
	if ! out=$(DOCKER_BUILDKIT=0 docker build --quiet --tag "$IMAGE" "$dir" 2>&1); then
		echo "busybox-image.sh: building $IMAGE: $out" >&2
		exit 1
	fi
fi
echo "$IMAGE"
