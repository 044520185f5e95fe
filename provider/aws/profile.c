/* profile: parser and lookup for the AWS shared credentials and config files (see profile.h
 * for the syntax rules and why each was chosen).
 *
 * Parsing works on pointer+length slices of the file image and copies only names, keys and
 * values. Section names are stored once per header line and entries point at them by index,
 * so a hostile file with a huge section name and many keys cannot multiply memory. */
#include "aws/profile.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "util/buf.h"
#include "util/str.h"

#define NO_SECTION SIZE_MAX /* keys of an ignored config-file section */

#define SEC_PLAIN_DEFAULT 0x1u   /* config file [default] */
#define SEC_PROFILE_DEFAULT 0x2u /* config file [profile default] */
#define SEC_DEAD 0x4u            /* shadowed: [default] beside [profile default] */

#define ENT_SUBSECTION 0x1u /* value is a nested block: reads as absent */

struct profile_section {
    char *name;
    unsigned flags;
};

struct profile_entry {
    size_t section;
    char *key; /* lowercased */
    char *value;
    unsigned flags;
};

/* A slice of the file image: never NUL-terminated. */
struct slice {
    const char *p;
    size_t n;
};

static const char *kind_name(enum profile_kind kind)
{
    return kind == PROFILE_CREDENTIALS ? "shared credentials file" : "shared config file";
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static struct slice trim(struct slice s)
{
    while (s.n && is_blank(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n && is_blank(s.p[s.n - 1]))
        s.n--;
    return s;
}

static bool slice_eq(struct slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && memcmp(s.p, lit, n) == 0;
}

static bool is_comment_line(struct slice t)
{
    return t.n && (t.p[0] == '#' || t.p[0] == ';');
}

/* A value ends at the first '#' or ';' that follows a blank: that is an inline comment. */
static struct slice strip_inline_comment(struct slice v)
{
    for (size_t i = 1; i < v.n; i++) {
        if ((v.p[i] == '#' || v.p[i] == ';') && is_blank(v.p[i - 1])) {
            v.n = i;
            break;
        }
    }
    return trim(v);
}

static int add_section(profile_file *f, struct slice name, unsigned flags, size_t *index)
{
    if (f->n_sections == f->sections_size) {
        size_t size = f->sections_size ? f->sections_size * 2 : 8;
        struct profile_section *p = realloc(f->sections, size * sizeof(*p));
        if (!p)
            return -1;
        f->sections = p;
        f->sections_size = size;
    }
    char *copy = str_ndup(name.p, name.n);
    if (!copy)
        return -1;
    f->sections[f->n_sections].name = copy;
    f->sections[f->n_sections].flags = flags;
    *index = f->n_sections++;
    return 0;
}

static int add_entry(profile_file *f, size_t section, struct slice key, struct slice value)
{
    int rc = -1;
    char *k = NULL, *v = NULL;

    if (f->n == f->size) {
        size_t size = f->size ? f->size * 2 : 16;
        struct profile_entry *p = realloc(f->entries, size * sizeof(*p));
        if (!p)
            goto out;
        f->entries = p;
        f->size = size;
    }
    k = str_ndup(key.p, key.n);
    v = str_ndup(value.p, value.n);
    if (!k || !v)
        goto out;
    /* configparser lowercases option names, so AWS_ACCESS_KEY_ID works like the lowercase. */
    for (char *c = k; *c; c++) {
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    }
    f->entries[f->n].section = section;
    f->entries[f->n].key = k;
    f->entries[f->n].value = v;
    f->entries[f->n].flags = 0;
    f->n++;
    k = v = NULL;
    rc = 0;
out:
    free(k);
    if (v) {
        OPENSSL_cleanse(v, value.n);
        free(v);
    }
    return rc;
}

static void free_entry(struct profile_entry *ent)
{
    free(ent->key);
    /* Values include secret keys and session tokens: wipe before freeing. */
    OPENSSL_cleanse(ent->value, strlen(ent->value));
    free(ent->value);
}

/* Drops what a failed parse added, so a file is merged whole or not at all. */
static void rollback(profile_file *f, size_t n_sections, size_t n_entries)
{
    while (f->n > n_entries)
        free_entry(&f->entries[--f->n]);
    while (f->n_sections > n_sections)
        free(f->sections[--f->n_sections].name);
}

/* Parses a section header line t (starts with '['). Sets *section to the new section's index,
 * or NO_SECTION when the config file's section is not a profile. */
static int parse_header(profile_file *f, struct slice t, enum profile_kind kind, size_t *section,
                        const char *path, size_t line_no, err *e)
{
    const char *close = memchr(t.p, ']', t.n);
    if (!close)
        return err_set(e, ERR_INVALID_ARGUMENT, "%s %s, line %zu: section header without ']'",
                       kind_name(kind), path, line_no);
    /* Text after the first ']' is ignored (a trailing comment, typically). */
    struct slice name = trim((struct slice){t.p + 1, (size_t)(close - t.p) - 1});
    if (name.n == 0)
        return err_set(e, ERR_INVALID_ARGUMENT, "%s %s, line %zu: empty section name",
                       kind_name(kind), path, line_no);
    unsigned flags = 0;
    if (kind == PROFILE_CONFIG) {
        if (slice_eq(name, PROFILE_DEFAULT)) {
            flags = SEC_PLAIN_DEFAULT;
        } else if (name.n > 7 && memcmp(name.p, "profile", 7) == 0 && is_blank(name.p[7])) {
            name = trim((struct slice){name.p + 7, name.n - 7});
            if (slice_eq(name, PROFILE_DEFAULT))
                flags = SEC_PROFILE_DEFAULT;
        } else {
            /* [sso-session x], [services x], [profilefoo], [foo]: not profiles. */
            *section = NO_SECTION;
            return 0;
        }
    }
    if (add_section(f, name, flags, section) != 0)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory reading %s %s", kind_name(kind),
                       path);
    return 0;
}

int profile_file_parse(profile_file *f, const char *data, size_t len, enum profile_kind kind,
                       const char *path, err *e)
{
    int rc = -1;
    size_t first_section = f->n_sections;
    size_t first_entry = f->n;
    size_t section = NO_SECTION;
    bool in_section = false; /* a header was seen (even an ignored one) */
    bool have_key = false;   /* continuation lines attach to the last key */
    size_t key_indent = 0;
    size_t key_entry = SIZE_MAX;
    size_t line_no = 0;
    size_t pos = 0;

    if (len > PROFILE_MAX_FILE) {
        err_set(e, ERR_INVALID_ARGUMENT, "%s %s is larger than %zu bytes", kind_name(kind), path,
                PROFILE_MAX_FILE);
        goto out;
    }
    if (len && memchr(data, '\0', len)) {
        err_set(e, ERR_INVALID_ARGUMENT, "%s %s contains a NUL byte: not a text file",
                kind_name(kind), path);
        goto out;
    }
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        struct slice line = {data + pos, end - pos};
        pos = nl ? end + 1 : len;
        line_no++;

        size_t indent = 0;
        while (indent < line.n && (line.p[indent] == ' ' || line.p[indent] == '\t'))
            indent++;
        struct slice t = trim(line);
        if (t.n == 0 || is_comment_line(t))
            continue;
        if (have_key && indent > key_indent) {
            /* Continuation. Under an empty value it is a nested sub-section ("s3 =" then
             * indented settings): the key then has no plain value. */
            if (key_entry != SIZE_MAX && f->entries[key_entry].value[0] == '\0')
                f->entries[key_entry].flags |= ENT_SUBSECTION;
            continue;
        }
        if (t.p[0] == '[') {
            if (parse_header(f, t, kind, &section, path, line_no, e) != 0)
                goto out;
            in_section = true;
            have_key = false;
            key_entry = SIZE_MAX;
            continue;
        }
        size_t d = 0;
        while (d < t.n && t.p[d] != '=' && t.p[d] != ':')
            d++;
        if (d == t.n) {
            err_set(e, ERR_INVALID_ARGUMENT,
                    "%s %s, line %zu: expected '[section]' or 'key = value'", kind_name(kind), path,
                    line_no);
            goto out;
        }
        struct slice key = trim((struct slice){t.p, d});
        if (key.n == 0) {
            err_set(e, ERR_INVALID_ARGUMENT, "%s %s, line %zu: missing key before '%c'",
                    kind_name(kind), path, line_no, t.p[d]);
            goto out;
        }
        if (!in_section) {
            err_set(e, ERR_INVALID_ARGUMENT, "%s %s, line %zu: setting outside of any [section]",
                    kind_name(kind), path, line_no);
            goto out;
        }
        /* The value keeps its leading blanks until the inline-comment scan, so that
         * "key = # note" reads as an empty value. */
        struct slice value = strip_inline_comment((struct slice){t.p + d + 1, t.n - d - 1});
        have_key = true;
        key_indent = indent;
        key_entry = SIZE_MAX;
        if (section == NO_SECTION)
            continue;
        if (add_entry(f, section, key, value) != 0) {
            err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory reading %s %s", kind_name(kind),
                    path);
            goto out;
        }
        key_entry = f->n - 1;
    }
    /* [profile default] shadows [default] within one config file. */
    bool has_profile_default = false;
    for (size_t i = first_section; i < f->n_sections; i++)
        has_profile_default |= (f->sections[i].flags & SEC_PROFILE_DEFAULT) != 0;
    if (has_profile_default) {
        for (size_t i = first_section; i < f->n_sections; i++) {
            if (f->sections[i].flags & SEC_PLAIN_DEFAULT)
                f->sections[i].flags |= SEC_DEAD;
        }
    }
    rc = 0;
