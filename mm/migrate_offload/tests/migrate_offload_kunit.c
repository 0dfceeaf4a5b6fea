// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the migration offload core: chains per hint, policy
 * parsing, thresholds and capabilities, node affinity, per-folio
 * fallback to the CPU, and unregistering a provider with a batch in
 * flight. Fake providers are registered by the tests themselves.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/sizes.h>

#include "../internal.h"
#include "../knob.h"

#define KT_MAX_SEEN	16

/* A fake provider: records what it was offered, copies or fails. */
struct kt_prov {
	struct migrate_offload_provider prov;
	unsigned int calls;
	unsigned int seen;
	unsigned int call_sizes[KT_MAX_SEEN];
	unsigned int fail_every;	/* fail items 0, N, 2N... of a call */
	unsigned int final_every;	/* final_err for items 0, N, 2N... */
	int final_err;
	bool decline;
	struct completion *entered;	/* signalled, then wait for release */
	struct completion *release;
};

static void kt_copy(struct migrate_offload_provider *prov,
		    struct migrate_offload_req *req)
{
	struct kt_prov *kp = container_of(prov, struct kt_prov, prov);
	unsigned int i;

	if (kp->entered) {
		complete(kp->entered);
		wait_for_completion(kp->release);
	}
	if (kp->calls < KT_MAX_SEEN)
		kp->call_sizes[kp->calls] = req->nr;
	kp->calls++;
	kp->seen += req->nr;
	for (i = 0; i < req->nr; i++) {
		struct migrate_offload_item *it = req->items[i];
		long p;

		if (kp->decline) {
			it->status = -EOPNOTSUPP;
			continue;
		}
		if (kp->final_every && !(i % kp->final_every)) {
			it->status = kp->final_err;
			continue;
		}
		if (kp->fail_every && !(i % kp->fail_every)) {
			/* A failed engine may leave half-written garbage. */
			for (p = 0; p < folio_nr_pages(it->dst); p++)
				memset_page(folio_page(it->dst, p), 0, 0xaa,
					    PAGE_SIZE);
			it->status = -EIO;
			continue;
		}
		folio_copy(it->dst, it->src);
		it->status = 0;
	}
}

static void kt_init(struct kt_prov *kp, const char *name,
		    enum migrate_offload_kind kind, int rating)
{
	memset(kp, 0, sizeof(*kp));
	kp->prov.name = name;
	kp->prov.kind = kind;
	kp->prov.rating = rating;
	kp->prov.copy = kt_copy;
}

static void kt_register(struct kunit *test, struct kt_prov *kp)
{
	KUNIT_ASSERT_EQ(test, migrate_offload_register(&kp->prov), 0);
	mutex_lock(&mo_lock);
	KUNIT_ASSERT_EQ(test, mo_set_enabled(kp->prov.entry, true), 0);
	mutex_unlock(&mo_lock);
}

static void kt_unregister(struct kt_prov *kp)
{
	if (kp->prov.entry)
		migrate_offload_unregister(&kp->prov);
}

static int kt_chain_to(const struct migrate_hint *hint, enum migrate_reason r,
		       int nid, const char **names)
{
	struct migrate_offload_entry *chain[MO_MAX_CHAIN];
	int n, i, idx;

	idx = srcu_read_lock(&mo_srcu);
	n = mo_build_chain(hint, r, nid, chain, NULL);
	/* The names live as long as the providers stay registered. */
	for (i = 0; i < n; i++)
		names[i] = chain[i]->name;
	srcu_read_unlock(&mo_srcu, idx);
	return n;
}

static int kt_chain(const struct migrate_hint *hint, enum migrate_reason r,
		    const char **names)
{
	return kt_chain_to(hint, r, NUMA_NO_NODE, names);
}

static struct kt_prov kt_thr, kt_dma_a, kt_dma_b;

/*
 * More enabled providers than a chain holds, registered lowest rated
 * first: the best rated make the chain, whatever their place in the list.
 */
static struct kt_prov kt_many[MO_MAX_CHAIN + 2];
static char kt_many_names[MO_MAX_CHAIN + 2][16];

static void chain_keeps_best_rated(struct kunit *test)
{
	struct migrate_hint hint = { .type = MIGRATE_HINT_ANY };
	const char *names[MO_MAX_CHAIN];
	int i, nr = ARRAY_SIZE(kt_many);

	for (i = 0; i < nr; i++) {
		snprintf(kt_many_names[i], sizeof(kt_many_names[i]),
			 "kt-many-%d", i);
		kt_init(&kt_many[i], kt_many_names[i], MIGRATE_COPY_DMA, 10 + i);
		kt_register(test, &kt_many[i]);
	}
	KUNIT_EXPECT_EQ(test, kt_chain(&hint, MR_SYSCALL, names), MO_MAX_CHAIN);
	for (i = 0; i < MO_MAX_CHAIN; i++)
		KUNIT_EXPECT_STREQ(test, names[i], kt_many_names[nr - 1 - i]);
	for (i = 0; i < nr; i++)
		kt_unregister(&kt_many[i]);
}

static void chain_by_hint(struct kunit *test)
{
	struct migrate_hint hint = { .type = MIGRATE_HINT_ANY };
	struct mo_policy saved, pol = { .type = MIGRATE_HINT_DMA };
	const char *names[MO_MAX_CHAIN];
	struct migrate_offload_floor floor;
	unsigned int order;

	kt_init(&kt_thr, "kt-thr", MIGRATE_COPY_CPU_THREADS, 100);
	kt_init(&kt_dma_a, "kt-dma-a", MIGRATE_COPY_DMA, 300);
	kt_init(&kt_dma_b, "kt-dma-b", MIGRATE_COPY_DMA, 200);
	kt_register(test, &kt_thr);
	kt_register(test, &kt_dma_a);
	kt_register(test, &kt_dma_b);

	KUNIT_ASSERT_EQ(test, kt_chain(&hint, MR_SYSCALL, names), 3);
	KUNIT_EXPECT_STREQ(test, names[0], "kt-dma-a");
	KUNIT_EXPECT_STREQ(test, names[1], "kt-dma-b");
	KUNIT_EXPECT_STREQ(test, names[2], "kt-thr");

	hint.type = MIGRATE_HINT_DMA;
	KUNIT_ASSERT_EQ(test, kt_chain(&hint, MR_SYSCALL, names), 2);
	KUNIT_EXPECT_STREQ(test, names[0], "kt-dma-a");
	KUNIT_EXPECT_STREQ(test, names[1], "kt-dma-b");

	hint.type = MIGRATE_HINT_CPU_THREADS;
	KUNIT_ASSERT_EQ(test, kt_chain(&hint, MR_SYSCALL, names), 1);
	KUNIT_EXPECT_STREQ(test, names[0], "kt-thr");

	hint.type = MIGRATE_HINT_NONE;
	KUNIT_EXPECT_EQ(test, kt_chain(&hint, MR_SYSCALL, names), 0);

	hint.type = MIGRATE_HINT_PROVIDER;
	hint.provider = "kt-dma-b";
	KUNIT_ASSERT_EQ(test, kt_chain(&hint, MR_SYSCALL, names), 1);
	KUNIT_EXPECT_STREQ(test, names[0], "kt-dma-b");
	hint.provider = "no-such";
	KUNIT_EXPECT_EQ(test, kt_chain(&hint, MR_SYSCALL, names), 0);

	/* No hint: the policy of the reason decides. */
	mo_policy_get(MR_DEMOTION, &saved);
	KUNIT_ASSERT_EQ(test, mo_policy_set(MR_DEMOTION, &pol), 0);
	KUNIT_ASSERT_EQ(test, kt_chain(NULL, MR_DEMOTION, names), 2);
	KUNIT_EXPECT_STREQ(test, names[0], "kt-dma-a");
	pol.type = MIGRATE_HINT_NONE;
	KUNIT_ASSERT_EQ(test, mo_policy_set(MR_DEMOTION, &pol), 0);
	KUNIT_EXPECT_EQ(test, kt_chain(NULL, MR_DEMOTION, names), 0);
	KUNIT_EXPECT_FALSE(test,
			   migrate_offload_wanted(MR_DEMOTION, NULL,
						  NUMA_NO_NODE, &floor));
	KUNIT_EXPECT_EQ(test, migrate_offload_batch_pages(MR_DEMOTION, NULL,
							  &order), 0);
	mo_policy_set(MR_DEMOTION, &saved);

	/* A disabled provider drops out; a new rating reorders. */
	mutex_lock(&mo_lock);
	mo_set_enabled(kt_dma_a.prov.entry, false);
	mutex_unlock(&mo_lock);
	WRITE_ONCE(kt_thr.prov.entry->rating, 900);
	hint.type = MIGRATE_HINT_ANY;
	KUNIT_ASSERT_EQ(test, kt_chain(&hint, MR_SYSCALL, names), 2);
	KUNIT_EXPECT_STREQ(test, names[0], "kt-thr");
	KUNIT_EXPECT_STREQ(test, names[1], "kt-dma-b");

	kt_unregister(&kt_thr);
	kt_unregister(&kt_dma_a);
	kt_unregister(&kt_dma_b);
	/* Gone providers are in no chain. */
	KUNIT_EXPECT_EQ(test, kt_chain(&hint, MR_SYSCALL, names), 0);
}

