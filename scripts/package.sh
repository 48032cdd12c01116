#!/usr/bin/env bash
# Builds vouch's Debian package from this tree with dpkg-deb:
#   scripts/package.sh                       builds build-package/vouch (Release) first
#   scripts/package.sh --binary build/vouch  packages an already built binary
#   scripts/package.sh --out DIR             where the .deb goes (default: build-package/)
# Prints the .deb's path. Installs /usr/bin/vouch, /etc/vouch/vouch.toml (a
# conffile), /lib/systemd/system/vouch.service (hardened) and maintainer
# scripts that make the vouch user and /var/lib/vouch (packaging/debian/).
# Depends comes from dpkg-shlibdeps, i.e. from what the binary links.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

binary=""
out="$repo/build-package"
while [ $# -gt 0 ]; do
  case $1 in
    --binary) binary=$(realpath "$2"); shift 2 ;;
    --out) out=$(realpath -m "$2"); shift 2 ;;
    *) echo "usage: scripts/package.sh [--binary PATH] [--out DIR]" >&2; exit 2 ;;
  esac
done

version=$(sed -n 's/^project(vouch VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ -n "$version" ] || { echo "package.sh: no version in CMakeLists.txt" >&2; exit 1; }
arch=$(dpkg --print-architecture)
# Debian's own variables name the maintainer.
maintainer="${DEBFULLNAME:-vouch maintainers} <${DEBEMAIL:-maintainers@vouch.example.org}>"
mkdir -p "$out"

if [ -z "$binary" ]; then
  cmake -S . -B build-package -G Ninja -DCMAKE_BUILD_TYPE=Release -DVOUCH_BUILD_TESTS=OFF \
    -DVOUCH_BUILD_BENCH=OFF >/dev/null
  ninja -C build-package vouch >&2
  binary=$repo/build-package/vouch
fi
[ -x "$binary" ] || { echo "package.sh: $binary is not an executable" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/vouch_${version}_$arch
install -d -m 0755 "$root/DEBIAN" "$root/usr/bin" "$root/etc/vouch" "$root/lib/systemd/system" \
  "$root/usr/share/doc/vouch" "$root/usr/share/man/man1"
install -m 0755 "$binary" "$root/usr/bin/vouch"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/vouch"
# 0644 here; postinst makes it root:vouch 0640 once the vouch group exists.
install -m 0644 packaging/debian/vouch.toml "$root/etc/vouch/vouch.toml"
install -m 0644 packaging/debian/vouch.service "$root/lib/systemd/system/vouch.service"
install -m 0644 packaging/debian/copyright "$root/usr/share/doc/vouch/copyright"
gzip -9n <packaging/debian/vouch.1 >"$root/usr/share/man/man1/vouch.1.gz"
gzip -9n <README.md >"$root/usr/share/doc/vouch/README.md.gz"
printf 'vouch (%s) unstable; urgency=medium\n\n  * Built from the vouch tree.\n\n -- %s  %s\n' \
  "$version" "$maintainer" \
  "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")" |
  gzip -9n >"$root/usr/share/doc/vouch/changelog.gz"
for script in postinst prerm postrm; do
  install -m 0755 "packaging/debian/$script" "$root/DEBIAN/$script"
done
echo /etc/vouch/vouch.toml >"$root/DEBIAN/conffiles"

# dpkg-shlibdeps reads debian/control in its working directory.
mkdir -p "$stage/debian"
printf 'Source: vouch\n\nPackage: vouch\nArchitecture: any\n' >"$stage/debian/control"
shlibs=$(cd "$stage" && dpkg-shlibdeps -O "$root/usr/bin/vouch" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "package.sh: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

cat >"$root/DEBIAN/control" <<CONTROL
Package: vouch
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $shlibs, adduser
Section: net
Priority: optional
Description: AWS SES and VPC Lattice identity verification, for real
 vouch implements the AWS SES v1 and v2 identity-verification APIs and the
 VPC Lattice domain-verification API wire-compatibly, and really verifies
 domains (DNS TXT records, checked by a quorum of resolvers and re-checked)
 and email addresses (a link mailed over SMTP).
CONTROL

deb=$out/vouch_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
