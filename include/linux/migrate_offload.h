/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Batched and offloaded copy for page migration.
 *
 * migrate_pages_batch() copies the contents of a whole batch of folios in
 * one call. The copy goes down a chain of copy providers chosen per batch
 * from the caller's hint (or the administrator's policy for the migrate
 * reason); whatever a provider declines or fails to copy moves down the
 * chain, and the built-in "cpu" provider ends every chain. See
 * Documentation/mm/migrate_offload.rst.
 */
#ifndef _LINUX_MIGRATE_OFFLOAD_H
#define _LINUX_MIGRATE_OFFLOAD_H

#include <linux/completion.h>
#include <linux/migrate_mode.h>
#include <linux/nodemask.h>
#include <linux/types.h>
#include <linux/workqueue_types.h>

struct folio;
struct module;
struct attribute_group;
struct kobject;
struct migrate_offload_entry;

/**
 * enum migrate_offload_kind - what a copy provider copies with
 * @MIGRATE_COPY_CPU: the migrating CPU (only the built-in "cpu" provider)
 * @MIGRATE_COPY_CPU_THREADS: several CPUs working on one batch
 * @MIGRATE_COPY_DMA: a DMA engine
 * @MIGRATE_COPY_NR_KINDS: number of kinds
 */
enum migrate_offload_kind {
	MIGRATE_COPY_CPU,
	MIGRATE_COPY_CPU_THREADS,
	MIGRATE_COPY_DMA,
	MIGRATE_COPY_NR_KINDS
};

/**
 * enum migrate_hint_type - what a caller asks of the copy of its folios
 * @MIGRATE_HINT_DEFAULT: the administrator's policy for the migrate
 *	reason, or the destination node's preference when one is set and
 *	that policy is not "none"
 * @MIGRATE_HINT_NONE: the plain CPU copy only, for latency-bound callers
 * @MIGRATE_HINT_ANY: every enabled provider, best rated first
 * @MIGRATE_HINT_CPU_THREADS: enabled providers of kind cpu-threads
 * @MIGRATE_HINT_DMA: enabled providers of kind dma
 * @MIGRATE_HINT_AUTO: every enabled provider, each batch to the one
 *	predicted fastest from its measured costs, and to none unless it
 *	beats the CPU (see Documentation/mm/migrate_offload.rst)
 * @MIGRATE_HINT_PROVIDER: one provider, by name
 * @MIGRATE_HINT_NR_TYPES: number of hint types
 */
enum migrate_hint_type {
	MIGRATE_HINT_DEFAULT,
	MIGRATE_HINT_NONE,
	MIGRATE_HINT_ANY,
	MIGRATE_HINT_CPU_THREADS,
	MIGRATE_HINT_DMA,
	MIGRATE_HINT_AUTO,
	MIGRATE_HINT_PROVIDER,
	MIGRATE_HINT_NR_TYPES
};

/* Longest provider name, including the terminating NUL. */
#define MIGRATE_PROVIDER_NAME_LEN	32

/**
 * struct migrate_hint - a caller's wish for the copy of its folios
 * @type: what kind of copy the caller asks for
 * @provider: the provider's name, for %MIGRATE_HINT_PROVIDER
 */
struct migrate_hint {
	enum migrate_hint_type type;
	const char *provider;
};

/**
 * struct migrate_offload_item - one folio of a batch
 * @src: the folio to copy from (locked, unmapped)
 * @dst: the folio to copy to (locked, of the same size)
 * @status: set by the provider: 0 when copied, -EOPNOTSUPP when
 *	declined, -EBUSY when refused because its engines are saturated
 *	(counted apart from declines), -EHWPOISON when reading the source
 *	hit a memory error, -ENOTRECOVERABLE when the copy could not be stopped and may still
 *	write @dst (the provider then holds a reference on @dst until it
 *	can no longer be written), another negative errno when the copy
 *	failed (the rest of the chain copies it). -EHWPOISON and
 *	-ENOTRECOVERABLE are final: nobody copies the folio again and its
 *	migration fails. The core sets it to -EAGAIN ("not copied yet")
 *	before each provider. -EINPROGRESS: a provider's engine still
 *	copies it (see &migrate_offload_provider.submit).
 * @failures: how many providers failed to copy it (kept by the core)
 * @by: the provider that copied it (kept by the core)
 */
struct migrate_offload_item {
	struct folio *src;
	struct folio *dst;
	int status;
	unsigned int failures;
	struct migrate_offload_entry *by;
};

/**
 * struct migrate_offload_req - the part of a batch one provider is asked for
 * @items: the folios to copy; the provider sets each item's status
 * @nr: number of @items
 * @bytes: total size of the folios in @items
 * @reason: why the folios migrate (enum migrate_reason)
 * @mode: the caller's migrate mode: in %MIGRATE_ASYNC (NUMA hinting
 *	faults, async compaction, demotion from reclaim) a provider must not
 *	sleep long; it waits a short, bounded time or declines
 * @priv: the provider's own, from its submit to its finish callback
 */