/* A node's preference stands in for a reason's policy, never for a hint. */
static void node_preference(struct kunit *test)
{
	struct migrate_hint dma = { .type = MIGRATE_HINT_DMA };
	struct migrate_hint threads = { .type = MIGRATE_HINT_CPU_THREADS };
	struct migrate_hint def = { .type = MIGRATE_HINT_DEFAULT };
	struct mo_policy saved, pol = { .type = MIGRATE_HINT_ANY };
	struct migrate_hint bad = { .type = MIGRATE_HINT_PROVIDER };
	const char *names[MO_MAX_CHAIN];
	int nid = first_online_node;

	kt_init(&kt_thr, "kt-thr", MIGRATE_COPY_CPU_THREADS, 100);
	kt_init(&kt_dma_a, "kt-dma-a", MIGRATE_COPY_DMA, 300);
	kt_register(test, &kt_thr);
	kt_register(test, &kt_dma_a);
	mo_policy_get(MR_SYSCALL, &saved);
	KUNIT_ASSERT_EQ(test, mo_policy_set(MR_SYSCALL, &pol), 0);

	KUNIT_ASSERT_EQ(test, migrate_offload_node_hint_get(nid, &dma), 0);
	KUNIT_ASSERT_EQ(test, kt_chain_to(NULL, MR_SYSCALL, nid, names), 1);
	KUNIT_EXPECT_STREQ(test, names[0], "kt-dma-a");
	/* Other nodes keep the reason's policy ("any"). */
	KUNIT_EXPECT_EQ(test, kt_chain_to(NULL, MR_SYSCALL, NUMA_NO_NODE,
					  names), 2);
	/* An explicit hint wins over the node. */
	KUNIT_ASSERT_EQ(test, kt_chain_to(&threads, MR_SYSCALL, nid, names), 1);
	KUNIT_EXPECT_STREQ(test, names[0], "kt-thr");
	/* "none" for the reason keeps the CPU whatever the node asks. */
	pol.type = MIGRATE_HINT_NONE;
	KUNIT_ASSERT_EQ(test, mo_policy_set(MR_SYSCALL, &pol), 0);
	KUNIT_EXPECT_EQ(test, kt_chain_to(NULL, MR_SYSCALL, nid, names), 0);

	/* Bad input changes nothing. */
	KUNIT_EXPECT_EQ(test, migrate_offload_node_hint_get(-1, &threads),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, migrate_offload_node_hint_get(nr_node_ids,
							    &threads), -EINVAL);
	KUNIT_EXPECT_EQ(test, migrate_offload_node_hint_get(nid, &bad), -EINVAL);
	bad.provider = "dma";
	KUNIT_EXPECT_EQ(test, migrate_offload_node_hint_get(nid, &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, migrate_offload_node_hint_get(nid, &def), -EINVAL);
	mo_node_policy_get(nid, &pol);
	KUNIT_EXPECT_EQ(test, pol.type, MIGRATE_HINT_DMA);

	/* Two claims on one node (two CXL regions): one goes, one stays. */
	KUNIT_ASSERT_EQ(test, migrate_offload_node_hint_get(nid, &dma), 0);
	migrate_offload_node_hint_put(nid);
	mo_node_policy_get(nid, &pol);
	KUNIT_EXPECT_EQ(test, pol.type, MIGRATE_HINT_DMA);

	/* The administrator's word stands whatever drivers claim or drop. */
	pol.type = MIGRATE_HINT_CPU_THREADS;
	KUNIT_ASSERT_EQ(test, mo_node_policy_admin(nid, &pol), 0);
	KUNIT_ASSERT_EQ(test, migrate_offload_node_hint_get(nid, &dma), 0);
	mo_node_policy_get(nid, &pol);
	KUNIT_EXPECT_EQ(test, pol.type, MIGRATE_HINT_CPU_THREADS);
	migrate_offload_node_hint_put(nid);
	mo_node_policy_get(nid, &pol);
	KUNIT_EXPECT_EQ(test, pol.type, MIGRATE_HINT_CPU_THREADS);
	/* Handed back: the claim still held shows again. */
	KUNIT_ASSERT_EQ(test, mo_node_policy_admin(nid, NULL), 0);
	mo_node_policy_get(nid, &pol);
	KUNIT_EXPECT_EQ(test, pol.type, MIGRATE_HINT_DMA);

	/* The last claim gone: no preference. */
	migrate_offload_node_hint_put(nid);
	mo_node_policy_get(nid, &pol);
	KUNIT_EXPECT_EQ(test, pol.type, MIGRATE_HINT_DEFAULT);
	mo_policy_set(MR_SYSCALL, &saved);
	kt_unregister(&kt_thr);
	kt_unregister(&kt_dma_a);
}

static void register_rejects(struct kunit *test)
{
	struct kt_prov kp;

	kt_init(&kp, "Bad Name", MIGRATE_COPY_DMA, 1);
	KUNIT_EXPECT_EQ(test, migrate_offload_register(&kp.prov), -EINVAL);
	kt_init(&kp, "any", MIGRATE_COPY_DMA, 1);
	KUNIT_EXPECT_EQ(test, migrate_offload_register(&kp.prov), -EINVAL);
	kt_init(&kp, "kt-cpu", MIGRATE_COPY_CPU, 1);
	KUNIT_EXPECT_EQ(test, migrate_offload_register(&kp.prov), -EINVAL);
	kt_init(&kp, "cpu", MIGRATE_COPY_DMA, 1);
	KUNIT_EXPECT_EQ(test, migrate_offload_register(&kp.prov), -EEXIST);
	kt_init(&kp, "kt-nocopy", MIGRATE_COPY_DMA, 1);
	kp.prov.copy = NULL;
	KUNIT_EXPECT_EQ(test, migrate_offload_register(&kp.prov), -EINVAL);
}

static const char kt_long_name[] = "a-name-that-is-far-too-long-for-a-provider";

/* String literals as a store gets them: every byte, NULs included. */
#define KT_POLICY(s, pol)	mo_policy_parse(s, sizeof(s) - 1, pol)
#define KT_LEN(s)		mo_knob_len(s, sizeof(s) - 1)
#define KT_BOOL(s, res)		mo_knob_bool(s, sizeof(s) - 1, res)
#define KT_U32(s, base, res)	mo_knob_u32(s, sizeof(s) - 1, base, res)
#define KT_U64(s, base, res)	mo_knob_u64(s, sizeof(s) - 1, base, res)
#define KT_WORD(s)		mo_knob_word(s, sizeof(s) - 1, kt_words, \
					     ARRAY_SIZE(kt_words))

