/* sha: SHA-256 and HMAC-SHA256 through the one-shot OpenSSL 3 calls.
 *
 * EVP_Digest and HMAC() are the non-deprecated one-shot entry points in OpenSSL 3; the
 * SHA256_* and HMAC_CTX_* families warn, and -Werror would turn that into a build break. */
#include "aws/sha.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

int sha_256(const void *data, size_t len, unsigned char out[SHA_256_LEN])
{
    static const unsigned char empty = 0;
    unsigned int outlen = 0;

    /* EVP_Digest wants a valid pointer even for an empty message. */
    if (data == NULL)
        data = &empty;
    if (EVP_Digest(data, len, out, &outlen, EVP_sha256(), NULL) != 1 || outlen != SHA_256_LEN)
        return -1;
    return 0;
}

int sha_hmac_256(const void *key, size_t keylen, const void *data, size_t len,
                 unsigned char out[SHA_256_LEN])
{
    static const unsigned char empty = 0;
    unsigned int outlen = 0;

    /* HMAC() takes the key length as an int; a longer key is a caller bug, not data. */
    if (keylen > (size_t)INT_MAX)
        return -1;
    if (data == NULL)
        data = &empty;
    if (key == NULL)
        key = &empty;
    if (HMAC(EVP_sha256(), key, (int)keylen, data, len, out, &outlen) == NULL ||
        outlen != SHA_256_LEN)
        return -1;
    return 0;
}

void sha_hex(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

int sha_256_hex(const void *data, size_t len, char out[SHA_256_HEX_LEN + 1])
{
    unsigned char md[SHA_256_LEN];

    if (sha_256(data, len, md) != 0)
        return -1;
    sha_hex(md, sizeof md, out);
    return 0;
}
