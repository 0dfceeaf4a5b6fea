// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests of migration copy offload (/sys/kernel/mm/migration/):
 * move_pages() of base pages, 64 KiB mTHPs and 2 MiB THPs between every
 * node pair through each policy, every byte compared; a provider that
 * fails or declines folios loses no byte and its counters add up; bad
 * sysfs input is refused and changes nothing; the provider module is
 * unloaded while migrations run.
 *
 * Needs root, two NUMA nodes and the test_migrate_offload module.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hugepage_settings.h"
#include "kselftest_harness.h"
#include "mo_knobs.h"
#include "numa_move.h"
#include "vm_util.h"

#define POLICY		MIG "policy/syscall_or_cpuset"
#define TEST_PARAM(p)	"/sys/module/test_migrate_offload/parameters/" p
#define BUF_SIZE	(4UL << 20)

static bool have_test_provider(void)
{
	if (access(MIG "providers/test", F_OK) &&
	    system("modprobe test_migrate_offload 2>/dev/null"))
		return false;
	return !access(MIG "providers/test", F_OK);
}

/* Enable only the test provider; the policy decides the rest. */
static void reset_test_provider(void)
{
	knob_write(TEST_PARAM("fail_every"), "0");
	knob_write(TEST_PARAM("decline_every"), "0");
	knob_write(TEST_PARAM("delay_us"), "0");
	knob_write(PROV("test", "enabled"), "1");
}

TEST(sysfs_layout)
{
	char buf[4096];

	if (access(MIG, F_OK))
		SKIP(return, "no " MIG);
	ASSERT_EQ(knob_read(MIG "available_providers", buf, sizeof(buf)), 0);
	/* One value per file: a list of names, the first one "cpu". */
	ASSERT_EQ(strncmp(buf, "cpu", 3), 0);
	ASSERT_TRUE(buf[3] == ' ' || buf[3] == '\n');
	ASSERT_EQ(strchr(buf, '='), NULL);
	ASSERT_EQ(strchr(buf, '\n'), buf + strlen(buf) - 1);
	ASSERT_EQ(knob_read(PROV("cpu", "kind"), buf, sizeof(buf)), 0);
	ASSERT_STREQ(buf, "cpu\n");
	ASSERT_EQ(knob_num(PROV("cpu", "enabled")), 1);
	ASSERT_EQ(access(PROV("cpu", "stats/folios"), R_OK), 0);
	ASSERT_EQ(access(PROV("cpu", "caps/nodes"), R_OK), 0);
	/* The CPU has no thresholds: it takes whatever is left. */
	ASSERT_NE(access(PROV("cpu", "min_batch_bytes"), F_OK), 0);
	ASSERT_EQ(knob_read(MIG "policy/demotion", buf, sizeof(buf)), 0);
	ASSERT_NE(strchr(buf, '['), NULL);
}

/*
 * A value a file must refuse, with the errno it must fail with (0:
 * EINVAL, ANY_ERR: any), leaving @state (NULL: the file itself) reading
 * as before. @len is the bytes written, for values with a NUL in them
 * (BIN()); 0 writes the string.
 */
struct bad_write {
	const char *path;
	const char *value;
	int err;
	size_t len;
	const char *state;
};

#define ANY_ERR		-1
#define BIN(s)		.value = s, .len = sizeof(s) - 1

/* A page of ones: a store gets all of it, and it is no boolean. */
static char ones[4097];

static void check_bad_writes(struct __test_metadata *_metadata,
			     const struct bad_write *w, unsigned int nr)
{
	char before[4096], after[4096], shown[64];
	unsigned int i, j, k;
	size_t len;
	int ret;

	memset(ones, '1', sizeof(ones) - 1);
	for (i = 0; i < nr; i++, w++) {
		const char *state = w->state ? : w->path;

		len = w->len ? : strlen(w->value);
		shown[0] = '\0';
		/* Printable in the log: escapes, long values cut. */
		for (j = k = 0; j < len && k < sizeof(shown) - 5; j++) {
			unsigned char c = w->value[j];

			k += snprintf(shown + k, sizeof(shown) - k,
				      c >= ' ' && c < 127 ? "%c" : "\\x%02x", c);
		}
		if (j < len)
			snprintf(shown + k, sizeof(shown) - k, "...");
		ASSERT_EQ(knob_read(state, before, sizeof(before)), 0);
		ret = knob_write_len(w->path, w->value, len);
		/* The harness's checks are two statements: braces needed. */
		if (w->err == ANY_ERR) {
			EXPECT_LT(ret, 0) {
				TH_LOG("'%s' (%zu bytes) > %s was accepted",
				       shown, len, w->path);
			}
		} else {
			EXPECT_EQ(ret, -(w->err ? : EINVAL)) {
				TH_LOG("'%s' (%zu bytes) > %s: %s", shown, len,
				       w->path, ret ? strerror(-ret) : "accepted");
			}
		}
		ASSERT_EQ(knob_read(state, after, sizeof(after)), 0);
		EXPECT_STREQ(before, after) {
			TH_LOG("'%s' > %s changed %s", shown, w->path, state);
		}
	}
}

