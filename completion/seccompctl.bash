# bash completion for seccompctl(1)                                  -*- shell-script -*-
# SPDX-License-Identifier: Apache-2.0
#
# Commands, options, --format values by command, --dialect, --arch and --caps values, files
# and directories where a command takes them, and the profile NAMEs of a running seccompd.
# Works with or without the bash-completion package loaded.

_seccompctl_commands='validate compile test export exec stats scan list show status digest reload
        containers denials record merge'
_seccompctl_options='--help --quiet --output --dialect --strict --arch --caps --kernel
        --optimize --format --json --version --socket --max-size --no-color --follow
        --profile --container --syscall --merge'
_seccompctl_dialects='docker kubernetes-containerd cri-o mesos crun runc'
# The architectures libseccomp 2.5 builds filters for.
_seccompctl_arches='x86_64 x86 x32 aarch64 arm riscv64 ppc64le ppc64 ppc s390x s390 mips
        mipsel mips64 mipsel64 mips64n32 mipsel64n32 parisc parisc64'
_seccompctl_caps='CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID
        CAP_KILL CAP_SETGID CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE CAP_NET_BIND_SERVICE
        CAP_NET_BROADCAST CAP_NET_ADMIN CAP_NET_RAW CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE
        CAP_SYS_RAWIO CAP_SYS_CHROOT CAP_SYS_PTRACE CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT
        CAP_SYS_NICE CAP_SYS_RESOURCE CAP_SYS_TIME CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE
        CAP_AUDIT_WRITE CAP_AUDIT_CONTROL CAP_SETFCAP CAP_MAC_OVERRIDE CAP_MAC_ADMIN
        CAP_SYSLOG CAP_WAKE_ALARM CAP_BLOCK_SUSPEND CAP_AUDIT_READ CAP_PERFMON CAP_BPF
        CAP_CHECKPOINT_RESTORE'

# Adds the words of $1 that start with $2 to COMPREPLY.
_seccompctl_add()
{
        local w
        for w in $1; do
                [[ $w == "$2"* ]] && COMPREPLY+=("$w")
        done
}

# Files (or directories with -d) matching $2.
_seccompctl_files()
{
        local IFS=$'\n'
        compopt -o filenames 2>/dev/null
        if [[ $1 == -d ]]; then
                COMPREPLY+=($(compgen -d -- "$2"))
        else
                COMPREPLY+=($(compgen -f -- "$2"))
        fi
}

