// SPDX-License-Identifier: GPL-2.0
/*
 * The "dmaengine" migration copy provider on dmaengine drivers that
 * break the API's promises (the test_migrate_dma module, one mode per
 * variant): it must refuse the channels it cannot stop or whose results
 * it cannot trust, and on the others lose no byte. On channels whose
 * transfers cannot be stopped, the folios concerned stay where they were,
 * their data intact before and after the late writes, and the batch is
 * freed once the late transfers reported (KASAN watches the rest). A
 * caller in MIGRATE_ASYNC waits for a stalled engine no longer than
 * async_timeout_ms.
 *
 * Needs root, two NUMA nodes with memory, THP, and the migrate_dma and
 * test_migrate_dma modules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mo_knobs.h"
#include "numa_move.h"

#define DMAE(f)		PROV("dmaengine", f)
#define POLICY		MIG "policy/syscall_or_cpuset"
#define DRIVER		"test_migrate_dma"
#define BUF_SIZE	(8UL << 20)
#define THP_ORDER	9
#define HINT_MOVE	"/sys/kernel/debug/migrate_offload/move"

/* The bit of test_migrate_dma the provider is told to use. */
struct engine {
	bool loaded_provider;
	struct knobs knobs;
	char in_use[1024];
	char refused[1024];
};

static int engine_load(const char *mode, unsigned int every,
		       unsigned int late_ms)
{
	char cmd[160];

	if (system("rmmod " DRIVER " 2>/dev/null; "
		   "find /lib/modules -name '" DRIVER ".ko*' | grep -q ."))
		return -1;
	snprintf(cmd, sizeof(cmd), "modprobe " DRIVER " mode=%s every=%u late_ms=%u",
		 mode, every, late_ms);
	return system(cmd) ? -2 : 0;
}

/* Point the provider at the test engine only, enabled, for every folio. */
static int engine_use(struct engine *e, unsigned int timeout_ms)
{
	char t[16];

	snprintf(t, sizeof(t), "%u", timeout_ms);
	if (knobs_set(&e->knobs, DMAE("min_folio_size"), "4096") ||
	    knobs_set(&e->knobs, DMAE("min_batch_bytes"), "0") ||
	    knobs_set(&e->knobs, DMAE("timeout_ms"), t) ||
	    knobs_set(&e->knobs, DMAE("channels"), "2") ||
	    knobs_set(&e->knobs, DMAE("enabled"), "1") ||
	    knobs_set(&e->knobs, DMAE("devices"), DRIVER) ||
	    knobs_set(&e->knobs, POLICY, "dmaengine"))
		return -1;
	policies_isolate(&e->knobs, "syscall_or_cpuset");
	knob_read(DMAE("in_use"), e->in_use, sizeof(e->in_use));
	knob_read(DMAE("refused"), e->refused, sizeof(e->refused));
	return 0;
}

/* Give the channels back (restoring "devices"), then unload the engine. */
static int engine_unload(struct engine *e)
{
	int ret;

	knobs_restore(&e->knobs);
	ret = system("rmmod " DRIVER);
	if (e->loaded_provider && system("rmmod migrate_dma"))
		ret = -1;
	return ret;
}

static unsigned int lines_with(const char *text, const char *word)
{
	unsigned int n = 0;
	const char *p;

	for (p = text; (p = strstr(p, word)); p += strlen(word))
		n++;
	return n;
}

static unsigned long long stat_of(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), DMAE("dma_stats/%s"), name);
	return knob_num(path);
}

static int setup_common(struct __test_metadata *_metadata, struct engine *e,
			struct nm_buf *buf, int *nodes, int *nr_nodes,
			unsigned int order)
{
	*nr_nodes = nm_mem_nodes(nodes, NM_MAX_NODES);
	if (*nr_nodes < 2)
		SKIP(return -1, "needs two NUMA nodes with memory");
	if (access(DMAE(""), F_OK)) {
		if (system("modprobe migrate_dma 2>/dev/null"))
			SKIP(return -1, "no migrate_dma module");
		e->loaded_provider = true;
	}
	if (nm_use_folio_order(order))
		SKIP(return -1, "folio order %u not supported", order);
	ASSERT_EQ(nm_alloc(buf, BUF_SIZE, order), 0);
	return 0;
}

