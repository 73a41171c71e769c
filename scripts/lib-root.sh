# scripts/lib-root.sh: a clean Debian 12 root to test in (bash, sourced).
# shellcheck shell=bash
#
# Owns the making, mounting and removing of a debootstrap'ed root, for
# scripts/fresh-root (the README's commands on a fresh machine) and
# tests/deb/run (the package installed as an operator would).  Every
# function takes the root's directory as its first argument, canonical
# (root_path: mounts are found by comparing it with the kernel's table);
# none of them removes anything through a mount.
#
# debootstrap and the root's apt use the Debian mirror this machine's apt
# is configured with (`apt-get indextargets`), read at run time.

# shellcheck disable=SC2016
# ('$(REPO_URI)' is apt's format, not the shell's)

ROOT_SUITE=bookworm

# "URI SUITE" lines of the suite and its -updates and -security siblings.
root_apt_uris() {
	apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(TARGET_OF)' 2>/dev/null |
		awk -v s="$ROOT_SUITE" '$3 == "deb" && ($2 == s || $2 == s "-updates" || $2 == s "-security") {print $1, $2}' |
		sort -u
}

# The canonical form of a root directory on stdout (no symbolic link, no
# trailing slash), or nothing for one this script will not use: "/",
# or a path with white space (the kernel's mount table escapes it).
root_path() {
	local p
	p=$(realpath -m -- "$1") || return 1
	case $p in / | *[[:space:]]*) return 1 ;; esac
	printf '%s\n' "$p"
}

# Mount points at or below a directory, deepest first.
root_mounts() {
	awk -v r="$1" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/self/mounts | sort -r
}

root_unmount() {
	local m
	for m in $(root_mounts "$1"); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	[ -z "$(root_mounts "$1")" ]
}

# Unmount what is below a directory, then remove it, never crossing into
# another file system even if a mount was missed.
remove_tree() {
	[ -e "$1" ] || return 0
	if ! root_unmount "$1"; then
		echo "# still mounted under $1; not removing it" >&2
		return 1
	fi
	rm -rf --one-file-system -- "$1"
}

# Processes whose root directory is the root (or below it): only what
# was started inside it.
root_pids() {
	local p r
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		case $r in "$1" | "$1"/*) echo "${p#/proc/}" ;; esac
	done
}

# TERM, then KILL, everything running inside the root.
root_stop_all() {
	local i pids
	for i in 1 2 3 4 5 6 7 8 9 10; do
		pids=$(root_pids "$1")
		[ -z "$pids" ] && return 0
		# shellcheck disable=SC2086
		if [ "$i" -lt 8 ]; then kill $pids 2>/dev/null; else kill -9 $pids 2>/dev/null; fi
		sleep 0.5
	done
	[ -z "$(root_pids "$1")" ]
}

# root_make_tarball TARBALL CACHEDIR LOG: debootstrap a minbase root and
# pack it, so that later roots are unpacked instead of bootstrapped.
root_make_tarball() {
	local tarball=$1 cache=$2 log=$3 mirror tmp rc
	mirror=$(root_apt_uris | awk -v s="$ROOT_SUITE" '$2 == s {print $1; exit}')
	if [ -z "$mirror" ]; then
		echo "apt has no source for $ROOT_SUITE (apt-get indextargets; run apt-get update)" >"$log"
		return 1
	fi
	tmp=$tarball.root
	remove_tree "$tmp" || return 1
	mkdir -p "$cache/debootstrap-cache"
	if ! debootstrap --variant=minbase --cache-dir="$cache/debootstrap-cache" \
	    "$ROOT_SUITE" "$tmp" "$mirror" >"$log" 2>&1; then
		remove_tree "$tmp"
		return 1
	fi
	tar -C "$tmp" --numeric-owner -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
	rc=$?
	remove_tree "$tmp"
	return "$rc"
}

# root_unpack ROOT TARBALL: a new root from the tarball, with apt pointed
# at this machine's mirror, no service started by a package (policy-rc.d:
# there is no init in a chroot), and downloaded packages kept (the cache
# is bind-mounted by root_mount).
root_unpack() {
	local root=$1 uri suite
	root_stop_all "$root"
	remove_tree "$root" || return 1
	mkdir -p "$root"
	tar -C "$root" --numeric-owner -xzf "$2" || return 1
	: >"$root/etc/apt/sources.list"
	while read -r uri suite; do
		echo "deb $uri $suite main" >>"$root/etc/apt/sources.list"
	done < <(root_apt_uris)
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
	grep -qs localhost "$root/etc/hosts" ||
		printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >>"$root/etc/hosts"
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"
	{
		echo 'APT::Install-Suggests "false";'
		echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";'
		# The mirror may be a dated snapshot.
		echo 'Acquire::Check-Valid-Until "false";'
	} >"$root/etc/apt/apt.conf.d/90axlog-test"
}

# root_mount ROOT ARCHIVES [full]: /proc, a private /dev/shm and apt's
# download cache; with "full" also the machine's /dev and /sys (browsers
# and sanitizers look there), bound as slaves so that nothing unmounted
# inside reaches this machine.
root_mount() {
	local root=$1 archives=$2
	mkdir -p "$archives/partial"
	mount -t proc proc "$root/proc" || return 1
	if [ "${3:-}" = full ]; then
		mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" || return 1
		mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys" || return 1
		mount -t tmpfs -o mode=1777,size=2g tmpfs "$root/dev/shm" || return 1
	else
		mkdir -p "$root/dev/shm"
		mount -t tmpfs -o mode=1777,size=256m tmpfs "$root/dev/shm" || return 1
	fi
	mount --bind "$archives" "$root/var/cache/apt/archives"
}

# A free TCP port on 127.0.0.1, for a server started in a root (which
# shares this machine's loopback): python3's bind to port 0, or else a
# random one nothing answers on.
root_free_port() {
	local p
	if command -v python3 >/dev/null; then
		python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
		return
	fi
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	return 1
}
