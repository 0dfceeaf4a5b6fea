// SPDX-License-Identifier: GPL-2.0
/*
 * The built-in "cpu" provider: the copy migration has always done, one
 * folio after the other on the migrating CPU, with machine-check-safe
 * copies. It never declines, cannot be disabled and ends every chain.
 */
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>

#include "internal.h"

static void mo_cpu_copy(struct migrate_copy_provider *prov,
			struct migrate_copy_req *req)
{
	unsigned int i;

	for (i = 0; i < req->nr; i++) {
		struct migrate_copy_item *it = req->items[i];

		it->status = folio_mc_copy(it->dst, it->src);
		cond_resched();
	}
}

struct migrate_copy_provider mo_cpu_provider = {
	.name = "cpu",
	.owner = THIS_MODULE,
	.kind = MIGRATE_COPY_CPU,
	.rating = 0,
	.caps = {
		.may_sleep = true,
	},
	.copy = mo_cpu_copy,
};

static int __init mo_cpu_init(void)
{
	int ret = mo_sysfs_init();

	if (!ret)
		ret = migrate_offload_register(&mo_cpu_provider);
	if (ret)
		pr_err("migrate_offload: cannot set up (%d)\n", ret);
	return ret;
}
subsys_initcall(mo_cpu_init);