/*
 * Each mode of the engine: "refused" names the reason the provider must
 * give, or is NULL when it must use the channels and lose no byte.
 */
FIXTURE(quirky)
{
	struct engine e;
	struct nm_buf buf;
	int nodes[NM_MAX_NODES];
	int nr_nodes;
	bool ready;
};

FIXTURE_VARIANT(quirky)
{
	const char *mode;
	const char *refused;
	unsigned int every;	/* 0: the module's default */
};

FIXTURE_VARIANT_ADD(quirky, good)
{
	.mode = "good",
};

FIXTURE_VARIANT_ADD(quirky, no_terminate)
{
	.mode = "no_terminate",
	.refused = "device_terminate_all",
};

FIXTURE_VARIANT_ADD(quirky, no_synchronize)
{
	.mode = "no_synchronize",
	.refused = "device_synchronize",
};

FIXTURE_VARIANT_ADD(quirky, no_result)
{
	.mode = "no_result",
	.refused = "DMA_COMPLETION_RESULT",
};

FIXTURE_VARIANT_ADD(quirky, false_success)
{
	.mode = "false_success",
	.refused = "DMA_COMPLETION_RESULT",
};

/* A 2 MiB folio takes 32 transfers: most folios must still get through. */
FIXTURE_VARIANT_ADD(quirky, errors)
{
	.mode = "errors",
	.every = 40,
};

FIXTURE_VARIANT_ADD(quirky, out_of_order)
{
	.mode = "out_of_order",
};

FIXTURE_SETUP(quirky)
{
	int ret;

	memset(&self->e, 0, sizeof(self->e));
	if (setup_common(_metadata, &self->e, &self->buf, self->nodes,
			 &self->nr_nodes, THP_ORDER))
		return;
	ret = engine_load(variant->mode,
			  variant->every ? variant->every : 5, 0);
	if (ret == -1)
		SKIP(return, "no " DRIVER " module");
	ASSERT_EQ(ret, 0);
	self->ready = true;
	ASSERT_EQ(engine_use(&self->e, 2000), 0);
}

FIXTURE_TEARDOWN(quirky)
{
	nm_free(&self->buf);
	nm_restore_folio_order();
	if (self->ready && engine_unload(&self->e))
		TH_LOG("unloading " DRIVER " or migrate_dma failed");
}

TEST_F_TIMEOUT(quirky, refused_or_every_byte, 900)
{
	unsigned long long sub = stat_of("submitted"), done = stat_of("completed");
	unsigned long long folios = knob_num(DMAE("stats/folios"));
	unsigned long long failed = knob_num(DMAE("stats/failed"));
	unsigned long long cpu = knob_num(PROV("cpu", "stats/folios"));
	char why[128];

	if (variant->refused) {
		EXPECT_EQ(self->e.in_use[0], '\0') {
			TH_LOG("in use: %s", self->e.in_use);
		}
		EXPECT_EQ(lines_with(self->e.refused, DRIVER), 2);
		EXPECT_EQ(lines_with(self->e.refused, variant->refused), 2) {
			TH_LOG("refused: %s", self->e.refused);
		}
	} else {
		EXPECT_EQ(lines_with(self->e.in_use, DRIVER), 2) {
			TH_LOG("in use: %s", self->e.in_use);
		}
		EXPECT_EQ(self->e.refused[0], '\0');
	}

	ASSERT_EQ(nm_move_pairs(&self->buf, self->nodes, self->nr_nodes, 7000,
				why, sizeof(why)), 0) {
		TH_LOG("%s", why);
	}

	if (variant->refused) {
		/* Nothing reached the engine: the CPU copied it all. */
		EXPECT_EQ(stat_of("submitted"), sub);
		EXPECT_EQ(knob_num(DMAE("stats/folios")), folios);
		return;
	}
	EXPECT_GT(knob_num(DMAE("stats/folios")), folios);
	EXPECT_EQ(stat_of("completed") + stat_of("failed") -
		  done, stat_of("submitted") - sub);
	if (!strcmp(variant->mode, "errors")) {
		unsigned long long f = knob_num(DMAE("stats/failed")) - failed;

		/* Each folio a transfer failed for, the CPU copied. */
		EXPECT_GT(f, 0);
		EXPECT_GE(knob_num(PROV("cpu", "stats/folios")) - cpu, f);
	} else {
		EXPECT_EQ(knob_num(DMAE("stats/failed")), failed);
	}
}

