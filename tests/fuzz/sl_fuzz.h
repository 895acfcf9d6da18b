/* sl_fuzz.h: the libFuzzer entry points and the check every target uses.
 *
 * A failed check prints what broke and aborts, so libFuzzer records the
 * input as a crash whatever the build's NDEBUG setting is. */
#ifndef SL_FUZZ_H
#define SL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Called by libFuzzer once per input; returns 0 (libFuzzer reserves
 * other values). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Called by libFuzzer once before the first input, with its own argv. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define SL_FUZZ_CHECK(cond)                                                  \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: check failed: %s\n",         \
				__FILE__, __LINE__, #cond);                  \
			abort();                                             \
		}                                                            \
	} while (0)

#endif
