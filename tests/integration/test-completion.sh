#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The bash completion of seccompctl: sources completion/seccompctl.bash and checks COMPREPLY
# for command lines, first in a plain bash, then (when installed) with the bash-completion
# package loaded, whose helpers the script uses when they are there.
#   test-completion.sh COMPLETION_FILE SECCOMPCTL
set -uo pipefail

completion=${1:?usage: test-completion.sh COMPLETION_FILE SECCOMPCTL}
seccompctl=${2:?usage: test-completion.sh COMPLETION_FILE SECCOMPCTL}
completion=$(realpath "$completion")
seccompctl=$(realpath "$seccompctl")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A directory to complete files in.
mkdir -p "$tmp/work/profiles.d" "$tmp/work/sub"
echo '{"defaultAction": "SCMP_ACT_ALLOW"}' >"$tmp/work/prof.json"
touch "$tmp/work/other.txt"

# A stand-in seccompctl whose "list --json" is what the real one prints (one key per line),
# recording its arguments, and one that fails loudly: the completion must stay silent.
cat >"$tmp/fakectl" <<EOF
#!/usr/bin/env bash
printf '%s\n' "\$*" >"$tmp/fakectl.args"
cat <<'JSON'
{
  "profiles": [
    {
      "name": "kubernetes/operator/nginx.json",
      "root": "kubernetes",
      "path": "operator/nginx.json",
      "dialect": "kubernetes-containerd",
      "state": "valid",
      "errors": 0
    },
    {
      "name": "runtime/default.json",
      "root": "runtime",
      "path": "default.json",
      "state": "valid"
    }
  ]
}
JSON
EOF
cat >"$tmp/brokenctl" <<'EOF'
#!/usr/bin/env bash
echo "seccompctl: cannot connect to seccompd" >&2
echo "garbage on stdout"
exit 1
EOF
chmod +x "$tmp/fakectl" "$tmp/brokenctl"

# A command for exec's command line; no seccompctl or daemon of the machine may answer.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\n' >"$tmp/bin/seccompd-test-cmd"
chmod +x "$tmp/bin/seccompd-test-cmd"
export PATH="$tmp/bin:$PATH"
export SECCOMPD_SOCKET="$tmp/none.sock"

