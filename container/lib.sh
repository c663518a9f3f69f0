# Shared by the image build scripts in container/: messages, a scratch folder, quiet commands,
# apt-get, the Debian mirror of this machine's apt sources, and importing a root filesystem.
# Source it; it expects `set -euo pipefail`.

say() { printf '%-8s %s\n' "$1" "$2"; }
die() { printf '%s: FAILED: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# Sets $work to a new scratch folder. On exit (also on failure) whatever is still mounted below it
# is unmounted, then it is removed.
make_scratch() {
  work=$(mktemp -d -p "${TMPDIR:-/var/tmp}" "$1.XXXXXX")
  trap cleanup_scratch EXIT
}
cleanup_scratch() {
  findmnt -rn -o TARGET | grep -F "$work/" | sort -r | xargs -r -n1 umount -l || true
  if findmnt -rn -o TARGET | grep -qF "$work/"; then
    echo "${0##*/}: left $work in place: something is still mounted there" >&2
  else
    rm -rf "$work"
  fi
}

# Run a command with its output in a log that is shown only if it fails.
quiet() {
  "$@" >"$work/log" 2>&1 || { tail -n 30 "$work/log" >&2; die "$*"; }
}

# apt-get with the package lists refreshed only when the first attempt fails.
apt_get() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get -q -o APT::Sandbox::User=root "$@" >"$work/log" 2>&1 ||
    quiet sh -c 'apt-get -q update && apt-get -q -o APT::Sandbox::User=root "$@"' apt-get "$@"
}

# The Debian mirror this machine's apt sources use for bookworm (or for the machine's own release):
# one-line format (sources.list, *.list) or deb822 (*.sources). Prints nothing if none is found.
mirror() {
  local suites
  suites=" bookworm $(. /etc/os-release && echo "${VERSION_CODENAME:-}") "
  {
    sed 's/\[[^]]*\]//' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk -v s="$suites" '$1 == "deb" && index(s, " " $3 " ") { print $2 }'
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v s="$suites" '
      /^URIs:/   { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if (index(s, " " $i " ")) ok = 1 }
      /^$/       { if (ok) print uri; uri = ""; ok = 0 }
      END        { if (ok) print uri }'
  } | head -n 1 || true
}

# A Debian bookworm minbase root filesystem in $1 with the packages $2 (space-separated).
debian_rootfs() {
  local root=$1 pkgs=$2 mirror
  mirror=$(mirror)
  [[ $mirror ]] || die "no bookworm mirror found in the apt sources"
  command -v debootstrap >/dev/null || apt_get install -y --no-install-recommends debootstrap
  quiet debootstrap --variant=minbase bookworm "$root" "$mirror"
  mount -t proc proc "$root/proc" # post-install scripts (the JDK's among them) need /proc
  quiet chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c "apt-get -q -o Acquire::Languages=none update && apt-get -q install -y --no-install-recommends $pkgs && apt-get clean"
  umount "$root/proc"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/* "$root"/usr/share/{doc,man}/* "$root"/tmp/*
  : >"$root/etc/resolv.conf" # Docker provides its own; do not bake this machine's into the image
}

# docker import the root filesystem $1 as image $2 (further arguments: --change options).
import() {
  local root=$1 image=$2; shift 2
  tar --numeric-owner -C "$root" --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' -c . |
    docker import "$@" --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      - "$image" >/dev/null
}
