/* Unit tests for vault: AES-GCM round trips, tamper detection, key-id
 * rotation, fingerprints, hints, tokens and password hashing. */
#include "unit.h"
#include "config.h"
#include "hex.h"
#include "vault.h"

static const char *const cfg_two_keys =
    "[vault]\ncurrent_key_id = 2\n"
    "key_1 = 0101010101010101010101010101010101010101010101010101010101010101\n"
    "key_2 = 0202020202020202020202020202020202020202020202020202020202020202\n";

static void
test_round_trip(void)
{
	unsigned char	 ct[256];
	char		 pt[256];
	size_t		 ctlen, ptlen;
	int		 kid;

	CHECK(vault_encrypt("sk-secret-123456", 16, "user:7", ct, sizeof(ct), &ctlen, &kid) == VAULT_OK);
	CHECK(kid == 2);
	CHECK(ctlen == 16 + VAULT_OVERHEAD);
	CHECK(memmem(ct, ctlen, "sk-secret", 9) == NULL);
	CHECK(vault_decrypt(kid, ct, ctlen, "user:7", pt, sizeof(pt), &ptlen) == VAULT_OK);
	CHECK(ptlen == 16);
	CHECK_STR(pt, "sk-secret-123456");
	/* wrong owner (aad), flipped bit, truncated, unknown key id */
	CHECK(vault_decrypt(kid, ct, ctlen, "user:8", pt, sizeof(pt), &ptlen) == VAULT_TAMPERED);
	ct[VAULT_NONCE + 3] ^= 1;
	CHECK(vault_decrypt(kid, ct, ctlen, "user:7", pt, sizeof(pt), &ptlen) == VAULT_TAMPERED);
	ct[VAULT_NONCE + 3] ^= 1;
	CHECK(vault_decrypt(kid, ct, 10, "user:7", pt, sizeof(pt), &ptlen) == VAULT_TAMPERED);
	CHECK(vault_decrypt(3, ct, ctlen, "user:7", pt, sizeof(pt), &ptlen) == VAULT_UNKNOWN_KEY);
	CHECK(vault_decrypt(kid, ct, ctlen, "user:7", pt, 4, &ptlen) == VAULT_TOO_BIG);
	/* same plaintext twice gives different ciphertexts (random nonce) */
	{
		unsigned char	 ct2[256];
		size_t		 n2;
		int		 k2;

		CHECK(vault_encrypt("sk-secret-123456", 16, "user:7", ct2, sizeof(ct2), &n2, &k2) == VAULT_OK);
		CHECK(memcmp(ct, ct2, ctlen) != 0);
	}
}

static void
test_rotation(void)
{
	struct config	 cfg;
	char		 err[128], pt[64];
	unsigned char	 ct[128];
	size_t		 ctlen, ptlen;
	int		 kid;

	/* Encrypt under key 1 as the current key, then rotate to 2: old blobs still open. */
	CHECK(config_parse(&cfg, "[vault]\ncurrent_key_id = 1\n"
	    "key_1 = 0101010101010101010101010101010101010101010101010101010101010101\n", err, sizeof(err)) == 0);
	vault_init(&cfg);
	config_free(&cfg);
	CHECK(vault_encrypt("old-key-abcdef", 14, "u", ct, sizeof(ct), &ctlen, &kid) == VAULT_OK);
	CHECK(kid == 1);
	CHECK(config_parse(&cfg, cfg_two_keys, err, sizeof(err)) == 0);
	vault_init(&cfg);
	config_free(&cfg);
	CHECK(vault_current_key_id() == 2);
	CHECK(vault_decrypt(1, ct, ctlen, "u", pt, sizeof(pt), &ptlen) == VAULT_OK);
	CHECK_STR(pt, "old-key-abcdef");
	CHECK(vault_encrypt(pt, ptlen, "u", ct, sizeof(ct), &ctlen, &kid) == VAULT_OK);
	CHECK(kid == 2);
}

static void
test_fingerprint_hint(void)
{
	unsigned char	 a[32], b[32], c[32];
	char		 hint[VAULT_HINT + 4];

	CHECK(vault_fingerprint("sk-abc-1234567890", a) == 0);
	CHECK(vault_fingerprint("sk-abc-1234567890", b) == 0);
	CHECK(vault_fingerprint("sk-abc-1234567891", c) == 0);
	CHECK(memcmp(a, b, 32) == 0);
	CHECK(memcmp(a, c, 32) != 0);
	vault_hint("sk-abc-1234567890a1b2", hint);
	CHECK_STR(hint, "\xe2\x80\xa6" "a1b2");
	vault_hint("short", hint);
	CHECK_STR(hint, "\xe2\x80\xa6");
}

static void
test_tokens(void)
{
	char	 a[65], b[65], u[64];
	size_t	 i;
	int	 ok = 1;

	CHECK(vault_token_hex(a, 32) == 0);
	CHECK(vault_token_hex(b, 32) == 0);
	CHECK(strlen(a) == 64);
	CHECK(strcmp(a, b) != 0);
	CHECK(vault_token_b64url(u, sizeof(u), 32) == 0);
	CHECK(strlen(u) == 43);
	for (i = 0; i < strlen(u); i++)
		ok &= (u[i] >= 'A' && u[i] <= 'Z') || (u[i] >= 'a' && u[i] <= 'z') ||
		    (u[i] >= '0' && u[i] <= '9') || u[i] == '-' || u[i] == '_';
	CHECK(ok);
	CHECK(vault_token_b64url(u, 10, 32) == -1);
}

static void
test_sha256(void)
{
	static const char abc[] =
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	unsigned char	 h[32];
	char		 hex[65];
	int		 i;

	for (i = 0; i < 3; i++) {	/* the fetched digest is reused */
		vault_sha256("abc", 3, h);
		hex_encode(h, sizeof(h), hex);
		CHECK_STR(hex, abc);
	}
}

static void
test_passwords(void)
{
	char	 h[160], h2[160];

	CHECK(vault_password_hash("correct horse", 1000, h, sizeof(h)) == 0);
	CHECK(strncmp(h, "pbkdf2-sha256$1000$", 19) == 0);
	CHECK(vault_password_verify("correct horse", h) == 1);
	CHECK(vault_password_verify("correct horsE", h) == 0);
	CHECK(vault_password_verify("", h) == 0);
	CHECK(vault_password_hash("correct horse", 1000, h2, sizeof(h2)) == 0);
	CHECK(strcmp(h, h2) != 0);	/* salted */
	CHECK(vault_password_verify("x", "md5$abc") == -1);
	CHECK(vault_password_verify("x", "pbkdf2-sha256$0$aa$bb") == -1);
	CHECK(vault_password_verify("x", "pbkdf2-sha256$1000$zz$bb") == -1);
	CHECK(vault_password_hash("x", 1000, h, 20) == -1);
}

int
main(void)
{
	struct config	 cfg;
	char		 err[128];

	CHECK(config_parse(&cfg, cfg_two_keys, err, sizeof(err)) == 0);
	CHECK(vault_init(&cfg) == 0);
	config_free(&cfg);
	test_round_trip();
	test_fingerprint_hint();
	test_tokens();
	test_passwords();
	test_rotation();
	test_sha256();
	vault_shutdown();
	test_sha256();		/* fetched again after a shutdown */
	vault_shutdown();
	return unit_done("test_vault");
}
