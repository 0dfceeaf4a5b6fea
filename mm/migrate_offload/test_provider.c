// SPDX-License-Identifier: GPL-2.0
/*
 * A migration copy provider for selftests: it copies with the CPU but
 * can be told to fail or decline every Nth folio and to be slow, so the
 * tests can prove per-folio fallback (no byte lost, counters that add
 * up) and unloading a provider while migrations run; and it can claim a
 * cost it does not have, so that the "auto" policy tries it.
 *
 * Not for production kernels: it exists to break things on purpose.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/migrate_offload.h>
#include <linux/mm.h>
#include <linux/module.h>

static unsigned int fail_every;
module_param(fail_every, uint, 0644);
MODULE_PARM_DESC(fail_every, "Fail every Nth folio offered (0: never)");

static unsigned int decline_every;
module_param(decline_every, uint, 0644);
MODULE_PARM_DESC(decline_every, "Decline every Nth folio offered (0: never)");

static unsigned int delay_us;
module_param(delay_us, uint, 0644);
MODULE_PARM_DESC(delay_us, "Sleep this long per call, to be slow");

static bool dma = true;
module_param(dma, bool, 0444);
MODULE_PARM_DESC(dma, "Register as kind dma (else cpu-threads)");

static int rating = 500;
module_param(rating, int, 0444);
MODULE_PARM_DESC(rating, "Rating: place in chains");

static bool enable;
module_param(enable, bool, 0444);
MODULE_PARM_DESC(enable, "Enable the provider at load");

/* What it claims to cost before it is measured, for the "auto" policy. */
static unsigned int est_call_ns;
module_param(est_call_ns, uint, 0444);
MODULE_PARM_DESC(est_call_ns, "Declared cost of a call (ns)");

static unsigned int est_ps_per_byte;
module_param(est_ps_per_byte, uint, 0444);
MODULE_PARM_DESC(est_ps_per_byte,
		 "Declared cost of a byte (ps); 0: declare nothing");

/* Counts folios offered since load, so "every Nth" spans calls. */
static atomic_t offered = ATOMIC_INIT(0);

static void test_copy(struct migrate_offload_provider *prov,
		      struct migrate_offload_req *req)
{
	unsigned int i, fail = READ_ONCE(fail_every);
	unsigned int decline = READ_ONCE(decline_every);
	unsigned int delay = READ_ONCE(delay_us);

	if (delay)
		usleep_range(delay, delay + delay / 4 + 1);

	for (i = 0; i < req->nr; i++) {
		struct migrate_offload_item *it = req->items[i];
		unsigned int n = atomic_inc_return(&offered);
		long p;

		if (decline && !(n % decline)) {
			it->status = -EOPNOTSUPP;
			continue;
		}
		if (fail && !(n % fail)) {
			/* Leave garbage, as a failed engine might. */
			for (p = 0; p < folio_nr_pages(it->dst); p++)
				memset_page(folio_page(it->dst, p), 0, 0x5a,
					    PAGE_SIZE);
			it->status = -EIO;
			continue;
		}
		it->status = folio_mc_copy(it->dst, it->src);
		cond_resched();
	}
}

static struct migrate_offload_provider test_provider = {
	.name = "test",
	.owner = THIS_MODULE,
	.copy = test_copy,
};

static int __init test_provider_init(void)
{
	int ret;

	test_provider.kind = dma ? MIGRATE_COPY_DMA : MIGRATE_COPY_CPU_THREADS;
	/* Like an engine, its copy (maybe slow, see delay_us) runs ahead. */
	test_provider.caps.copies_ahead = dma;
	test_provider.rating = rating;
	test_provider.caps.est.call_ns = est_call_ns;
	test_provider.caps.est.ps_per_byte = est_ps_per_byte;
	ret = migrate_offload_register(&test_provider);
	if (ret)
		return ret;
	if (enable) {
		ret = migrate_offload_enable(&test_provider, true);
		if (ret)
			migrate_offload_unregister(&test_provider);
	}
	return ret;
}
module_init(test_provider_init);

static void __exit test_provider_exit(void)
{
	migrate_offload_unregister(&test_provider);
}
module_exit(test_provider_exit);

MODULE_DESCRIPTION("Fault-injecting migration copy provider for selftests");
MODULE_LICENSE("GPL");