struct migrate_offload_req {
	struct migrate_offload_item **items;
	unsigned int nr;
	u64 bytes;
	enum migrate_reason reason;
	enum migrate_mode mode;
	void *priv;
};

/**
 * struct migrate_offload_estimate - what a provider expects its copies to cost
 * @call_ns: the fixed cost of one call (a wake-up, a submission and its
 *	interrupt)
 * @folio_ns: the cost of each folio (a descriptor, a mapping)
 * @ps_per_byte: the cost of each byte, in picoseconds
 *
 * Where the "auto" policy starts before the provider's own calls are
 * measured. All zero: the provider starts at the CPU's cost, which never
 * wins, and "auto" leaves it alone.
 */
struct migrate_offload_estimate {
	u32 call_ns;
	u32 folio_ns;
	u32 ps_per_byte;
};

/**
 * struct migrate_offload_caps - what a provider can do well
 * @min_folio_order: smallest folio it takes; smaller ones move down
 * @max_batch_folios: most folios per call, 0 for no limit; the core
 *	splits larger batches
 * @max_batch_bytes: most bytes per call, 0 for no limit
 * @nodes: nodes it serves well (a DMA engine's node, a CXL node); a
 *	folio goes to it only if its source or destination node is one of
 *	them. Empty means every node. Read once, at registration; a
 *	provider whose affinity changes calls migrate_offload_set_nodes().
 * @copies_ahead: its copy mostly waits for an engine, not a CPU: the
 *	core may call it from a worker for the next part of a deep batch
 *	while migration commits the folios of the last part (see
 *	Documentation/mm/migrate_offload.rst)
 * @est: its cost before any of its calls was measured
 */
struct migrate_offload_caps {
	unsigned int min_folio_order;
	unsigned int max_batch_folios;
	u64 max_batch_bytes;
	nodemask_t nodes;
	bool copies_ahead;
	struct migrate_offload_estimate est;
};

/**
 * struct migrate_offload_thresholds - where a provider starts to pay off
 * @min_folio_order: folios below this order skip the provider
 * @min_batch_bytes: batches whose folios for it add up to less skip it
 *
 * The provider's suggestion; the administrator can change both.
 */
struct migrate_offload_thresholds {
	unsigned int min_folio_order;
	u64 min_batch_bytes;
};

/**
 * struct migrate_offload_provider - a named way of copying folios
 * @name: unique name, shown in sysfs ([a-z0-9_-], shorter than
 *	%MIGRATE_PROVIDER_NAME_LEN)
 * @owner: the module the callbacks live in
 * @kind: what it copies with
 * @rating: its place in a chain: higher ratings are asked first
 * @caps: its capabilities
 * @thresholds: default thresholds (never below @caps.min_folio_order)
 * @copy: copy what it can of @req and set every item's status (NULL
 *	only for the built-in "cpu" provider, whose copy the core does).
 *	Called with the folios locked; may sleep (migration has no atomic
 *	caller). A folio it
 *	reports as copied must hold exactly the source's contents, and when
 *	it returns it must not touch any folio of @req again (a timed-out
 *	DMA transfer is terminated first): the next provider or the CPU
 *	copies what it did not.
 * @submit: optional, for a copy that runs on an engine and leaves the
 *	CPU free: start copying @req and return without waiting. Every item
 *	it started is -EINPROGRESS, every other one has a status as from
 *	@copy. Migration then commits the folios one by one, each as soon
 *	as @wait reports its copy over, while the engine copies the later
 *	ones. A provider with @submit has @wait and @finish too, and keeps
 *	@copy for callers that need the whole request copied at once.
 * @wait: wait until the copy of item @i of the request @submit started
 *	is over, bounded as @copy is, and set that item's final status. A
 *	folio reported copied is committed at once: nothing of the request
 *	may write it afterwards, whatever becomes of the other items.
 * @finish: end the request @submit started: give every item still in
 *	progress its final status; on return nothing of the request touches
 *	any of its folios again, as when @copy returns. Called once for each
 *	@submit, after the last @wait or instead of the remaining ones.
 * @enable: optional; called with true before the provider is enabled
 *	(an error keeps it disabled) and with false once it is disabled
 *	(batches already in @copy may still run). A provider takes what it
 *	holds only while enabled here, e.g. a DMA provider's channels,
 *	which other dmaengine clients can have while it is disabled. Called
 *	under the core's mutex, which no migration takes: it may allocate.
 * @groups: optional attribute groups of its own knobs, created in its
 *	sysfs directory
 * @entry: private to the core
 */
