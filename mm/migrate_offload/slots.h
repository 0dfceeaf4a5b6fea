/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One preallocated object per possible CPU, for the copy path.
 *
 * Migration copies from reclaim (demotion) and under memory pressure,
 * where an allocation would either fail or recurse into reclaim, and
 * under PF_MEMALLOC dig into the reserves reclaim itself needs. So what
 * a copy needs beyond its stack (the core's batch, a provider's helpers
 * or DMA bookkeeping) is allocated up front, once per possible CPU, and
 * taken and given back here.
 *
 * A copy takes its own CPU's object with one cmpxchg on a cache line no
 * other CPU writes. Only when that one is busy (its owner was preempted
 * on this CPU, reclaim entered a migration from inside a copy, or a DMA
 * batch still belongs to transfers that could not be stopped) does it
 * look at the other CPUs' objects. When all are busy it gets none, and
 * does without: the core copies folio by folio, a provider copies alone
 * or declines. Nothing here sleeps or allocates.
 */
#ifndef _MM_MIGRATE_OFFLOAD_SLOTS_H
#define _MM_MIGRATE_OFFLOAD_SLOTS_H

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/smp.h>

/**
 * struct mo_slot - a possible CPU's preallocated object
 * @busy: 1 while someone holds @obj
 * @obj: the object; NULL until it was allocated, then never changed
 */
struct mo_slot {
	atomic_t busy;
	void *obj;
};

/**
 * mo_slot_publish() - make a freshly allocated object available
 * @slots: the per-CPU slots
 * @cpu: the CPU it is for
 * @obj: the object, fully initialized
 */
static inline void mo_slot_publish(struct mo_slot __percpu *slots, int cpu,
				   void *obj)
{
	/* Pairs with mo_slot_take(): takers see it initialized. */
	smp_store_release(&per_cpu_ptr(slots, cpu)->obj, obj);
}

/* @cpu's object if it is there and free, else NULL. */
static inline void *mo_slot_take(struct mo_slot __percpu *slots, int cpu)
{
	struct mo_slot *slot = per_cpu_ptr(slots, cpu);
	/* Pairs with mo_slot_publish(): an object seen is initialized. */
	void *obj = smp_load_acquire(&slot->obj);

	/* Look before the cmpxchg: a busy line stays shared, not bounced. */
	if (!obj || atomic_read(&slot->busy) ||
	    atomic_cmpxchg_acquire(&slot->busy, 0, 1))
		return NULL;
	return obj;
}

/**
 * mo_slots_take() - a free object, this CPU's own first
 * @slots: the per-CPU slots
 * @cpu: set to the CPU whose object was taken, for mo_slot_put()
 *
 * Return: the object, or NULL when every one is busy.
 */
static inline void *mo_slots_take(struct mo_slot __percpu *slots, int *cpu)
{
	int start = raw_smp_processor_id(), c;
	void *obj = mo_slot_take(slots, start);

	if (obj) {
		*cpu = start;
		return obj;
	}
	for_each_cpu_wrap(c, cpu_possible_mask, start) {
		obj = mo_slot_take(slots, c);
		if (obj) {
			*cpu = c;
			return obj;
		}
	}
	return NULL;
}

/**
 * mo_slot_put() - give an object back
 * @slots: the per-CPU slots
 * @cpu: as mo_slots_take() set it
 */
static inline void mo_slot_put(struct mo_slot __percpu *slots, int cpu)
{
	/* Whatever the holder wrote to the object is seen by the next. */
	atomic_set_release(&per_cpu_ptr(slots, cpu)->busy, 0);
}

#endif /* _MM_MIGRATE_OFFLOAD_SLOTS_H */
