// SPDX-License-Identifier: GPL-2.0
/*
 * The "dmaengine" migration copy provider on dmaengine drivers that
 * break the API's promises (the test_migrate_dma module, one mode per
 * variant): it must refuse the channels it cannot stop or whose results
 * it cannot trust, and on the others lose no byte. On channels whose
 * transfers cannot be stopped, the folios concerned stay where they were,
 * their data intact before and after the late writes, and the batch is
 * freed once the late transfers reported, or once a later terminate
 * stopped them for good (KASAN watches the rest). A
 * caller in MIGRATE_ASYNC waits for a stalled engine no longer than
 * async_timeout_ms. Channels that go away mid-migration, one alone or
 * with their device, and allocations that fail (failslab,
 * fail_page_alloc) cost no byte either.
 *
 * Needs root, two NUMA nodes with memory, THP, and the migrate_dma and
 * test_migrate_dma modules.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mo_knobs.h"
#include "numa_move.h"

#define DMAE(f)		PROV("dmaengine", f)
#define POLICY		MIG "policy/syscall_or_cpuset"
#define DRIVER		"test_migrate_dma"
#define BUF_SIZE	(8UL << 20)
#define THP_ORDER	9
#define HINT_MOVE	"/sys/kernel/debug/migrate_offload/move"

/*
 * What every test sets up: a buffer, the nodes to move it between, and
 * test_migrate_dma in one mode as the provider's only engine, with what
 * the provider said of its channels.
 */
