// SPDX-License-Identifier: GPL-2.0
/*
 * How long migrating folios stay unmapped.
 *
 * A folio of a batch is unmapped from the start of its batch's unmapping
 * until its page tables point at the new folio (or back at the old one),
 * and every access to it waits meanwhile. Copying a whole batch before
 * committing any folio makes that wait longer for the later folios of a
 * deeper batch: this is what the batch byte budget trades against fewer
 * provider calls, so it is measured, per folio, whenever offload is
 * active or one of the tracepoints below is enabled. The windows of the
 * folios a provider copied go into a log2 histogram in its stats/; the
 * folios the CPU copied outside the batch count for the "cpu" provider.
 */
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/timekeeping.h>

#include "internal.h"
#include <trace/events/migrate_offload.h>

/**
 * migrate_offload_window_start() - the batch begins to unmap its folios
 * @w: the batch's window, filled in here
 */
void migrate_offload_window_start(struct migrate_offload_window *w)
{
	bool measure = migrate_offload_active() ||
		       trace_migrate_offload_window_enabled() ||
		       trace_migrate_offload_folio_window_enabled();

	w->nr = 0;
	w->sum = 0;
	w->max = 0;
	w->start = measure ? ktime_get_ns() : 0;
}

/**
 * __migrate_offload_window_folio() - a folio's page tables are restored
 * @w: its batch's window
 * @it: its item in the batch copy, or NULL if the CPU copied it apart
 * @order: its order
 *
 * Called by migration with the batch from migrate_offload_batch_get() still
 * held, so the provider recorded in @it is still there.
 */
void __migrate_offload_window_folio(struct migrate_offload_window *w,
				    const struct migrate_offload_item *it,
				    unsigned int order)
{
	struct migrate_offload_entry *e = it && it->by ? it->by :
					  mo_cpu_provider.entry;
	u64 ns, us;
	unsigned int b;

	/* Also before the cpu provider registers (a boot-time tracepoint). */
	if (!e)
		return;
	ns = ktime_get_ns() - w->start;
	w->nr++;
	w->sum += ns;
	w->max = max(w->max, ns);
	us = div_u64(ns, NSEC_PER_USEC);
	b = us < 2 ? 0 : min_t(unsigned int, ilog2(us), MO_NR_WINDOWS - 1);
	this_cpu_inc(e->stats->window[b]);
	trace_migrate_offload_folio_window(e->name, order, ns);
}

/**
 * migrate_offload_window_end() - the batch's folios are all back
 * @w: the batch's window
 * @reason: why the folios migrated
 */
void migrate_offload_window_end(struct migrate_offload_window *w,
				enum migrate_reason reason)
{
	if (w->start && w->nr)
		trace_migrate_offload_window(reason, w->nr,
					     div_u64(w->sum, w->nr), w->max);
}