static const char * const kt_words[] = { "dst", "src", "any" };

static void policy_parse(struct kunit *test)
{
	struct kt_prov kp;
	struct mo_policy pol;

	KUNIT_EXPECT_EQ(test, KT_POLICY("none", &pol), 0);
	KUNIT_EXPECT_EQ(test, pol.type, MIGRATE_HINT_NONE);
	KUNIT_EXPECT_EQ(test, KT_POLICY("any\n", &pol), 0);
	KUNIT_EXPECT_EQ(test, pol.type, MIGRATE_HINT_ANY);
	KUNIT_EXPECT_EQ(test, KT_POLICY("dma", &pol), 0);
	KUNIT_EXPECT_EQ(test, pol.type, MIGRATE_HINT_DMA);
	KUNIT_EXPECT_EQ(test, KT_POLICY("cpu-threads", &pol), 0);
	KUNIT_EXPECT_EQ(test, pol.type, MIGRATE_HINT_CPU_THREADS);

	/* cpu is never in a chain: naming it would mean none, batched. */
	KUNIT_EXPECT_EQ(test, KT_POLICY("cpu", &pol), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_POLICY("", &pol), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_POLICY("\n", &pol), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_POLICY("any\n\n", &pol), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_POLICY("any\0garbage", &pol), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_POLICY("any\0", &pol), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_POLICY("default", &pol), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_POLICY("any\nmore", &pol), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_POLICY("kt-later", &pol), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_POLICY(kt_long_name, &pol), -EINVAL);

	kt_init(&kp, "kt-later", MIGRATE_COPY_DMA, 1);
	KUNIT_ASSERT_EQ(test, migrate_offload_register(&kp.prov), 0);
	KUNIT_EXPECT_EQ(test, KT_POLICY("kt-later", &pol), 0);
	KUNIT_EXPECT_EQ(test, pol.type, MIGRATE_HINT_PROVIDER);
	KUNIT_EXPECT_STREQ(test, pol.name, "kt-later");
	migrate_offload_unregister(&kp.prov);

	pol.type = MIGRATE_HINT_DEFAULT;
	KUNIT_EXPECT_EQ(test, mo_policy_set(MR_SYSCALL, &pol), -EINVAL);
	pol.type = MIGRATE_HINT_ANY;
	KUNIT_EXPECT_EQ(test, mo_policy_set(MR_NEVER, &pol), -EINVAL);
}

