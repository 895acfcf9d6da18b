/* sl_test_copy.h: the exact heap copy the parser tests feed: nothing
 * after the last byte, so ASan reports any read past the length.
 * Include after <cmocka.h>. */
#ifndef SL_TEST_COPY_H
#define SL_TEST_COPY_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Returns a malloc'd copy of data[0..len) (a valid pointer for len 0,
 * which malloc(0) may not give); fails the test when memory is short.
 * The caller frees it. */
static inline uint8_t *
sl_test_copy(const void *data, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	if (len)
		memcpy(p, data, len);
	return p;
}

#endif
