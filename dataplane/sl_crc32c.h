/* sl_crc32c.h: CRC32C (Castagnoli), the envelope checksum.
 *
 * Our own small implementation because the decoder library must not
 * depend on DPDK (whose rte_hash_crc would do) and none of the Debian
 * libraries we already use (liblz4, libsodium) exports a CRC32C. Uses
 * the SSE4.2 crc32 instruction when the CPU has it, else slice-by-8
 * tables; both give the same values (RFC 3720 check values). */
#ifndef SL_CRC32C_H
#define SL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC32C of data[0..len) continuing crc, the value returned for the bytes
 * before (0 to start): sl_crc32c(sl_crc32c(0, a, n), b, m) is the CRC of
 * a followed by b. Thread-safe; picks the fastest implementation the CPU
 * supports on first use. */
uint32_t sl_crc32c(uint32_t crc, const void *data, size_t len);

/* The table implementation, whatever the CPU (for tests). */
uint32_t sl_crc32c_sw(uint32_t crc, const void *data, size_t len);

/* 1 when the SSE4.2 implementation can run on this CPU, else 0. */
int sl_crc32c_hw_available(void);

/* The SSE4.2 implementation (for tests); only call it when
 * sl_crc32c_hw_available() returned 1. */
uint32_t sl_crc32c_hw(uint32_t crc, const void *data, size_t len);

#endif