static const struct bad_write bad_writes[] = {
	{ PROV("cpu", "enabled"), "0" },
	{ PROV("test", "enabled"), "2" },
	{ PROV("test", "enabled"), "maybe" },
	{ PROV("test", "rating"), "-1" },
	{ PROV("test", "rating"), "1001" },
	{ PROV("test", "rating"), "12abc" },
	{ PROV("test", "rating"), "\n" },
	{ PROV("test", "min_folio_size"), "3000" },
	{ PROV("test", "min_folio_size"), "0" },
	{ PROV("test", "min_folio_size"), "4097" },
	{ PROV("test", "min_folio_size"), "1099511627776" },
	{ PROV("test", "min_batch_bytes"), "-5" },
	{ PROV("test", "min_batch_bytes"), "lots" },
	{ PROV("test", "max_batch_folios"), "-1" },
	{ PROV("test", "max_batch_folios"), "99999999999", ERANGE },
	{ POLICY, "bogus" },
	{ POLICY, "\n" },
	{ POLICY, "default" },
	{ POLICY, "any more" },
	{ POLICY, "any\nnone" },
	{ POLICY, "a-provider-name-much-longer-than-thirty-two-bytes" },
	{ MIG "batch_bytes", "0" },
	{ MIG "batch_bytes", "2097151" },
	{ MIG "batch_bytes", "2097153" },
	{ MIG "batch_bytes", "1073745920" },
	{ MIG "batch_bytes", "-2097152" },
	{ MIG "batch_bytes", "32M" },
	{ MIG "batch_bytes", "99999999999999999999", ERANGE },
	{ MIG "batch_parts", "0" },
	{ MIG "batch_parts", "17" },
	{ MIG "batch_parts", "-1" },
	{ MIG "batch_parts", "0x4" },
	{ MIG "batch_parts", "four" },
	{ PROV("test", "enabled"), BIN("1\0") },
	{ PROV("test", "enabled"), BIN("1\0garbage") },
	{ PROV("test", "enabled"), "1\n\n" },
	{ PROV("test", "enabled"), "\n" },
	{ PROV("test", "enabled"), BIN("0\0") },
	{ PROV("test", "enabled"), "1.5" },
	{ PROV("test", "enabled"), "1x" },
	{ PROV("test", "enabled"), "1 2" },
	{ PROV("test", "enabled"), "10" },
	{ PROV("test", "enabled"), "Threads" },
	{ PROV("test", "enabled"), "18446744073709551616" },
	{ PROV("test", "enabled"), ones },
	{ PROV("test", "enabled"), "foo" },
	{ PROV("test", "enabled"), "default" },
	{ PROV("test", "enabled"), "0x" },
	{ PROV("cpu", "enabled"), BIN("1\0") },
	{ PROV("cpu", "enabled"), "1\n\n" },
	{ PROV("cpu", "enabled"), "\n" },
	{ PROV("cpu", "enabled"), "1x" },
	{ PROV("cpu", "enabled"), "10" },
	{ PROV("cpu", "enabled"), "foo" },
	{ PROV("cpu", "enabled"), "default" },
	{ PROV("cpu", "enabled"), "0x" },
	{ PROV("test", "rating"), BIN("500\0") },
	{ PROV("test", "rating"), BIN("500\0garbage") },
	{ PROV("test", "rating"), "500\n\n" },
	{ PROV("test", "rating"), "\n" },
	{ PROV("test", "rating"), "500x" },
	{ PROV("test", "rating"), "500 " },
	{ PROV("test", "rating"), ones, ERANGE },
	{ PROV("test", "rating"), " 500" },
	{ PROV("test", "rating"), "500 500" },
	{ PROV("test", "rating"), "18446744073709551616", ERANGE },
	{ PROV("cpu", "rating"), BIN("0\0") },
	{ PROV("cpu", "rating"), "0x" },
	{ PROV("cpu", "rating"), "0\n\n" },
	{ PROV("test", "min_folio_size"), BIN("4096\0") },
	{ PROV("test", "min_folio_size"), BIN("4096\0garbage") },
	{ PROV("test", "min_folio_size"), "4096\n\n" },
	{ PROV("test", "min_folio_size"), "\n" },
	{ PROV("test", "min_folio_size"), "4096x" },
	{ PROV("test", "min_folio_size"), "4096 " },
	{ PROV("test", "min_batch_bytes"), BIN("0\0") },
	{ PROV("test", "min_batch_bytes"), BIN("0\0garbage") },
	{ PROV("test", "min_batch_bytes"), "0\n\n" },
	{ PROV("test", "min_batch_bytes"), "\n" },
	{ PROV("test", "min_batch_bytes"), "0x" },
	{ PROV("test", "min_batch_bytes"), "0 " },
	{ PROV("test", "min_batch_bytes"), ones, ERANGE },
	{ PROV("test", "min_folio_size"), "Auto" },
	{ PROV("test", "min_folio_size"), "auto " },
	{ PROV("test", "min_folio_size"), " auto" },
	{ PROV("test", "min_folio_size"), BIN("auto\0") },
	{ PROV("test", "min_folio_size"), "automatic" },
	{ PROV("test", "min_batch_bytes"), "AUTO" },
	{ PROV("test", "min_batch_bytes"), "auto\n\n" },
	{ PROV("test", "min_batch_bytes"), "auto 0" },
	{ PROV("test", "max_batch_folios"), BIN("1\0") },
	{ PROV("test", "max_batch_folios"), BIN("1\0garbage") },
	{ PROV("test", "max_batch_folios"), "1\n\n" },
	{ PROV("test", "max_batch_folios"), "\n" },
	{ PROV("test", "max_batch_folios"), "1x" },
	{ PROV("test", "max_batch_folios"), "1 " },
	{ POLICY, BIN("any\0") },
	{ POLICY, BIN("any\0garbage") },
	{ POLICY, "any\n\n" },
	{ POLICY, "\n" },
	{ POLICY, "cpu" },
	{ POLICY, " any" },
	{ POLICY, "any " },
	{ POLICY, "Any" },
	{ MIG "nodes/node0", BIN("default\0") },
	{ MIG "nodes/node0", BIN("default\0garbage") },
	{ MIG "nodes/node0", "default\n\n" },
	{ MIG "nodes/node0", "\n" },
	{ MIG "nodes/node0", BIN("any\0") },
	{ MIG "nodes/node0", "cpu" },
	{ MIG "nodes/node0", "bogus" },
	{ MIG "nodes/node0", "Default" },
	{ MIG "nodes/node0", "default any" },
	{ MIG "batch_bytes", BIN("2097152\0") },
	{ MIG "batch_bytes", BIN("2097152\0garbage") },
	{ MIG "batch_bytes", "2097152\n\n" },
	{ MIG "batch_bytes", "\n" },
	{ MIG "batch_bytes", "2097152x" },
	{ MIG "batch_bytes", "2097152 " },
	{ MIG "batch_bytes", ones, ERANGE },
	{ MIG "batch_parts", BIN("1\0") },
	{ MIG "batch_parts", BIN("1\0garbage") },
	{ MIG "batch_parts", "1\n\n" },
	{ MIG "batch_parts", "\n" },
	{ MIG "batch_parts", "1x" },
	{ MIG "batch_parts", "1 " },
};

/*
 * Every bad value is refused (EINVAL, or ERANGE for a number too large
 * for its type) and leaves the file as it was: with the test provider
 * disabled, then enabled, so that a value taken for "on" or for "off"
 * shows either way.
 */
TEST(sysfs_bad_input)
{
	struct knobs saved = {};

	if (!have_test_provider())
		SKIP(return, "test_migrate_offload not available");
	ASSERT_EQ(knobs_set(&saved, PROV("test", "enabled"), "0"), 0);
	check_bad_writes(_metadata, bad_writes, ARRAY_SIZE(bad_writes));
	ASSERT_EQ(knob_write(PROV("test", "enabled"), "1"), 0);
	check_bad_writes(_metadata, bad_writes, ARRAY_SIZE(bad_writes));
	knobs_restore(&saved);
	/* Read-only files stay read-only. */
	EXPECT_NE(knob_write(PROV("test", "stats/folios"), "0"), 0);
	EXPECT_NE(knob_write(PROV("test", "kind"), "cpu"), 0);
}

