// SPDX-License-Identifier: GPL-2.0
/*
 * The built-in "cpu" provider: the copy migration has always done, one
 * folio after the other on the migrating CPU, with machine-check-safe
 * copies. It never declines, cannot be disabled and ends every chain.
 * It has no copy callback: the core copies what is left itself, at the
 * end of every chain (copy.c), and this entry only names and counts it.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "internal.h"

struct migrate_offload_provider mo_cpu_provider = {
	.name = "cpu",
	.owner = THIS_MODULE,
	.kind = MIGRATE_COPY_CPU,
	.rating = 0,
};

static int __init mo_cpu_init(void)
{
	int ret = mo_sysfs_init();

	if (!ret)
		ret = migrate_offload_register(&mo_cpu_provider);
	if (!ret)
		mo_cost_debugfs_init();
	if (ret)
		pr_err("migrate_offload: cannot set up (%d)\n", ret);
	return ret;
}
subsys_initcall(mo_cpu_init);

/* Timed once ktime runs on the clocksource the kernel chose (fs_initcall). */
static int __init mo_cpu_probe(void)
{
	if (mo_cpu_provider.entry)
		mo_cost_probe_cpu();
	return 0;
}
late_initcall(mo_cpu_probe);