out:
    if (rc != 0)
        rollback(f, first_section, first_entry);
    return rc;
}

int profile_file_load(profile_file *f, const char *path, enum profile_kind kind, bool *found,
                      err *e)
{
    int rc = -1;
    FILE *fp = NULL;
    buf b;
    char chunk[16384], eb[STR_ERRNO_MAX];

    buf_init(&b, PROFILE_MAX_FILE);
    if (found)
        *found = false;
    fp = fopen(path, "rb");
    if (!fp) {
        if (errno == ENOENT || errno == ENOTDIR) {
            rc = 0; /* missing = empty, as in every SDK */
            goto out;
        }
        err_set(e, ERR_FAILED_PRECONDITION, "cannot open %s %s: %s", kind_name(kind), path,
                str_errno(errno, eb, sizeof(eb)));
        goto out;
    }
    for (;;) {
        size_t n = fread(chunk, 1, sizeof chunk, fp);
        if (n > 0 && buf_append(&b, chunk, n) != 0) {
            if (b.len + n > PROFILE_MAX_FILE)
                err_set(e, ERR_INVALID_ARGUMENT, "%s %s is larger than %zu bytes", kind_name(kind),
                        path, PROFILE_MAX_FILE);
            else
                err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory reading %s %s", kind_name(kind),
                        path);
            goto out;
        }
        if (n < sizeof chunk) {
            if (ferror(fp)) {
                /* e.g. EISDIR: fopen succeeds on a directory, reading does not. */
                err_set(e, ERR_FAILED_PRECONDITION, "cannot read %s %s: %s", kind_name(kind), path,
                        str_errno(errno, eb, sizeof(eb)));
                goto out;
            }
            break;
        }
    }
    if (found)
        *found = true;
    if (profile_file_parse(f, b.data ? b.data : "", b.len, kind, path, e) != 0)
        goto out;
    rc = 0;
