/* vault: everything secret. AES-256-GCM for provider keys under master keys
 * with ids (for rotation), HMAC fingerprints of keys, random tokens, SHA-256
 * digests, and PBKDF2-SHA256 password hashing. Master keys live only here, in
 * process memory, and are wiped by vault_shutdown. Knows nothing of HTTP or SQL. */
#ifndef SB_VAULT_H
#define SB_VAULT_H

#include <stddef.h>

#include "config.h"

#define VAULT_NONCE	12
#define VAULT_TAG	16
#define VAULT_OVERHEAD	(VAULT_NONCE + VAULT_TAG)
#define VAULT_HINT	8	/* "…" + last 4 chars */

enum vault_status {
	VAULT_OK = 0,
	VAULT_UNKNOWN_KEY,	/* ciphertext names a key id we do not have */
	VAULT_TAMPERED,		/* authentication failed */
	VAULT_TOO_BIG,
	VAULT_ERROR,
	VAULT_STATUS__MAX
};

extern const char *const vault_status_names[VAULT_STATUS__MAX];

/* Take the master keys from cfg (copied). Returns 0, or -1 if none. */
int	vault_init(const struct config *cfg);
void	vault_shutdown(void);
int	vault_current_key_id(void);
int	vault_has_key(int key_id);

/* Encrypt pt under the current key; out gets nonce|ciphertext|tag
 * (ptlen + VAULT_OVERHEAD bytes, outsz must allow it). aad binds the blob to
 * its owner (e.g. the user id) so it cannot be moved to another row. */
int	vault_encrypt(const void *pt, size_t ptlen, const char *aad,
	    unsigned char *out, size_t outsz, size_t *outlen, int *key_id);
/* Decrypt under key_id; out gets ptlen bytes plus a NUL (outsz >= ptlen+1). */
int	vault_decrypt(int key_id, const unsigned char *in, size_t inlen,
	    const char *aad, char *out, size_t outsz, size_t *outlen);

/* HMAC-SHA256 of a provider key under a key derived from the current master
 * key: detects a duplicate without decrypting anything. */
int	vault_fingerprint(const char *secret, unsigned char out[32]);
/* "…a1b2" from the last four characters (or "…" alone if too short). */
void	vault_hint(const char *secret, char out[VAULT_HINT + 4]);

/* n random bytes; 0 or -1. */
int	vault_random(void *out, size_t n);
/* Random token of nbytes as lowercase hex (out needs 2*nbytes+1). */
int	vault_token_hex(char *out, size_t nbytes);
/* Random token of nbytes as base64url without padding (out >= 4*nbytes/3+2). */
int	vault_token_b64url(char *out, size_t outsz, size_t nbytes);
void	vault_sha256(const void *in, size_t n, unsigned char out[32]);

/* "pbkdf2-sha256$iter$salt_hex$hash_hex" into out (>= 128 bytes). */
int	vault_password_hash(const char *password, int iterations, char *out, size_t outsz);
/* 1 when password matches stored, 0 when not, -1 on a malformed hash. */
int	vault_password_verify(const char *password, const char *stored);

#endif
