#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# in-ns.sh CMD [ARG...]: run by `unshare -m` (a private mount namespace, propagation private),
# so the unmount below is invisible to the host. crun needs /sys/fs/cgroup/unified gone on
# hybrid-cgroup hosts (DESIGN.md §10). One namespace for a whole benchmark loop, so neither
# unshare nor this shell is in the times.
umount /sys/fs/cgroup/unified 2>/dev/null
exec "$@"
