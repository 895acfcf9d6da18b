/* sl_crc32c.c: CRC32C, SSE4.2 instruction or slice-by-8 tables. */
#include <pthread.h>
#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#define SL_CRC32C_X86 1
#endif

#include "sl_crc32c.h"

/* Reflected Castagnoli polynomial. */
#define CRC32C_POLY 0x82F63B78u

/* Slice-by-8 tables: tab[0] is the classic byte table, tab[k][b] the CRC
 * of byte b followed by k zero bytes, so eight bytes fold in one step.
 * Filled once by crc32c_init(), read-only afterwards. */
static uint32_t crc_tab[8][256];
static int crc_use_hw;
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void
crc32c_init(void)
{
	uint32_t c;
	unsigned i, k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1)));
		crc_tab[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			crc_tab[k][i] = (crc_tab[k - 1][i] >> 8) ^
					crc_tab[0][crc_tab[k - 1][i] & 0xff];
#ifdef SL_CRC32C_X86
	__builtin_cpu_init();
	crc_use_hw = __builtin_cpu_supports("sse4.2") ? 1 : 0;
#endif
}

/* Raw CRC update (no pre/post inversion) with the tables. Words are
 * assembled byte by byte, so the result does not depend on the host's
 * byte order. */
static uint32_t
crc_sw_update(uint32_t c, const uint8_t *p, size_t len)
{
	uint32_t lo, hi;

	while (len >= 8) {
		lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
			  (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
		     (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
		c = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^
		    crc_tab[5][(lo >> 16) & 0xff] ^ crc_tab[4][lo >> 24] ^
		    crc_tab[3][hi & 0xff] ^ crc_tab[2][(hi >> 8) & 0xff] ^
		    crc_tab[1][(hi >> 16) & 0xff] ^ crc_tab[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		c = (c >> 8) ^ crc_tab[0][(c ^ *p++) & 0xff];
	return c;
}

#ifdef SL_CRC32C_X86
__attribute__((target("sse4.2"))) static uint32_t
crc_hw_update(uint32_t c, const uint8_t *p, size_t len)
{
	uint64_t c64;
	uint64_t w;

	while (len > 0 && ((uintptr_t)p & 7) != 0) {
		c = _mm_crc32_u8(c, *p++);
		len--;
	}
	c64 = c;
	while (len >= 8) {
		memcpy(&w, p, 8);
		c64 = _mm_crc32_u64(c64, w);
		p += 8;
		len -= 8;
	}
	c = (uint32_t)c64;
	while (len-- > 0)
		c = _mm_crc32_u8(c, *p++);
	return c;
}
#endif

uint32_t
sl_crc32c_sw(uint32_t crc, const void *data, size_t len)
{
	pthread_once(&crc_once, crc32c_init);
	return ~crc_sw_update(~crc, data, len);
}

int
sl_crc32c_hw_available(void)
{
	pthread_once(&crc_once, crc32c_init);
	return crc_use_hw;
}

uint32_t
sl_crc32c_hw(uint32_t crc, const void *data, size_t len)
{
#ifdef SL_CRC32C_X86
	return ~crc_hw_update(~crc, data, len);
#else
	return sl_crc32c_sw(crc, data, len);
#endif
}

uint32_t
sl_crc32c(uint32_t crc, const void *data, size_t len)
{
	pthread_once(&crc_once, crc32c_init);
#ifdef SL_CRC32C_X86
	if (crc_use_hw)
		return ~crc_hw_update(~crc, data, len);
#endif
	return ~crc_sw_update(~crc, data, len);
}
