// SPDX-License-Identifier: GPL-2.0
/*
 * What a copy costs, learned from the copies themselves, for the "auto"
 * policy: a batch goes to a provider only when the provider is predicted
 * to copy it faster than the CPU would, by a margin.
 *
 * Each provider (the "cpu" one included) keeps, per class of call, a
 * fixed cost per call and a cost per byte. A class is the size of the
 * call's folios and its path: within a node, between nodes of the top
 * memory tier, or to or from a lower tier (CXL, PMEM), where the slower
 * memory sets the pace of any copy and an engine's gain over the CPU is
 * not the one it has between DRAM nodes. The first folio of a call speaks
 * for its path, as it speaks for the batch's destination when the chain
 * is built: migration moves to one node at a time. Every completed call is a
 * sample: its bytes and the time its caller spent on it (for a provider
 * that copies while migration commits, the time the caller waited). A
 * folio the provider failed or declined is charged at the CPU's price,
 * since the CPU copies it again: a provider that fails is a slow one.
 *
 * Start-up: a provider's classes start from the estimate it declares
 * (&struct migrate_offload_caps.est), the CPU's from a guess of 1 GB/s
 * until a short probe late in boot (mo_cost_probe_cpu()) measures it.
 * Where its estimate wins, a provider is offered the first MO_COST_PROBES
 * calls of a class whatever they measure, and the first calls count
 * evenly: a slow first call does not write it off. A provider that
 * declares nothing starts at the CPU's cost, which never wins: it is used
 * only where named, not by "auto".
 *
 * Keeping up: the fit weighs recent calls most (1/8 each), and a sample
 * far from the prediction (by a factor of MO_COST_SNAP) starts the fit
 * over from it, so a provider that became ten times slower stops being
 * chosen after one batch. A provider that lost is offered one call in
 * MO_COST_RETRY of the class, and one after MO_COST_RETRY_NS without a
 * sample (when nothing may win no batch is built to count), if it once
 * learned to beat the CPU there or comes within twice the CPU's time
 * (not, e.g., a DMA engine on base pages), and one such retry that
 * beats the CPU takes it back at once.
 * The CPU copies one call in MO_COST_CPU_EVERY that a provider wins, and
 * one whenever its estimate is older than MO_COST_CPU_STALE_NS; when that
 * jumps, the providers' estimates of the class are scaled with it
 * (mo_cost_rescale()).
 *
 * Whoever completes a copy updates the estimates, under a per-class
 * lock only tried: a sample that finds it taken is dropped, never waited
 * for. Readers take no lock: a torn pair of values costs one decision,
 * never a wrong copy.
 */
#include <linux/bits.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/init.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/memory-tiers.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/seq_file.h>
#include <linux/timekeeping.h>

#include "internal.h"

#include <trace/events/migrate_offload.h>

/* Representative folio sizes of the sizes, for the declared estimates. */
static const unsigned int mo_cost_size_order[MO_COST_SIZES] = {
	[MO_COST_BASE] = 0,
	[MO_COST_LARGE] = 4,
	[MO_COST_PMD] = PMD_ORDER,
};

/* A declared estimate's cost per byte in class @c, its folios' included. */
static u64 mo_cost_declared_ps(const struct migrate_offload_estimate *est,
			       unsigned int c)
{
	u64 folio = PAGE_SIZE << mo_cost_size_order[mo_cost_size_of(c)];

	return est->ps_per_byte + div64_u64((u64)est->folio_ns * 1000, folio);
}

/**
 * mo_cost_path() - the path of a copy, for the cost model
 * @src_nid: the source's node
 * @dst_nid: the destination's node
 *
 * %NUMA_NO_NODE, a side nobody can tell, counts as the top tier.
 *
 * Return: %MO_COST_LOCAL for one node, %MO_COST_TIER when either node is
 * below the top memory tier, else %MO_COST_NEAR.
 */
