/* fuzz_envelope.h: what the envelope fuzz target and its seed generator
 * share: the one key of the target's keyring. */
#ifndef FUZZ_ENVELOPE_H
#define FUZZ_ENVELOPE_H

#include <stdint.h>

/* Key id 1 of the fuzz target's keyring; its seeds are encrypted with it
 * (a fixed test key, not a secret). */
#define FUZZ_ENVELOPE_KEY_ID 1
#define FUZZ_ENVELOPE_KEY_B64 "c2x1aWNlLWZ1enota2V5LTAxMjM0NTY3ODlhYmNkZWY="

#endif
