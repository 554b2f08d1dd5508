/* vault: AES-256-GCM, fingerprints, tokens and password hashes (see vault.h).
 * Uses OpenSSL 3 EVP only. Secrets are wiped with OPENSSL_cleanse after use;
 * no function here logs anything about its inputs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "hex.h"
#include "vault.h"

#define VAULT_SALT	16
#define VAULT_DK	32

const char *const vault_status_names[VAULT_STATUS__MAX] = {
	"ok", "unknown key id", "authentication failed", "too big", "error"
};

static struct config_master_key	vault_keys[CONFIG_MAX_KEYS];
static EVP_MD			*vault_md_sha256;	/* fetched once: SHA256() fetches per call */
static int			vault_nkeys;
static int			vault_current = -1;

int
vault_init(const struct config *cfg)
{
	vault_shutdown();
	if (cfg->nkeys == 0)
		return -1;
	memcpy(vault_keys, cfg->keys, sizeof(vault_keys));
	vault_nkeys = cfg->nkeys;
	vault_current = cfg->current_key_id;
	return 0;
}

void
vault_shutdown(void)
{
	EVP_MD_free(vault_md_sha256);
	vault_md_sha256 = NULL;
	OPENSSL_cleanse(vault_keys, sizeof(vault_keys));
	vault_nkeys = 0;
	vault_current = -1;
}

int
vault_current_key_id(void)
{
	return vault_current;
}

static const unsigned char *
vault_key(int key_id)
{
	int	 i;

	for (i = 0; i < vault_nkeys; i++)
		if (vault_keys[i].id == key_id)
			return vault_keys[i].key;
	return NULL;
}

int
vault_has_key(int key_id)
{
	return vault_key(key_id) != NULL;
}

int
vault_encrypt(const void *pt, size_t ptlen, const char *aad,
    unsigned char *out, size_t outsz, size_t *outlen, int *key_id)
{
	const unsigned char	*key = vault_key(vault_current);
	EVP_CIPHER_CTX		*ctx;
	int			 n, rc = VAULT_ERROR;

	if (key == NULL)
		return VAULT_UNKNOWN_KEY;
	if (ptlen > (size_t)INT32_MAX || outsz < ptlen + VAULT_OVERHEAD)
		return VAULT_TOO_BIG;
	if (RAND_bytes(out, VAULT_NONCE) != 1 || (ctx = EVP_CIPHER_CTX_new()) == NULL)
		return VAULT_ERROR;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, out) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)aad, (int)strlen(aad)) != 1 ||
	    EVP_EncryptUpdate(ctx, out + VAULT_NONCE, &n, pt, (int)ptlen) != 1 ||
	    EVP_EncryptFinal_ex(ctx, out + VAULT_NONCE + n, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, VAULT_TAG,
	    out + VAULT_NONCE + ptlen) != 1)
		goto out;
	*outlen = ptlen + VAULT_OVERHEAD;
	*key_id = vault_current;
	rc = VAULT_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
vault_decrypt(int key_id, const unsigned char *in, size_t inlen,
    const char *aad, char *out, size_t outsz, size_t *outlen)
{
	const unsigned char	*key = vault_key(key_id);
	EVP_CIPHER_CTX		*ctx;
	size_t			 ctlen;
	int			 n, rc = VAULT_ERROR;

	if (key == NULL)
		return VAULT_UNKNOWN_KEY;
	if (inlen < VAULT_OVERHEAD)
		return VAULT_TAMPERED;
	ctlen = inlen - VAULT_OVERHEAD;
	if (ctlen > (size_t)INT32_MAX || outsz < ctlen + 1)
		return VAULT_TOO_BIG;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return VAULT_ERROR;
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, in) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)aad, (int)strlen(aad)) != 1 ||
	    EVP_DecryptUpdate(ctx, (unsigned char *)out, &n, in + VAULT_NONCE, (int)ctlen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, VAULT_TAG,
	    (void *)(in + VAULT_NONCE + ctlen)) != 1)
		goto out;
	if (EVP_DecryptFinal_ex(ctx, (unsigned char *)out + n, &n) != 1) {
		OPENSSL_cleanse(out, outsz);
		rc = VAULT_TAMPERED;
		goto out;
	}
	out[ctlen] = '\0';
	*outlen = ctlen;
	rc = VAULT_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
