// SPDX-License-Identifier: GPL-2.0
/*
 * Copying ahead: the next part of a deep batch is copied on a worker
 * while migration commits the folios of the part before.
 *
 * A deep batch is copied and committed in parts. When its chain starts
 * with a provider whose copy mostly waits for an engine (caps.copies_ahead:
 * DMA), the part after the current one is handed to a worker as soon as
 * the current one is copied; migration then commits the current part's
 * folios (metadata, page tables) while the engine copies the next, and
 * waits for that copy only when it reaches the next part's first folio.
 * Every folio is still committed only after its copy was reported
 * complete: the wait comes first, and a folio whose copy failed is
 * copied by the CPU at the end of the chain, in the worker, like any
 * other.
 *
 * The workqueue has a rescuer (WQ_MEM_RECLAIM): migration in reclaim
 * waits for it, so it must make progress without new workers. A
 * migration that reclaim starts from inside the worker (an allocation of
 * the provider's) does not copy ahead itself, so the worker never waits
 * for its own workqueue.
 */
#include <linux/completion.h>
#include <linux/workqueue.h>

#include "internal.h"

static struct workqueue_struct *mo_ahead_wq;

static void mo_ahead_work(struct work_struct *work)
{
	struct migrate_offload_batch *b =
		container_of(work, struct migrate_offload_batch, ahead_work);

	migrate_offload_copy(b);
	complete(&b->ahead_done);
}

bool mo_in_ahead_worker(void)
{
	struct work_struct *w = current_work();

	return w && w->func == mo_ahead_work;
}

/* Whether a batch may copy ahead here: not from inside the worker. */
bool mo_may_copy_ahead(void)
{
	return mo_ahead_wq && !mo_in_ahead_worker();
}

void mo_ahead_init(struct migrate_offload_batch *b)
{
	INIT_WORK(&b->ahead_work, mo_ahead_work);
	init_completion(&b->ahead_done);
}

/**
 * migrate_offload_copy_ahead() - copy a batch part on a worker
 * @batch: the part, filled in; its folios stay locked and unmapped until
 *	migrate_offload_copy_wait() has returned
 */
void migrate_offload_copy_ahead(struct migrate_offload_batch *batch)
{
	reinit_completion(&batch->ahead_done);
	batch->ahead_queued = true;
	queue_work(mo_ahead_wq, &batch->ahead_work);
}

/**
 * migrate_offload_copy_wait() - wait for a part copied ahead
 * @batch: the part; nothing happens unless it was copied ahead
 *
 * On return every item's status is as migrate_offload_copy() leaves it.
 */
void migrate_offload_copy_wait(struct migrate_offload_batch *batch)
{
	if (!batch->ahead_queued)
		return;
	wait_for_completion(&batch->ahead_done);
	batch->ahead_queued = false;
}

static int __init mo_ahead_wq_init(void)
{
	mo_ahead_wq = alloc_workqueue("migrate_copy_ahead",
				      WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	return mo_ahead_wq ? 0 : -ENOMEM;
}
subsys_initcall(mo_ahead_wq_init);