unsigned int mo_cost_path(int src_nid, int dst_nid)
{
	if (src_nid == dst_nid)
		return MO_COST_LOCAL;
	if ((src_nid != NUMA_NO_NODE && !node_is_toptier(src_nid)) ||
	    (dst_nid != NUMA_NO_NODE && !node_is_toptier(dst_nid)))
		return MO_COST_TIER;
	return MO_COST_NEAR;
}

/**
 * mo_cost_class() - the class of a call
 * @nr: number of folios
 * @bytes: their size
 * @src_nid: the node of its first source folio
 * @dst_nid: the node of its first destination folio
 *
 * Return: the class (mo_cost_cell()) of its size (&enum mo_cost_size,
 * by the mean folio size) on its path (mo_cost_path()).
 */
unsigned int mo_cost_class(unsigned int nr, u64 bytes, int src_nid,
			   int dst_nid)
{
	u64 avg = nr ? div_u64(bytes, nr) : PAGE_SIZE;
	unsigned int size;

	if (avg <= PAGE_SIZE)
		size = MO_COST_BASE;
	else if (ilog2(avg) - PAGE_SHIFT >= PMD_ORDER)
		size = MO_COST_PMD;
	else
		size = MO_COST_LARGE;
	return mo_cost_cell(size, mo_cost_path(src_nid, dst_nid));
}

/* Smallest folio order of class @c. */
unsigned int mo_cost_class_min_order(unsigned int c)
{
	switch (mo_cost_size_of(c)) {
	case MO_COST_BASE:
		return 0;
	case MO_COST_LARGE:
		return 1;
	default:
		return PMD_ORDER;
	}
}

/**
 * mo_cost_predict() - how long @e would take for one call
 * @e: the provider
 * @c: the call's size class
 * @bytes: its bytes
 *
 * Return: the predicted time in ns.
 */
u64 mo_cost_predict(const struct migrate_offload_entry *e, unsigned int c,
		    u64 bytes)
{
	const struct mo_cost_class *k = &e->cost[c];

	return READ_ONCE(k->fixed_ns) +
	       div_u64(bytes * READ_ONCE(k->ps_per_byte), 1000);
}

/*
 * Fit time = fixed + bytes * rate over the recent calls: exponentially
 * weighted (1/8 per call, the first calls evenly) means of the size x (in 64-byte units) and the
 * time y, with the weighted variance of x and covariance of x and y,
 * kept centred as they come (no sums that overflow). When the sizes vary
 * too little to tell the fixed cost from the rate, the fixed cost stays
 * what it was and the rate explains the rest.
 */
#define MO_COST_UNIT_SHIFT	6
#define MO_COST_MAX_X		BIT_ULL(24)	/* 1 GiB */
#define MO_COST_MAX_Y		BIT_ULL(34)	/* 17 s */
/* 1 us a byte: slower than any copy worth modelling; keeps products small. */
#define MO_COST_MAX_PS		1000000ULL

