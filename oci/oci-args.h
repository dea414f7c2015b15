/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* crun's command line, read the way crun reads it (argp over getopt_long, in order, long
 * options abbreviable to any unambiguous prefix), only far enough to find the command and, for
 * create and run, the bundle and the config file. Nothing is rewritten here. */

#include <stdbool.h>

enum oci_command {
        OCI_COMMAND_NONE, /* no command, or the global options could not be read */
        OCI_COMMAND_CREATE,
        OCI_COMMAND_RUN,
        OCI_COMMAND_DELETE, /* `id` set when the one operand could be read */
        OCI_COMMAND_OTHER,  /* start, state, kill, exec, ps, spec, ... */
        _OCI_COMMAND_MAX,
};

struct oci_args {
        enum oci_command command;
        /* Global options; pointers borrowed from argv, NULL when not given. */
        const char *log;        /* --log: "file:PATH", "PATH", "journald:ID", "syslog:ID" */
        const char *log_format; /* --log-format: "text" (crun's default) or "json" */
        bool debug;             /* --debug or --log-level=debug */
        /* create/run only, and only when `usable` (see below); borrowed from argv. */
        const char *bundle;   /* -b/--bundle; NULL: the current directory */
        const char *config;   /* -f/--config; NULL: "config.json" in the bundle */
        const char *id;       /* the container ID (the one operand); of delete too */
        const char *pid_file; /* --pid-file: where crun writes the init's pid */
        bool detach;          /* run -d/--detach */
        /* Where an option added to the command's own options goes: the index in argv of its
         * first operand (the container ID), or of the "--" that ends its options. crun takes
         * the last -f/--config it sees, so an option put there overrides the caller's. */
        int insert_at;
        /* create/run whose options were all understood, with exactly one operand, and no
         * --help/--usage/--version anywhere: the only command lines seccompd-oci rewrites.
         * Otherwise `why` says what stopped it (for the debug log). */
        bool usable;
        const char *why;
};

/* Reads argv (argv[0] is this program). Never fails: what cannot be read is reported through
 * `command` and `usable`, and the caller then hands argv to crun unchanged. */
void oci_args_parse(int argc, char *const *argv, struct oci_args *ret);
