#!/bin/bash
# Build the node-test VM image: Debian bookworm amd64, root filesystem on the whole virtual disk
# (ext4, no partition table, no boot loader: qemu boots it with -kernel/-initrd).
#
#   build-image.sh OUT_DIR [ROLE_PACKAGE...]
#
# OUT_DIR receives base.qcow2, vmlinuz, initrd.img, packages.txt.
# ROLE_PACKAGEs (the blueprint's cloud-init `packages:`) are installed WITH their Recommends, as
# cloud-init's `apt-get install` would in the cloud. Every .deb downloaded for the image is kept in
# a flat file:// repository inside the image, which becomes its ONLY apt source, so that cloud-init's
# `apt-get update` + `apt-get install` work with no network (like a cloud behind a local mirror).
# The archive is whatever the host's apt uses (its Debian .sources files, or OSBP_NODES_APT_SOURCES).
set -euo pipefail
OUT=$1; shift
ROLE_PKGS=("$@")
BASE_PKGS=(
  # boot / base system
  systemd-sysv udev kmod dbus ifupdown iproute2 netbase procps less sudo ca-certificates locales
  linux-image-amd64 initramfs-tools
  # cloud-init and what its disk_setup / fs_setup / ssh modules call
  cloud-init e2fsprogs fdisk parted openssh-server
)
REPO=/var/lib/osbp-offline-repo   # inside the image

SOURCES=${OSBP_NODES_APT_SOURCES:-$(grep -l -s 'debian-archive-keyring' /etc/apt/sources.list.d/*.sources || true)}
[[ -n $SOURCES ]] || { echo "no Debian apt .sources file found; set OSBP_NODES_APT_SOURCES" >&2; exit 1; }
SRC_ARGS=()
for f in $SOURCES; do SRC_ARGS+=("$f"); done

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
ROOT=$OUT/rootfs
rm -rf "$ROOT" "$OUT/base.raw" "$OUT/base.qcow2"
T0=$(date +%s)

INCLUDE=$(IFS=,; echo "${BASE_PKGS[*]}")
ROLE=${ROLE_PKGS[*]:-}

mmdebstrap --mode=root --variant=apt --components=main \
  --include="$INCLUDE" \
  --customize-hook='echo "LABEL=rootfs / ext4 errors=remount-ro 0 1" > "$1/etc/fstab"' \
  --customize-hook='echo localhost > "$1/etc/hostname"' \
  --customize-hook='echo "en_US.UTF-8 UTF-8" > "$1/etc/locale.gen"; chroot "$1" locale-gen' \
  --customize-hook='if [ -n "'"$ROLE"'" ]; then chroot "$1" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y --install-recommends '"$ROLE"'; fi' \
  --customize-hook='mkdir -p "$1'"$REPO"'"; mv "$1"/var/cache/apt/archives/*.deb "$1'"$REPO"'/";
      (cd "$1'"$REPO"'" && dpkg-scanpackages --multiversion . /dev/null > Packages 2>/dev/null &&
       printf "Date: %s\nSHA256:\n %s %s Packages\n" "$(date -Ru)" \
         "$(sha256sum Packages | cut -d" " -f1)" "$(stat -c %s Packages)" > Release);
      ls "$1'"$REPO"'" | grep -c "\.deb$" | sed "s/^/offline repo debs: /"' \
  --customize-hook='rm -f "$1"/etc/apt/sources.list.d/*;
      echo "deb [trusted=yes] file:'"$REPO"' ./" > "$1/etc/apt/sources.list";
      chroot "$1" apt-get update' \
  --customize-hook='printf "%s\n" "# osbp node tests: the image provides its apt sources (an offline mirror);" \
      "# keep them instead of pointing apt at the public archive." \
      "apt:" "  preserve_sources_list: true" > "$1/etc/cloud/cloud.cfg.d/90_osbp_offline_apt.cfg"' \
  --customize-hook='rm -f "$1"/etc/ssh/ssh_host_*' \
  --customize-hook=': > "$1/etc/machine-id"; rm -f "$1/var/lib/dbus/machine-id"' \
  --customize-hook='chroot "$1" systemctl disable apt-daily.timer apt-daily-upgrade.timer \
      e2scrub_all.timer fstrim.timer man-db.timer 2>/dev/null || true' \
  --customize-hook='chroot "$1" systemctl mask e2scrub_reap.service' \
  --customize-hook='chroot "$1" dpkg-query -W -f "\${Package} \${Version}\n" > "'"$OUT"'/packages.txt"' \
  --customize-hook='rm -rf "$1"/var/lib/cloud/* "$1"/var/log/cloud-init*' \
  --customize-hook='cp -L "$1"/vmlinuz "'"$OUT"'/vmlinuz"; cp -L "$1"/initrd.img "'"$OUT"'/initrd.img"' \
  bookworm "$ROOT" "${SRC_ARGS[@]}"
T1=$(date +%s)

# root filesystem = whole virtual disk
mkfs.ext4 -q -L rootfs -d "$ROOT" "$OUT/base.raw" 6G
qemu-img convert -c -O qcow2 "$OUT/base.raw" "$OUT/base.qcow2"
rm -f "$OUT/base.raw"
T2=$(date +%s)
echo "rootfs du: $(du -sh "$ROOT" | cut -f1)"
rm -rf "$ROOT"
echo "BUILD_TIMES mmdebstrap=$((T1-T0))s mkfs+qcow2=$((T2-T1))s total=$((T2-T0))s"
ls -l "$OUT"
