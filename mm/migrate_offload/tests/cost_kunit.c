// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the cost model behind the "auto" policy (cost.c): what
 * it learns from synthetic calls, how fast it drops a provider that
 * slowed down and how it gives it another chance, where it starts, and
 * that each path between nodes learns apart.
 *
 * The CPU's own estimates are set for each case and put back after it.
 */
#include <kunit/test.h>
#include <linux/math64.h>
#include <linux/memory-tiers.h>
#include <linux/nodemask.h>
#include <linux/pgtable.h>
#include <linux/sizes.h>
#include <linux/timekeeping.h>

#include "../internal.h"

struct kc_ctx {
	struct mo_cost_class cpu[MO_COST_CLASSES];
	struct migrate_offload_provider prov;
};

static void kc_copy(struct migrate_offload_provider *prov,
		    struct migrate_offload_req *req)
{
	unsigned int i;

	for (i = 0; i < req->nr; i++)
		req->items[i]->status = -EOPNOTSUPP;
}

/* A CPU with no fixed cost, in every class (its samples kept apart). */
static void kc_cpu_set(u64 ps_per_byte)
{
	unsigned int c;

	for (c = 0; c < MO_COST_CLASSES; c++) {
		struct mo_cost_class *k = &mo_cpu_provider.entry->cost[c];

		k->fixed_ns = 0;
		k->ps_per_byte = ps_per_byte;
		k->samples = 0;
		k->fit_n = 0;
		/* Just measured: no refresh of the CPU's cost is due. */
		k->stamp = ktime_get_ns();
	}
}

static struct migrate_offload_entry *
kc_register(struct kunit *test, const char *name,
	    const struct migrate_offload_estimate *est)
{
	struct kc_ctx *ctx = test->priv;

	ctx->prov = (struct migrate_offload_provider) {
		.name = name,
		.kind = MIGRATE_COPY_DMA,
		.rating = 1,
		.copy = kc_copy,
	};
	if (est)
		ctx->prov.caps.est = *est;
	KUNIT_ASSERT_EQ(test, migrate_offload_register(&ctx->prov), 0);
	return ctx->prov.entry;
}

static int kc_init(struct kunit *test)
{
	struct kc_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	memcpy(ctx->cpu, mo_cpu_provider.entry->cost, sizeof(ctx->cpu));
	test->priv = ctx;
	kc_cpu_set(1000);
	return 0;
}

static void kc_exit(struct kunit *test)
{
	struct kc_ctx *ctx = test->priv;

	if (ctx->prov.entry)
		migrate_offload_unregister(&ctx->prov);
	memcpy(mo_cpu_provider.entry->cost, ctx->cpu, sizeof(ctx->cpu));
}

/* Within @pct percent of @want. */
static bool kc_near(u64 got, u64 want, unsigned int pct)
{
	u64 d = got > want ? got - want : want - got;

	return d * 100 <= want * pct;
}

/* Calls of 1 to 32 MiB at 50 us plus 200 ps per byte: both are learned. */
static void converges(struct kunit *test)
{
	struct migrate_offload_entry *e = kc_register(test, "kc-conv", NULL);
	unsigned int i, c = 2;

	for (i = 0; i < 200; i++) {
		u64 bytes = (u64)SZ_1M << (i % 6);

		mo_cost_sample(e, c, bytes, 50000 + div_u64(bytes * 200, 1000));
	}
	KUNIT_EXPECT_TRUE_MSG(test, kc_near(e->cost[c].ps_per_byte, 200, 10),
			      "ps_per_byte %llu", e->cost[c].ps_per_byte);
	KUNIT_EXPECT_TRUE_MSG(test, kc_near(e->cost[c].fixed_ns, 50000, 25),
			      "fixed_ns %llu", e->cost[c].fixed_ns);
	KUNIT_EXPECT_TRUE(test, kc_near(mo_cost_predict(e, c, SZ_8M),
					50000 + SZ_8M / 5, 5));
	KUNIT_EXPECT_EQ(test, e->cost[c].samples, 200U);
	/* 5x faster than the CPU at 8 MiB: chosen, and worth retrying. */
	KUNIT_EXPECT_TRUE(test, e->cost[c].won);
	KUNIT_EXPECT_TRUE(test, mo_cost_choose(e, c, SZ_8M));
}