# The profile names seccompd serves, matching $2, asked with the seccompctl being completed
# ($1) and the --socket given on the line (the rest). Quiet: a daemon that is not running,
# does not answer within 2 seconds or answers anything unexpected adds nothing.
_seccompctl_names()
{
        local ctl=$1 cur=$2 out name
        shift 2
        [[ $cur == /* || $cur == ./* || $cur == ../* || $cur == ~* ]] && return 0
        ctl=${ctl/#\~/$HOME}
        type -P -- "$ctl" >/dev/null 2>&1 || return 0
        if type -P timeout >/dev/null 2>&1; then
                out=$(timeout 2 "$ctl" "$@" -q --json list 2>/dev/null </dev/null) || return 0
        else
                out=$("$ctl" "$@" -q --json list 2>/dev/null </dev/null) || return 0
        fi
        # seccompctl --json prints one key per line: the profiles' "name" keys.
        while IFS= read -r name; do
                [[ -n $name && $name == "$cur"* ]] && COMPREPLY+=("$name")
        done < <(sed -n 's/^ *"name": "\([^"\\]*\)",\{0,1\}$/\1/p' <<<"$out")
        return 0
}

_seccompctl()
{
        local cur prev cword=$COMP_CWORD
        local -a words=("${COMP_WORDS[@]}")
        COMPREPLY=()
        cur=${words[cword]}
        prev=
        ((cword > 0)) && prev=${words[cword - 1]}

        # --opt=value, split by COMP_WORDBREAKS ("--opt" "=" "value") or not.
        if [[ $cur == = && $prev == -* ]]; then
                cur=
        elif [[ $prev == = ]] && ((cword > 1)) && [[ ${words[cword - 2]} == -* ]]; then
                prev=${words[cword - 2]}
        elif [[ $cur == --*=* ]]; then
                prev=${cur%%=*}
                cur=${cur#*=}
        fi

        # The command, where its arguments start, and the socket to ask names from.
        local cmd= i w after_dashdash=0 n_args=0
        local -a socket=()
        for ((i = 1; i < cword; i++)); do
                w=${words[i]}
                if ((after_dashdash)); then
                        continue
                fi
                case $w in
                --)
                        after_dashdash=$i
                        ;;
                -o | --output | --dialect | --arch | --caps | --kernel | --optimize | \
                        --format | --max-size | --profile | --container | --syscall | --merge)
                        ((i++))
                        [[ ${words[i]} == = ]] && ((i++))
                        ;;
                --socket)
                        ((i++))
                        [[ ${words[i]} == = ]] && ((i++))
                        socket=(--socket "${words[i]}")
                        ;;
                --socket=*)
                        socket=(--socket "${w#--socket=}")
                        ;;
                = | -*) ;;
                *)
                        if [[ -z $cmd ]]; then
                                cmd=$w
                        else
                                ((n_args++))
                        fi
                        ;;
                esac
        done

        if ((after_dashdash)); then
                # exec FILE -- COMMAND [ARG...], record -- COMMAND [ARG...]
                if declare -F _command_offset >/dev/null; then
                        # Outside a completion (tests), its compopt complains: keep quiet.
                        _command_offset $((after_dashdash + 1)) 2>/dev/null
                elif ((cword == after_dashdash + 1)); then
                        local IFS=$'\n'
                        COMPREPLY=($(compgen -c -- "$cur"))
                else
                        _seccompctl_files -f "$cur"
                fi
                return 0
        fi

        case $prev in
        --dialect)
                _seccompctl_add "$_seccompctl_dialects" "$cur"
                return 0
                ;;
        --arch)
                if [[ $cmd == record && $cur == *,* ]]; then
                        # record takes a comma-separated list
                        local a head=${cur%,*},
                        for a in $_seccompctl_arches; do
                                [[ $a == "${cur##*,}"* ]] && COMPREPLY+=("$head$a")
                        done
                else
                        _seccompctl_add "$_seccompctl_arches" "$cur"
                fi
                return 0
                ;;
        --format)
                case $cmd in
                compile) _seccompctl_add 'raw base64 pfc disasm' "$cur" ;;
                export) _seccompctl_add 'oci lxc' "$cur" ;;
                record) _seccompctl_add 'docker oci' "$cur" ;;
                *) _seccompctl_add 'raw base64 pfc disasm oci lxc' "$cur" ;;
                esac
                return 0
                ;;
        --optimize)
                _seccompctl_add '0 2' "$cur"
                return 0
                ;;
        --caps)
                # A comma-separated list, "all", "none", "default"; "+" adds to the default.
                local head= last=$cur plus=
                if [[ $cur == *,* ]]; then
                        head=${cur%,*},
                        last=${cur##*,}
                elif [[ $cur == +* ]]; then
                        plus=+
                        last=${cur#+}
                fi
                local c
                for c in $_seccompctl_caps; do
                        [[ $c == "$last"* ]] && COMPREPLY+=("$plus$head$c")
                done
                if [[ -z $head && -z $plus ]]; then
                        _seccompctl_add 'all none default' "$cur"
                fi
                return 0
                ;;
        -o | --output | --socket | --merge)
                _seccompctl_files -f "$cur"
                return 0
                ;;
        --kernel | --max-size | --container | --syscall)
                return 0
                ;;
        --profile)
                _seccompctl_names "${words[0]}" "$cur" "${socket[@]}"
                return 0
                ;;
        esac

        if [[ $cur == -* ]]; then
                _seccompctl_add "$_seccompctl_options -h -q -o --" "$cur"
                return 0
        fi

        if [[ -z $cmd ]]; then
                _seccompctl_add "$_seccompctl_commands" "$cur"
                return 0
        fi

        case $cmd in
        validate)
                _seccompctl_files -f "$cur"
                _seccompctl_names "${words[0]}" "$cur" "${socket[@]}"
                ;;
        compile | test | export)
                if ((n_args == 0)); then
                        _seccompctl_files -f "$cur"
                        _seccompctl_names "${words[0]}" "$cur" "${socket[@]}"
                fi
                ;;
        show)
                ((n_args == 0)) && _seccompctl_names "${words[0]}" "$cur" "${socket[@]}"
                ;;
        stats)
                ((n_args == 0)) && _seccompctl_files -f "$cur"
                ;;
        exec)
                if ((n_args == 0)); then
                        _seccompctl_files -f "$cur"
                        _seccompctl_names "${words[0]}" "$cur" "${socket[@]}"
                else
                        _seccompctl_add '--' "$cur"
                fi
                ;;
        scan)
                _seccompctl_files -d "$cur"
                ;;
        merge)
                _seccompctl_files -f "$cur"
                ;;
        record)
                # record [OPTIONS] -- COMMAND [ARG...]
                _seccompctl_add '--' "$cur"
                ;;
        esac
        return 0
}

complete -F _seccompctl seccompctl