struct rig {
	struct nm_buf buf;
	int nodes[NM_MAX_NODES];
	int nr_nodes;
	bool loaded_provider;
	bool loaded_engine;
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
static int engine_use(struct rig *r, unsigned int timeout_ms)
{
	char t[16];

	snprintf(t, sizeof(t), "%u", timeout_ms);
	/*
	 * One THP per batch, as without offload: these tests count what
	 * one batch on two channels does (a folio striped over both, one
	 * timeout per stalled batch); deep_batches in migrate_offload
	 * covers deeper ones.
	 */
	if (knobs_set(&r->knobs, MIG "batch_bytes", "2097152") ||
	    knobs_set(&r->knobs, DMAE("min_folio_size"), "4096") ||
	    knobs_set(&r->knobs, DMAE("min_batch_bytes"), "0") ||
	    knobs_set(&r->knobs, DMAE("timeout_ms"), t) ||
	    knobs_set(&r->knobs, DMAE("channels"), "2") ||
	    knobs_set(&r->knobs, DMAE("enabled"), "1") ||
	    knobs_set(&r->knobs, DMAE("devices"), DRIVER) ||
	    knobs_set(&r->knobs, POLICY, "dmaengine"))
		return -1;
	policies_isolate(&r->knobs, "syscall_or_cpuset");
	knob_read(DMA_DBG("in_use"), r->in_use, sizeof(r->in_use));
	knob_read(DMA_DBG("refused"), r->refused, sizeof(r->refused));
	return 0;
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

	snprintf(path, sizeof(path), DMA_DBG("dma_stats/%s"), name);
	return knob_num(path);
}

/*
 * Two nodes, the provider, the folio size, a buffer, then the engine in
 * @mode used alone by the provider with @timeout_ms. Returns 0, or -1
 * when the test was skipped or failed.
 */
static int rig_setup(struct __test_metadata *_metadata, struct rig *r,
		     unsigned int order, const char *mode, unsigned int every,
		     unsigned int late_ms, unsigned int timeout_ms)
{
	int ret;

	r->nr_nodes = nm_mem_nodes(r->nodes, NM_MAX_NODES);
	if (r->nr_nodes < 2)
		SKIP(return -1, "needs two NUMA nodes with memory");
	if (access(DMAE(""), F_OK)) {
		if (system("modprobe migrate_dma 2>/dev/null"))
			SKIP(return -1, "no migrate_dma module");
		r->loaded_provider = true;
	}
	if (nm_use_folio_order(order))
		SKIP(return -1, "folio order %u not supported", order);
	ASSERT_EQ(nm_alloc(&r->buf, BUF_SIZE, order), 0);
	ret = engine_load(mode, every, late_ms);
	if (ret == -1)
		SKIP(return -1, "no " DRIVER " module");
	ASSERT_EQ(ret, 0);
	r->loaded_engine = true;
	ASSERT_EQ(engine_use(r, timeout_ms), 0);
	return 0;
}

/* Give the channels back (restoring "devices"), then unload the engine. */
static void rig_teardown(struct __test_metadata *_metadata, struct rig *r)
{
	nm_free(&r->buf);
	nm_restore_folio_order();
	if (r->loaded_engine) {
		knobs_restore(&r->knobs);
		if (system("rmmod " DRIVER))
			TH_LOG("unloading " DRIVER " failed");
	}
	if (r->loaded_provider && system("rmmod migrate_dma"))
		TH_LOG("unloading migrate_dma failed");
}

/* Put the buffer, filled from @seed, on the first node with the CPU. */
static void rig_place(struct __test_metadata *_metadata, struct rig *r,
		      uint64_t seed)
{
	unsigned long misplaced;

	ASSERT_EQ(knob_write(POLICY, "none"), 0);
	nm_fill(&r->buf, seed);
	ASSERT_EQ(nm_move(&r->buf, r->nodes[0], &misplaced), 0);
	ASSERT_EQ(misplaced, 0);
}

/*
 * Each mode of the engine: "refused" names the reason the provider must
 * give, or is NULL when it must use the channels and lose no byte.
 */
FIXTURE(quirky)
{
	struct rig r;
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
	rig_setup(_metadata, &self->r, THP_ORDER, variant->mode,
		  variant->every ? variant->every : 5, 0, 2000);
}

FIXTURE_TEARDOWN(quirky)
{
	rig_teardown(_metadata, &self->r);
}

TEST_F_TIMEOUT(quirky, refused_or_every_byte, 900)
{
	unsigned long long sub = stat_of("submitted"), done = stat_of("completed");
	unsigned long long bad = stat_of("failed"), striped = stat_of("striped");
	unsigned long long folios = knob_num(DMAE("stats/folios"));
	unsigned long long failed = knob_num(DMAE("stats/failed"));
	unsigned long long cpu = knob_num(PROV("cpu", "stats/folios"));
	char why[128];

	if (variant->refused) {
		EXPECT_EQ(self->r.in_use[0], '\0') {
			TH_LOG("in use: %s", self->r.in_use);
		}
		EXPECT_EQ(lines_with(self->r.refused, DRIVER), 2);
		EXPECT_EQ(lines_with(self->r.refused, variant->refused), 2) {
			TH_LOG("refused: %s", self->r.refused);
		}
	} else {
		EXPECT_EQ(lines_with(self->r.in_use, DRIVER), 2) {
			TH_LOG("in use: %s", self->r.in_use);
		}
		EXPECT_EQ(self->r.refused[0], '\0');
	}

	ASSERT_EQ(nm_move_pairs(&self->r.buf, self->r.nodes, self->r.nr_nodes, 7000,
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
	/* A batch of one 2 MiB folio, on both channels at once. */
	EXPECT_GT(stat_of("striped"), striped);
	/* Counters outlive a fixture when migrate_dma was already loaded. */
	EXPECT_EQ(stat_of("completed") - done + stat_of("failed") - bad,
		  stat_of("submitted") - sub);
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
 * Place the buffer, filled from @seed, with the CPU, then move it through
 * the engine, which holds transfers its terminates cannot stop: their
 * folios are not moved and both channels are retired. Returns how many
 * batches were left to the held transfers.
 */
static unsigned long long move_past_held(struct __test_metadata *_metadata,
					 struct rig *r, uint64_t seed)
{
	unsigned long long u0 = stat_of("unstoppable"), u;
	unsigned long misplaced;
	char in_use[1024];

	ASSERT_EQ(lines_with(r->in_use, DRIVER), 2);
	rig_place(_metadata, r, seed);
	ASSERT_EQ(knob_write(POLICY, "dmaengine"), 0);
	EXPECT_GE(nm_move(&r->buf, r->nodes[1], &misplaced), 0);
	u = stat_of("unstoppable") - u0;
	TH_LOG("%lu pages not moved, %llu batches left to held transfers",
	       misplaced, u);
	EXPECT_GT(u, 0);
	knob_read(DMA_DBG("in_use"), in_use, sizeof(in_use));
	EXPECT_EQ(lines_with(in_use, "retired"), 2) {
		TH_LOG("in use: %s", in_use);
	}
	return u;
}

/* Batches freed since @lf0, once @want are or after @ms. */
static unsigned long long late_freed_since(unsigned long long lf0,
					   unsigned long long want,
					   unsigned int ms)
{
	unsigned long long lf = 0;
	unsigned int i;

	for (i = 0; i <= ms / 100; i++) {
		lf = stat_of("late_freed") - lf0;
		if (lf >= want)
			break;
		usleep(100 * 1000);
	}
	return lf;
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
	struct rig r;
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
	rig_setup(_metadata, &self->r, variant->order, "unstoppable", 7,
		  LATE_MS, 300);
}

FIXTURE_TEARDOWN(unstoppable)
{
	rig_teardown(_metadata, &self->r);
}

TEST_F_TIMEOUT(unstoppable, late_writes, 900)
{
	unsigned long long lf0 = stat_of("late_freed"), t0 = stat_of("timeouts");
	unsigned long long failed = knob_num(DMAE("stats/failed")), u;
	unsigned long misplaced;
	size_t first = 0, bad;

	u = move_past_held(_metadata, &self->r, 42);
	/* Their moves failed: the data is where it was, intact. */
	EXPECT_GT(knob_num(DMAE("stats/failed")), failed);
	EXPECT_GT(stat_of("timeouts") - t0, 0);
	bad = nm_verify(&self->r.buf, 42, &first);
	EXPECT_EQ(bad, 0) {
		TH_LOG("before the late writes: %zu bad words from %zu", bad, first);
	}
	/* Late transfers still to come keep the provider's code loaded. */
	if (self->r.loaded_provider && stat_of("late_freed") - lf0 < u)
		EXPECT_NE(system("rmmod migrate_dma 2>/dev/null"), 0);

	/* Past the late writes, whatever the counters say, then the frees. */
	usleep((LATE_MS + 500) * 1000);
	EXPECT_EQ(late_freed_since(lf0, u, 4 * LATE_MS), u);
	bad = nm_verify(&self->r.buf, 42, &first);
	EXPECT_EQ(bad, 0) {
		TH_LOG("after the late writes: %zu bad words from %zu", bad, first);
	}

	/* The channels are retired: the CPU moves the rest. */
	EXPECT_EQ(nm_move(&self->r.buf, self->r.nodes[1], &misplaced), 0);
	EXPECT_EQ(misplaced, 0);
	bad = nm_verify(&self->r.buf, 42, &first);
	EXPECT_EQ(bad, 0);
}

/*
 * An engine whose first terminate of a channel fails while it holds a
 * transfer (every 7th, for a minute), and whose next one drops what it
 * holds without a report, as a terminate that succeeds may; so does
 * freeing the channel. The batches left to those transfers must not wait
 * for reports that never come: the provider stops the retired channels
 * once more as it gives them back, and that frees the batches.
 */
#define STOPS_LATER_MS	60000

FIXTURE(stops_later)
{
	struct rig r;
};

FIXTURE_SETUP(stops_later)
{
	rig_setup(_metadata, &self->r, 0, "stops_later", 7, STOPS_LATER_MS,
		  300);
}

FIXTURE_TEARDOWN(stops_later)
{
	rig_teardown(_metadata, &self->r);
}

TEST_F_TIMEOUT(stops_later, freed_at_give_back, 300)
{
	unsigned long long lf0 = stat_of("late_freed"), u;
	size_t first = 0, bad;

	u = move_past_held(_metadata, &self->r, 43);
	ASSERT_GT(u, 0);
	EXPECT_EQ(stat_of("late_freed") - lf0, 0);

	/* Give the channels back, long before the held transfers end. */
	ASSERT_EQ(knob_write(DMAE("enabled"), "0"), 0);
	EXPECT_EQ(late_freed_since(lf0, u, 5000), u);
	bad = nm_verify(&self->r.buf, 43, &first);
	EXPECT_EQ(bad, 0) {
		TH_LOG("%zu bad words from %zu", bad, first);
	}
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
	struct rig r;
};

FIXTURE_SETUP(async)
{
	if (access(HINT_MOVE, F_OK) &&
	    system("mount -t debugfs none /sys/kernel/debug 2>/dev/null; true"))
		SKIP(return, "no debugfs");
	if (access(HINT_MOVE, F_OK))
		SKIP(return, "no " HINT_MOVE " (TEST_MIGRATE_OFFLOAD_HINT)");
	if (rig_setup(_metadata, &self->r, THP_ORDER, "stall", 5, STALL_MS,
		      600000))
		return;
	ASSERT_EQ(knobs_set(&self->r.knobs, DMAE("async_timeout_ms"), "200"), 0);
}

FIXTURE_TEARDOWN(async)
{
	rig_teardown(_metadata, &self->r);
}

TEST_F_TIMEOUT(async, bounded_wait, 300)
{
	unsigned long long at0 = stat_of("async_timeouts"), t0 = stat_of("timeouts");
	unsigned long long lost = stat_of("lost"), at;
	char cmd[96], in_use[1024];

	ASSERT_EQ(lines_with(self->r.in_use, DRIVER), 2);
	rig_place(_metadata, &self->r, 77);

	snprintf(cmd, sizeof(cmd), "dmaengine %d %lx %lx async", self->r.nodes[1],
		 (unsigned long)self->r.buf.addr, (unsigned long)self->r.buf.len);
	EXPECT_EQ(knob_write(HINT_MOVE, cmd), 0);
	at = stat_of("async_timeouts") - at0;
	TH_LOG("%llu batches cut at async_timeout_ms", at);
	/* Every batch stalled, and each was cut at the short bound. */
	EXPECT_GT(at, 0);
	EXPECT_EQ(stat_of("timeouts") - t0, at);
	EXPECT_EQ(nm_misplaced(&self->r.buf, self->r.nodes[1]), 0);
	EXPECT_EQ(nm_verify(&self->r.buf, 77, NULL), 0);
	/* A slow engine is not a broken one. */
	EXPECT_EQ(stat_of("lost"), lost);
	knob_read(DMA_DBG("in_use"), in_use, sizeof(in_use));
	EXPECT_EQ(lines_with(in_use, DRIVER), 2);
}

/*
 * Channels that go away while migrations use them: first one channel
 * alone (unregistered with its device still bound, as idxd does for a
 * work queue), then the device (unbound from its driver). The dmaengine
 * core tells the provider, which gives each channel back once its
 * batches are done; the moves go on, on the other channel and then on
 * the CPU, every byte intact.
 */
#define UNPLUG		"/sys/module/" DRIVER "/parameters/unplug"
#define UNBIND		"/sys/bus/platform/drivers/" DRIVER "/unbind"

FIXTURE(vanishing)
{
	struct rig r;
};

FIXTURE_SETUP(vanishing)
{
	rig_setup(_metadata, &self->r, THP_ORDER, "good", 5, 0, 2000);
}

FIXTURE_TEARDOWN(vanishing)
{
	rig_teardown(_metadata, &self->r);
}

/* In a child: after a while unplug channel 0, later unbind the device. */
static pid_t unplug_later(unsigned int ms)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	usleep(ms * 1000);
	if (knob_write(UNPLUG, "0"))
		_exit(1);
	usleep(ms * 1000);
	_exit(knob_write(UNBIND, DRIVER) ? 2 : 0);
}

TEST_F_TIMEOUT(vanishing, moves_survive, 600)
{
	unsigned long long lost = stat_of("lost"), folios, in_dma;
	int round, status = -1, after = -1;
	char in_use[1024];
	unsigned long misplaced;
	size_t bad, first = 0;
	pid_t pid;

	ASSERT_EQ(lines_with(self->r.in_use, DRIVER), 2);
	rig_place(_metadata, &self->r, 91);
	ASSERT_EQ(knob_write(POLICY, "dmaengine"), 0);
	folios = knob_num(DMAE("stats/folios"));

	/* Not shared with the child: move_pages() leaves shared pages be. */
	ASSERT_EQ(madvise(self->r.buf.addr, self->r.buf.len, MADV_DONTFORK), 0);
	pid = unplug_later(400);
	ASSERT_GT(pid, 0);
	/* Move back and forth until the child is done, and twice more. */
	for (round = 0; round < 400 && after < 2; round++) {
		int to = self->r.nodes[(round + 1) % 2];

		ASSERT_EQ(nm_move(&self->r.buf, to, &misplaced), 0);
		ASSERT_EQ(misplaced, 0);
		bad = nm_verify(&self->r.buf, 91, &first);
		ASSERT_EQ(bad, 0) {
			TH_LOG("round %d: %zu bad words from %zu", round, bad,
			       first);
		}
		if (after < 0 && waitpid(pid, &status, WNOHANG) == pid)
			after = 0;
		else if (after >= 0)
			after++;
	}
	if (after < 0)
		waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0) {
		TH_LOG("%s failed", WEXITSTATUS(status) == 1 ? UNPLUG : UNBIND);
	}
	in_dma = knob_num(DMAE("stats/folios")) - folios;
	TH_LOG("%d rounds, %llu folios through the engine", round, in_dma);
	EXPECT_GT(in_dma, 0);
	EXPECT_EQ(stat_of("lost") - lost, 2);
	knob_read(DMA_DBG("in_use"), in_use, sizeof(in_use));
	EXPECT_EQ(lines_with(in_use, DRIVER), 0) {
		TH_LOG("in use: %s", in_use);
	}
}

/*
 * Batches of three 2 MiB folios on two channels: the first channel gets
 * folio 0 and the head of folio 1, the second the tail of folio 1 and
 * folio 2. The first transfer is refused (the provider's fail_submit,
 * once, in this task): folio 0 fails, folio 1's head is never started,
 * so the second channel skips folio 1's tail and still copies folio 2.
 * The CPU copies folios 0 and 1 again; every byte is compared.
 */
#define FAIL_SUBMIT	"migrate_dma/fail_submit"

FIXTURE(refused_half)
{
	struct rig r;
	struct knobs fi;	/* restored first: probability first */
};

FIXTURE_SETUP(refused_half)
{
	rig_setup(_metadata, &self->r, THP_ORDER, "good", 5, 0, 2000);
}

FIXTURE_TEARDOWN(refused_half)
{
	knobs_restore(&self->fi);
	rig_teardown(_metadata, &self->r);
}

TEST_F_TIMEOUT(refused_half, other_half_skipped, 300)
{
	unsigned long long se = stat_of("submit_errors");
	unsigned long long sk = stat_of("skipped_pieces");
	unsigned long long st = stat_of("striped");
	unsigned long misplaced;
	size_t bad, first = 0;
	long ret;
	int fd;

	/* Here, not in the set-up: a skip there would skip the teardown. */
	if (access(FI(FAIL_SUBMIT, "times"), F_OK))
		SKIP(return, "no " FAIL_SUBMIT " in debugfs");
	rig_place(_metadata, &self->r, 63);
	ASSERT_EQ(knob_write(POLICY, "dmaengine"), 0);
	ASSERT_EQ(knobs_set(&self->fi, MIG "batch_bytes", "6291456"), 0);
	ASSERT_EQ(knobs_set(&self->fi, FI(FAIL_SUBMIT, "task-filter"), "Y"), 0);
	ASSERT_EQ(knobs_set(&self->fi, FI(FAIL_SUBMIT, "verbose"), "0"), 0);
	ASSERT_EQ(knobs_set(&self->fi, FI(FAIL_SUBMIT, "interval"), "1"), 0);
	ASSERT_EQ(knobs_set(&self->fi, FI(FAIL_SUBMIT, "space"), "0"), 0);
	ASSERT_EQ(knobs_set(&self->fi, FI(FAIL_SUBMIT, "times"), "1"), 0);
	ASSERT_EQ(knobs_set(&self->fi, FI(FAIL_SUBMIT, "probability"), "100"), 0);

	/* Only around the move: no other task's transfer takes the fault. */
	fd = open("/proc/self/make-it-fail", O_WRONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(pwrite(fd, "1", 1, 0), 1);
	ret = nm_move(&self->r.buf, self->r.nodes[1], &misplaced);
	ASSERT_EQ(pwrite(fd, "0", 1, 0), 1);
	close(fd);

	ASSERT_EQ(ret, 0);
	EXPECT_EQ(misplaced, 0);
	bad = nm_verify(&self->r.buf, 63, &first);
	EXPECT_EQ(bad, 0) {
		TH_LOG("%zu bad words from %zu", bad, first);
	}
	/* Without THPs (none at fault time, or split), nothing is cut. */
	if (stat_of("striped") == st)
		SKIP(return, "no folio was cut between the channels");
	EXPECT_EQ(stat_of("submit_errors") - se, 1);
	EXPECT_EQ(stat_of("skipped_pieces") - sk, 1);
}

/*
 * Allocations that fail in the migrating task (failslab and
 * fail_page_alloc on it alone, sleeping allocations included): moves
 * may fail, bytes may not. The faults are counted: "times" goes down by
 * one for each.
 */
FIXTURE(faults)
{
	struct rig r;
	struct knobs fi;	/* restored first: probability first */
	bool armed;
	int fail_fd;		/* /proc/self/make-it-fail */
};

static const char * const fi_attrs[] = { "failslab", "fail_page_alloc" };

FIXTURE_SETUP(faults)
{
	unsigned int i;

	if (access(FI("failslab", "times"), F_OK) &&
	    system("mount -t debugfs none /sys/kernel/debug 2>/dev/null; true"))
		SKIP(return, "no debugfs");
	if (access(FI("failslab", "times"), F_OK) ||
	    access(FI("fail_page_alloc", "times"), F_OK))
		SKIP(return, "no failslab or fail_page_alloc in debugfs");
	if (rig_setup(_metadata, &self->r, THP_ORDER, "good", 5, 0, 2000))
		return;
	for (i = 0; i < 2; i++)
		ASSERT_EQ(fi_arm(&self->fi, fi_attrs[i], "5"), 0);
	self->armed = true;
}

FIXTURE_TEARDOWN(faults)
{
	if (self->fail_fd > 0) {
		if (pwrite(self->fail_fd, "0", 1, 0) != 1)
			TH_LOG("make-it-fail left set");
		close(self->fail_fd);
	}
	knobs_restore(&self->fi);
	rig_teardown(_metadata, &self->r);
}

TEST_F_TIMEOUT(faults, no_byte_lost, 600)
{
	unsigned long long folios = knob_num(DMAE("stats/folios"));
	long moved_badly = 0, slab, pages;
	unsigned long misplaced;
	size_t bad, first = 0;
	int round;

	ASSERT_TRUE(self->armed);
	rig_place(_metadata, &self->r, 57);
	ASSERT_EQ(knob_write(POLICY, "dmaengine"), 0);
	/* Opened once: with faults on, opening it again may fail. */
	self->fail_fd = open("/proc/self/make-it-fail", O_WRONLY);
	ASSERT_GE(self->fail_fd, 0);
	for (round = 0; round < 8; round++) {
		long ret;

		/* Only around the move: the test's own calls must work. */
		ASSERT_EQ(pwrite(self->fail_fd, "1", 1, 0), 1);
		ret = nm_move(&self->r.buf, self->r.nodes[(round + 1) % 2],
			      &misplaced);
		ASSERT_EQ(pwrite(self->fail_fd, "0", 1, 0), 1);
		moved_badly += ret != 0 || misplaced;
		bad = nm_verify(&self->r.buf, 57, &first);
		ASSERT_EQ(bad, 0) {
			TH_LOG("round %d: %zu bad words from %zu", round, bad,
			       first);
		}
	}
	slab = fi_injected("failslab");
	pages = fi_injected("fail_page_alloc");
	TH_LOG("%ld slab and %ld page allocations failed", slab, pages);
	TH_LOG("%ld of 8 moves incomplete, %llu folios through the engine",
	       moved_badly, knob_num(DMAE("stats/folios")) - folios);
	EXPECT_GT(slab + pages, 0);
	/* With the faults off, everything moves. */
	ASSERT_EQ(nm_move(&self->r.buf, self->r.nodes[1], &misplaced), 0);
	EXPECT_EQ(misplaced, 0);
	EXPECT_EQ(nm_verify(&self->r.buf, 57, NULL), 0);
}

TEST_HARNESS_MAIN