/*
 * A provider that became 10x slower than it was (5x slower than the CPU)
 * is dropped after one call, offered one call in MO_COST_RETRY (and one
 * after MO_COST_RETRY_NS without a sample), and chosen again as soon as
 * such a call is fast.
 */
static void slow_provider_dropped_and_retried(struct kunit *test)
{
	struct migrate_offload_entry *e = kc_register(test, "kc-slow", NULL);
	unsigned int i, c = 2, offered = 0, first = 0;
	u64 bytes = SZ_8M;

	for (i = 0; i < 8; i++)
		mo_cost_sample(e, c, bytes, bytes / 2);	/* 2x the CPU */
	KUNIT_ASSERT_TRUE(test, mo_cost_choose(e, c, bytes));

	mo_cost_sample(e, c, bytes, bytes * 5);
	KUNIT_EXPECT_FALSE(test, mo_cost_choose(e, c, bytes));
	KUNIT_EXPECT_FALSE(test, mo_cost_may_win(e, c, bytes));

	/* Still slow: exactly one call in MO_COST_RETRY is offered. */
	for (i = 1; i <= 4 * MO_COST_RETRY; i++) {
		if (mo_cost_choose(e, c, bytes)) {
			offered++;
			if (!first)
				first = i;
			mo_cost_sample(e, c, bytes, bytes * 5);
		}
	}
	/* Counted from its first lost call, just before the loop. */
	KUNIT_EXPECT_EQ(test, first, (unsigned int)MO_COST_RETRY - 1);
	KUNIT_EXPECT_EQ(test, offered, 4U);

	/*
	 * A second without a sample (no batch built to count lost calls):
	 * a retry is due, and one call, not every one, takes it.
	 */
	e->cost[c].stamp = ktime_get_ns() - 2 * MO_COST_RETRY_NS;
	KUNIT_EXPECT_TRUE(test, mo_cost_may_win(e, c, bytes));
	KUNIT_EXPECT_TRUE(test, mo_cost_choose(e, c, bytes));
	KUNIT_EXPECT_FALSE(test, mo_cost_choose(e, c, bytes));

	/* Fast again: the next retry brings it back for good. */
	for (i = 0; i < MO_COST_RETRY; i++) {
		if (mo_cost_choose(e, c, bytes)) {
			mo_cost_sample(e, c, bytes, bytes / 2);
			break;
		}
	}
	KUNIT_EXPECT_LT(test, i, (unsigned int)MO_COST_RETRY);
	KUNIT_EXPECT_TRUE(test, mo_cost_choose(e, c, bytes));
	KUNIT_EXPECT_TRUE(test, mo_cost_may_win(e, c, bytes));
}

/*
 * Start-up: a declared estimate gives the first predictions, per size
 * class; a provider that declares none starts at the CPU's cost, is never
 * chosen and, never having been measured faster, never retried.
 */
static void starts_from_estimate(struct kunit *test)
{
	const struct migrate_offload_estimate est = {
		.call_ns = 20000, .folio_ns = 4096, .ps_per_byte = 100,
	};
	struct migrate_offload_entry *e = kc_register(test, "kc-est", &est);
	unsigned int i, chosen = 0;

	/* Base pages: 100 ps + 4096 ns / 4 KiB per byte, 1100 in all. */
	KUNIT_EXPECT_EQ(test, mo_cost_predict(e, 0, SZ_1M),
			20000ULL + SZ_1M * 1100ULL / 1000);
	/* Slower than the CPU on base pages, five times faster at 2 MiB. */
	KUNIT_EXPECT_FALSE(test, mo_cost_may_win(e, 0, SZ_1M));
	KUNIT_EXPECT_TRUE(test, mo_cost_may_win(e, 2, SZ_8M));
	migrate_offload_unregister(e->prov);

	e = kc_register(test, "kc-none", NULL);
	KUNIT_EXPECT_EQ(test, mo_cost_predict(e, 2, SZ_8M),
			mo_cost_predict(mo_cpu_provider.entry, 2, SZ_8M));
	for (i = 0; i < 4 * MO_COST_RETRY; i++)
		chosen += mo_cost_choose(e, 2, SZ_8M);
	KUNIT_EXPECT_EQ(test, chosen, 0U);
}