out:
    OPENSSL_cleanse(chunk, sizeof chunk);
    if (b.data)
        OPENSSL_cleanse(b.data, b.size);
    buf_free(&b);
    if (fp)
        fclose(fp);
    return rc;
}

static const struct profile_entry *find_entry(const profile_file *f, const char *profile,
                                              const char *key)
{
    for (size_t i = f->n; i-- > 0;) {
        const struct profile_entry *ent = &f->entries[i];
        const struct profile_section *s = &f->sections[ent->section];
        if ((s->flags & SEC_DEAD) || strcmp(s->name, profile) != 0)
            continue;
        if (strcasecmp(ent->key, key) == 0)
            return ent;
    }
    return NULL;
}

const char *profile_file_get(const profile_file *f, const char *profile, const char *key)
{
    if (!f || !profile || !key)
        return NULL;
    const struct profile_entry *ent = find_entry(f, profile, key);
    if (!ent || (ent->flags & ENT_SUBSECTION))
        return NULL;
    return ent->value;
}

bool profile_file_has(const profile_file *f, const char *profile)
{
    if (!f || !profile)
        return false;
    for (size_t i = 0; i < f->n_sections; i++) {
        if (!(f->sections[i].flags & SEC_DEAD) && strcmp(f->sections[i].name, profile) == 0)
            return true;
    }
    return false;
}