/*
 * An engine that holds every 7th transfer for 3 s and cannot terminate
 * while it does, under a 300 ms timeout: the moves of the folios
 * concerned fail (migrate_pages() may retry them later, on the CPU once
 * the channels are retired), the data stays intact, before and after the
 * late writes, the module is pinned until the late transfers reported,
 * and then the batches are freed.
 */
#define LATE_MS		3000

FIXTURE(unstoppable)
{
	struct engine e;
	struct nm_buf buf;
	int nodes[NM_MAX_NODES];
	int nr_nodes;
	bool ready;
};

FIXTURE_VARIANT(unstoppable)
{
	unsigned int order;
};

FIXTURE_VARIANT_ADD(unstoppable, base_page)
{
	.order = 0,
};

FIXTURE_VARIANT_ADD(unstoppable, thp_2m)
{
	.order = THP_ORDER,
};

FIXTURE_SETUP(unstoppable)
{
	int ret;

	memset(&self->e, 0, sizeof(self->e));
	if (setup_common(_metadata, &self->e, &self->buf, self->nodes,
			 &self->nr_nodes, variant->order))
		return;
	ret = engine_load("unstoppable", 7, LATE_MS);
	if (ret == -1)
		SKIP(return, "no " DRIVER " module");
	ASSERT_EQ(ret, 0);
	self->ready = true;
	ASSERT_EQ(engine_use(&self->e, 300), 0);
}

FIXTURE_TEARDOWN(unstoppable)
{
	nm_free(&self->buf);
	nm_restore_folio_order();
	if (self->ready && engine_unload(&self->e))
		TH_LOG("unloading " DRIVER " or migrate_dma failed");
}

TEST_F_TIMEOUT(unstoppable, late_writes, 900)
{
	unsigned long long u0 = stat_of("unstoppable"), lf0 = stat_of("late_freed");
	unsigned long long t0 = stat_of("timeouts"), u, lf = 0;
	unsigned long long failed = knob_num(DMAE("stats/failed"));
	const int from = self->nodes[0], to = self->nodes[1];
	unsigned long misplaced;
	size_t first = 0, bad;
	char in_use[1024];
	int i;

	ASSERT_EQ(lines_with(self->e.in_use, DRIVER), 2);
	/* Place the buffer on the CPU, then move it through the engine. */
	ASSERT_EQ(knob_write(POLICY, "none"), 0);
	nm_fill(&self->buf, 42);
	ASSERT_EQ(nm_move(&self->buf, from, &misplaced), 0);
	ASSERT_EQ(misplaced, 0);
	ASSERT_EQ(knob_write(POLICY, "dmaengine"), 0);

	EXPECT_GE(nm_move(&self->buf, to, &misplaced), 0);
	u = stat_of("unstoppable") - u0;
	TH_LOG("%lu pages not moved, %llu batches left to late transfers",
	       misplaced, u);
	/* Their moves failed: the data is where it was, intact. */
	EXPECT_GT(knob_num(DMAE("stats/failed")), failed);
	EXPECT_GT(u, 0);
	EXPECT_GT(stat_of("timeouts") - t0, 0);
	bad = nm_verify(&self->buf, 42, &first);
	EXPECT_EQ(bad, 0) {
		TH_LOG("before the late writes: %zu bad words from %zu", bad, first);
	}
	knob_read(DMAE("in_use"), in_use, sizeof(in_use));
	EXPECT_EQ(lines_with(in_use, "retired"), 2) {
		TH_LOG("in use: %s", in_use);
	}
	/* Late transfers still to come keep the provider's code loaded. */
	if (self->e.loaded_provider && stat_of("late_freed") - lf0 < u)
		EXPECT_NE(system("rmmod migrate_dma 2>/dev/null"), 0);

	/* Past the late writes, whatever the counters say, then the frees. */
	usleep((LATE_MS + 500) * 1000);
	for (i = 0; i < 4 * LATE_MS / 100; i++) {
		lf = stat_of("late_freed") - lf0;
		if (lf >= u)
			break;
		usleep(100 * 1000);
	}
	EXPECT_EQ(lf, u);
	bad = nm_verify(&self->buf, 42, &first);
	EXPECT_EQ(bad, 0) {
		TH_LOG("after the late writes: %zu bad words from %zu", bad, first);
	}

	/* The channels are retired: the CPU moves the rest. */
	EXPECT_EQ(nm_move(&self->buf, to, &misplaced), 0);
	EXPECT_EQ(misplaced, 0);
	bad = nm_verify(&self->buf, 42, &first);
	EXPECT_EQ(bad, 0);
}