static void mo_cost_fit(struct mo_cost_class *k, s64 x, s64 y, bool reset)
{
	s64 fixed, slope, w;

	if (reset || !k->fit_n) {
		k->fit_n = 1;
		k->mx = x;
		k->my = y;
		k->vxx = 0;
		k->cxy = 0;
	} else {
		s64 dx = x - k->mx, dy = y - k->my;

		/* A plain mean of the first calls, then 1/8 per call. */
		k->fit_n = min(k->fit_n + 1, 8U);
		w = k->fit_n;
		k->mx += div_s64(dx, w);
		k->my += div_s64(dy, w);
		k->vxx += div_s64(dx * dx * (w - 1), w * w) - div_s64(k->vxx, w);
		k->cxy += div_s64(dx * dy * (w - 1), w * w) - div_s64(k->cxy, w);
	}
	if (k->mx <= 0)
		return;
	/*
	 * Enough calls, whose sizes spread by more than an eighth of their
	 * mean: fit both terms.
	 */
	if (k->fit_n >= 8 && k->vxx > div_s64(k->mx * k->mx, 64) &&
	    k->cxy > 0) {
		/* ps per unit; cxy * 1000 could overflow */
		slope = k->cxy < S64_MAX / 1000 ?
			div64_s64(k->cxy * 1000, k->vxx) :
			div64_s64(k->cxy, k->vxx) * 1000;
		slope = min_t(s64, slope,
			      (s64)MO_COST_MAX_PS << MO_COST_UNIT_SHIFT);
		fixed = k->my - div_s64(slope * k->mx, 1000);
		if (fixed < 0) {
			fixed = 0;
			slope = div64_s64(k->my * 1000, k->mx);
		}
	} else {
		fixed = clamp_t(s64, READ_ONCE(k->fixed_ns), 0, k->my);
		slope = div64_s64((k->my - fixed) * 1000, k->mx);
	}
	WRITE_ONCE(k->fixed_ns, clamp_t(s64, fixed, 0, MO_COST_MAX_Y));
	WRITE_ONCE(k->ps_per_byte,
		   clamp_t(s64, slope >> MO_COST_UNIT_SHIFT, 1,
			   MO_COST_MAX_PS));
}

/*
 * Does @e beat the CPU at @bytes in class @c by the margin? @pred and
 * @cpu are set to both predictions.
 */
static bool mo_cost_beats(const struct migrate_offload_entry *e,
			  unsigned int c, u64 bytes, u64 *pred, u64 *cpu)
{
	*pred = mo_cost_predict(e, c, bytes);
	*cpu = mo_cost_predict(mo_cpu_provider.entry, c, bytes);
	return *pred + (*pred >> MO_COST_MARGIN_SHIFT) < *cpu;
}

/*
 * The CPU's cost of class @c jumped from @old to @new ps per byte: what
 * made it (memory bandwidth taken by others, a frequency change, under
 * emulation the host's load) likely moved the providers' copies alike.
 * Their estimates, measured before, are scaled the same way until they
 * are measured again; the comparisons "auto" makes stay what they were.
 */
static void mo_cost_rescale(unsigned int c, u64 old, u64 new)
{
	struct migrate_offload_entry *e;
	int idx;

	if (!old || old == new || new > MO_COST_MAX_PS)
		return;
	idx = srcu_read_lock(&mo_srcu);
	list_for_each_entry_srcu(e, &mo_providers, list,
				 srcu_read_lock_held(&mo_srcu)) {
		struct mo_cost_class *k = &e->cost[c];

		if (e == mo_cpu_provider.entry || !spin_trylock(&k->lock))
			continue;
		/* Both at most MO_COST_MAX_PS: the quotient fits. */
		WRITE_ONCE(k->ps_per_byte,
			   clamp_t(u64, div64_u64(min(k->ps_per_byte,
						      MO_COST_MAX_PS) * new,
						  old), 1, MO_COST_MAX_PS));
		k->fit_n = 0;	/* the next sample starts the fit over */
		spin_unlock(&k->lock);
	}
	srcu_read_unlock(&mo_srcu, idx);
}

/**
 * mo_cost_sample() - learn from one completed call
 * @e: the provider that was called
 * @c: the call's size class
 * @bytes: the bytes it was given
 * @ns: what the call cost its caller, failures charged at the CPU's price
 *
 * Samples that arrive while another is being learned are dropped: the
 * copy path never waits for the model.
 */
