/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of batched and offloaded migration copy: a batch, each
 * provider's part of it, and every fallback down the chain with its reason.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM migrate_offload

#if !defined(_TRACE_MIGRATE_OFFLOAD_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_MIGRATE_OFFLOAD_H

#include <linux/migrate.h>
#include <linux/tracepoint.h>

/*
 * Reasons and hints are recorded by name, from the tables the kernel
 * already keeps (migrate_reason_names[], the policy's hint words): a
 * string needs no TRACE_DEFINE_ENUM() for tools to read it, and filters
 * can match it ("reason == \"demotion\"").
 */
TRACE_EVENT(migrate_offload_batch_start,
	    TP_PROTO(unsigned int nr, u64 bytes, enum migrate_reason reason,
		     const char *hint),
	    TP_ARGS(nr, bytes, reason, hint),
	    TP_STRUCT__entry(__field(unsigned int, nr)
			     __field(u64, bytes)
			     __string(reason, reason < MR_TYPES ?
				      migrate_reason_names[reason] : "?")
			     __string(hint, hint)),
	    TP_fast_assign(__entry->nr = nr;
			   __entry->bytes = bytes;
			   __assign_str(reason);
			   __assign_str(hint);),
	    TP_printk("nr=%u bytes=%llu reason=%s hint=%s", __entry->nr,
		      __entry->bytes, __get_str(reason), __get_str(hint))
);

TRACE_EVENT(migrate_offload_copy,
	    TP_PROTO(const char *provider, unsigned int nr, u64 bytes,
		     unsigned int copied, unsigned int failed,
		     unsigned int declined),
	    TP_ARGS(provider, nr, bytes, copied, failed, declined),
	    TP_STRUCT__entry(__string(provider, provider)
			     __field(unsigned int, nr)
			     __field(u64, bytes)
			     __field(unsigned int, copied)
			     __field(unsigned int, failed)
			     __field(unsigned int, declined)),
	    TP_fast_assign(__assign_str(provider);
			   __entry->nr = nr;
			   __entry->bytes = bytes;
			   __entry->copied = copied;
			   __entry->failed = failed;
			   __entry->declined = declined;),
	    TP_printk("provider=%s nr=%u bytes=%llu copied=%u failed=%u declined=%u",
		      __get_str(provider), __entry->nr, __entry->bytes,
		      __entry->copied, __entry->failed, __entry->declined)
);

TRACE_EVENT(migrate_offload_fallback,
	    TP_PROTO(const char *provider, unsigned int nr, const char *why),
	    TP_ARGS(provider, nr, why),
	    TP_STRUCT__entry(__string(provider, provider)
			     __field(unsigned int, nr)
			     __string(why, why)),
	    TP_fast_assign(__assign_str(provider);
			   __entry->nr = nr;
			   __assign_str(why);),
	    TP_printk("provider=%s nr=%u why=%s", __get_str(provider),
		      __entry->nr, __get_str(why))
);

TRACE_EVENT(migrate_offload_batch_end,
	    TP_PROTO(unsigned int nr, int chain, unsigned int cpu_copied),
	    TP_ARGS(nr, chain, cpu_copied),
	    TP_STRUCT__entry(__field(unsigned int, nr)
			     __field(int, chain)
			     __field(unsigned int, cpu_copied)),
	    TP_fast_assign(__entry->nr = nr;
			   __entry->chain = chain;
			   __entry->cpu_copied = cpu_copied;),
	    TP_printk("nr=%u chain=%d cpu_copied=%u", __entry->nr,
		      __entry->chain, __entry->cpu_copied)
);

/*
 * Per completed call, what the cost model predicted and what the call
 * cost its caller (failed folios charged at the CPU's price), in ns.
 */
TRACE_EVENT(migrate_offload_cost,
	    TP_PROTO(const char *provider, unsigned int size_class,
		     unsigned int path, u64 bytes, u64 predicted_ns,
		     u64 measured_ns),
	    TP_ARGS(provider, size_class, path, bytes, predicted_ns,
		    measured_ns),
	    TP_STRUCT__entry(__string(provider, provider)
			     __field(unsigned int, size_class)
			     __field(unsigned int, path)
			     __field(u64, bytes)
			     __field(u64, predicted_ns)
			     __field(u64, measured_ns)),
	    TP_fast_assign(__assign_str(provider);
			   __entry->size_class = size_class;
			   __entry->path = path;
			   __entry->bytes = bytes;
			   __entry->predicted_ns = predicted_ns;
			   __entry->measured_ns = measured_ns;),
	    TP_printk("provider=%s class=%u path=%s bytes=%llu predicted_ns=%llu measured_ns=%llu",
		      __get_str(provider), __entry->size_class,
		      __print_symbolic(__entry->path, { 0, "local" },
				       { 1, "near" }, { 2, "tier" }),
		      __entry->bytes, __entry->predicted_ns,
		      __entry->measured_ns)
);

/* Per batch: its folios' unmapped windows (see mm/migrate_offload/window.c). */
TRACE_EVENT(migrate_offload_window,
	    TP_PROTO(enum migrate_reason reason, unsigned int nr, u64 mean_ns,
		     u64 max_ns),
	    TP_ARGS(reason, nr, mean_ns, max_ns),
	    TP_STRUCT__entry(__string(reason, reason < MR_TYPES ?
				      migrate_reason_names[reason] : "?")
			     __field(unsigned int, nr)
			     __field(u64, mean_ns)
			     __field(u64, max_ns)),
	    TP_fast_assign(__assign_str(reason);
			   __entry->nr = nr;
			   __entry->mean_ns = mean_ns;
			   __entry->max_ns = max_ns;),
	    TP_printk("reason=%s nr=%u mean_ns=%llu max_ns=%llu",
		      __get_str(reason), __entry->nr, __entry->mean_ns,
		      __entry->max_ns)
);

/* Per folio: its unmapped window, and who copied it. */
TRACE_EVENT(migrate_offload_folio_window,
	    TP_PROTO(const char *provider, unsigned int order, u64 ns),
	    TP_ARGS(provider, order, ns),
	    TP_STRUCT__entry(__string(provider, provider)
			     __field(unsigned int, order)
			     __field(u64, ns)),
	    TP_fast_assign(__assign_str(provider);
			   __entry->order = order;
			   __entry->ns = ns;),
	    TP_printk("provider=%s order=%u ns=%llu", __get_str(provider),
		      __entry->order, __entry->ns)
);

#endif /* _TRACE_MIGRATE_OFFLOAD_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
