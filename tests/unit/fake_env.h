/* A fake process environment for unit tests of code that takes a
 * profile_env: up to 16 NULL-terminated name/value pairs. */
#ifndef AWSML_TESTS_FAKE_ENV_H
#define AWSML_TESTS_FAKE_ENV_H

#include <string.h>

#include "aws/profile.h"

struct fake_env {
    const char *vars[16][2];
};

static const char *fake_get(void *ctx, const char *name)
{
    struct fake_env *fe = ctx;
    for (size_t i = 0; i < 16 && fe->vars[i][0]; i++) {
        if (strcmp(fe->vars[i][0], name) == 0)
            return fe->vars[i][1];
    }
    return NULL;
}

static inline profile_env env_of(struct fake_env *fe)
{
    profile_env env = {fake_get, fe};
    return env;
}

#endif