void profile_file_free(profile_file *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        free_entry(&f->entries[i]);
    for (size_t i = 0; i < f->n_sections; i++)
        free(f->sections[i].name);
    free(f->entries);
    free(f->sections);
    memset(f, 0, sizeof(*f));
}

static const char *system_getenv(void *ctx, const char *name)
{
    (void)ctx;
    return getenv(name);
}

profile_env profile_env_system(void)
{
    profile_env env = {system_getenv, NULL};
    return env;
}

const char *profile_env_get(const profile_env *env, const char *name)
{
    if (!env || !env->get)
        return NULL;
    const char *v = env->get(env->ctx, name);
    return v && *v ? v : NULL;
}

int profile_expand_path(const char *path, const profile_env *env, char **out, err *e)
{
    int rc = -1;
    buf b;

    buf_init(&b, 64 * 1024);
    *out = NULL;
    int ok;
    const char *home = NULL;
    if (path[0] == '~' && (path[1] == '\0' || path[1] == '/')) {
        home = profile_env_get(env, "HOME");
        if (!home) {
            err_set(e, ERR_INVALID_ARGUMENT, "cannot expand '~' in %s: HOME is not set", path);
            goto out;
        }
    }
    if ((home ? strlen(home) + strlen(path + 1) : strlen(path)) >= b.cap) {
        err_set(e, ERR_INVALID_ARGUMENT, "path too long: %.200s", path);
        goto out;
    }
    if (home)
        ok = buf_append_str(&b, home) == 0 && buf_append_str(&b, path + 1) == 0;
    else
        ok = buf_append_str(&b, path) == 0;
    if (!ok || (*out = buf_take(&b, NULL)) == NULL) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory expanding %.200s", path);
        goto out;
    }
    rc = 0;
out:
    buf_free(&b);
    return rc;
}

/* Expands and loads one kind's files: the configured list, else the environment variable,
 * else the default under ~/.aws (skipped when HOME is unset: nothing to find there). */
static int load_kind(profile_set *ps, enum profile_kind kind, const char *const *list, size_t n,
                     const profile_env *env, err *e)
{
    int rc = -1;
    const char *envname =
        kind == PROFILE_CREDENTIALS ? "AWS_SHARED_CREDENTIALS_FILE" : "AWS_CONFIG_FILE";
    const char *deflt = kind == PROFILE_CREDENTIALS ? "~/.aws/credentials" : "~/.aws/config";
    const char *one[1];
    char **paths = kind == PROFILE_CREDENTIALS ? ps->cred_paths : ps->config_paths;
    bool *found = kind == PROFILE_CREDENTIALS ? ps->cred_found : ps->config_found;
    size_t *np = kind == PROFILE_CREDENTIALS ? &ps->n_cred_paths : &ps->n_config_paths;
    profile_file *f = kind == PROFILE_CREDENTIALS ? &ps->credentials : &ps->config;

    if (n == 0) {
        const char *v = profile_env_get(env, envname);
        if (v) {
            one[0] = v;
        } else if (profile_env_get(env, "HOME")) {
            one[0] = deflt;
        } else {
            rc = 0;
            goto out;
        }
        list = one;
        n = 1;
    }
    if (n > PROFILE_MAX_FILES) {
        err_set(e, ERR_INVALID_ARGUMENT, "too many %ss: %zu (at most %d)", kind_name(kind), n,
                PROFILE_MAX_FILES);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (!list[i] || !list[i][0]) {
            err_set(e, ERR_INVALID_ARGUMENT, "%s path %zu is empty", kind_name(kind), i + 1);
            goto out;
        }
        if (profile_expand_path(list[i], env, &paths[*np], e) != 0)
            goto out;
        (*np)++;
        if (profile_file_load(f, paths[*np - 1], kind, &found[*np - 1], e) != 0)
            goto out;
    }
    rc = 0;
out:
    return rc;
}

