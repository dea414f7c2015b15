#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages seccompd needs that are missing. Sourced or run:
#   scripts/deps.sh build     what building needs
#   scripts/deps.sh test      building, the test suites, sanitizers and fuzzers
set -euo pipefail

build_pkgs=(meson ninja-build pkg-config gcc libc6-dev libseccomp-dev libjansson-dev
            libssl-dev libsystemd-dev libinotifytools0-dev libmicrohttpd-dev
            libcurl4-openssl-dev scdoc)
test_pkgs=(libcmocka-dev clang libclang-rt-14-dev python3 crun busybox-static curl jq
           util-linux systemd)
test_pkgs+=(docker.io) # tests/e2e/test-docker.sh: dockerd 20.10, its containerd and runc
test_pkgs+=(lxc) # e2e-lxc: lxc-execute, lxc-info, lxc-stop, init.lxc
test_pkgs+=(containerd) # tests/e2e/test-containerd.sh: containerd, ctr, containerd-shim-runc-v2
test_pkgs+=(podman conmon) # tests/e2e/test-podman.sh
test_pkgs+=(clang-format) # tests/lint/test-format.sh: the tree formatted by .clang-format

want=("${build_pkgs[@]}")
[ "${1:-build}" = test ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
                missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
if [ "$(id -u)" = 0 ]; then
        SUDO=()
elif command -v sudo >/dev/null; then
        SUDO=(sudo)
else
        echo "Missing packages and not root: apt-get install ${missing[*]}" >&2
        exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