struct migrate_offload_provider {
	const char *name;
	struct module *owner;
	enum migrate_offload_kind kind;
	int rating;
	struct migrate_offload_caps caps;
	struct migrate_offload_thresholds thresholds;
	void (*copy)(struct migrate_offload_provider *prov,
		     struct migrate_offload_req *req);
	void (*submit)(struct migrate_offload_provider *prov,
		       struct migrate_offload_req *req);
	void (*wait)(struct migrate_offload_provider *prov,
		     struct migrate_offload_req *req, unsigned int i);
	void (*finish)(struct migrate_offload_provider *prov,
		       struct migrate_offload_req *req);
	int (*enable)(struct migrate_offload_provider *prov, bool enable);
	const struct attribute_group **groups;
	struct migrate_offload_entry *entry;
};

/**
 * struct migrate_offload_ctx - what the batch copy knows of its caller
 * @hint: the caller's hint; NULL means %MIGRATE_HINT_DEFAULT
 * @mode: the mode the caller of migrate_pages() asked for. Its batches
 *	run in %MIGRATE_ASYNC whatever the caller's mode (only one folio at
 *	a time may wait for a lock), so this, not the batch's mode, tells a
 *	provider whether its caller may wait.
 */
struct migrate_offload_ctx {
	const struct migrate_hint *hint;
	enum migrate_mode mode;
};

/*
 * Most folios one batch copy takes at once; migration hands a deeper
 * batch over in parts of this size.
 */
#define MIGRATE_COPY_BATCH_MAX	256

/**
 * struct migrate_offload_floor - the least any provider of a chain takes
 * @min_order: the smallest folio order some provider takes
 * @min_bytes: the smallest batch some provider takes
 * @ahead: the chain starts with a provider that copies ahead
 *	(&struct migrate_offload_caps.copies_ahead)
 *
 * Folios below @min_order stay out of the batch, and a batch whose other
 * folios add up to less than @min_bytes is not built at all.
 */
struct migrate_offload_floor {
	unsigned int min_order;
	u64 min_bytes;
	bool ahead;
};

/**
 * struct migrate_offload_stream - a copy an engine runs while folios commit
 * @req: what its provider was asked for
 * @by: the provider, or NULL while nothing streams
 * @pos: the item of @req migration commits next (in the batch's order)
 * @copied: folios the provider copied so far, for its trace event
 * @failed: folios whose copy it reported failed so far
 * @declined: folios it declined or refused as busy so far
 * @busy: of those, folios it refused as busy
 * @copied_bytes: the bytes of the @copied folios
 * @t0: when it was submitted (ns)
 * @waited: how long migration waited for it, in submit, waits and
 *	finish (ns): what it cost the caller
 * @cost_class: its class in the cost model, taken when it is submitted:
 *	by the time the cost is learned, committed sources may be freed
 * @items: the items of @req
 *
 * Kept by the core (mm/migrate_offload/copy.c).
 */
struct migrate_offload_stream {
	struct migrate_offload_req req;
	struct migrate_offload_entry *by;
	unsigned int pos;
	unsigned int copied;
	unsigned int failed;
	unsigned int declined;
	unsigned int busy;
	u64 copied_bytes;
	u64 t0;
	u64 waited;
	unsigned int cost_class;
	struct migrate_offload_item *items[MIGRATE_COPY_BATCH_MAX];
};

/**
 * struct migrate_offload_batch - the folios of one migrate_pages_batch() pass
 * @nr: number of @items
 * @reason: why the folios migrate
 * @hint: the caller's hint; NULL means %MIGRATE_HINT_DEFAULT
 * @mode: the caller's migrate mode (see &struct migrate_offload_ctx)
 * @floor: what the batch's chain takes (see &struct migrate_offload_floor)
 * @part_bytes: when copying ahead, the most bytes of one part; else 0
 * @may_stream: the caller commits folio by folio as their copies end
 *	(migrate_offload_copy_folio(), migrate_offload_copy_finish())
 * @cpu: the CPU whose preallocated batch this is, or -1
 * @srcu_idx: the batch's read-side section of the provider list
 * @ahead: the other half of a deep batch: the part copied ahead
 * @ahead_work: copies this part on a worker
 * @ahead_done: completed when that copy is over
 * @ahead_queued: @ahead_work was queued and not yet waited for
 * @stream: the copy a provider runs while the folios commit
 * @scratch: room for @nr item pointers, used by the core
 * @items: the folios
 */
struct migrate_offload_batch {
	unsigned int nr;
	enum migrate_reason reason;
	const struct migrate_hint *hint;
	enum migrate_mode mode;
	struct migrate_offload_floor floor;
	u64 part_bytes;
	bool may_stream;
	int cpu;
	int srcu_idx;
	struct migrate_offload_batch *ahead;
	struct work_struct ahead_work;
	struct completion ahead_done;
	bool ahead_queued;
	struct migrate_offload_stream stream;
	struct migrate_offload_item *scratch[MIGRATE_COPY_BATCH_MAX];
	struct migrate_offload_item items[MIGRATE_COPY_BATCH_MAX];
};