vault_fingerprint(const char *secret, unsigned char out[32])
{
	static const char	 label[] = "switchboard key fingerprint v1";
	const unsigned char	*key = vault_key(vault_current);
	unsigned char		 fpkey[32];
	unsigned int		 n = 32;

	if (key == NULL)
		return -1;
	if (HMAC(EVP_sha256(), key, 32, (const unsigned char *)label, sizeof(label) - 1,
	    fpkey, &n) == NULL)
		return -1;
	n = 32;
	if (HMAC(EVP_sha256(), fpkey, 32, (const unsigned char *)secret, strlen(secret),
	    out, &n) == NULL) {
		OPENSSL_cleanse(fpkey, sizeof(fpkey));
		return -1;
	}
	OPENSSL_cleanse(fpkey, sizeof(fpkey));
	return 0;
}

void
vault_hint(const char *secret, char out[VAULT_HINT + 4])
{
	size_t	 n = strlen(secret);

	/* "…" is three bytes in UTF-8. */
	if (n < 12)
		snprintf(out, VAULT_HINT + 4, "\xe2\x80\xa6");
	else
		snprintf(out, VAULT_HINT + 4, "\xe2\x80\xa6%s", secret + n - 4);
}

int
vault_random(void *out, size_t n)
{
	return RAND_bytes(out, (int)n) == 1 ? 0 : -1;
}

int
vault_token_hex(char *out, size_t nbytes)
{
	unsigned char	 raw[64];

	if (nbytes > sizeof(raw) || vault_random(raw, nbytes) == -1)
		return -1;
	hex_encode(raw, nbytes, out);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

int
vault_token_b64url(char *out, size_t outsz, size_t nbytes)
{
	static const char	 tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char		 raw[66] = { 0 };
	size_t			 i, o = 0;
	unsigned		 v;

	if (nbytes > 64 || outsz < (nbytes * 4 + 2) / 3 + 1 || vault_random(raw, nbytes) == -1)
		return -1;
	for (i = 0; i < nbytes; i += 3) {
		v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		if (i + 1 < nbytes)
			out[o++] = tab[v >> 6 & 63];
		if (i + 2 < nbytes)
			out[o++] = tab[v & 63];
	}
	out[o] = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

void
vault_sha256(const void *in, size_t n, unsigned char out[32])
{
	if (vault_md_sha256 == NULL)
		vault_md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (vault_md_sha256 == NULL ||
	    EVP_Digest(in, n, out, NULL, vault_md_sha256, NULL) != 1)
		SHA256(in, n, out);
}

static int
vault_pbkdf2(const char *password, const unsigned char *salt, int iter, unsigned char dk[VAULT_DK])
{
	return PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, VAULT_SALT,
	    iter, EVP_sha256(), VAULT_DK, dk) == 1 ? 0 : -1;
}

int
vault_password_hash(const char *password, int iterations, char *out, size_t outsz)
{
	unsigned char	 salt[VAULT_SALT], dk[VAULT_DK];
	char		 salthex[2 * VAULT_SALT + 1], dkhex[2 * VAULT_DK + 1];
	int		 n;

	if (vault_random(salt, sizeof(salt)) == -1 ||
	    vault_pbkdf2(password, salt, iterations, dk) == -1)
		return -1;
	hex_encode(salt, sizeof(salt), salthex);
	hex_encode(dk, sizeof(dk), dkhex);
	OPENSSL_cleanse(dk, sizeof(dk));
	n = snprintf(out, outsz, "pbkdf2-sha256$%d$%s$%s", iterations, salthex, dkhex);
	return n > 0 && (size_t)n < outsz ? 0 : -1;
}

int
vault_password_verify(const char *password, const char *stored)
{
	unsigned char	 salt[VAULT_SALT], want[VAULT_DK], got[VAULT_DK];
	char		 salthex[2 * VAULT_SALT + 1], dkhex[2 * VAULT_DK + 1];
	char		*end;
	long		 iter;
	int		 ok;

	if (strncmp(stored, "pbkdf2-sha256$", 14) != 0)
		return -1;
	errno = 0;
	iter = strtol(stored + 14, &end, 10);
	if (errno || *end != '$' || iter < 1 || iter > 10000000)
		return -1;
	if (sscanf(end + 1, "%32[0-9a-f]$%64[0-9a-f]", salthex, dkhex) != 2 ||
	    strlen(salthex) != 2 * sizeof(salt) || strlen(dkhex) != 2 * sizeof(want) ||
	    hex_decode(salthex, strlen(salthex), salt) == -1 || hex_decode(dkhex, strlen(dkhex), want) == -1)
		return -1;
	if (vault_pbkdf2(password, salt, (int)iter, got) == -1)
		return -1;
	ok = CRYPTO_memcmp(got, want, VAULT_DK) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return ok;
}