int profile_load(profile_set *ps, const profile_opts *opts, const profile_env *env, err *e)
{
    int rc = -1;
    static const profile_opts none;
    const char *name;

    memset(ps, 0, sizeof(*ps));
    if (!opts)
        opts = &none;
    if (load_kind(ps, PROFILE_CREDENTIALS, opts->credentials_files, opts->n_credentials_files, env,
                  e) != 0)
        goto out;
    if (load_kind(ps, PROFILE_CONFIG, opts->config_files, opts->n_config_files, env, e) != 0)
        goto out;
    if (opts->profile && opts->profile[0]) {
        name = opts->profile;
        ps->name_src = "provider config";
    } else if ((name = profile_env_get(env, "AWS_PROFILE")) != NULL) {
        ps->name_src = "AWS_PROFILE";
    } else {
        name = PROFILE_DEFAULT;
        ps->name_src = "default";
    }
    ps->name = str_dup(name);
    if (!ps->name) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory loading AWS profiles");
        goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        profile_set_free(ps);
    return rc;
}

const char *profile_get(const profile_set *ps, const char *profile, const char *key)
{
    if (!ps)
        return NULL;
    if (!profile)
        profile = ps->name;
    if (!profile)
        return NULL;
    /* One lookup per file kind: a sub-section or absence in the credentials file must not
     * hide the config file's plain value. */
    const char *v = profile_file_get(&ps->credentials, profile, key);
    return v ? v : profile_file_get(&ps->config, profile, key);
}

bool profile_exists(const profile_set *ps, const char *profile)
{
    if (!ps)
        return false;
    if (!profile)
        profile = ps->name;
    return profile_file_has(&ps->credentials, profile) || profile_file_has(&ps->config, profile);
}

static void append_paths(buf *b, char *const *paths, const bool *found, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_printf(b, "%s%s%s", b->len ? ", " : "", paths[i], found[i] ? "" : " (missing)");
}

int profile_check_selected(const profile_set *ps, err *e)
{
    int rc = -1;
    buf b;

    buf_init(&b, 1024);
    if (!ps->name || str_eq(ps->name_src, "default") || profile_exists(ps, NULL)) {
        rc = 0;
        goto out;
    }
    append_paths(&b, ps->cred_paths, ps->cred_found, ps->n_cred_paths);
    append_paths(&b, ps->config_paths, ps->config_found, ps->n_config_paths);
    err_set(e, ERR_FAILED_PRECONDITION,
            "AWS profile \"%s\" (from %s) could not be found; files read: %s", ps->name,
            ps->name_src, b.len ? b.data : "none (HOME is not set)");
out:
    buf_free(&b);
    return rc;
}

void profile_set_free(profile_set *ps)
{
    if (!ps)
        return;
    profile_file_free(&ps->credentials);
    profile_file_free(&ps->config);
    free(ps->name);
    for (size_t i = 0; i < ps->n_cred_paths; i++)
        free(ps->cred_paths[i]);
    for (size_t i = 0; i < ps->n_config_paths; i++)
        free(ps->config_paths[i]);
    memset(ps, 0, sizeof(*ps));
}
