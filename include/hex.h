/* hex: lowercase hex encoding and strict decoding of bytes. Knows nothing of
 * keys or requests; the vault, the config and the percent-decoder use it. */
#ifndef SB_HEX_H
#define SB_HEX_H

#include <stddef.h>

/* n bytes → 2n lowercase hex digits and a NUL (out needs 2n+1). */
void	hex_encode(const unsigned char *in, size_t n, char *out);
/* slen hex digits (even, either case) → slen/2 bytes; 0, or -1 if any is not hex. */
int	hex_decode(const char *s, size_t slen, unsigned char *out);

#endif
