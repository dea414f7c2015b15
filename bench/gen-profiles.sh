#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# gen-profiles.sh DIR COUNT: COUNT small, distinct OCI profiles DIR/p00000.json ... Each allows
# 24 common syscalls plus, for each of the 14 low bits of its index, one more, and returns its own
# errno (1..4000) for everything else: every file has its own content, digest and blob.
set -eu
dir=$1 count=$2
mkdir -p "$dir"
awk -v dir="$dir" -v count="$count" 'BEGIN {
        split("read write openat close fstat lseek mmap mprotect munmap brk rt_sigaction " \
              "rt_sigprocmask ioctl pread64 pwrite64 readv writev access pipe select " \
              "sched_yield mremap exit exit_group", base, " ")
        split("getpid getppid getuid getgid geteuid getegid gettid uname fcntl flock " \
              "fsync fdatasync truncate ftruncate", extra, " ")
        for (i = 0; i < count; i++) {
                f = sprintf("%s/p%05d.json", dir, i)
                names = ""
                for (k = 1; k <= 24; k++)
                        names = names sprintf("%s\"%s\"", k > 1 ? ", " : "", base[k])
                for (b = 0; b < 14; b++)
                        if (int(i / (2 ^ b)) % 2)
                                names = names sprintf(", \"%s\"", extra[b + 1])
                printf "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"defaultErrnoRet\": %d,\n", \
                        1 + i % 4000 > f
                printf "  \"architectures\": [\"SCMP_ARCH_X86_64\"],\n  \"syscalls\": [\n" > f
                printf "    { \"names\": [%s],\n      \"action\": \"SCMP_ACT_ALLOW\" }\n  ]\n}\n", \
                        names > f
                close(f)
        }
}'
