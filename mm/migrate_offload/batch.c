// SPDX-License-Identifier: GPL-2.0
/*
 * Batches that cost no allocation, and how deep a batch may be.
 *
 * Migration runs in reclaim (demotion) and under memory pressure, where
 * the copy path must not allocate (slots.h). So every possible CPU gets
 * one batch, allocated when the first provider is enabled and kept from
 * then on. If every batch is taken, the batch is not built and migration
 * copies folio by folio as it does without offload.
 *
 * Each batch comes with a second one for the part of a deep batch that
 * is copied ahead (ahead.c). The batch also carries its read-side
 * section of mo_srcu, so the providers recorded in its items stay valid
 * until the batch is put.
 */
#include <linux/cpumask.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "internal.h"
#include "slots.h"

/*
 * The batch byte budget. The default, 4 THPs of 2 MiB, gives one call
 * a THP for each of four DMA channels and enough chunks for the helper
 * threads, while the last folio of a batch stays unmapped about 2.5
 * times as long as with one THP per batch; deeper batches bought little
 * more speed for much longer windows (make bench, see
 * Documentation/admin-guide/mm/migrate_offload.rst).
 */
u64 mo_batch_bytes = SZ_8M;

/*
 * Parts a deep batch is cut into when its chain copies ahead (ahead.c):
 * the first is copied while nothing else happens, each later one while
 * migration commits the one before. 1, the default, copies the batch in
 * one go: measured, copying ahead cost more in hand-overs to the worker
 * and idle engines between parts than it saved in commits.
 */
unsigned int mo_batch_parts = 1;

/**
 * migrate_offload_part_bytes() - the size of a part of a deep batch
 * @bytes: what the batch copy would take of the batch
 *
 * Only for a batch whose chain copies ahead
 * (&struct migrate_offload_floor.ahead).
 *
 * Return: the most bytes of one part, or 0 to copy the batch in one go.
 */
u64 migrate_offload_part_bytes(u64 bytes)
{
	unsigned int parts = READ_ONCE(mo_batch_parts);

	/* Parts of at least a THP, so that each still fills the engines. */
	if (parts < 2 || bytes <= SZ_2M)
		return 0;
	return max_t(u64, SZ_2M, div_u64(bytes, parts));
}

static DEFINE_PER_CPU(struct mo_slot, mo_batch_slots);
static bool mo_batches_ready;

/**
 * mo_batches_alloc() - give every possible CPU its batch
 *
 * Called under mo_lock before a provider is enabled; batches once
 * allocated are never freed, so the copy path needs no reference on them.
 *
 * Return: 0 or -ENOMEM.
 */
int mo_batches_alloc(void)
{
	int cpu;

	lockdep_assert_held(&mo_lock);
	if (mo_batches_ready)
		return 0;
	for_each_possible_cpu(cpu) {
		struct migrate_offload_batch *b;

		if (per_cpu_ptr(&mo_batch_slots, cpu)->obj)
			continue;
		/* Two halves: the part being committed, the part copied ahead. */
		b = kvcalloc_node(2, sizeof(*b), GFP_KERNEL, cpu_to_node(cpu));
		if (!b)
			return -ENOMEM;
		b[0].cpu = cpu;
		b[0].ahead = &b[1];
		b[1].cpu = -1;
		mo_ahead_init(&b[0]);
		mo_ahead_init(&b[1]);
		mo_slot_publish(&mo_batch_slots, cpu, b);
	}
	/* Pairs with migrate_offload_batch_get(): the batches are there. */
	smp_store_release(&mo_batches_ready, true);
	return 0;
}

/**
 * migrate_offload_batch_get() - a batch for the folios of one migration pass
 *
 * Neither allocates nor sleeps. The caller fills in the items, the reason,
 * the hint and the mode, and gives the batch back with
 * migrate_offload_batch_put().
 *
 * Return: the batch, or NULL when none is free (copy folio by folio).
 */
struct migrate_offload_batch *migrate_offload_batch_get(void)
{
	struct migrate_offload_batch *b;
	int cpu;

	/* Pairs with mo_batches_alloc(). */
	if (!smp_load_acquire(&mo_batches_ready))
		return NULL;
	b = mo_slots_take(&mo_batch_slots, &cpu);
	if (!b)
		return NULL;
	b->nr = 0;
	b->part_bytes = 0;
	b->may_stream = false;
	b->stream.by = NULL;
	b->ahead->nr = 0;
	b->ahead->may_stream = false;
	b->ahead->stream.by = NULL;
	b->srcu_idx = srcu_read_lock(&mo_srcu);
	return b;
}

/**
 * migrate_offload_batch_put() - give a batch back
 * @batch: from migrate_offload_batch_get(), or NULL
 */
void migrate_offload_batch_put(struct migrate_offload_batch *batch)
{
	if (!batch)
		return;
	/* Its folios may go away now: no copy of them may still run. */
	migrate_offload_copy_wait(batch);
	migrate_offload_copy_wait(batch->ahead);
	migrate_offload_copy_finish(batch);
	migrate_offload_copy_finish(batch->ahead);
	srcu_read_unlock(&mo_srcu, batch->srcu_idx);
	mo_slot_put(&mo_batch_slots, batch->cpu);
}