/*
 * An engine that stalls every 5th transfer for 10 s, but can be stopped,
 * under a timeout_ms of 10 minutes: a migration in MIGRATE_ASYNC (a
 * driver's, through the hint example in debugfs) waits async_timeout_ms
 * per batch, then the CPU copies what the engine had not; the channels
 * are not blamed for it.
 */
#define STALL_MS	10000

FIXTURE(async)
{
	struct engine e;
	struct nm_buf buf;
	int nodes[NM_MAX_NODES];
	int nr_nodes;
	bool ready;
};

FIXTURE_SETUP(async)
{
	int ret;

	memset(&self->e, 0, sizeof(self->e));
	if (setup_common(_metadata, &self->e, &self->buf, self->nodes,
			 &self->nr_nodes, THP_ORDER))
		return;
	if (access(HINT_MOVE, F_OK) &&
	    system("mount -t debugfs none /sys/kernel/debug 2>/dev/null; true"))
		SKIP(return, "no debugfs");
	if (access(HINT_MOVE, F_OK))
		SKIP(return, "no " HINT_MOVE " (TEST_MIGRATE_OFFLOAD_HINT)");
	ret = engine_load("stall", 5, STALL_MS);
	if (ret == -1)
		SKIP(return, "no " DRIVER " module");
	ASSERT_EQ(ret, 0);
	self->ready = true;
	ASSERT_EQ(engine_use(&self->e, 600000), 0);
	ASSERT_EQ(knobs_set(&self->e.knobs, DMAE("async_timeout_ms"), "200"), 0);
}

FIXTURE_TEARDOWN(async)
{
	nm_free(&self->buf);
	nm_restore_folio_order();
	if (self->ready && engine_unload(&self->e))
		TH_LOG("unloading " DRIVER " or migrate_dma failed");
}

TEST_F_TIMEOUT(async, bounded_wait, 300)
{
	unsigned long long at0 = stat_of("async_timeouts"), t0 = stat_of("timeouts");
	unsigned long long lost = stat_of("lost"), at;
	unsigned long misplaced;
	char cmd[96], in_use[1024];

	ASSERT_EQ(lines_with(self->e.in_use, DRIVER), 2);
	ASSERT_EQ(knob_write(POLICY, "none"), 0);
	nm_fill(&self->buf, 77);
	ASSERT_EQ(nm_move(&self->buf, self->nodes[0], &misplaced), 0);
	ASSERT_EQ(misplaced, 0);

	snprintf(cmd, sizeof(cmd), "dmaengine %d %lx %lx async", self->nodes[1],
		 (unsigned long)self->buf.addr, (unsigned long)self->buf.len);
	EXPECT_EQ(knob_write(HINT_MOVE, cmd), 0);
	at = stat_of("async_timeouts") - at0;
	TH_LOG("%llu batches cut at async_timeout_ms", at);
	/* Every batch stalled, and each was cut at the short bound. */
	EXPECT_GT(at, 0);
	EXPECT_EQ(stat_of("timeouts") - t0, at);
	EXPECT_EQ(nm_misplaced(&self->buf, self->nodes[1]), 0);
	EXPECT_EQ(nm_verify(&self->buf, 77, NULL), 0);
	/* A slow engine is not a broken one. */
	EXPECT_EQ(stat_of("lost"), lost);
	knob_read(DMAE("in_use"), in_use, sizeof(in_use));
	EXPECT_EQ(lines_with(in_use, DRIVER), 2);
}

TEST_HARNESS_MAIN
