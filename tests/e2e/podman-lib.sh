# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Rootful Podman in a private mount namespace with all its state under $T, seccompd-oci
# registered as the shipped deploy/podman files register it: shared by tests/e2e/test-podman.sh
# and bench/podman-start.sh. Source it after lib.sh and e2e_args; call podman_enter first,
# then set T, SOCK and IMG and call podman_setup.

# podman_enter VAR ARGS...: skips (77) without root, podman or conmon, then runs the caller
# again (with ARGS) in a private mount namespace, VAR set to say it is there. Everything after
# runs in that namespace: what the caller mounts (the conf under /etc/seccompd, the overlays,
# Podman's shm mounts) never reaches the host and vanishes with it.
podman_enter() {
        local var=$1
        shift
        [ "$(id -u)" = 0 ] || skip "rootful Podman needs root"
        command -v podman >/dev/null || skip "podman is not installed"
        # Podman looks for conmon in its conmon_path; Debian installs it in /usr/bin.
        command -v conmon >/dev/null || [ -x /usr/libexec/podman/conmon ] ||
                skip "conmon is not installed"
        if [ -z "${!var:-}" ]; then
                export "$var=1"
                exec unshare -m --propagation private "$BASH" "$0" "$@"
        fi
}

# Podman's state all under $T: storage (storage.conf), libpod's tmpdir, CNI configs. No
# events: nothing reads them. crun's state is in its default root, /run/crun, made private
# below: not --runtime-flag root=..., which the `podman container cleanup` that conmon runs
# when a container exits does not get (it would delete in /run/crun what is elsewhere).
P() {
        podman --tmpdir "$T/libpod" --network-config-dir "$T/cni" --events-backend none "$@"
}

podman_cleanup() {
        local pid m
        # Not `podman system reset`: it also removes Podman machines under $HOME, outside $T.
        P rm -a -f -t 0 >/dev/null 2>&1
        P rmi -a -f >/dev/null 2>&1
        stop_daemon
        # conmon or a `podman container cleanup` it started, if any outlived the removal:
        # only processes whose command line names this temp dir.
        for pid in $(grep -lF "$T" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
                [ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] && kill -9 "$pid" 2>/dev/null
        done
        # Storage mounts left in the namespace (the containers' shm), then our own.
        for m in $(findmnt -rn -o TARGET | grep -F "$T/" | sort -r); do umount -l "$m"; done
        umount /etc/seccompd /etc /var/lib /run/crun 2>/dev/null
        if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}

# shadow DIR: an overlay whose upper layer is in $T, so whatever Podman writes there (the
# blob info cache in /var/lib/containers/cache, /etc/cni/net.d/cni.lock) and what the caller
# puts in /etc stay in $T.
shadow() {
        local d=$T/shadow/${1//\//_}
        mkdir -p "$d/up" "$d/work" &&
                mount -t overlay overlay -o "lowerdir=$1,upperdir=$d/up,workdir=$d/work" "$1"
}

# The namespace's mounts, Podman's config, seccompd-oci's config at its real path
# (/etc/seccompd/seccompd-oci.conf: conmon gives the runtime a fresh environment, so no
# SECCOMPD_* variable reaches it) and the image $IMG. Exits on a failure.
podman_setup() {
        export CONTAINERS_STORAGE_CONF=$T/storage.conf TMPDIR=$T/vartmp
        export CONTAINERS_CONF=$T/containers.conf
        # Quirk (cgroup v1 hybrid, DESIGN.md §10): crun refuses to run while the cgroup2
        # hierarchy is mounted at /sys/fs/cgroup/unified ("cgroups in hybrid mode not supported").
        umount /sys/fs/cgroup/unified 2>/dev/null
        # Podman's locks live in the shm segment /dev/shm/libpod_lock, shared by every rootful
        # Podman on the host (other tests run Podman at the same time): a private /dev/shm
        # keeps ours apart.
        mount -t tmpfs -o mode=1777 tmpfs /dev/shm || { echo "FAIL: tmpfs on /dev/shm"; exit 1; }
        shadow /etc && shadow /var/lib || { echo "FAIL: cannot overlay /etc and /var/lib"; exit 1; }
        # crun's state directory, private (crun would create it anyway; it is on the /run tmpfs).
        mkdir -p /run/crun && mount -t tmpfs -o mode=700 tmpfs /run/crun ||
                { echo "FAIL: tmpfs on /run/crun"; exit 1; }
        # /etc/seccompd as the product reads it; a tmpfs so no host file there leaks in.
        mkdir -p /etc/seccompd && mount -t tmpfs -o mode=755 tmpfs /etc/seccompd ||
                { echo "FAIL: tmpfs on /etc/seccompd"; exit 1; }

        mkdir -p "$T/profiles" "$T/cache" "$T/vartmp" "$T/libpod" "$T/cni"
        printf '[storage]\ndriver = "vfs"\nrunroot = "%s/runroot"\ngraphroot = "%s/graph"\n' \
                "$T" "$T" >"$T/storage.conf"
        # The shipped files, as the README installs them; only paths substituted.
        sed "s|\"/usr/local/bin/seccompd-oci\"|\"$OCI\"|" "$SRC/deploy/podman/containers.conf" \
                >"$T/containers.conf"
        sed -e "s|^runtime = .*|runtime = $CRUN|" -e "s|^socket = .*|socket = $SOCK|" \
                "$SRC/deploy/podman/seccompd-oci.conf" >/etc/seccompd/seccompd-oci.conf

        # The image: `podman import` of a busybox-static root (no registry here).
        make_rootfs && tar -C "$T/rootfs" -cf "$T/busybox.tar" . ||
                { echo "FAIL: cannot build the busybox tarball"; exit 1; }
        run_to import P import "$T/busybox.tar" "$IMG"
        [ "$rc" = 0 ] || { echo "FAIL: podman import"; show import; exit 1; }
}