/*
 * Ties go to the CPU: a provider must win by the margin. Once it wins,
 * the CPU still copies one call in MO_COST_CPU_EVERY, and one when its
 * own estimate is stale.
 */
static void ties_and_cpu_refresh(struct kunit *test)
{
	struct migrate_offload_entry *e = kc_register(test, "kc-tie", NULL);
	unsigned int i, c = 1, refused = 0;
	u64 bytes = SZ_4M;

	/* As fast as the CPU, then just inside the margin: not chosen. */
	for (i = 0; i < 8; i++)
		mo_cost_sample(e, c, bytes, bytes);
	KUNIT_EXPECT_FALSE(test, mo_cost_choose(e, c, bytes));
	for (i = 0; i < 16; i++)
		mo_cost_sample(e, c, bytes, div_u64(bytes * 9, 10));
	KUNIT_EXPECT_FALSE(test, mo_cost_choose(e, c, bytes));

	/* Twice as fast: chosen, but for one call in MO_COST_CPU_EVERY. */
	for (i = 0; i < 16; i++)
		mo_cost_sample(e, c, bytes, bytes / 2);
	for (i = 0; i < 4 * MO_COST_CPU_EVERY; i++)
		refused += !mo_cost_choose(e, c, bytes);
	KUNIT_EXPECT_EQ(test, refused, 4U);

	/* The CPU's estimate grew stale: one call, not more, is the CPU's. */
	mo_cpu_provider.entry->cost[c].stamp =
		ktime_get_ns() - 2 * MO_COST_CPU_STALE_NS;
	KUNIT_EXPECT_FALSE(test, mo_cost_choose(e, c, bytes));
	KUNIT_EXPECT_TRUE(test, mo_cost_choose(e, c, bytes));
}

/*
 * The CPU's cost jumps (a busy host): the providers' estimates of the
 * class move with it, so the comparison stays; other classes stay.
 */
static void rescaled_with_cpu(struct kunit *test)
{
	struct migrate_offload_entry *cpu = mo_cpu_provider.entry;
	struct migrate_offload_entry *e = kc_register(test, "kc-scale", NULL);
	unsigned int i, c = 2;
	u64 bytes = SZ_8M, before, other;

	for (i = 0; i < 8; i++)
		mo_cost_sample(e, c, bytes, bytes / 2);
	before = e->cost[c].ps_per_byte;
	other = e->cost[1].ps_per_byte;
	mo_cost_sample(cpu, c, bytes, bytes);		/* as it was */
	KUNIT_EXPECT_EQ(test, e->cost[c].ps_per_byte, before);
	mo_cost_sample(cpu, c, bytes, bytes * 5);	/* five times slower */
	KUNIT_EXPECT_TRUE_MSG(test, kc_near(e->cost[c].ps_per_byte,
					    before * 5, 2),
			      "%llu after %llu", e->cost[c].ps_per_byte, before);
	KUNIT_EXPECT_EQ(test, e->cost[1].ps_per_byte, other);
	/* Still twice as fast as the CPU: still chosen. */
	KUNIT_EXPECT_TRUE(test, mo_cost_choose(e, c, bytes));
}

/* Size classes: base pages, larger folios, PMD size and up. */
static void size_classes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mo_cost_class(256, 256 * PAGE_SIZE, 0, 0), 0U);
	KUNIT_EXPECT_EQ(test, mo_cost_class(16, 16 * SZ_64K, 0, 0), 1U);
	KUNIT_EXPECT_EQ(test, mo_cost_class(4, 4 * (PAGE_SIZE << PMD_ORDER),
					    0, 0), 2U);
	/* Mixed: by the mean folio size. */
	KUNIT_EXPECT_EQ(test, mo_cost_class(2, PAGE_SIZE + SZ_64K, 0, 0), 1U);
	KUNIT_EXPECT_EQ(test, mo_cost_class_min_order(2), (unsigned int)PMD_ORDER);
	KUNIT_EXPECT_EQ(test,
			mo_cost_class_min_order(mo_cost_cell(MO_COST_PMD,
							     MO_COST_TIER)),
			(unsigned int)PMD_ORDER);
}

