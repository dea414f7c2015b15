/* SPDX-License-Identifier: Apache-2.0 */
/* A consumer of the installed libseccompd, built with nothing but
 * `pkg-config --cflags --libs libseccompd`: prints what the daemon serves for a name.
 *
 * Usage: pkgconfig-demo SOCKET NAME
 * Output: "instructions N", "key KEY", "size BYTES", "state STATE" and "profiles N", one a
 * line. Exit 0, or 1 with the error on stderr. */
#include <stdio.h>
#include <string.h>

#include <seccompd/client.h>

int main(int argc, char **argv)
{
        struct seccompd *c = NULL;
        struct seccompd_blob *b = NULL;
        struct seccompd_profile_info *p = NULL;
        int r, n;

        if (argc != 3) {
                fprintf(stderr, "usage: %s SOCKET NAME\n", argv[0]);
                return 2;
        }
        r = seccompd_connect(argv[1], 0, &c);
        if (r < 0) {
                fprintf(stderr, "pkgconfig-demo: cannot connect to %s: %s\n", argv[1],
                        strerror(-r));
                return 1;
        }
        r = seccompd_get_blob(c, argv[2], NULL, &b);
        if (r < 0) {
                const char *e = seccompd_last_error(c);
                fprintf(stderr, "pkgconfig-demo: %s: %s\n", argv[2], e ? e : strerror(-r));
                seccompd_disconnect(c);
                return 1;
        }
        printf("instructions %u\nkey %s\nsize %zu\nstate %s\n", b->instructions, b->key, b->size,
               b->state);
        seccompd_blob_free(b);

        n = seccompd_list(c, &p);
        if (n < 0) {
                fprintf(stderr, "pkgconfig-demo: list: %s\n", strerror(-n));
                seccompd_disconnect(c);
                return 1;
        }
        printf("profiles %d\n", n);
        seccompd_profiles_free(p, (size_t)n);
        seccompd_disconnect(c);
        return 0;
}
