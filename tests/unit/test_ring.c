/* test_ring.c: the receive-to-worker hand-off: every message reaches the
 * worker of its source, in order, and every mbuf is accounted for. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "sl_mempool.h"
#include "sl_meta.h"
#include "sl_ring.h"
#include "sl_stats.h"
#include "sl_test_eal.h"

#define POOL_SIZE 8191

static struct rte_mempool *pool;

static int
group_setup(void **state)
{
	(void)state;
	if (sl_test_eal_init("test_ring", "0-1") < 0)
		return -1;
	pool = sl_mempool_create("test_ring", POOL_SIZE, 0,
				 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

/* A message from source index src with sequence number seq in its
 * payload. */
static struct rte_mbuf *
message(unsigned src, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct sl_meta *meta;
	uint32_t *payload;

	assert_non_null(m);
	payload = (uint32_t *)rte_pktmbuf_append(m, 2 * sizeof(uint32_t));
	payload[0] = src;
	payload[1] = seq;
	meta = sl_meta(m);
	memset(meta, 0, sizeof(*meta));
	sl_addr_set_v4(&meta->src, rte_cpu_to_be_32(0xc6120000u + src), 514);
	meta->src_hash = sl_addr_hash(&meta->src);
	return m;
}

static uint32_t
payload_word(struct rte_mbuf *m, unsigned i)
{
	return rte_pktmbuf_mtod(m, uint32_t *)[i];
}

static void
test_dispatch_by_source_in_order(void **state)
{
	struct sl_ring_set rs;
	static struct sl_dispatcher d;
	struct sl_lcore_stats st = { 0 };
	struct rte_mbuf *burst[64], *out[256];
	uint32_t next_seq[16] = { 0 }, seq[16] = { 0 };
	unsigned round, i, w, n;

	(void)state;
	assert_int_equal(sl_ring_set_create(&rs, "t_order", 2, 3, 1024, SOCKET_ID_ANY), 0);
	sl_dispatcher_init(&d, &rs, 1, 0, &st);
	for (round = 0; round < 8; round++) {
		for (i = 0; i < RTE_DIM(burst); i++) {
			unsigned src = (i * 7 + round) % 16;

			burst[i] = message(src, seq[src]++);
		}
		assert_int_equal(sl_dispatch(&d, burst, RTE_DIM(burst)), 0);
	}
	assert_int_equal(st.ring_enqueued, 8 * RTE_DIM(burst));
	assert_int_equal(st.drops[SL_DROP_RING_FULL], 0);
	for (w = 0; w < 3; w++) {
		assert_int_equal(rte_ring_count(rs.rings[0][w]), 0);
		while ((n = rte_ring_dequeue_burst(rs.rings[1][w], (void **)out,
						   RTE_DIM(out), NULL)) > 0) {
			for (i = 0; i < n; i++) {
				unsigned src = payload_word(out[i], 0);

				assert_int_equal(sl_ring_worker_of(&rs,
					sl_meta(out[i])->src_hash), w);
				assert_int_equal(payload_word(out[i], 1),
						 next_seq[src]);
				next_seq[src]++;
			}
			rte_pktmbuf_free_bulk(out, n);
		}
	}
	for (i = 0; i < 16; i++)
		assert_int_equal(next_seq[i], seq[i]);
	assert_int_equal(sl_ring_set_free(&rs), 0);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_SIZE);
}

/* A local dispatcher puts every message, whatever its source, on its own
 * worker's ring, in arrival order; the other rings stay empty. */
static void
test_dispatch_local(void **state)
{
	struct sl_ring_set rs;
	static struct sl_dispatcher d;
	struct sl_lcore_stats st = { 0 };
	struct rte_mbuf *burst[64], *out[256];
	unsigned i, w, n, next = 0;

	(void)state;
	assert_int_equal(sl_ring_set_create(&rs, "t_local", 3, 3, 1024, SOCKET_ID_ANY), 0);
	sl_dispatcher_init(&d, &rs, 2, 0, &st);
	sl_dispatcher_set_local(&d, 2);
	for (i = 0; i < RTE_DIM(burst); i++)
		burst[i] = message(i % 16, i);
	assert_int_equal(sl_dispatch(&d, burst, RTE_DIM(burst)), 0);
	assert_int_equal(st.ring_enqueued, RTE_DIM(burst));
	for (w = 0; w < 2; w++)
		assert_int_equal(rte_ring_count(rs.rings[2][w]), 0);
	n = rte_ring_dequeue_burst(rs.rings[2][2], (void **)out, RTE_DIM(out),
				   NULL);
	assert_int_equal(n, RTE_DIM(burst));
	for (i = 0; i < n; i++)
		assert_int_equal(payload_word(out[i], 1), next++);
	rte_pktmbuf_free_bulk(out, n);
	assert_int_equal(sl_ring_set_free(&rs), 0);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_SIZE);
}

static void
test_ring_full_drop_counts_and_frees(void **state)
{
	struct sl_ring_set rs;
	static struct sl_dispatcher d;
	struct sl_lcore_stats st = { 0 };
	struct rte_mbuf *burst[100];
	unsigned i;

	(void)state;
	/* A ring of 64 holds 63. */
	assert_int_equal(sl_ring_set_create(&rs, "t_drop", 1, 1, 64, SOCKET_ID_ANY), 0);
	sl_dispatcher_init(&d, &rs, 0, 0, &st);
	for (i = 0; i < RTE_DIM(burst); i++)
		burst[i] = message(3, i);
	assert_int_equal(sl_dispatch(&d, burst, RTE_DIM(burst)), 0);
	assert_int_equal(st.ring_enqueued, 63);
	assert_int_equal(st.drops[SL_DROP_RING_FULL], 37);
	assert_int_equal(sl_ring_set_free(&rs), 63);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_SIZE);
}