/*
 * Paths: one node, two top-tier nodes, or a lower tier on either side;
 * a side nobody can tell counts as the top tier.
 */
static void paths(struct kunit *test)
{
	unsigned int want;
	int a, b;

	KUNIT_EXPECT_EQ(test, mo_cost_path(0, 0), (unsigned int)MO_COST_LOCAL);
	KUNIT_EXPECT_EQ(test, mo_cost_path(NUMA_NO_NODE, NUMA_NO_NODE),
			(unsigned int)MO_COST_LOCAL);
	for_each_node_state(a, N_MEMORY) {
		want = node_is_toptier(a) ? MO_COST_NEAR : MO_COST_TIER;
		KUNIT_EXPECT_EQ(test, mo_cost_path(a, NUMA_NO_NODE), want);
		KUNIT_EXPECT_EQ(test, mo_cost_path(NUMA_NO_NODE, a), want);
		for_each_node_state(b, N_MEMORY) {
			if (a == b)
				continue;
			want = node_is_toptier(a) && node_is_toptier(b) ?
			       MO_COST_NEAR : MO_COST_TIER;
			KUNIT_EXPECT_EQ(test, mo_cost_path(a, b), want);
			KUNIT_EXPECT_EQ(test, mo_cost_class(1, SZ_2M, a, b),
					mo_cost_cell(MO_COST_PMD, want));
		}
	}
}

/*
 * A provider twice as fast as the CPU between top-tier nodes and five
 * times slower to a lower tier: each path learns its own, and "auto"
 * gives it the one and not the other; a path it never copied on is left
 * where it started.
 */
static void paths_learn_apart(struct kunit *test)
{
	struct migrate_offload_entry *e = kc_register(test, "kc-path", NULL);
	unsigned int near = mo_cost_cell(MO_COST_PMD, MO_COST_NEAR);
	unsigned int tier = mo_cost_cell(MO_COST_PMD, MO_COST_TIER);
	unsigned int local = mo_cost_cell(MO_COST_PMD, MO_COST_LOCAL);
	u64 bytes = SZ_8M;
	unsigned int i;

	for (i = 0; i < 8; i++) {
		mo_cost_sample(e, near, bytes, bytes / 2);
		mo_cost_sample(e, tier, bytes, bytes * 5);
	}
	KUNIT_EXPECT_TRUE(test, kc_near(mo_cost_predict(e, near, bytes),
					bytes / 2, 5));
	KUNIT_EXPECT_TRUE(test, kc_near(mo_cost_predict(e, tier, bytes),
					bytes * 5, 5));
	KUNIT_EXPECT_TRUE(test, mo_cost_choose(e, near, bytes));
	KUNIT_EXPECT_FALSE(test, mo_cost_choose(e, tier, bytes));
	KUNIT_EXPECT_EQ(test, e->cost[local].samples, 0U);
	KUNIT_EXPECT_EQ(test, mo_cost_predict(e, local, bytes),
			mo_cost_predict(mo_cpu_provider.entry, local, bytes));
	KUNIT_EXPECT_FALSE(test, mo_cost_may_win(e, local, bytes));
}

static struct kunit_case mo_cost_cases[] = {
	KUNIT_CASE(converges),
	KUNIT_CASE(slow_provider_dropped_and_retried),
	KUNIT_CASE(starts_from_estimate),
	KUNIT_CASE(ties_and_cpu_refresh),
	KUNIT_CASE(rescaled_with_cpu),
	KUNIT_CASE(size_classes),
	KUNIT_CASE(paths),
	KUNIT_CASE(paths_learn_apart),
	{}
};

static struct kunit_suite mo_cost_suite = {
	.name = "migrate_offload_cost",
	.init = kc_init,
	.exit = kc_exit,
	.test_cases = mo_cost_cases,
};

kunit_test_suite(mo_cost_suite);