void mo_cost_sample(struct migrate_offload_entry *e, unsigned int c,
		    u64 bytes, u64 ns)
{
	struct migrate_offload_entry *cpu = mo_cpu_provider.entry;
	struct mo_cost_class *k = &e->cost[c];
	u64 pred = mo_cost_predict(e, c, bytes), old_ps, p, q;
	s64 x = min_t(u64, bytes >> MO_COST_UNIT_SHIFT, MO_COST_MAX_X);
	s64 y = min_t(u64, ns, MO_COST_MAX_Y);
	bool reset;

	if (!x || !spin_trylock(&k->lock))
		return;
	/* Far off: a different provider now (a busy engine, a busy CPU). */
	reset = ns > pred * MO_COST_SNAP || ns * MO_COST_SNAP < pred;
	if (e != cpu) {
		u64 cpu_ns = mo_cost_predict(cpu, c, bytes);

		/*
		 * A provider retried after it lost, and now fast again: take
		 * it back at once rather than after a few more retries.
		 */
		if (ns + (ns >> MO_COST_MARGIN_SHIFT) < cpu_ns &&
		    pred + (pred >> MO_COST_MARGIN_SHIFT) >= cpu_ns)
			reset = true;
	}
	old_ps = k->ps_per_byte;
	mo_cost_fit(k, x, y, reset);
	WRITE_ONCE(k->stamp, ktime_get_ns());
	WRITE_ONCE(k->samples, k->samples + 1);
	/* Learned faster than the CPU: worth retrying should it slow. */
	if (e != cpu && k->samples >= MO_COST_PROBES &&
	    mo_cost_beats(e, c, bytes, &p, &q))
		WRITE_ONCE(k->won, true);
	spin_unlock(&k->lock);
	if (e == cpu && reset)
		mo_cost_rescale(c, old_ps, k->ps_per_byte);
	trace_migrate_offload_cost(e->name, mo_cost_size_of(c),
				   mo_cost_path_of(c), bytes, pred, ns);
}

/*
 * Still learning class @c: fewer than MO_COST_PROBES calls measured, and
 * the provider's own estimate says it would win. One slow first call (a
 * helper's CPU waking for the first time, an engine's first mapping)
 * must not write it off for good.
 */
static bool mo_cost_probing(const struct migrate_offload_entry *e,
			    unsigned int c, u64 bytes)
{
	const struct migrate_offload_estimate *est = &e->prov->caps.est;
	u64 pred;

	if (READ_ONCE(e->cost[c].samples) >= MO_COST_PROBES ||
	    !est->ps_per_byte)
		return false;
	pred = est->call_ns +
	       div_u64(bytes * mo_cost_declared_ps(est, c), 1000);
	return pred + (pred >> MO_COST_MARGIN_SHIFT) <
	       mo_cost_predict(mo_cpu_provider.entry, c, bytes);
}

/*
 * Worth a retry now and then: it once learned to beat the CPU in the
 * class, or it was measured and comes within twice the CPU's time, close
 * enough for a change of load to turn the result.
 */
static bool mo_cost_contender(const struct mo_cost_class *k, u64 pred,
			      u64 cpu)
{
	return READ_ONCE(k->won) || (READ_ONCE(k->samples) && pred < 2 * cpu);
}

/*
 * A contender's retry is due: MO_COST_RETRY lost calls, or no sample for
 * MO_COST_RETRY_NS. The second holds when no batch is built at all,
 * because nothing may win: without it, a class every provider lost
 * would stay on the CPU for good, however the load changed.
 */
static bool mo_cost_retry_due(const struct mo_cost_class *k, u64 now)
{
	return READ_ONCE(k->lost) >= MO_COST_RETRY - 1 ||
	       now - READ_ONCE(k->stamp) > MO_COST_RETRY_NS;
}

/**
 * mo_cost_may_win() - might "auto" give @e a call of class @c?
 * @e: the provider
 * @c: a size class
 * @bytes: the size of a typical call of the class
 *
 * Decides whether migration builds a batch at all; reads, never writes.
 *
 * Return: true if @e is predicted to win, is still being probed, or is
 * due for a retry.
 */
