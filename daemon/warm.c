/* SPDX-License-Identifier: Apache-2.0 */
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

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

json_t *warm_summary(const struct profile *p)
{
        json_t *arches = json_array();
        for (size_t i = 0; i < p->n_architectures; i++)
                json_array_append_new(arches, json_string(p->architectures[i]->name));
        for (size_t i = 0; i < p->n_arch_map; i++)
                json_array_append_new(arches, json_string(p->arch_map[i].arch->name));
        return json_pack("{s:s, s:o, s:i, s:i}", SECCOMPD_KEY_DEFAULT_ACTION,
                         action_to_string(p->default_action), SECCOMPD_KEY_ARCHES, arches,
                         SECCOMPD_KEY_RULES, (int)p->n_rules, SECCOMPD_KEY_NAMES,
                         (int)profile_count_names(p));
}

json_t *warm_extra(const struct diag_list *diags, json_t *summary, size_t n_rules, size_t n_names)
{
        return json_pack("{s:o, s:O, s:I, s:I}", "diagnostics", diag_list_to_json(diags), "summary",
                         summary, "rules", (json_int_t)n_rules, "names", (json_int_t)n_names);
}

int warm_extra_parse(const json_t *extra, const char *file, struct diag_list **ret_diags,
                     json_t **ret_summary, size_t *ret_rules, size_t *ret_names)
{
        json_t *diagnostics, *summary;
        json_int_t rules, names;
        if (json_unpack((json_t *)extra, "{s:o, s:o, s:I, s:I}", "diagnostics", &diagnostics,
                        "summary", &summary, "rules", &rules, "names", &names) < 0 ||
            !json_is_object(summary) || rules < 0 || names < 0)
                return -EBADMSG;
        int r = diag_list_from_json(diagnostics, file, ret_diags);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        *ret_summary = json_incref(summary);
        *ret_rules = (size_t)rules;
        *ret_names = (size_t)names;
        return 0;
}
