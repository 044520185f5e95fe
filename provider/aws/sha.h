/* sha: SHA-256, HMAC-SHA256 and lowercase hex, thin wrappers over OpenSSL 3.
 *
 * Kept apart from sigv4 so other AWS client code (payload checksums, cache keys) hashes the
 * same way without pulling in the signer. Every function is reentrant. */
#ifndef AWSML_AWS_SHA_H
#define AWSML_AWS_SHA_H

#include <stddef.h>

#define SHA_256_LEN 32                    /* bytes in a SHA-256 digest */
#define SHA_256_HEX_LEN (2 * SHA_256_LEN) /* characters in its hex form, without the NUL */

/* SHA-256 of data[0..len). data may be NULL when len is 0. Returns 0, or -1 if OpenSSL fails. */
int sha_256(const void *data, size_t len, unsigned char out[SHA_256_LEN]);

/* HMAC-SHA256 of data[0..len) under key[0..keylen). Returns 0 or -1. */
int sha_hmac_256(const void *key, size_t keylen, const void *data, size_t len,
                 unsigned char out[SHA_256_LEN]);

/* Lowercase hex of in[0..len) into out, which must hold 2 * len + 1 bytes (NUL-terminated). */
void sha_hex(const unsigned char *in, size_t len, char *out);

/* Lowercase hex SHA-256 of data[0..len) into out (NUL-terminated). Returns 0 or -1. */
int sha_256_hex(const void *data, size_t len, char out[SHA_256_HEX_LEN + 1]);

#endif