run_cases()
{
        local mode=$1 pass=0 fail=0
        # shellcheck disable=SC1090
        source "$completion"

        # check "description" EXPECTED_WORDS -- COMP_WORDS...: COMPREPLY, sorted, must equal
        # EXPECTED_WORDS (space-separated, any order); the last word is the one completed.
        check()
        {
                local what=$1 expected=$2 w
                shift 3
                COMP_WORDS=("$@")
                COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
                COMP_LINE="${COMP_WORDS[*]}"
                COMP_POINT=${#COMP_LINE}
                COMPREPLY=()
                _seccompctl >"$tmp/printed" 2>&1
                # Compared as sets, without a process per check (this runs ~90 times).
                local -A got=() want=()
                for w in "${COMPREPLY[@]}"; do
                        [[ -n $w ]] && got[$w]=1
                done
                for w in $expected; do
                        want[$w]=1
                done
                local same=1
                ((${#got[@]} == ${#want[@]})) || same=0
                for w in "${!want[@]}"; do
                        [[ -n ${got[$w]-} ]] || same=0
                done
                if ((same)) && [[ ! -s $tmp/printed ]]; then
                        pass=$((pass + 1))
                else
                        fail=$((fail + 1))
                        echo "FAIL [$mode] $what: COMP_WORDS=(${COMP_WORDS[*]})"
                        echo "     want: '${!want[*]}'"
                        echo "     got:  '${COMPREPLY[*]}'"
                        [[ -s $tmp/printed ]] && echo "     and printed: $(cat "$tmp/printed")"
                fi
        }

        cd "$tmp/work" || return 1
        check "commands" 'validate' -- seccompctl val
        check "commands after an option" 'list' -- seccompctl --json li
        check "every command" 'validate compile test export exec stats scan list show status digest reload containers denials record merge' -- seccompctl ''
        check "containers" 'containers' -- seccompctl --json cont
        check "containers takes no argument" '' -- seccompctl containers ''
        check "denials options" '--follow' -- seccompctl denials --fol
        check "denials --syscall takes a value" '' -- seccompctl denials --syscall ''
        check "options" '--json' -- seccompctl --js
        check "options after the command" '--dialect' -- seccompctl validate --di
        check "compile formats" 'raw base64 pfc disasm' -- seccompctl compile --format ''
        check "export formats" 'oci lxc' -- seccompctl export prof.json --format ''
        check "formats, no command yet" 'raw base64 pfc disasm oci lxc' -- seccompctl --format ''
        check "--format=b split at =" 'base64' -- seccompctl compile --format = b
        check "--format= split at =" 'oci lxc' -- seccompctl export --format =
        check "--format=l unsplit" 'lxc' -- seccompctl export --format=l
        check "dialects" 'docker kubernetes-containerd cri-o mesos crun runc' -- seccompctl --dialect ''
        check "dialect prefix" 'crun cri-o' -- seccompctl validate --dialect cr
        check "arches" 'aarch64' -- seccompctl --arch aa
        check "x86 arches" 'x86_64 x86 x32' -- seccompctl test --arch x
        check "optimize" '0 2' -- seccompctl --optimize ''
        check "caps" 'CAP_SYS_ADMIN' -- seccompctl --caps CAP_SYS_AD
        check "caps list" 'CAP_CHOWN,CAP_SYS_ADMIN' -- seccompctl --caps CAP_CHOWN,CAP_SYS_AD
        check "caps added" '+CAP_BPF +CAP_BLOCK_SUSPEND' -- seccompctl --caps +CAP_B
        check "caps keywords" 'all' -- seccompctl --caps al
        check "kernel: nothing" '' -- seccompctl --kernel ''
        check "files for validate" 'prof.json profiles.d' -- seccompctl validate pro
        check "files for export" 'other.txt' -- seccompctl export ot
        check "second export argument: nothing" '' -- seccompctl export prof.json p
        check "directories for scan" 'sub' -- seccompctl scan s
        check "output file" 'prof.json profiles.d' -- seccompctl compile prof.json -o pr
        check "exec: the -- after the file" '--' -- seccompctl exec prof.json ''
        check "nothing for list" '' -- seccompctl list ''

        # Profile names from the daemon, through the seccompctl on the line and its --socket.
        check "names for show" 'kubernetes/operator/nginx.json' -- "$tmp/fakectl" show kub
        check "names and files for validate" 'runtime/default.json' -- "$tmp/fakectl" validate run
        check "names and files for compile" 'kubernetes/operator/nginx.json runtime/default.json other.txt prof.json profiles.d sub' -- "$tmp/fakectl" compile --format base64 ''
        check "names for test, first argument only" '' -- "$tmp/fakectl" test runtime/default un
        check "names for exec" 'runtime/default.json' -- "$tmp/fakectl" exec runt
        check "the line's --socket is used" 'runtime/default.json' -- "$tmp/fakectl" --socket /x/s.sock show r
        if ! grep -q -- '--socket /x/s.sock' "$tmp/fakectl.args"; then
                fail=$((fail + 1))
                echo "FAIL [$mode] --socket was not passed on: $(cat "$tmp/fakectl.args")"
        else
                pass=$((pass + 1))
        fi
        check "--socket=PATH is used" 'runtime/default.json' -- "$tmp/fakectl" --socket=/y/s.sock show r
        if ! grep -q -- '--socket /y/s.sock' "$tmp/fakectl.args"; then
                fail=$((fail + 1))
                echo "FAIL [$mode] --socket= was not passed on: $(cat "$tmp/fakectl.args")"
        else
                pass=$((pass + 1))
        fi
        check "a failing seccompctl adds nothing, silently" '' -- "$tmp/brokenctl" show ''
        check "the real seccompctl, no daemon: silent" '' -- "$seccompctl" --socket "$tmp/none.sock" show ''
        check "the real seccompctl, no daemon: files only" 'prof.json profiles.d' -- "$seccompctl" --socket "$tmp/none.sock" validate pro
        check "no names for a path" '' -- "$tmp/fakectl" show ./k
        check "exec: the command after --" 'seccompd-test-cmd' -- seccompctl exec prof.json -- seccompd-test-c
        check "record formats" 'docker oci' -- seccompctl record --format ''
        check "record: the --" '--' -- seccompctl record -o out.json ''
        check "record: the command after --" 'seccompd-test-cmd' -- seccompctl record -o out.json -- seccompd-test-c
        check "record --arch list" 'x86,aarch64' -- seccompctl record --arch x86,aa
        check "record --merge: files" 'prof.json profiles.d' -- seccompctl record --merge pro
        check "merge: files" 'prof.json profiles.d' -- seccompctl merge prof.json pro
        echo "[$mode] $pass passed, $fail failed"
        [[ $fail -eq 0 ]]
}

rc=0
(run_cases plain) || rc=1
for bc in /usr/share/bash-completion/bash_completion /etc/bash_completion; do
        if [[ -r $bc ]]; then
                # bash-completion's helpers (_filedir, _command_offset) need an interactive-ish
                # setup only for readline options; sourcing it is enough for COMPREPLY.
                (
                        # shellcheck disable=SC1090
                        source "$bc" >/dev/null 2>&1
                        run_cases bash-completion
                ) || rc=1
                break
        fi
done
exit $rc