/**
 * struct migrate_offload_window - how long a batch's folios stay unmapped
 * @start: when the batch began to unmap its folios (ns), 0 when nobody
 *	measures
 * @nr: folios whose page tables were restored
 * @sum: their windows added up (ns)
 * @max: the longest of them (ns)
 *
 * A folio's window runs from the start of its batch's unmapping to the
 * restore of its page tables: exact for the batch's first folio and an
 * upper bound, by the unmapping of the folios before it, for the others.
 */
struct migrate_offload_window {
	u64 start;
	unsigned int nr;
	u64 sum;
	u64 max;
};

#ifdef CONFIG_MIGRATE_OFFLOAD
int migrate_offload_register(struct migrate_offload_provider *prov);
void migrate_offload_unregister(struct migrate_offload_provider *prov);
int migrate_offload_enable(struct migrate_offload_provider *prov, bool enable);
void migrate_offload_set_nodes(struct migrate_offload_provider *prov,
			       const nodemask_t *nodes);

int migrate_offload_node_hint_get(int nid, const struct migrate_hint *hint);
void migrate_offload_node_hint_put(int nid);

bool migrate_offload_active(void);
bool migrate_offload_wanted(enum migrate_reason reason,
			    const struct migrate_hint *hint, int nid,
			    struct migrate_offload_floor *floor);
u64 migrate_offload_part_bytes(u64 bytes);
unsigned long migrate_offload_batch_pages(enum migrate_reason reason,
					  const struct migrate_hint *hint,
					  unsigned int *min_order);
struct migrate_offload_batch *migrate_offload_batch_get(void);
void migrate_offload_batch_put(struct migrate_offload_batch *batch);
void migrate_offload_copy(struct migrate_offload_batch *batch);
void migrate_offload_copy_folio(struct migrate_offload_batch *batch,
				struct migrate_offload_item *it);
void migrate_offload_copy_finish(struct migrate_offload_batch *batch);
void migrate_offload_copy_ahead(struct migrate_offload_batch *batch);
void migrate_offload_copy_wait(struct migrate_offload_batch *batch);
void migrate_offload_window_start(struct migrate_offload_window *w);
void __migrate_offload_window_folio(struct migrate_offload_window *w,
				    const struct migrate_offload_item *it,
				    unsigned int order);

/* Inline: nothing but this test on the path where nobody measures. */
static inline void
migrate_offload_window_folio(struct migrate_offload_window *w,
			     const struct migrate_offload_item *it,
			     unsigned int order)
{
	if (w->start)
		__migrate_offload_window_folio(w, it, order);
}

void migrate_offload_window_end(struct migrate_offload_window *w,
				enum migrate_reason reason);
#else
static inline int migrate_offload_node_hint_get(int nid,
						const struct migrate_hint *hint)
{
	return 0;
}

static inline void migrate_offload_node_hint_put(int nid)
{
}

static inline bool migrate_offload_active(void)
{
	return false;
}

static inline bool migrate_offload_wanted(enum migrate_reason reason,
					  const struct migrate_hint *hint,
					  int nid,
					  struct migrate_offload_floor *floor)
{
	return false;
}

static inline unsigned long
migrate_offload_batch_pages(enum migrate_reason reason,
			    const struct migrate_hint *hint,
			    unsigned int *min_order)
{
	return 0;
}

static inline u64 migrate_offload_part_bytes(u64 bytes)
{
	return 0;
}

static inline struct migrate_offload_batch *migrate_offload_batch_get(void)
{
	return NULL;
}

static inline void migrate_offload_batch_put(struct migrate_offload_batch *batch)
{
}

static inline void migrate_offload_copy(struct migrate_offload_batch *batch)
{
}

static inline void migrate_offload_copy_ahead(struct migrate_offload_batch *batch)
{
}

static inline void
migrate_offload_copy_folio(struct migrate_offload_batch *batch,
			   struct migrate_offload_item *it)
{
}

static inline void migrate_offload_copy_finish(struct migrate_offload_batch *batch)
{
}

static inline void migrate_offload_copy_wait(struct migrate_offload_batch *batch)
{
}

static inline void migrate_offload_window_start(struct migrate_offload_window *w)
{
	w->start = 0;
}

static inline void
migrate_offload_window_folio(struct migrate_offload_window *w,
			     const struct migrate_offload_item *it,
			     unsigned int order)
{
}

static inline void migrate_offload_window_end(struct migrate_offload_window *w,
					      enum migrate_reason reason)
{
}
#endif

#endif /* _LINUX_MIGRATE_OFFLOAD_H */