bool mo_cost_may_win(const struct migrate_offload_entry *e, unsigned int c,
		     u64 bytes)
{
	const struct mo_cost_class *k = &e->cost[c];
	u64 pred, cpu;

	if (mo_cost_beats(e, c, bytes, &pred, &cpu) ||
	    mo_cost_probing(e, c, bytes))
		return true;
	return mo_cost_contender(k, pred, cpu) &&
	       mo_cost_retry_due(k, ktime_get_ns());
}

/*
 * The CPU's estimate for class @c was last learned long ago: its load may
 * have changed since (another tenant, an engine's emulation, a frequency
 * change) while providers took every call. Claims the refresh, so that
 * one call of the class, not every one, goes to the CPU.
 */
static bool mo_cost_cpu_stale(unsigned int c)
{
	struct mo_cost_class *k = &mo_cpu_provider.entry->cost[c];
	u64 now = ktime_get_ns(), last = READ_ONCE(k->stamp);

	if (now - last < MO_COST_CPU_STALE_NS)
		return false;
	return try_cmpxchg64(&k->stamp, &last, now);
}

/**
 * mo_cost_choose() - may "auto" give @e this call?
 * @e: the provider
 * @c: the call's size class
 * @bytes: its bytes
 *
 * Return: true to offer the call to @e (it wins, is probed or retried), false
 * to pass it down the chain; counted and traced by the caller.
 */
bool mo_cost_choose(struct migrate_offload_entry *e, unsigned int c, u64 bytes)
{
	struct mo_cost_class *k = &e->cost[c];
	u64 pred, cpu, now, last;

	if (mo_cost_beats(e, c, bytes, &pred, &cpu)) {
		WRITE_ONCE(k->lost, 0);
		/* Now and then the CPU copies, to keep its own cost known. */
		k->decided++;
		return k->decided % MO_COST_CPU_EVERY && !mo_cost_cpu_stale(c);
	}
	if (mo_cost_probing(e, c, bytes))
		return true;
	if (!mo_cost_contender(k, pred, cpu))
		return false;
	/* Long without a sample: one call (the stamp is claimed) retries. */
	now = ktime_get_ns();
	last = READ_ONCE(k->stamp);
	if (now - last > MO_COST_RETRY_NS &&
	    try_cmpxchg64(&k->stamp, &last, now)) {
		k->lost = 0;
		return true;
	}
	k->lost++;
	if (k->lost < MO_COST_RETRY)
		return false;
	k->lost = 0;
	return true;
}

/**
 * mo_cost_init_entry() - start a provider's estimates
 * @e: the provider, being registered
 *
 * From its declared estimate, or the CPU's own when it declares none;
 * the CPU's from a guess, until mo_cost_probe_cpu().
 */
void mo_cost_init_entry(struct migrate_offload_entry *e)
{
	const struct migrate_offload_estimate *est = &e->prov->caps.est;
	struct migrate_offload_entry *cpu = mo_cpu_provider.entry;
	unsigned int c;

	for (c = 0; c < MO_COST_CLASSES; c++) {
		struct mo_cost_class *k = &e->cost[c];

		memset(k, 0, sizeof(*k));
		spin_lock_init(&k->lock);
		if (e->prov == &mo_cpu_provider) {
			/* The CPU itself: the guess until the probe. */
			k->ps_per_byte = MO_COST_CPU_GUESS_PS;
		} else if (est->ps_per_byte) {
			k->fixed_ns = est->call_ns;
			k->ps_per_byte = mo_cost_declared_ps(est, c);
		} else if (cpu) {
			k->fixed_ns = READ_ONCE(cpu->cost[c].fixed_ns);
			k->ps_per_byte = READ_ONCE(cpu->cost[c].ps_per_byte);
		}
	}
}

/* What the probe measured, for debugfs; 0 when it could not. */
static u64 mo_cost_probed_ps;