/*
 * A threshold reads "auto" until a number is written, reads that number
 * then, and "auto" again once written back.
 */
static void check_auto_knob(struct __test_metadata *_metadata,
			    const char *path, const char *num)
{
	char buf[64], want[64];
	struct knobs saved = {};

	ASSERT_EQ(knobs_set(&saved, path, "auto"), 0);
	ASSERT_EQ(knob_read(path, buf, sizeof(buf)), 0);
	EXPECT_STREQ(buf, "auto\n");
	ASSERT_EQ(knob_write(path, num), 0);
	ASSERT_EQ(knob_read(path, buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "%s\n", num);
	EXPECT_STREQ(buf, want);
	ASSERT_EQ(knob_write(path, "auto\n"), 0);
	ASSERT_EQ(knob_read(path, buf, sizeof(buf)), 0);
	EXPECT_STREQ(buf, "auto\n");
	knobs_restore(&saved);
}

TEST(thresholds_auto)
{
	if (!have_test_provider())
		SKIP(return, "test_migrate_offload not available");
	check_auto_knob(_metadata, PROV("test", "min_folio_size"), "65536");
	check_auto_knob(_metadata, PROV("test", "min_batch_bytes"), "0");
}

FIXTURE(offload)
{
	struct nm_buf buf;
	int nodes[NM_MAX_NODES];
	int nr_nodes;
	struct knobs others;
};

FIXTURE_VARIANT(offload)
{
	unsigned int order;
	const char *policy;	/* for syscall_or_cpuset */
	bool via_test;		/* the test provider must see the folios */
};

FIXTURE_VARIANT_ADD(offload, base_none)
{
	.order = 0,
	.policy = "none",
	.via_test = false,
};

FIXTURE_VARIANT_ADD(offload, base_any)
{
	.order = 0,
	.policy = "any",
	.via_test = true,
};

FIXTURE_VARIANT_ADD(offload, base_named)
{
	.order = 0,
	.policy = "test",
	.via_test = true,
};

FIXTURE_VARIANT_ADD(offload, mthp64k_dma)
{
	.order = 4,
	.policy = "dma",
	.via_test = true,
};

FIXTURE_VARIANT_ADD(offload, mthp64k_threads)
{
	.order = 4,
	.policy = "cpu-threads",
	.via_test = false,
};

FIXTURE_VARIANT_ADD(offload, thp_any)
{
	.order = 9,
	.policy = "any",
	.via_test = true,
};

FIXTURE_VARIANT_ADD(offload, thp_named)
{
	.order = 9,
	.policy = "test",
	.via_test = true,
};

FIXTURE_VARIANT_ADD(offload, thp_none)
{
	.order = 9,
	.policy = "none",
	.via_test = false,
};

FIXTURE_SETUP(offload)
{
	self->nr_nodes = nm_mem_nodes(self->nodes, NM_MAX_NODES);
	if (self->nr_nodes < 2)
		SKIP(return, "needs two NUMA nodes with memory");
	if (!have_test_provider())
		SKIP(return, "test_migrate_offload not available");
	if (nm_use_folio_order(variant->order))
		SKIP(return, "folio order %u not supported", variant->order);
	reset_test_provider();
	ASSERT_EQ(knobs_set(&self->others, POLICY, variant->policy), 0);
	policies_isolate(&self->others, "syscall_or_cpuset");
	ASSERT_EQ(nm_alloc(&self->buf, BUF_SIZE, variant->order), 0);
}

FIXTURE_TEARDOWN(offload)
{
	nm_free(&self->buf);
	nm_restore_folio_order();
	knobs_restore(&self->others);
}

/* Move through every node pair; check every byte and where it went. */
static void move_all_pairs(struct __test_metadata *_metadata,
			   struct nm_buf *b, const int *nodes, int nr_nodes)
{
	char why[128];

	ASSERT_EQ(nm_move_pairs(b, nodes, nr_nodes, 100, why, sizeof(why)), 0) {
		TH_LOG("%s", why);
	}
}

TEST_F_TIMEOUT(offload, all_pairs, 600)
{
	unsigned long long before = knob_num(PROV("test", "stats/folios"));
	unsigned long long after;

	move_all_pairs(_metadata, &self->buf, self->nodes, self->nr_nodes);
	after = knob_num(PROV("test", "stats/folios"));
	/* The provider copied folios exactly when the policy routes to it. */
	EXPECT_GE(after, before);
	EXPECT_EQ(after > before, variant->via_test);
}

/* A provider failing every 3rd folio: the CPU re-copies exactly those. */
TEST_F_TIMEOUT(offload, failing_provider, 600)
{
	unsigned long long failed, recopied;

	if (!variant->via_test)
		SKIP(return, "policy does not route to the test provider");
	ASSERT_EQ(knob_write(TEST_PARAM("fail_every"), "3"), 0);
	failed = knob_num(PROV("test", "stats/failed"));
	recopied = knob_num(PROV("cpu", "stats/recopied"));

	move_all_pairs(_metadata, &self->buf, self->nodes, self->nr_nodes);

	failed = knob_num(PROV("test", "stats/failed")) - failed;
	recopied = knob_num(PROV("cpu", "stats/recopied")) - recopied;
	knob_write(TEST_PARAM("fail_every"), "0");
	EXPECT_GT(failed, 0);
	EXPECT_EQ(failed, recopied);
	TH_LOG("test provider failed %llu folios, cpu re-copied %llu",
	       failed, recopied);
}

TEST_F_TIMEOUT(offload, declining_provider, 600)
{
	unsigned long long declined;

	if (!variant->via_test)
		SKIP(return, "policy does not route to the test provider");
	ASSERT_EQ(knob_write(TEST_PARAM("decline_every"), "2"), 0);
	declined = knob_num(PROV("test", "stats/declined"));
	move_all_pairs(_metadata, &self->buf, self->nodes, self->nr_nodes);
	knob_write(TEST_PARAM("decline_every"), "0");
	EXPECT_GT(knob_num(PROV("test", "stats/declined")), declined);
}

/*
 * Batches by bytes: while a provider may take THPs, one batch copy gets up
 * to batch_bytes of them. For each budget every byte is compared after
 * every move (also with a provider failing every 3rd folio, which the CPU
 * then re-copies), and the provider's calls show the depth: one THP per
 * call at 2 MiB, several at 8 MiB and more.
 */
TEST(deep_batches)
{
	static const unsigned long budgets_mb[] = { 2, 8, 32, 64 };
	unsigned long long calls, folios, failed, recopied, ahead;
	struct knobs others = {};
	int nodes[NM_MAX_NODES], nr_nodes;
	struct nm_buf buf;
	char val[32], why[128];
	unsigned int i;
	double depth;

	nr_nodes = nm_mem_nodes(nodes, NM_MAX_NODES);
	if (nr_nodes < 2)
		SKIP(return, "needs two NUMA nodes with memory");
	if (!have_test_provider())
		SKIP(return, "test_migrate_offload not available");
	if (nm_use_folio_order(9))
		SKIP(return, "no THP");
	reset_test_provider();
	ASSERT_EQ(knobs_set(&others, POLICY, "test"), 0);
	policies_isolate(&others, "syscall_or_cpuset");
	ASSERT_EQ(knobs_set(&others, MIG "batch_bytes", "2097152"), 0);
	/* Copying ahead is off by default: cut a batch into quarters. */
	ASSERT_EQ(knobs_set(&others, MIG "batch_parts", "4"), 0);
	ASSERT_EQ(nm_alloc(&buf, 32UL << 20, 9), 0);

	for (i = 0; i < ARRAY_SIZE(budgets_mb); i++) {
		snprintf(val, sizeof(val), "%lu", budgets_mb[i] << 20);
		ASSERT_EQ(knob_write(MIG "batch_bytes", val), 0);
		ASSERT_EQ(knob_write(TEST_PARAM("fail_every"), i & 1 ? "3" : "0"), 0);
		calls = knob_num(PROV("test", "stats/batches"));
		folios = knob_num(PROV("test", "stats/folios"));
		failed = knob_num(PROV("test", "stats/failed"));
		recopied = knob_num(PROV("cpu", "stats/recopied"));
		ahead = knob_num(PROV("test", "stats/ahead"));

		EXPECT_EQ(nm_move_pairs(&buf, nodes, 2, 100 + i, why,
					sizeof(why)), 0) {
			TH_LOG("budget %lu MiB: %s", budgets_mb[i], why);
		}

		calls = knob_num(PROV("test", "stats/batches")) - calls;
		folios = knob_num(PROV("test", "stats/folios")) - folios;
		failed = knob_num(PROV("test", "stats/failed")) - failed;
		recopied = knob_num(PROV("cpu", "stats/recopied")) - recopied;
		ahead = knob_num(PROV("test", "stats/ahead")) - ahead;
		ASSERT_GT(calls, 0);
		depth = (double)(folios + failed) / calls;
		TH_LOG("%lu MiB: %llu calls, %llu ahead, %.1f folios each, %llu failed, %llu again",
		       budgets_mb[i], calls, ahead, depth, failed, recopied);
		EXPECT_EQ(failed, recopied);
		EXPECT_EQ(failed > 0, !!(i & 1));
		/*
		 * The test provider copies ahead (kind dma): a batch of
		 * several THPs is copied in parts of a quarter of it, all
		 * but the first on the worker while the one before is
		 * committed. Never deeper than the budget, and deep once
		 * the budget holds several THPs.
		 */
		EXPECT_LE(depth, budgets_mb[i] / 2.0 + 0.01);
		if (budgets_mb[i] == 2)
			EXPECT_EQ(ahead, 0);
		if (budgets_mb[i] >= 32) {
			EXPECT_GE(depth, 2.0);
			EXPECT_GT(ahead, 0);
			EXPECT_GE(ahead * 2, calls);
		}
	}
	knob_write(TEST_PARAM("fail_every"), "0");
	nm_free(&buf);
	nm_restore_folio_order();
	knobs_restore(&others);
}

/* Writers in a loop on one knob each, until the parent kills them. */
static pid_t hammer(const char *path, const char * const *values, int nr)
{
	pid_t pid = fork();
	int i = 0;

	if (pid)
		return pid;
	for (;;)
		knob_write(path, values[i++ % nr]);
}

/*
 * Concurrent writers of enabled, policy and rating while migrating:
 * every byte arrives, and what the files say afterwards agrees with
 * itself (one bracketed policy, enabled and rating each one value that
 * was written, the provider still listed).
 */
TEST_F_TIMEOUT(offload, concurrent_writers, 600)
{
	static const char * const onoff[] = { "0", "1" };
	static const char * const policies[] = { "none", "any", "test", "dma" };
	static const char * const ratings[] = { "1", "500", "999" };
	char buf[1024], *line;
	pid_t pids[3];
	unsigned long long enabled, rating;
	int i;

	if (strcmp(variant->policy, "any") || variant->order)
		SKIP(return, "run once, on base pages");
	pids[0] = hammer(PROV("test", "enabled"), onoff, 2);
	pids[1] = hammer(POLICY, policies, 4);
	pids[2] = hammer(PROV("test", "rating"), ratings, 3);
	move_all_pairs(_metadata, &self->buf, self->nodes, self->nr_nodes);
	for (i = 0; i < 3; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}

	ASSERT_EQ(knob_read(POLICY, buf, sizeof(buf)), 0);
	line = strchr(buf, '[');
	ASSERT_NE(line, NULL);
	EXPECT_EQ(strchr(line + 1, '['), NULL);
	enabled = knob_num(PROV("test", "enabled"));
	EXPECT_TRUE(enabled == 0 || enabled == 1);
	rating = knob_num(PROV("test", "rating"));
	EXPECT_TRUE(rating == 1 || rating == 500 || rating == 999);
	ASSERT_EQ(knob_read(MIG "available_providers", buf, sizeof(buf)), 0);
	EXPECT_NE(strstr(buf, " test"), NULL);
}

/*
 * Unload the provider module while a child migrates in a loop: the
 * unload waits for the batches in flight, later batches go to the CPU,
 * and the child finds every byte where it belongs.
 */
TEST_F_TIMEOUT(offload, unload_while_migrating, 600)
{
	int status, round;
	pid_t pid;

	if (!variant->via_test || variant->order)
		SKIP(return, "run once, on base pages via the provider");
	ASSERT_EQ(knob_write(TEST_PARAM("delay_us"), "2000"), 0);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		uint64_t seed = 1;
		int i;

		for (i = 0; i < 40; i++) {
			nm_fill(&self->buf, ++seed);
			if (nm_move(&self->buf, self->nodes[i & 1], NULL) ||
			    nm_verify(&self->buf, seed, NULL))
				_exit(1);
		}
		_exit(0);
	}
	for (round = 0; round < 3; round++) {
		usleep(200000);
		ASSERT_EQ(system("rmmod test_migrate_offload"), 0);
		ASSERT_EQ(system("modprobe test_migrate_offload delay_us=2000 enable=1"), 0);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	knob_write(TEST_PARAM("delay_us"), "0");
}

/*
 * The "threads" provider (kind cpu-threads): every byte arrives for 1 to
 * 4 threads and each folio size, and helpers run exactly when more than
 * one thread is allowed. With 3 threads the chunks threads take are 3
 * pages: they group base pages and end in the middle of larger folios.
 */
#define THR(f)		PROV("threads", f)

FIXTURE(threads)
{
	struct nm_buf buf;
	int nodes[NM_MAX_NODES];
	int nr_nodes;
	struct knobs others;
};

FIXTURE_VARIANT(threads)
{
	unsigned int order;
};

FIXTURE_VARIANT_ADD(threads, base_page)
{
	.order = 0,
};

FIXTURE_VARIANT_ADD(threads, mthp_64k)
{
	.order = 4,
};

FIXTURE_VARIANT_ADD(threads, thp_2m)
{
	.order = 9,
};

FIXTURE_SETUP(threads)
{
	self->nr_nodes = nm_mem_nodes(self->nodes, NM_MAX_NODES);
	if (self->nr_nodes < 2)
		SKIP(return, "needs two NUMA nodes with memory");
	if (access(PROV("threads", ""), F_OK))
		SKIP(return, "no threads provider");
	if (nm_use_folio_order(variant->order))
		SKIP(return, "folio order %u not supported", variant->order);
	ASSERT_EQ(knobs_save(&self->others, THR("threads")), 0);
	ASSERT_EQ(knobs_save(&self->others, THR("chunk_size")), 0);
	/* Below its default thresholds too: every size goes to it here. */
	ASSERT_EQ(knobs_set(&self->others, THR("min_folio_size"), "4096"), 0);
	ASSERT_EQ(knobs_set(&self->others, THR("min_batch_bytes"), "0"), 0);
	ASSERT_EQ(knobs_set(&self->others, THR("enabled"), "1"), 0);
	ASSERT_EQ(knobs_set(&self->others, POLICY, "threads"), 0);
	policies_isolate(&self->others, "syscall_or_cpuset");
	ASSERT_EQ(nm_alloc(&self->buf, BUF_SIZE, variant->order), 0);
}

FIXTURE_TEARDOWN(threads)
{
	nm_free(&self->buf);
	nm_restore_folio_order();
	knobs_restore(&self->others);
}

TEST_F_TIMEOUT(threads, one_to_four, 900)
{
	unsigned long long folios, helpers;
	char n[8], chunk[16];
	int t;

	ASSERT_EQ(knob_read(THR("chunk_size"), chunk, sizeof(chunk)), 0);
	for (t = 1; t <= 4; t++) {
		snprintf(n, sizeof(n), "%d", t);
		ASSERT_EQ(knob_write(THR("threads"), n), 0);
		snprintf(n, sizeof(n), "%ld", 3 * sysconf(_SC_PAGESIZE));
		ASSERT_EQ(knob_write(THR("chunk_size"), t == 3 ? n : chunk), 0);
		folios = knob_num(THR("stats/folios"));
		helpers = knob_num(THR("helpers"));
		move_all_pairs(_metadata, &self->buf, self->nodes,
			       self->nr_nodes);
		EXPECT_GT(knob_num(THR("stats/folios")), folios);
		EXPECT_EQ(knob_num(THR("helpers")) > helpers, t > 1) {
			TH_LOG("%d threads: helpers %llu -> %llu", t, helpers,
			       knob_num(THR("helpers")));
		}
	}
}

/*
 * Helpers follow the caller's cpuset, not its affinity: a mover bound to
 * one CPU still gets a helper, and the bytes arrive.
 */
TEST_F_TIMEOUT(threads, pinned_caller, 600)
{
	unsigned long long helpers;
	cpu_set_t one, saved;

	if (variant->order != 9)
		SKIP(return, "run once, on 2 MiB folios");
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
	ASSERT_EQ(knob_write(THR("threads"), "2"), 0);
	helpers = knob_num(THR("helpers"));
	move_all_pairs(_metadata, &self->buf, self->nodes, self->nr_nodes);
	EXPECT_GT(knob_num(THR("helpers")), helpers);
	ASSERT_EQ(sched_setaffinity(0, sizeof(saved), &saved), 0);
}

/*
 * The copy path allocates nothing (its helpers' work items are
 * preallocated): with every slab allocation of the moving task failing,
 * helpers still copy and every byte arrives. An open() in the same
 * window proves the faults were on.
 */
TEST_F_TIMEOUT(threads, no_allocation, 600)
{
	unsigned long long helpers;
	unsigned long misplaced;
	struct knobs fi = { .nr = 0 };
	int fd, probe, probe_err;
	long ret, injected;

	if (variant->order != 9)
		SKIP(return, "run once, on 2 MiB folios");
	if (access(FI("failslab", "times"), F_OK) &&
	    system("mount -t debugfs none /sys/kernel/debug 2>/dev/null; true"))
		SKIP(return, "no debugfs");
	if (access(FI("failslab", "times"), F_OK))
		SKIP(return, "no failslab in debugfs");
	ASSERT_EQ(knob_write(THR("threads"), "2"), 0);
	nm_fill(&self->buf, 11);
	ASSERT_EQ(nm_move(&self->buf, self->nodes[0], &misplaced), 0);
	ASSERT_EQ(misplaced, 0);
	fd = open("/proc/self/make-it-fail", O_WRONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(fi_arm(&fi, "failslab", "100"), 0);
	helpers = knob_num(THR("helpers"));

	/* Nothing but the move and the probe while the faults are on. */
	ASSERT_EQ(pwrite(fd, "1", 1, 0), 1);
	ret = nm_move(&self->buf, self->nodes[1], NULL);
	probe = open("/proc/self/status", O_RDONLY);
	probe_err = errno;
	ASSERT_EQ(pwrite(fd, "0", 1, 0), 1);

	injected = fi_injected("failslab");
	knobs_restore(&fi);
	close(fd);
	if (probe >= 0)
		close(probe);
	EXPECT_LT(probe, 0) {
		TH_LOG("an open() worked with failslab on: faults were off");
	}
	EXPECT_EQ(probe_err, ENOMEM);
	EXPECT_EQ(ret, 0);
	EXPECT_EQ(nm_misplaced(&self->buf, self->nodes[1]), 0);
	EXPECT_GT(knob_num(THR("helpers")), helpers);
	EXPECT_GT(injected, 0);
	EXPECT_EQ(nm_verify(&self->buf, 11, NULL), 0);
}

/* A CPU going offline and online again while batches are copied. */
TEST_F_TIMEOUT(threads, cpu_hotplug, 900)
{
	const char *cpu = "/sys/devices/system/cpu/cpu3/online";
	int status, round;
	pid_t pid;

	if (variant->order != 9)
		SKIP(return, "run once, on 2 MiB folios");
	if (access(cpu, W_OK))
		SKIP(return, "cpu3 cannot go offline");
	ASSERT_EQ(knob_write(THR("threads"), "4"), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		uint64_t seed = 7;
		int i;

		for (i = 0; i < 30; i++) {
			nm_fill(&self->buf, ++seed);
			if (nm_move(&self->buf, self->nodes[i & 1], NULL) ||
			    nm_verify(&self->buf, seed, NULL))
				_exit(1);
		}
		_exit(0);
	}
	for (round = 0; round < 4; round++) {
		usleep(100000);
		EXPECT_EQ(knob_write(cpu, "0"), 0);
		usleep(100000);
		EXPECT_EQ(knob_write(cpu, "1"), 0);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* threads, chunk_size and placement: any error will do. */
static const struct bad_write bad_thread_writes[] = {
	{ THR("threads"), "0", ANY_ERR },
	{ THR("threads"), "33", ANY_ERR },
	{ THR("threads"), "two", ANY_ERR },
	{ THR("chunk_size"), "100", ANY_ERR },
	{ THR("chunk_size"), "4097", ANY_ERR },
	{ THR("chunk_size"), "0", ANY_ERR },
	{ THR("placement"), "near", ANY_ERR },
	{ THR("placement"), "\n", ANY_ERR },
	{ THR("helpers"), "1", ANY_ERR },
	{ THR("threads"), BIN("2\0"), .err = ANY_ERR },
	{ THR("threads"), BIN("2\0garbage"), .err = ANY_ERR },
	{ THR("threads"), "2\n\n", ANY_ERR },
	{ THR("threads"), "\n", ANY_ERR },
	{ THR("threads"), "2x", ANY_ERR },
	{ THR("threads"), "2 ", ANY_ERR },
	{ THR("threads"), ones, ANY_ERR },
	{ THR("threads"), "1.5", ANY_ERR },
	{ THR("chunk_size"), BIN("262144\0"), .err = ANY_ERR },
	{ THR("chunk_size"), BIN("262144\0garbage"), .err = ANY_ERR },
	{ THR("chunk_size"), "262144\n\n", ANY_ERR },
	{ THR("chunk_size"), "\n", ANY_ERR },
	{ THR("chunk_size"), "262144x", ANY_ERR },
	{ THR("chunk_size"), "262144 ", ANY_ERR },
	{ THR("chunk_size"), ones, ANY_ERR },
	{ THR("placement"), BIN("dst\0"), .err = ANY_ERR },
	{ THR("placement"), BIN("dst\0garbage"), .err = ANY_ERR },
	{ THR("placement"), "dst\n\n", ANY_ERR },
	{ THR("placement"), "\n", ANY_ERR },
	{ THR("placement"), "Dst", ANY_ERR },
	{ THR("placement"), "dst ", ANY_ERR },
	{ THR("placement"), "src,dst", ANY_ERR },
	{ THR("enabled"), BIN("1\0") },
	{ THR("enabled"), BIN("1\0garbage") },
	{ THR("enabled"), "1\n\n" },
	{ THR("enabled"), "\n" },
	{ THR("enabled"), BIN("0\0") },
	{ THR("enabled"), "1.5" },
	{ THR("enabled"), "1x" },
	{ THR("enabled"), "1 2" },
	{ THR("enabled"), "10" },
	{ THR("enabled"), "Threads" },
	{ THR("enabled"), "18446744073709551616" },
	{ THR("enabled"), ones },
	{ THR("enabled"), "foo" },
	{ THR("enabled"), "default" },
	{ THR("enabled"), "0x" },
	{ THR("rating"), BIN("1\0") },
	{ THR("rating"), BIN("1\0garbage") },
	{ THR("rating"), "1\n\n" },
	{ THR("rating"), "\n" },
	{ THR("rating"), "1x" },
	{ THR("rating"), "1 " },
	{ THR("min_folio_size"), BIN("65536\0") },
	{ THR("min_folio_size"), BIN("65536\0garbage") },
	{ THR("min_folio_size"), "65536\n\n" },
	{ THR("min_folio_size"), "\n" },
	{ THR("min_folio_size"), "65536x" },
	{ THR("min_folio_size"), "65536 " },
	{ THR("min_batch_bytes"), BIN("0\0") },
	{ THR("min_batch_bytes"), BIN("0\0garbage") },
	{ THR("min_batch_bytes"), "0\n\n" },
	{ THR("min_batch_bytes"), "\n" },
	{ THR("min_batch_bytes"), "0x" },
	{ THR("min_batch_bytes"), "0 " },
	{ THR("max_batch_folios"), BIN("0\0") },
	{ THR("max_batch_folios"), BIN("0\0garbage") },
	{ THR("max_batch_folios"), "0\n\n" },
	{ THR("max_batch_folios"), "\n" },
	{ THR("max_batch_folios"), "0x" },
	{ THR("max_batch_folios"), "0 " },
};

/* As sysfs_bad_input, for the threads provider: disabled, then enabled. */
TEST(threads_bad_input)
{
	struct knobs saved = {};

	if (access(PROV("threads", ""), F_OK))
		SKIP(return, "no threads provider");
	ASSERT_EQ(knobs_set(&saved, THR("enabled"), "0"), 0);
	check_bad_writes(_metadata, bad_thread_writes,
			 ARRAY_SIZE(bad_thread_writes));
	ASSERT_EQ(knob_write(THR("enabled"), "1"), 0);
	check_bad_writes(_metadata, bad_thread_writes,
			 ARRAY_SIZE(bad_thread_writes));
	knobs_restore(&saved);
}

/*
 * The "dmaengine" provider (kind dma, module migrate_dma): every byte
 * arrives through DMA_MEMCPY channels for each folio size, on one and on
 * several channels per batch, and also while the kernel's fault injection
 * fails transfers (the CPU then copies those folios). Skipped without a
 * DMA engine offering memcpy.
 */
#define DMAE(f)		PROV("dmaengine", f)
#define DMA_FI(f)	"/sys/kernel/debug/migrate_dma/fail_completion/" f

FIXTURE(dmaengine)
{
	struct nm_buf buf;
	int nodes[NM_MAX_NODES];
	int nr_nodes;
	bool loaded;
	struct knobs others;
};

FIXTURE_VARIANT(dmaengine)
{
	unsigned int order;
};

FIXTURE_VARIANT_ADD(dmaengine, base_page)
{
	.order = 0,
};

FIXTURE_VARIANT_ADD(dmaengine, mthp_64k)
{
	.order = 4,
};

FIXTURE_VARIANT_ADD(dmaengine, thp_2m)
{
	.order = 9,
};

FIXTURE_SETUP(dmaengine)
{
	char in_use[1024] = "";

	self->nr_nodes = nm_mem_nodes(self->nodes, NM_MAX_NODES);
	if (self->nr_nodes < 2)
		SKIP(return, "needs two NUMA nodes with memory");
	if (access(DMAE(""), F_OK)) {
		if (system("modprobe migrate_dma 2>/dev/null"))
			SKIP(return, "no migrate_dma module");
		self->loaded = true;
	}
	if (nm_use_folio_order(variant->order))
		SKIP(return, "folio order %u not supported", variant->order);
	ASSERT_EQ(knobs_save(&self->others, DMAE("channels")), 0);
	ASSERT_EQ(knobs_set(&self->others, DMAE("min_folio_size"), "4096"), 0);
	ASSERT_EQ(knobs_set(&self->others, DMAE("min_batch_bytes"), "0"), 0);
	/* The provider holds channels only while it is enabled. */
	ASSERT_EQ(knobs_set(&self->others, DMAE("enabled"), "1"), 0);
	knob_read(DMA_DBG("in_use"), in_use, sizeof(in_use));
	if (!in_use[0])
		SKIP(return, "no DMA_MEMCPY channel");
	ASSERT_EQ(knobs_set(&self->others, POLICY, "dmaengine"), 0);
	policies_isolate(&self->others, "syscall_or_cpuset");
	ASSERT_EQ(nm_alloc(&self->buf, BUF_SIZE, variant->order), 0);
}

FIXTURE_TEARDOWN(dmaengine)
{
	nm_free(&self->buf);
	nm_restore_folio_order();
	knobs_restore(&self->others);
	/* Give the channels back to whoever used them before us. */
	if (self->loaded && system("rmmod migrate_dma"))
		TH_LOG("rmmod migrate_dma failed");
}

/*
 * Booted with swiotlb=...force (harness: the check-bounce boot), as a
 * confidential guest is: every DMA mapping is bounced and needs syncs.
 */
static bool swiotlb_forced(void)
{
	char cmdline[4096] = "";
	const char *arg;

	knob_read("/proc/cmdline", cmdline, sizeof(cmdline));
	arg = strstr(cmdline, "swiotlb=");
	return arg && strstr(arg, "force");
}

TEST_F_TIMEOUT(dmaengine, one_and_four_channels, 900)
{
	unsigned long long folios, done, failed, streamed, early, synced;
	static const char * const c[] = { "1", "4" };
	bool bounced = swiotlb_forced();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		ASSERT_EQ(knob_write(DMAE("channels"), c[i]), 0);
		folios = knob_num(DMAE("stats/folios"));
		done = knob_num(DMA_DBG("dma_stats/completed"));
		failed = knob_num(DMA_DBG("dma_stats/failed"));
		streamed = knob_num(DMA_DBG("dma_stats/streamed"));
		early = knob_num(DMA_DBG("dma_stats/early"));
		synced = knob_num(DMA_DBG("dma_stats/synced"));
		move_all_pairs(_metadata, &self->buf, self->nodes,
			       self->nr_nodes);
		EXPECT_GT(knob_num(DMAE("stats/folios")), folios);
		EXPECT_GT(knob_num(DMA_DBG("dma_stats/completed")), done);
		EXPECT_EQ(knob_num(DMA_DBG("dma_stats/failed")), failed);
		/*
		 * move_pages() commits folio by folio: every batch streams,
		 * unless its bounced copy reaches the folios only when the
		 * batch is unmapped. Then none may.
		 */
		if (bounced) {
			EXPECT_GT(knob_num(DMA_DBG("dma_stats/synced")), synced);
			EXPECT_EQ(knob_num(DMA_DBG("dma_stats/streamed")),
				  streamed);
			continue;
		}
		EXPECT_GT(knob_num(DMA_DBG("dma_stats/streamed")), streamed);
		/* How often a commit overlapped a copy: timing, so shown. */
		TH_LOG("%s channel(s): %llu batches streamed, %llu folios committed early",
		       c[i], knob_num(DMA_DBG("dma_stats/streamed")) - streamed,
		       knob_num(DMA_DBG("dma_stats/early")) - early);
	}
}

TEST_F_TIMEOUT(dmaengine, failing_transfers, 900)
{
	unsigned long long failed, cpu;

	if (access(DMA_FI("probability"), W_OK))
		SKIP(return, "no fault injection for migrate_dma");
	failed = knob_num(DMAE("stats/failed"));
	cpu = knob_num(PROV("cpu", "stats/folios"));
	ASSERT_EQ(knob_write(DMA_FI("interval"), "1"), 0);
	ASSERT_EQ(knob_write(DMA_FI("times"), "-1"), 0);
	ASSERT_EQ(knob_write(DMA_FI("verbose"), "0"), 0);
	ASSERT_EQ(knob_write(DMA_FI("probability"), "25"), 0);
	move_all_pairs(_metadata, &self->buf, self->nodes, self->nr_nodes);
	knob_write(DMA_FI("probability"), "0");
	/* Every folio a transfer failed for was copied by the CPU. */
	EXPECT_GT(knob_num(DMAE("stats/failed")), failed);
	EXPECT_GE(knob_num(PROV("cpu", "stats/folios")) - cpu,
		  knob_num(DMAE("stats/failed")) - failed);
}

/*
 * devices takes names of engines that exist (-ENODEV for others) and
 * rescan takes "1" only; rescan cannot be read, so its rows check that
 * the channels held stay as they were.
 */
static const struct bad_write bad_dma_writes[] = {
	{ DMAE("channels"), "0" },
	{ DMAE("channels"), "33" },
	{ DMAE("timeout_ms"), "0" },
	{ DMAE("timeout_ms"), "soon" },
	{ DMAE("async_timeout_ms"), "0" },
	{ DMAE("async_timeout_ms"), "600001" },
	{ DMAE("max_errors"), "-1" },
	{ DMAE("devices"), "a b" },
	{ DMA_DBG("in_use"), "x", ANY_ERR },
	{ DMA_DBG("refused"), "x", ANY_ERR },
	{ DMAE("enabled"), BIN("1\0") },
	{ DMAE("enabled"), BIN("1\0garbage") },
	{ DMAE("enabled"), "1\n\n" },
	{ DMAE("enabled"), "\n" },
	{ DMAE("enabled"), BIN("0\0") },
	{ DMAE("enabled"), "1.5" },
	{ DMAE("enabled"), "1x" },
	{ DMAE("enabled"), "1 2" },
	{ DMAE("enabled"), "10" },
	{ DMAE("enabled"), "Threads" },
	{ DMAE("enabled"), "18446744073709551616" },
	{ DMAE("enabled"), ones },
	{ DMAE("enabled"), "foo" },
	{ DMAE("enabled"), "default" },
	{ DMAE("enabled"), "0x" },
	{ DMAE("rating"), BIN("300\0") },
	{ DMAE("rating"), BIN("300\0garbage") },
	{ DMAE("rating"), "300\n\n" },
	{ DMAE("rating"), "\n" },
	{ DMAE("rating"), "300x" },
	{ DMAE("rating"), "300 " },
	{ DMAE("min_folio_size"), BIN("1048576\0") },
	{ DMAE("min_folio_size"), BIN("1048576\0garbage") },
	{ DMAE("min_folio_size"), "1048576\n\n" },
	{ DMAE("min_folio_size"), "\n" },
	{ DMAE("min_folio_size"), "1048576x" },
	{ DMAE("min_folio_size"), "1048576 " },
	{ DMAE("min_batch_bytes"), BIN("1048576\0") },
	{ DMAE("min_batch_bytes"), BIN("1048576\0garbage") },
	{ DMAE("min_batch_bytes"), "1048576\n\n" },
	{ DMAE("min_batch_bytes"), "\n" },
	{ DMAE("min_batch_bytes"), "1048576x" },
	{ DMAE("min_batch_bytes"), "1048576 " },
	{ DMAE("max_batch_folios"), BIN("0\0") },
	{ DMAE("max_batch_folios"), BIN("0\0garbage") },
	{ DMAE("max_batch_folios"), "0\n\n" },
	{ DMAE("max_batch_folios"), "\n" },
	{ DMAE("max_batch_folios"), "0x" },
	{ DMAE("max_batch_folios"), "0 " },
	{ DMAE("channels"), BIN("4\0") },
	{ DMAE("channels"), BIN("4\0garbage") },
	{ DMAE("channels"), "4\n\n" },
	{ DMAE("channels"), "\n" },
	{ DMAE("channels"), "4x" },
	{ DMAE("channels"), "4 " },
	{ DMAE("channels"), ones, ERANGE },
	{ DMAE("timeout_ms"), BIN("2000\0") },
	{ DMAE("timeout_ms"), BIN("2000\0garbage") },
	{ DMAE("timeout_ms"), "2000\n\n" },
	{ DMAE("timeout_ms"), "\n" },
	{ DMAE("timeout_ms"), "2000x" },
	{ DMAE("timeout_ms"), "2000 " },
	{ DMAE("async_timeout_ms"), BIN("100\0") },
	{ DMAE("async_timeout_ms"), BIN("100\0garbage") },
	{ DMAE("async_timeout_ms"), "100\n\n" },
	{ DMAE("async_timeout_ms"), "\n" },
	{ DMAE("async_timeout_ms"), "100x" },
	{ DMAE("async_timeout_ms"), "100 " },
	{ DMAE("max_errors"), BIN("3\0") },
	{ DMAE("max_errors"), BIN("3\0garbage") },
	{ DMAE("max_errors"), "3\n\n" },
	{ DMAE("max_errors"), "\n" },
	{ DMAE("max_errors"), "3x" },
	{ DMAE("max_errors"), "3 " },
	{ DMAE("devices"), "-1", ENODEV },
	{ DMAE("devices"), "foo", ENODEV },
	{ DMAE("devices"), "\x8f\xe2\x17\x81\xc3", ENODEV },
	{ DMAE("devices"), "foo,foo", ENODEV },
	{ DMAE("devices"), BIN("foo\0") },
	{ DMAE("devices"), BIN("\0") },
	{ DMAE("devices"), BIN("foo\0bar") },
	{ DMAE("devices"), "foo\n\n" },
	{ DMAE("devices"), "\n\n" },
	{ DMAE("devices"), " " },
	{ DMAE("devices"), "foo " },
	{ DMAE("devices"), "foo," },
	{ DMAE("devices"), ",foo" },
	{ DMAE("devices"), "foo,,bar" },
	{ DMAE("devices"), "," },
	{ DMAE("devices"), "a\tb" },
	{ DMAE("devices"), ones },
	{ DMAE("rescan"), "0", .state = DMA_DBG("in_use") },
	{ DMAE("rescan"), "2", .state = DMA_DBG("in_use") },
	{ DMAE("rescan"), "10", .state = DMA_DBG("in_use") },
	{ DMAE("rescan"), "yes", .state = DMA_DBG("in_use") },
	{ DMAE("rescan"), "1x", .state = DMA_DBG("in_use") },
	{ DMAE("rescan"), " 1", .state = DMA_DBG("in_use") },
	{ DMAE("rescan"), "1\n\n", .state = DMA_DBG("in_use") },
	{ DMAE("rescan"), "\n", .state = DMA_DBG("in_use") },
	{ DMAE("rescan"), BIN("1\0"), .state = DMA_DBG("in_use") },
};

/*
 * Disabled, then enabled: a list refused must leave every channel held,
 * not give them back. A real engine's name (from in_use) is taken,
 * alone, not with an unknown one.
 */
TEST(dmaengine_bad_input)
{
	char in_use[4096], after[4096], engine[128], list[160];
	struct knobs saved = {};
	bool loaded = false;

	if (access(DMAE(""), F_OK)) {
		if (system("modprobe migrate_dma 2>/dev/null"))
			SKIP(return, "no migrate_dma module");
		loaded = true;
	}
	ASSERT_EQ(knobs_set(&saved, DMAE("enabled"), "0"), 0);
	check_bad_writes(_metadata, bad_dma_writes, ARRAY_SIZE(bad_dma_writes));

	ASSERT_EQ(knob_write(DMAE("enabled"), "1"), 0);
	ASSERT_EQ(knob_read(DMA_DBG("in_use"), in_use, sizeof(in_use)), 0);
	check_bad_writes(_metadata, bad_dma_writes, ARRAY_SIZE(bad_dma_writes));
	ASSERT_EQ(knob_read(DMA_DBG("in_use"), after, sizeof(after)), 0);
	EXPECT_STREQ(in_use, after);

	if (sscanf(in_use, "%*s %127s", engine) == 1) {
		snprintf(list, sizeof(list), "%s,foo", engine);
		EXPECT_EQ(knob_write(DMAE("devices"), list), -ENODEV);
		ASSERT_EQ(knob_read(DMA_DBG("in_use"), after, sizeof(after)), 0);
		EXPECT_STREQ(in_use, after);
		ASSERT_EQ(knobs_set(&saved, DMAE("devices"), engine), 0);
		ASSERT_EQ(knob_read(DMAE("devices"), after, sizeof(after)), 0);
		*strchrnul(after, '\n') = '\0';
		EXPECT_STREQ(after, engine);
	}
	knobs_restore(&saved);
	if (loaded && system("rmmod migrate_dma"))
		TH_LOG("rmmod migrate_dma failed");
}

TEST_HARNESS_MAIN