/* The parsers every writable sysfs file uses (knob.h). */
static void knob_parse(struct kunit *test)
{
	const size_t nr_ones = 4096;
	bool b = false;
	char *ones;
	u64 v64;
	u32 v;

	KUNIT_EXPECT_EQ(test, KT_LEN("1"), 1);
	KUNIT_EXPECT_EQ(test, KT_LEN("12\n"), 2);
	KUNIT_EXPECT_EQ(test, KT_LEN(""), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_LEN("\n"), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_LEN("1\n\n"), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_LEN("1\0"), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_LEN("\0\n"), -EINVAL);

	KUNIT_EXPECT_EQ(test, KT_BOOL("1\n", &b), 0);
	KUNIT_EXPECT_TRUE(test, b);
	KUNIT_EXPECT_EQ(test, KT_BOOL("Off", &b), 0);
	KUNIT_EXPECT_FALSE(test, b);
	KUNIT_EXPECT_EQ(test, KT_BOOL("TRUE", &b), 0);
	KUNIT_EXPECT_TRUE(test, b);
	KUNIT_EXPECT_EQ(test, KT_BOOL("no\n", &b), 0);
	KUNIT_EXPECT_FALSE(test, b);
	KUNIT_EXPECT_EQ(test, KT_BOOL("Y", &b), 0);
	KUNIT_EXPECT_TRUE(test, b);
	KUNIT_EXPECT_EQ(test, KT_BOOL("1.5", &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_BOOL("1x", &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_BOOL("1 2", &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_BOOL("10", &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_BOOL("Threads", &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_BOOL("default", &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_BOOL("0x", &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_BOOL("t", &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_BOOL("1\0", &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_BOOL(" 1", &b), -EINVAL);
	/* Refused values leave the result alone. */
	KUNIT_EXPECT_TRUE(test, b);

	KUNIT_EXPECT_EQ(test, KT_U32("0x10\n", 0, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 16);
	KUNIT_EXPECT_EQ(test, KT_U32("0x10", 10, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_U32("4294967295", 0, &v), 0);
	KUNIT_EXPECT_EQ(test, v, U32_MAX);
	KUNIT_EXPECT_EQ(test, KT_U32("4294967296", 0, &v), -ERANGE);
	KUNIT_EXPECT_EQ(test, KT_U32("1\0", 0, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_U32("1x", 0, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_U32("1 ", 0, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_U32("-1", 0, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_U32("1\n\n", 0, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_U64("18446744073709551615", 0, &v64), 0);
	KUNIT_EXPECT_EQ(test, v64, U64_MAX);
	KUNIT_EXPECT_EQ(test, KT_U64("18446744073709551616", 0, &v64),
			-ERANGE);
	/* A page of ones, the most a store gets: followed by a NUL too. */
	ones = kunit_kzalloc(test, nr_ones + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ones);
	memset(ones, '1', nr_ones);
	KUNIT_EXPECT_EQ(test, mo_knob_u64(ones, nr_ones, 0, &v64), -ERANGE);
	KUNIT_EXPECT_EQ(test, mo_knob_bool(ones, nr_ones, &b), -EINVAL);

	KUNIT_EXPECT_EQ(test, KT_WORD("src\n"), 1);
	KUNIT_EXPECT_EQ(test, KT_WORD("any\0garbage"), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_WORD("Any"), -EINVAL);
	KUNIT_EXPECT_EQ(test, KT_WORD("an"), -EINVAL);
}

/* A batch of real folios with known contents. */
struct kt_batch {
	struct migrate_offload_batch *b;
	unsigned int nr;
};

static void kt_fill(struct folio *folio, u8 seed)
{
	long p;

	for (p = 0; p < folio_nr_pages(folio); p++)
		memset_page(folio_page(folio, p), 0, seed + p, PAGE_SIZE);
}

static bool kt_same(struct folio *a, struct folio *b)
{
	long p;

	for (p = 0; p < folio_nr_pages(a); p++) {
		void *x = kmap_local_folio(a, p * PAGE_SIZE);
		void *y = kmap_local_folio(b, p * PAGE_SIZE);
		bool same = !memcmp(x, y, PAGE_SIZE);

		kunmap_local(y);
		kunmap_local(x);
		if (!same)
			return false;
	}
	return true;
}

static struct folio *kt_folio_alloc(unsigned int order, int nid)
{
	if (nid == NUMA_NO_NODE)
		return folio_alloc(GFP_KERNEL, order);
	return __folio_alloc_node(GFP_KERNEL, order, nid);
}

static int kt_batch_alloc(struct kunit *test, struct kt_batch *kb,
			  const unsigned int *orders, unsigned int nr,
			  int src_nid, int dst_nid)
{
	unsigned int i;

	if (nr > MIGRATE_COPY_BATCH_MAX)
		return -EINVAL;
	kb->b = kunit_kzalloc(test, sizeof(*kb->b), GFP_KERNEL);
	if (!kb->b)
		return -ENOMEM;
	kb->nr = 0;
	for (i = 0; i < nr; i++) {
		struct migrate_offload_item *it = &kb->b->items[i];

		it->src = kt_folio_alloc(orders[i], src_nid);
		it->dst = kt_folio_alloc(orders[i], dst_nid);
		if (!it->src || !it->dst) {
			if (it->src)
				folio_put(it->src);
			if (it->dst)
				folio_put(it->dst);
			return -ENOMEM;
		}
		kt_fill(it->src, i * 7 + 1);
		kt_fill(it->dst, 0);
		kb->nr++;
	}
	kb->b->nr = nr;
	kb->b->reason = MR_SYSCALL;
	return 0;
}

static void kt_batch_free(struct kt_batch *kb)
{
	unsigned int i;

	for (i = 0; kb->b && i < kb->nr; i++) {
		folio_put(kb->b->items[i].src);
		folio_put(kb->b->items[i].dst);
	}
	kb->b = NULL;		/* kunit frees it */
}

static void kt_expect_copied(struct kunit *test, struct kt_batch *kb)
{
	unsigned int i;

	for (i = 0; i < kb->nr; i++) {
		struct migrate_offload_item *it = &kb->b->items[i];

		KUNIT_EXPECT_EQ(test, it->status, 0);
		KUNIT_EXPECT_TRUE_MSG(test, kt_same(it->src, it->dst),
				      "folio %u differs", i);
	}
}

static u64 kt_stat(struct kt_prov *kp, enum mo_stat_item i)
{
	struct mo_stats s;

	mo_stats_read(kp->prov.entry, &s);
	return s.v[i];
}

static u64 kt_cpu_stat(enum mo_stat_item i)
{
	struct mo_stats s;

	mo_stats_read(mo_cpu_provider.entry, &s);
	return s.v[i];
}

static const unsigned int kt_orders[] = { 0, 2, 0, 2, 2, 0, 2 };

static void thresholds_and_caps(struct kunit *test)
{
	struct migrate_hint hint = { .type = MIGRATE_HINT_DMA };
	unsigned int nr = ARRAY_SIZE(kt_orders);
	struct kt_prov kp;
	struct kt_batch kb;

	kt_init(&kp, "kt-caps", MIGRATE_COPY_DMA, 10);
	kp.prov.caps.min_folio_order = 2;
	kp.prov.caps.max_batch_folios = 2;
	kt_register(test, &kp);
	KUNIT_ASSERT_EQ(test, kt_batch_alloc(test, &kb, kt_orders, nr,
					     NUMA_NO_NODE, NUMA_NO_NODE), 0);
	kb.b->hint = &hint;

	/* Only order >= 2 is offered, two at a time: 2 + 2 of 4. */
	migrate_offload_copy(kb.b);
	kt_expect_copied(test, &kb);
	KUNIT_EXPECT_EQ(test, kp.seen, 4);
	KUNIT_EXPECT_EQ(test, kp.calls, 2);
	KUNIT_EXPECT_EQ(test, kp.call_sizes[0], 2);
	KUNIT_EXPECT_EQ(test, kt_stat(&kp, MO_STAT_FOLIOS), 4);
	KUNIT_EXPECT_EQ(test, kt_stat(&kp, MO_STAT_BYTES), 16 * PAGE_SIZE);

	/* The administrator's max batch applies below the provider's. */
	WRITE_ONCE(kp.prov.entry->max_batch_folios, 1);
	kp.calls = 0;
	kp.seen = 0;
	migrate_offload_copy(kb.b);
	KUNIT_EXPECT_EQ(test, kp.calls, 4);

	/* A batch below min_batch_bytes skips the provider entirely. */
	mo_set_min_bytes(kp.prov.entry, false, 17 * PAGE_SIZE);
	kp.calls = 0;
	kp.seen = 0;
	migrate_offload_copy(kb.b);
	kt_expect_copied(test, &kb);
	KUNIT_EXPECT_EQ(test, kp.seen, 0);
	KUNIT_EXPECT_EQ(test, kt_stat(&kp, MO_STAT_SKIPPED), 1);

	kt_unregister(&kp);
	kt_batch_free(&kb);
}

/*
 * Thresholds left at "auto" (the default) are the provider's own under a
 * named policy and none beyond its caps under "auto", where the cost
 * model decides; one the administrator set applies under both.
 */
static void thresholds_under_auto(struct kunit *test)
{
	struct migrate_hint hint = { .type = MIGRATE_HINT_ANY };
	unsigned int nr = ARRAY_SIZE(kt_orders), i;
	struct migrate_offload_entry *e;
	struct kt_prov kp;
	struct kt_batch kb;

	kt_init(&kp, "kt-auto-floor", MIGRATE_COPY_DMA, 10);
	kp.prov.caps.min_folio_order = 1;
	kp.prov.thresholds.min_folio_order = 2;
	kp.prov.thresholds.min_batch_bytes = SZ_4M;
	/* Declared far faster than the CPU: "auto" offers it the calls. */
	kp.prov.caps.est.call_ns = 1;
	kp.prov.caps.est.ps_per_byte = 1;
	kt_register(test, &kp);
	e = kp.prov.entry;
	KUNIT_EXPECT_TRUE(test, e->min_folio_auto);
	KUNIT_EXPECT_TRUE(test, e->min_batch_auto);
	KUNIT_EXPECT_EQ(test, mo_min_order(e, false), 2U);
	KUNIT_EXPECT_EQ(test, mo_min_order(e, true), 1U);
	KUNIT_EXPECT_EQ(test, mo_min_bytes(e, false), (u64)SZ_4M);
	KUNIT_EXPECT_EQ(test, mo_min_bytes(e, true), 0ULL);
	KUNIT_ASSERT_EQ(test, kt_batch_alloc(test, &kb, kt_orders, nr,
					     NUMA_NO_NODE, NUMA_NO_NODE), 0);
	kb.b->hint = &hint;

	/* "any": its own 4 MiB keeps the 64 KiB of order-2 folios from it. */
	migrate_offload_copy(kb.b);
	kt_expect_copied(test, &kb);
	KUNIT_EXPECT_EQ(test, kp.seen, 0);
	KUNIT_EXPECT_EQ(test, kt_stat(&kp, MO_STAT_SKIPPED), 1);

	/*
	 * "auto": no threshold but its caps. The model may first let the
	 * CPU copy a call to refresh its own estimate.
	 */
	hint.type = MIGRATE_HINT_AUTO;
	for (i = 0; i < 3 && !kp.seen; i++) {
		migrate_offload_copy(kb.b);
		kt_expect_copied(test, &kb);
	}
	KUNIT_EXPECT_EQ(test, kp.seen, 4);
	KUNIT_EXPECT_EQ(test, kt_stat(&kp, MO_STAT_SKIPPED), 1);

	/* Set by the administrator, it applies under "auto" too. */
	mo_set_min_bytes(e, false, SZ_4M);
	kp.seen = 0;
	migrate_offload_copy(kb.b);
	kt_expect_copied(test, &kb);
	KUNIT_EXPECT_EQ(test, kp.seen, 0);
	KUNIT_EXPECT_EQ(test, kt_stat(&kp, MO_STAT_SKIPPED), 2);

	/* "auto" again: what the administrator set no longer applies. */
	mo_set_min_order(e, false, 5);
	mo_set_min_bytes(e, false, SZ_1M);
	KUNIT_EXPECT_EQ(test, mo_min_order(e, true), 5U);
	KUNIT_EXPECT_EQ(test, mo_min_bytes(e, false), (u64)SZ_1M);
	mo_set_min_order(e, true, 0);
	mo_set_min_bytes(e, true, 0);
	KUNIT_EXPECT_EQ(test, mo_min_order(e, false), 2U);
	KUNIT_EXPECT_EQ(test, mo_min_order(e, true), 1U);
	KUNIT_EXPECT_EQ(test, mo_min_bytes(e, false), (u64)SZ_4M);
	KUNIT_EXPECT_EQ(test, mo_min_bytes(e, true), 0ULL);

	kt_unregister(&kp);
	kt_batch_free(&kb);
}

/* Copy folios of kt_orders from @src to @dst with @hint; all must arrive. */
static void kt_copy_between(struct kunit *test, const struct migrate_hint *hint,
			    int src, int dst)
{
	struct kt_batch kb;

	KUNIT_ASSERT_EQ(test, kt_batch_alloc(test, &kb, kt_orders,
					     ARRAY_SIZE(kt_orders), src, dst),
			0);
	kb.b->hint = hint;
	migrate_offload_copy(kb.b);
	kt_expect_copied(test, &kb);
	kt_batch_free(&kb);
}

static void node_affinity(struct kunit *test)
{
	struct migrate_hint hint = { .type = MIGRATE_HINT_PROVIDER,
				     .provider = "kt-node" };
	unsigned int nr = ARRAY_SIZE(kt_orders);
	int far = first_online_node, other;
	struct kt_prov kp;
	nodemask_t nodes;

	other = next_online_node(far);
	if (other == MAX_NUMNODES)
		kunit_skip(test, "needs two online nodes");

	kt_init(&kp, "kt-node", MIGRATE_COPY_DMA, 10);
	node_set(other, kp.prov.caps.nodes);
	kt_register(test, &kp);

	/* Neither end on the provider's node: the CPU copies it all. */
	kt_copy_between(test, &hint, far, far);
	KUNIT_EXPECT_EQ(test, kp.seen, 0);

	/* The destination is: the provider takes every folio. */
	kt_copy_between(test, &hint, far, other);
	KUNIT_EXPECT_EQ(test, kp.seen, nr);

	/* Moved to the far node while registered: now only far is served. */
	nodes_clear(nodes);
	node_set(far, nodes);
	migrate_offload_set_nodes(&kp.prov, &nodes);
	kt_copy_between(test, &hint, other, other);
	KUNIT_EXPECT_EQ(test, kp.seen, nr);

	/* Emptied: every node again. */
	nodes_clear(nodes);
	migrate_offload_set_nodes(&kp.prov, &nodes);
	kt_copy_between(test, &hint, other, other);
	KUNIT_EXPECT_EQ(test, kp.seen, 2 * nr);
	kt_unregister(&kp);
}

/*
 * A provider that streams: submit() starts nothing but marks its items
 * in progress (every fourth, from the third, declined), wait() copies one
 * item (every fourth, from the second, fails with garbage left behind)
 * and records the order it was asked in, finish() copies the rest.
 */
struct kt_stream {
	struct kt_prov kp;
	unsigned int waited[KT_MAX_SEEN];
	unsigned int nr_waited;
	unsigned int finished;
};

static void kt_stream_submit(struct migrate_offload_provider *prov,
			     struct migrate_offload_req *req)
{
	unsigned int i;

	for (i = 0; i < req->nr; i++)
		req->items[i]->status = i % 4 == 3 ? -EOPNOTSUPP : -EINPROGRESS;
}

static void kt_stream_wait(struct migrate_offload_provider *prov,
			   struct migrate_offload_req *req, unsigned int i)
{
	struct kt_stream *ks = container_of(prov, struct kt_stream, kp.prov);
	struct migrate_offload_item *it = req->items[i];

	if (ks->nr_waited < KT_MAX_SEEN)
		ks->waited[ks->nr_waited] = i;
	ks->nr_waited++;
	if (i % 4 == 1) {
		kt_fill(it->dst, 0xaa);
		it->status = -EIO;
		return;
	}
	folio_copy(it->dst, it->src);
	it->status = 0;
}

static void kt_stream_finish(struct migrate_offload_provider *prov,
			     struct migrate_offload_req *req)
{
	struct kt_stream *ks = container_of(prov, struct kt_stream, kp.prov);
	unsigned int i;

	ks->finished++;
	for (i = 0; i < req->nr; i++) {
		if (req->items[i]->status != -EINPROGRESS)
			continue;
		folio_copy(req->items[i]->dst, req->items[i]->src);
		req->items[i]->status = 0;
	}
}

/*
 * Committing while an engine copies: folios the provider took stay in
 * progress until migrate_offload_copy_folio(), which waits for each in
 * order and has the CPU copy one whose copy failed before it is
 * committed; migrate_offload_copy_finish() settles the rest once. A
 * batch that may not stream gets the provider's plain copy().
 */
static void stream_commits_in_order(struct kunit *test)
{
	static const unsigned int orders[] = { 2, 2, 2, 2, 2, 2, 2 };
	struct migrate_hint hint = { .type = MIGRATE_HINT_PROVIDER,
				     .provider = "kt-stream" };
	unsigned int nr = ARRAY_SIZE(orders), i, last = nr - 1;
	u64 cpu_recopied = kt_cpu_stat(MO_STAT_RECOPIED);
	struct kt_stream ks;
	struct kt_batch kb;

	kt_init(&ks.kp, "kt-stream", MIGRATE_COPY_DMA, 10);
	ks.nr_waited = 0;
	ks.finished = 0;
	ks.kp.prov.submit = kt_stream_submit;
	ks.kp.prov.wait = kt_stream_wait;
	ks.kp.prov.finish = kt_stream_finish;
	kt_register(test, &ks.kp);
	KUNIT_ASSERT_EQ(test, kt_batch_alloc(test, &kb, orders, nr,
					     NUMA_NO_NODE, NUMA_NO_NODE), 0);
	kb.b->hint = &hint;
	kb.b->may_stream = true;

	migrate_offload_copy(kb.b);
	KUNIT_EXPECT_PTR_EQ(test, kb.b->stream.by, ks.kp.prov.entry);
	KUNIT_EXPECT_EQ(test, ks.kp.calls, 0);
	for (i = 0; i < nr; i++) {
		struct migrate_offload_item *it = &kb.b->items[i];

		/* Declined at submit: the CPU copied it at once. */
		if (i % 4 == 3) {
			KUNIT_EXPECT_EQ(test, it->status, 0);
			KUNIT_EXPECT_PTR_EQ(test, it->by,
					    mo_cpu_provider.entry);
		} else {
			KUNIT_EXPECT_EQ(test, it->status, -EINPROGRESS);
		}
	}
	/* Commit all but the last, in order, as migration does. */
	for (i = 0; i < last; i++) {
		struct migrate_offload_item *it = &kb.b->items[i];

		migrate_offload_copy_folio(kb.b, it);
		KUNIT_EXPECT_EQ(test, it->status, 0);
		KUNIT_EXPECT_TRUE_MSG(test, kt_same(it->src, it->dst),
				      "folio %u differs at its commit", i);
		KUNIT_EXPECT_PTR_EQ(test, it->by, i % 4 == 1 || i % 4 == 3 ?
				    mo_cpu_provider.entry : ks.kp.prov.entry);
	}
	KUNIT_EXPECT_EQ(test, ks.nr_waited, 5);
	KUNIT_EXPECT_EQ(test, ks.waited[0], 0);
	KUNIT_EXPECT_EQ(test, ks.waited[4], 5);
	KUNIT_EXPECT_EQ(test, ks.finished, 0);
	KUNIT_EXPECT_EQ(test, kb.b->items[last].status, -EINPROGRESS);

	migrate_offload_copy_finish(kb.b);
	KUNIT_EXPECT_EQ(test, ks.finished, 1);
	KUNIT_EXPECT_NULL(test, kb.b->stream.by);
	kt_expect_copied(test, &kb);
	KUNIT_EXPECT_EQ(test, kt_stat(&ks.kp, MO_STAT_BATCHES), 1);
	KUNIT_EXPECT_EQ(test, kt_stat(&ks.kp, MO_STAT_FOLIOS), 4);
	KUNIT_EXPECT_EQ(test, kt_stat(&ks.kp, MO_STAT_FAILED), 2);
	KUNIT_EXPECT_EQ(test, kt_stat(&ks.kp, MO_STAT_DECLINED), 1);
	KUNIT_EXPECT_EQ(test, kt_cpu_stat(MO_STAT_RECOPIED) - cpu_recopied, 2);
	/* Finishing twice, or a batch that never streamed, does nothing. */
	migrate_offload_copy_finish(kb.b);
	KUNIT_EXPECT_EQ(test, ks.finished, 1);

	/* Not allowed to stream: the provider's copy() gets it all. */
	kb.b->may_stream = false;
	migrate_offload_copy(kb.b);
	kt_expect_copied(test, &kb);
	KUNIT_EXPECT_EQ(test, ks.kp.calls, 1);
	KUNIT_EXPECT_NULL(test, kb.b->stream.by);
	kt_unregister(&ks.kp);
	kt_batch_free(&kb);
}

static void per_folio_fallback(struct kunit *test)
{
	struct migrate_hint hint = { .type = MIGRATE_HINT_ANY };
	unsigned int nr = ARRAY_SIZE(kt_orders);
	struct kt_prov bad, decl;
	u64 recopied;
	struct kt_batch kb;

	kt_init(&bad, "kt-bad", MIGRATE_COPY_DMA, 20);
	bad.fail_every = 2;		/* items 0, 2, 4, 6 fail */
	kt_init(&decl, "kt-decline", MIGRATE_COPY_CPU_THREADS, 10);
	decl.decline = true;
	kt_register(test, &bad);
	kt_register(test, &decl);
	KUNIT_ASSERT_EQ(test, kt_batch_alloc(test, &kb, kt_orders, nr,
					     NUMA_NO_NODE, NUMA_NO_NODE), 0);
	kb.b->hint = &hint;
	recopied = kt_cpu_stat(MO_STAT_RECOPIED);

	migrate_offload_copy(kb.b);
	/* Every byte arrives although the providers failed or declined. */
	kt_expect_copied(test, &kb);
	KUNIT_EXPECT_EQ(test, bad.seen, nr);
	KUNIT_EXPECT_EQ(test, kt_stat(&bad, MO_STAT_FAILED), 4);
	KUNIT_EXPECT_EQ(test, kt_stat(&bad, MO_STAT_FOLIOS), 3);
	KUNIT_EXPECT_EQ(test, kt_stat(&bad, MO_STAT_FALLBACKS), 4);
	/* Only what the first one failed reached the second. */
	KUNIT_EXPECT_EQ(test, decl.seen, 4);
	KUNIT_EXPECT_EQ(test, kt_stat(&decl, MO_STAT_DECLINED), 4);
	/* ... and the CPU re-copied exactly the failed folios. */
	KUNIT_EXPECT_EQ(test, kt_cpu_stat(MO_STAT_RECOPIED) - recopied, 4);

	kt_unregister(&bad);
	kt_unregister(&decl);
	kt_batch_free(&kb);
}

/* A memory error a provider met is final: nobody reads the folio again. */
/*
 * A final error (a memory error in the source, an engine that could not
 * be stopped) ends the folio's copy: it reaches no later provider and
 * not the CPU.
 */
static void kt_final_error(struct kunit *test, int err)
{
	struct migrate_hint hint = { .type = MIGRATE_HINT_ANY };
	unsigned int nr = ARRAY_SIZE(kt_orders), i;
	struct kt_prov mce, next;
	u64 cpu_folios, cpu_failed;
	struct kt_batch kb;

	kt_init(&mce, "kt-final", MIGRATE_COPY_DMA, 20);
	mce.final_every = 3;		/* items 0, 3, 6 */
	mce.final_err = err;
	kt_init(&next, "kt-next", MIGRATE_COPY_CPU_THREADS, 10);
	next.decline = true;
	kt_register(test, &mce);
	kt_register(test, &next);
	KUNIT_ASSERT_EQ(test, kt_batch_alloc(test, &kb, kt_orders, nr,
					     NUMA_NO_NODE, NUMA_NO_NODE), 0);
	kb.b->hint = &hint;
	cpu_folios = kt_cpu_stat(MO_STAT_FOLIOS);
	cpu_failed = kt_cpu_stat(MO_STAT_FAILED);

	migrate_offload_copy(kb.b);
	for (i = 0; i < nr; i++) {
		struct migrate_offload_item *it = &kb.b->items[i];

		if (i % 3) {
			KUNIT_EXPECT_EQ(test, it->status, 0);
			KUNIT_EXPECT_TRUE(test, kt_same(it->src, it->dst));
		} else {
			KUNIT_EXPECT_EQ(test, it->status, err);
			/* Never copied again: the destination is as it was. */
			KUNIT_EXPECT_FALSE(test, kt_same(it->src, it->dst));
		}
	}
	KUNIT_EXPECT_EQ(test, kt_stat(&mce, MO_STAT_FAILED), 3);
	/* Those folios reached neither the next provider ... */
	KUNIT_EXPECT_EQ(test, next.seen, 0);
	/* ... nor the CPU, which copied nothing: the others were copied. */
	KUNIT_EXPECT_EQ(test, kt_cpu_stat(MO_STAT_FOLIOS) - cpu_folios, 0);
	KUNIT_EXPECT_EQ(test, kt_cpu_stat(MO_STAT_FAILED) - cpu_failed, 0);

	kt_unregister(&mce);
	kt_unregister(&next);
	kt_batch_free(&kb);
}

static void poison_is_final(struct kunit *test)
{
	kt_final_error(test, -EHWPOISON);
}

/* The engine may still write the destination: nobody else may. */
static void unstoppable_is_final(struct kunit *test)
{
	kt_final_error(test, -ENOTRECOVERABLE);
}

struct kt_inflight {
	struct kt_batch *kb;
	struct kt_prov *kp;
	struct completion done;
	bool unregistered;
};

static int kt_copy_thread(void *data)
{
	struct kt_inflight *f = data;

	migrate_offload_copy(f->kb->b);
	complete(&f->done);
	return 0;
}

static int kt_unregister_thread(void *data)
{
	struct kt_inflight *f = data;

	migrate_offload_unregister(&f->kp->prov);
	WRITE_ONCE(f->unregistered, true);
	return 0;
}

static void unregister_in_flight(struct kunit *test)
{
	struct migrate_hint hint = { .type = MIGRATE_HINT_DMA };
	unsigned int nr = ARRAY_SIZE(kt_orders);
	DECLARE_COMPLETION_ONSTACK(entered);
	DECLARE_COMPLETION_ONSTACK(release);
	struct kt_inflight f = { };
	struct task_struct *t;
	struct kt_prov kp;
	struct kt_batch kb;

	kt_init(&kp, "kt-slow", MIGRATE_COPY_DMA, 10);
	kp.entered = &entered;
	kp.release = &release;
	kt_register(test, &kp);
	KUNIT_ASSERT_EQ(test, kt_batch_alloc(test, &kb, kt_orders, nr,
					     NUMA_NO_NODE, NUMA_NO_NODE), 0);
	kb.b->hint = &hint;
	f.kb = &kb;
	f.kp = &kp;
	init_completion(&f.done);

	t = kthread_run(kt_copy_thread, &f, "kt-mo-copy");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	wait_for_completion(&entered);
	t = kthread_run(kt_unregister_thread, &f, "kt-mo-unreg");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));

	/* The batch still uses the provider: unregistering must wait. */
	msleep(100);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(f.unregistered));
	complete(&release);
	wait_for_completion(&f.done);
	while (!READ_ONCE(f.unregistered))
		msleep(20);
	kt_expect_copied(test, &kb);
	KUNIT_EXPECT_EQ(test, kp.seen, nr);
	KUNIT_EXPECT_NULL(test, kp.prov.entry);
	kt_batch_free(&kb);
}

/*
 * The threads provider cuts the batch across folio boundaries: every
 * byte of folios of mixed sizes must arrive, whatever the cut.
 */
static void threads_provider_copies(struct kunit *test)
{
	static const unsigned int orders[] = { 9, 0, 4, 0, 9, 2, 0 };
	struct migrate_offload_item *ptrs[ARRAY_SIZE(orders)];
	struct migrate_offload_req req = { .reason = MR_SYSCALL };
	struct migrate_offload_provider *prov = NULL;
	struct migrate_offload_entry *e;
	struct kt_batch kb;
	unsigned int i;

	if (!IS_ENABLED(CONFIG_MIGRATE_OFFLOAD_CPU_THREADS))
		kunit_skip(test, "no threads provider");
	mutex_lock(&mo_lock);
	e = mo_find_locked("threads");
	if (e)
		prov = e->prov;
	mutex_unlock(&mo_lock);
	KUNIT_ASSERT_NOT_NULL(test, prov);
	KUNIT_ASSERT_EQ(test, kt_batch_alloc(test, &kb, orders,
					     ARRAY_SIZE(orders), NUMA_NO_NODE,
					     NUMA_NO_NODE), 0);
	for (i = 0; i < kb.nr; i++) {
		ptrs[i] = &kb.b->items[i];
		ptrs[i]->status = -EAGAIN;
		req.bytes += folio_size(ptrs[i]->src);
	}
	req.items = ptrs;
	req.nr = kb.nr;
	prov->copy(prov, &req);
	kt_expect_copied(test, &kb);
	kt_batch_free(&kb);
}

/* The floor of a chain: the least any of its providers takes. */
static void floor_and_budget(struct kunit *test)
{
	struct migrate_hint hint = { .type = MIGRATE_HINT_ANY };
	struct migrate_offload_floor floor;
	unsigned int order = 0;
	struct kt_prov a, b;

	kt_init(&a, "kt-floor-a", MIGRATE_COPY_DMA, 20);
	a.prov.caps.min_folio_order = 4;
	a.prov.thresholds.min_batch_bytes = SZ_1M;
	kt_init(&b, "kt-floor-b", MIGRATE_COPY_CPU_THREADS, 10);
	b.prov.thresholds.min_folio_order = 2;
	b.prov.thresholds.min_batch_bytes = SZ_4M;
	kt_register(test, &a);
	kt_register(test, &b);

	KUNIT_ASSERT_TRUE(test, migrate_offload_wanted(MR_SYSCALL, &hint,
						       NUMA_NO_NODE, &floor));
	KUNIT_EXPECT_EQ(test, floor.min_order, 2);
	KUNIT_EXPECT_EQ(test, floor.min_bytes, SZ_1M);

	/* Only the DMA provider: its own floor. */
	hint.type = MIGRATE_HINT_DMA;
	KUNIT_ASSERT_TRUE(test, migrate_offload_wanted(MR_SYSCALL, &hint,
						       NUMA_NO_NODE, &floor));
	KUNIT_EXPECT_EQ(test, floor.min_order, 4);
	KUNIT_EXPECT_EQ(test, floor.min_bytes, SZ_1M);
	/* An administrator's threshold moves the floor at once. */
	mo_set_min_order(a.prov.entry, false, 9);
	KUNIT_EXPECT_EQ(test, migrate_offload_batch_pages(MR_SYSCALL, &hint,
							  &order),
			READ_ONCE(mo_batch_bytes) >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, order, 9);

	/* Deep batches only while some provider may take the folios. */
	hint.type = MIGRATE_HINT_NONE;
	KUNIT_EXPECT_FALSE(test, migrate_offload_wanted(MR_SYSCALL, &hint,
							NUMA_NO_NODE, &floor));
	KUNIT_EXPECT_EQ(test, migrate_offload_batch_pages(MR_SYSCALL, &hint,
							  &order), 0);
	hint.type = MIGRATE_HINT_PROVIDER;
	hint.provider = "no-such";
	KUNIT_EXPECT_EQ(test, migrate_offload_batch_pages(MR_SYSCALL, &hint,
							  &order), 0);
	kt_unregister(&a);
	kt_unregister(&b);
}

/* Preallocated batches: one per possible CPU, never two users of one. */
static void batch_pool(struct kunit *test)
{
	unsigned int max = num_possible_cpus(), n = 0, i, j;
	struct migrate_offload_batch **got, *b;
	struct kt_prov kp;

	kt_init(&kp, "kt-pool", MIGRATE_COPY_DMA, 10);
	kt_register(test, &kp);		/* enabling allocates them */
	got = kunit_kcalloc(test, max + 1, sizeof(*got), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, got);
	while (n <= max && (got[n] = migrate_offload_batch_get()))
		n++;
	/* A migration running meanwhile may hold one. */
	KUNIT_EXPECT_GE(test, n, 1);
	KUNIT_EXPECT_LE(test, n, max);
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_PTR_NE(test, got[i], got[j]);
	for (i = 0; i < n; i++)
		migrate_offload_batch_put(got[i]);
	b = migrate_offload_batch_get();
	KUNIT_EXPECT_NOT_NULL(test, b);
	migrate_offload_batch_put(b);
	kt_unregister(&kp);
}

/* A part copied ahead, on the worker: every byte there, failures too. */
static void copy_ahead(struct kunit *test)
{
	struct migrate_hint hint = { .type = MIGRATE_HINT_PROVIDER,
				     .provider = "kt-ahead" };
	unsigned int nr = ARRAY_SIZE(kt_orders);
	unsigned int parts = READ_ONCE(mo_batch_parts);
	struct migrate_offload_floor floor;
	struct kt_prov kp;
	struct kt_batch kb;

	kt_init(&kp, "kt-ahead", MIGRATE_COPY_DMA, 10);
	kp.prov.caps.copies_ahead = true;
	kp.fail_every = 3;		/* items 0, 3, 6 fail */
	kt_register(test, &kp);
	KUNIT_ASSERT_TRUE(test, migrate_offload_wanted(MR_SYSCALL, &hint,
						       NUMA_NO_NODE, &floor));
	KUNIT_EXPECT_TRUE(test, floor.ahead);
	/* Quarters of a deep batch, but never below a THP. */
	WRITE_ONCE(mo_batch_parts, 4);
	KUNIT_EXPECT_EQ(test, migrate_offload_part_bytes(SZ_32M), SZ_8M);
	KUNIT_EXPECT_EQ(test, migrate_offload_part_bytes(SZ_4M), SZ_2M);
	KUNIT_EXPECT_EQ(test, migrate_offload_part_bytes(SZ_2M), 0);
	WRITE_ONCE(mo_batch_parts, 1);
	KUNIT_EXPECT_EQ(test, migrate_offload_part_bytes(SZ_32M), 0);
	WRITE_ONCE(mo_batch_parts, parts);

	KUNIT_ASSERT_EQ(test, kt_batch_alloc(test, &kb, kt_orders, nr,
					     NUMA_NO_NODE, NUMA_NO_NODE), 0);
	mo_ahead_init(kb.b);
	kb.b->hint = &hint;
	migrate_offload_copy_ahead(kb.b);
	migrate_offload_copy_wait(kb.b);
	KUNIT_EXPECT_FALSE(test, kb.b->ahead_queued);
	kt_expect_copied(test, &kb);
	KUNIT_EXPECT_EQ(test, kp.seen, nr);
	KUNIT_EXPECT_EQ(test, kt_stat(&kp, MO_STAT_AHEAD), 1);
	KUNIT_EXPECT_EQ(test, kt_stat(&kp, MO_STAT_FAILED), 3);
	/* Waiting for a part that was not copied ahead returns at once. */
	migrate_offload_copy_wait(kb.b);

	/* A provider that does not copy ahead keeps the batch whole. */
	kp.prov.caps.copies_ahead = false;
	KUNIT_ASSERT_TRUE(test, migrate_offload_wanted(MR_SYSCALL, &hint,
						       NUMA_NO_NODE, &floor));
	KUNIT_EXPECT_FALSE(test, floor.ahead);
	kt_unregister(&kp);
	kt_batch_free(&kb);
}

/*
 * What the batch path costs when every provider declines, against the
 * per-folio copy it replaces: a batch of 512 base pages and one of a 2 MiB
 * folio, each copied by folio_mc_copy() folio by folio and then through
 * migrate_offload_copy() with a provider that declines everything, best
 * of KT_COST_ROUNDS. Also the decision alone (migrate_offload_wanted()),
 * which is all a batch below every threshold pays. Reported, not
 * asserted: timing under KASAN and lockdep says little about a
 * production kernel, and make bench measures the whole move.
 */
#define KT_COST_ROUNDS	5

static u64 kt_best(u64 a, u64 b)
{
	return a && a < b ? a : b;
}

static void kt_cost_of(struct kunit *test, unsigned int order, unsigned int nr,
		       const struct migrate_hint *hint)
{
	u64 plain = 0, batch = 0, wanted = 0, t;
	struct migrate_offload_floor floor;
	struct kt_batch kb[2] = {};
	unsigned int *orders, i, r, p, parts, per;

	/* Migration hands a batch over in parts of MIGRATE_COPY_BATCH_MAX. */
	parts = DIV_ROUND_UP(nr, MIGRATE_COPY_BATCH_MAX);
	per = nr / parts;
	KUNIT_ASSERT_LE(test, parts, ARRAY_SIZE(kb));
	orders = kunit_kcalloc(test, per, sizeof(*orders), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, orders);
	for (i = 0; i < per; i++)
		orders[i] = order;
	for (p = 0; p < parts; p++) {
		KUNIT_ASSERT_EQ(test, kt_batch_alloc(test, &kb[p], orders, per,
						     NUMA_NO_NODE,
						     NUMA_NO_NODE), 0);
		kb[p].b->hint = hint;
	}
	for (r = 0; r < KT_COST_ROUNDS; r++) {
		t = ktime_get_ns();
		for (p = 0; p < parts; p++)
			for (i = 0; i < per; i++)
				KUNIT_ASSERT_EQ(test,
						folio_mc_copy(kb[p].b->items[i].dst,
							      kb[p].b->items[i].src),
						0);
		plain = kt_best(plain, ktime_get_ns() - t);

		t = ktime_get_ns();
		for (p = 0; p < parts; p++)
			migrate_offload_copy(kb[p].b);
		batch = kt_best(batch, ktime_get_ns() - t);

		t = ktime_get_ns();
		for (i = 0; i < 1000; i++)
			migrate_offload_wanted(MR_SYSCALL, hint, NUMA_NO_NODE,
					       &floor);
		wanted = kt_best(wanted, ktime_get_ns() - t);
	}
	for (p = 0; p < parts; p++) {
		kt_expect_copied(test, &kb[p]);
		kt_batch_free(&kb[p]);
	}
	kunit_info(test, "%u x order %u: per-folio copy %llu ns, batch path with every provider declining %llu ns (%+lld ns, %lld per mille), decision %llu ns\n",
		   per * parts, order, plain, batch, (s64)(batch - plain),
		   div64_s64((s64)(batch - plain) * 1000, plain),
		   div_u64(wanted, 1000));
}

static void framework_cost(struct kunit *test)
{
	struct migrate_hint hint = { .type = MIGRATE_HINT_PROVIDER,
				     .provider = "kt-cost" };
	struct kt_prov kp;
	u64 declined;

	kt_init(&kp, "kt-cost", MIGRATE_COPY_DMA, 10);
	kp.decline = true;
	kt_register(test, &kp);
	kt_cost_of(test, 0, 512, &hint);
	kt_cost_of(test, 9, 1, &hint);	/* 2 MiB with 4 KiB pages */
	/* The provider was asked and declined every folio, every round. */
	declined = kt_stat(&kp, MO_STAT_DECLINED);
	KUNIT_EXPECT_EQ(test, declined, (512 + 1) * KT_COST_ROUNDS);
	kt_unregister(&kp);
}

static struct kunit_case migrate_offload_cases[] = {
	KUNIT_CASE(register_rejects),
	KUNIT_CASE(policy_parse),
	KUNIT_CASE(knob_parse),
	KUNIT_CASE(chain_by_hint),
	KUNIT_CASE(chain_keeps_best_rated),
	KUNIT_CASE(node_preference),
	KUNIT_CASE(thresholds_and_caps),
	KUNIT_CASE(thresholds_under_auto),
	KUNIT_CASE(floor_and_budget),
	KUNIT_CASE(batch_pool),
	KUNIT_CASE(copy_ahead),
	KUNIT_CASE_SLOW(framework_cost),
	KUNIT_CASE(node_affinity),
	KUNIT_CASE(per_folio_fallback),
	KUNIT_CASE(stream_commits_in_order),
	KUNIT_CASE(poison_is_final),
	KUNIT_CASE(unstoppable_is_final),
	KUNIT_CASE(unregister_in_flight),
	KUNIT_CASE(threads_provider_copies),
	{}
};

static struct kunit_suite migrate_offload_suite = {
	.name = "migrate_offload",
	.test_cases = migrate_offload_cases,
};

kunit_test_suite(migrate_offload_suite);

MODULE_DESCRIPTION("KUnit tests for migration copy offload");
MODULE_LICENSE("GPL");
