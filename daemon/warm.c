/* SPDX-License-Identifier: Apache-2.0 */
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache-alias.h"
#include "compile.h"
#include "config.h"
#include "diag-json.h"
#include "seccompd/protocol.h"
#include "warm.h"

/* The GNU build id of the executable, in hex; "" when it has none (then the version alone
 * must say that the parser changed: builds are made with --build-id by default). */
struct build_id {
        char hex[2 * 64 + 1];
};

static int find_build_id(struct dl_phdr_info *info, size_t size, void *userdata)
{
        struct build_id *id = userdata;
        for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
                const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
                if (ph->p_type != PT_NOTE)
                        continue;
                const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
                const char *end = p + ph->p_memsz;
                while (p + sizeof(ElfW(Nhdr)) <= end) {
                        const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
                        const char *name = p + sizeof(*n);
                        const unsigned char *desc =
                                (const unsigned char *)name + ((n->n_namesz + 3) & ~3U);
                        if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
                            memcmp(name, "GNU", 4) == 0 && n->n_descsz <= 64) {
                                for (ElfW(Word) k = 0; k < n->n_descsz; k++)
                                        snprintf(id->hex + 2 * k, 3, "%02x", desc[k]);
                                return 1;
                        }
                        p = (const char *)desc + ((n->n_descsz + 3) & ~3U);
                }
        }
        return 1; /* the first object is the executable: stop there */
}

static struct build_id build_id;

static void read_build_id(void)
{
        (void)dl_iterate_phdr(find_build_id, &build_id);
}

int warm_key(const struct warm_params *w, const char *digest, char ret[SHA256_HEX_SIZE])
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        const struct scmp_version *v = seccomp_version();
        struct keyhash *k = NULL;
        char lib[32];
        int r;

        (void)pthread_once(&once, read_build_id);
        snprintf(lib, sizeof(lib), "%u.%u.%u", v->major, v->minor, v->micro);
        if ((r = keyhash_new(&k)) < 0)
                return r;
        if ((r = keyhash_field_str(k, "seccompd-alias", PACKAGE_VERSION)) < 0 ||
            (r = keyhash_field_str(k, "build-id", build_id.hex)) < 0 ||
            (r = keyhash_field_u64(k, "format", CACHE_FORMAT_VERSION)) < 0 ||
            (r = keyhash_field_str(k, "libseccomp", lib)) < 0 ||
            (r = keyhash_field_str(k, "dialect", dialect_to_string(w->parse.dialect))) < 0 ||
            (r = keyhash_field_u64(k, "strict", w->parse.strict)) < 0 ||
            (r = keyhash_field_u64(k, "max-size", w->parse.max_size)) < 0 ||
            (r = keyhash_field_str(k, "context", w->context_string)) < 0 ||
            (r = keyhash_field_u64(k, "optimize", (uint64_t)(int64_t)w->optimize)) < 0 ||
            (r = keyhash_field_str(k, "file", digest)) < 0) {
                keyhash_free(k);
                return r;
        }
        return keyhash_finish(k, ret);
}

char *warm_summary(const struct profile *p)
{
        json_t *arches = json_array();
        for (size_t i = 0; i < p->n_architectures; i++)
                json_array_append_new(arches, json_string(p->architectures[i]->name));
        for (size_t i = 0; i < p->n_arch_map; i++)
                json_array_append_new(arches, json_string(p->arch_map[i].arch->name));
        _cleanup_(json_decrefp) json_t *o =
                json_pack("{s:s, s:o, s:i, s:i}", SECCOMPD_KEY_DEFAULT_ACTION,
                          action_to_string(p->default_action), SECCOMPD_KEY_ARCHES, arches,
                          SECCOMPD_KEY_RULES, (int)p->n_rules, SECCOMPD_KEY_NAMES,
                          (int)profile_count_names(p));
        return o ? json_dumps(o, JSON_COMPACT) : NULL;
}

char *warm_extra(const struct diag_list *diags, const char *summary, size_t n_rules, size_t n_names,
                 size_t *ret_size)
{
        _cleanup_free_ char *d = diag_list_to_line(diags);
        char *text = NULL;
        if (!d)
                return NULL;
        int n = asprintf(&text, "rules %zu\nnames %zu\nsummary %s\ndiagnostics %s\n", n_rules,
                         n_names, summary, d);
        if (n < 0)
                return NULL;
        *ret_size = (size_t)n;
        return text;
}

int warm_extra_parse(char *extra, const char *file, struct diag_list **ret_diags,
                     char **ret_summary, size_t *ret_rules, size_t *ret_names)
{
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        char *p = extra, *stop = extra + strlen(extra), *rules, *names, *summary, *d, *end;
        int r;

        if (!(rules = cache_alias_field(&p, stop, "rules")) ||
            !(names = cache_alias_field(&p, stop, "names")) ||
            !(summary = cache_alias_field(&p, stop, "summary")) || summary[0] != '{' ||
            !(d = cache_alias_field(&p, stop, "diagnostics")) || *p != 0)
                return -EBADMSG;
        errno = 0;
        unsigned long long nr = strtoull(rules, &end, 10);
        if (errno || *end || !rules[0])
                return -EBADMSG;
        unsigned long long nn = strtoull(names, &end, 10);
        if (errno || *end || !names[0])
                return -EBADMSG;
        r = diag_list_from_line(d, strlen(d), file, &diags);
        if (r < 0)
                return r;
        char *s = strdup(summary);
        if (!s)
                return -ENOMEM;
        *ret_diags = TAKE_PTR(diags);
        *ret_summary = s;
        *ret_rules = (size_t)nr;
        *ret_names = (size_t)nn;
        return 0;
}