static void
test_ring_full_wait_holds_then_flushes(void **state)
{
	struct sl_ring_set rs;
	static struct sl_dispatcher d;
	struct sl_lcore_stats st = { 0 };
	struct rte_mbuf *burst[100], *out[64];
	unsigned i, n, expect = 0;

	(void)state;
	assert_int_equal(sl_ring_set_create(&rs, "t_wait", 1, 1, 64, SOCKET_ID_ANY), 0);
	sl_dispatcher_init(&d, &rs, 0, 1, &st);
	for (i = 0; i < RTE_DIM(burst); i++)
		burst[i] = message(5, i);
	assert_int_equal(sl_dispatch(&d, burst, RTE_DIM(burst)), 37);
	assert_int_equal(sl_dispatch_pending(&d), 37);
	assert_int_equal(sl_dispatch_flush(&d), 37);
	n = rte_ring_dequeue_burst(rs.rings[0][0], (void **)out, 40, NULL);
	assert_int_equal(n, 40);
	for (i = 0; i < n; i++)
		assert_int_equal(payload_word(out[i], 1), expect++);
	rte_pktmbuf_free_bulk(out, n);
	assert_int_equal(sl_dispatch_flush(&d), 0);
	while ((n = rte_ring_dequeue_burst(rs.rings[0][0], (void **)out,
					   RTE_DIM(out), NULL)) > 0) {
		for (i = 0; i < n; i++)
			assert_int_equal(payload_word(out[i], 1), expect++);
		rte_pktmbuf_free_bulk(out, n);
	}
	assert_int_equal(expect, 100);
	assert_int_equal(st.drops[SL_DROP_RING_FULL], 0);

	/* What is held at shutdown is freed and counted. */
	for (i = 0; i < RTE_DIM(burst); i++)
		burst[i] = message(5, i);
	assert_int_equal(sl_dispatch(&d, burst, RTE_DIM(burst)), 37);
	assert_int_equal(sl_dispatch_discard(&d, SL_DROP_SHUTDOWN), 37);
	assert_int_equal(st.drops[SL_DROP_SHUTDOWN], 37);
	assert_int_equal(sl_ring_set_free(&rs), 63);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_SIZE);
}

/* Cross-lcore hand-off: a producer on the main lcore and a consumer on
 * lcore 1 move many messages through a small ring with the wait policy;
 * nothing is lost, nothing reordered. */
#define XFER_COUNT 200000u

static struct sl_ring_set xfer_rings;
static uint32_t xfer_received, xfer_order_errors;

static int
consumer(void *arg)
{
	struct rte_mbuf *out[32];
	uint32_t expect[4] = { 0 };
	unsigned i, n;

	(void)arg;
	while (xfer_received < XFER_COUNT) {
		n = rte_ring_sc_dequeue_burst(xfer_rings.rings[0][0],
					      (void **)out, RTE_DIM(out), NULL);
		for (i = 0; i < n; i++) {
			unsigned src = payload_word(out[i], 0);

			if (payload_word(out[i], 1) != expect[src])
				xfer_order_errors++;
			expect[src] = payload_word(out[i], 1) + 1;
		}
		rte_pktmbuf_free_bulk(out, n);
		xfer_received += n;
	}
	return 0;
}

static void
test_cross_lcore_transfer(void **state)
{
	static struct sl_dispatcher d;
	struct sl_lcore_stats st = { 0 };
	struct rte_mbuf *burst[32];
	uint32_t seq[4] = { 0 }, sent = 0;
	unsigned lcore = rte_get_next_lcore(-1, 1, 0), i;

	(void)state;
	assert_true(lcore < RTE_MAX_LCORE);
	assert_int_equal(sl_ring_set_create(&xfer_rings, "t_xfer", 1, 1, 256,
					    SOCKET_ID_ANY), 0);
	sl_dispatcher_init(&d, &xfer_rings, 0, 1, &st);
	assert_int_equal(rte_eal_remote_launch(consumer, NULL, lcore), 0);
	while (sent < XFER_COUNT) {
		if (sl_dispatch_pending(&d) > 0) {
			sl_dispatch_flush(&d);
			continue;
		}
		for (i = 0; i < RTE_DIM(burst); i++) {
			unsigned src = i % 4;

			burst[i] = message(src, seq[src]++);
		}
		sl_dispatch(&d, burst, RTE_DIM(burst));
		sent += RTE_DIM(burst);
	}
	while (sl_dispatch_flush(&d) > 0)
		;
	assert_int_equal(rte_eal_wait_lcore(lcore), 0);
	assert_int_equal(xfer_received, XFER_COUNT);
	assert_int_equal(xfer_order_errors, 0);
	assert_int_equal(st.drops[SL_DROP_RING_FULL], 0);
	assert_int_equal(sl_ring_set_free(&xfer_rings), 0);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_SIZE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dispatch_by_source_in_order),
		cmocka_unit_test(test_dispatch_local),
		cmocka_unit_test(test_ring_full_drop_counts_and_frees),
		cmocka_unit_test(test_ring_full_wait_holds_then_flushes),
		cmocka_unit_test(test_cross_lcore_transfer),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
