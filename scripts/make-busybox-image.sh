#!/usr/bin/env bash
# Makes the `busybox` image from Debian's busybox-static: a one-layer rootfs imported into berth.
# Usage: make-busybox-image.sh [TAG]  (default busybox:latest). Uses the berth on PATH or $BERTH.
set -euo pipefail
tag="${1:-busybox:latest}"
berth="${BERTH:-berth}"
bin=/bin/busybox
[ -x "$bin" ] || { echo "make-busybox-image.sh: $bin missing: apt-get install busybox-static" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,proc,sys,dev,var/www,home}
chmod 1777 "$root/tmp"
cp "$bin" "$root/bin/busybox"
# Links point at /bin/busybox as seen inside the container, not at this temporary directory.
"$bin" --list-full | while read -r applet; do
  [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
bin:x:2:
tty:x:5:
www-data:x:33:
nogroup:x:65534:
GROUP
echo 'berth busybox' > "$root/var/www/index.html"
# Fixed order, owners and times: the same busybox gives the same layer.
tar -C "$root" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$work/rootfs.tar" .
"$berth" import -c 'CMD ["sh"]' "$work/rootfs.tar" "$tag" >/dev/null
echo "made image $tag"