/*
 * The CPU's start: time a few copies of a 64 KiB folio, keep the fastest,
 * for every class the CPU has not measured yet. Run once the kernel has
 * chosen its clocksource (after fs_initcall): before, ktime may advance
 * in jiffies, and under emulation, where no TSC is trusted, every copy
 * measured 0 ns, an estimate of 1 TB/s. A probe that still measures
 * nothing keeps the guess, 1 GB/s, well below any machine that runs
 * migration at all, which keeps "auto" on the CPU until it learns.
 */
void __init mo_cost_probe_cpu(void)
{
	struct migrate_offload_entry *e = mo_cpu_provider.entry;
	struct folio *src, *dst;
	u64 best = U64_MAX, ps;
	unsigned int c, i;

	src = folio_alloc(GFP_KERNEL, 4);
	dst = folio_alloc(GFP_KERNEL, 4);
	if (src && dst) {
		folio_zero_range(src, 0, folio_size(src));
		for (i = 0; i < 4; i++) {
			u64 t0 = ktime_get_ns();

			folio_copy(dst, src);
			best = min(best, ktime_get_ns() - t0);
		}
	}
	if (!best || best == U64_MAX) {
		pr_info("migrate_offload: cannot time the CPU's copy, assuming %d ps per byte\n",
			MO_COST_CPU_GUESS_PS);
	} else {
		ps = max_t(u64, div_u64(best * 1000, folio_size(src)), 1);
		WRITE_ONCE(mo_cost_probed_ps, ps);
		pr_info("migrate_offload: the CPU copies at %llu ps per byte (64 KiB timed)\n",
			ps);
		for (c = 0; c < MO_COST_CLASSES; c++) {
			struct mo_cost_class *k = &e->cost[c];

			/* Copies may have run, and taught it better, already. */
			if (!spin_trylock(&k->lock))
				continue;
			if (!k->samples)
				WRITE_ONCE(k->ps_per_byte, ps);
			spin_unlock(&k->lock);
		}
	}
	if (src)
		folio_put(src);
	if (dst)
		folio_put(dst);
}

static const char * const mo_cost_size_names[MO_COST_SIZES] = {
	[MO_COST_BASE] = "base",
	[MO_COST_LARGE] = "large",
	[MO_COST_PMD] = "pmd",
};

static const char * const mo_cost_path_names[MO_COST_PATHS] = {
	[MO_COST_LOCAL] = "local",
	[MO_COST_NEAR] = "near",
	[MO_COST_TIER] = "tier",
};

/*
 * debugfs migrate_offload/cost: one line per provider and class,
 * what "auto" decides from. A debugging aid, not an interface.
 */
static int mo_cost_show(struct seq_file *m, void *v)
{
	struct migrate_offload_entry *e;
	unsigned int c;

	seq_puts(m, "provider class path fixed_ns ps_per_byte samples won lost\n");
	mutex_lock(&mo_lock);
	list_for_each_entry(e, &mo_providers, list) {
		for (c = 0; c < MO_COST_CLASSES; c++) {
			const struct mo_cost_class *k = &e->cost[c];

			seq_printf(m, "%s %s %s %llu %llu %u %d %u\n", e->name,
				   mo_cost_size_names[mo_cost_size_of(c)],
				   mo_cost_path_names[mo_cost_path_of(c)],
				   READ_ONCE(k->fixed_ns),
				   READ_ONCE(k->ps_per_byte),
				   READ_ONCE(k->samples), READ_ONCE(k->won),
				   READ_ONCE(k->lost));
		}
	}
	mutex_unlock(&mo_lock);
	seq_printf(m, "probe: cpu %llu ps_per_byte\n",
		   READ_ONCE(mo_cost_probed_ps));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mo_cost);

struct dentry *mo_debugfs;

int __init mo_cost_debugfs_init(void)
{
	mo_debugfs = debugfs_create_dir("migrate_offload", NULL);
	debugfs_create_file("cost", 0400, mo_debugfs, NULL, &mo_cost_fops);
	return 0;
}
