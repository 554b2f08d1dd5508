/* fuzz.h: what every libFuzzer target here shares. Each target feeds bytes
 * to one parser; a crash, a sanitizer report or a leak is the failure. */
#ifndef SB_FUZZ_H
#define SB_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
