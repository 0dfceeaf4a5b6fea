/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SDXi tracepoints: the function's error log, one event per entry.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM sdxi

#if !defined(_SDXI_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SDXI_TRACE_H

#include <linux/tracepoint.h>

#include "sdxi.h"

TRACE_EVENT(sdxi_error,
	    TP_PROTO(struct sdxi_dev *sdxi, const struct sdxi_err *err),
	    TP_ARGS(sdxi, err),
	    TP_STRUCT__entry(__string(dev, dev_name(sdxi_dev(sdxi)))
			     __field(u8, step)
			     __field(u8, sub_step)
			     __field(u8, reaction)
			     __field(int, cxt)
			     __field(int, buf)
			     __field(u64, index)
			     __field(u16, err_class)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->step = err->step;
			   __entry->sub_step = err->sub_step;
			   __entry->reaction = err->reaction;
			   __entry->cxt = err->cxt;
			   __entry->buf = err->buf;
			   __entry->index = err->index;
			   __entry->err_class = err->err_class;),
	    TP_printk("%s context %d descriptor %lld step %u sub_step %u buffer %d reaction %u class %#06x",
		      __get_str(dev), __entry->cxt,
		      __entry->index == U64_MAX ? -1LL :
		      (long long)__entry->index,
		      __entry->step, __entry->sub_step, __entry->buf,
		      __entry->reaction, __entry->err_class)
);

TRACE_EVENT(sdxi_error_status,
	    TP_PROTO(struct sdxi_dev *sdxi, u64 sts),
	    TP_ARGS(sdxi, sts),
	    TP_STRUCT__entry(__string(dev, dev_name(sdxi_dev(sdxi)))
			     __field(u64, sts)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->sts = sts;),
	    TP_printk("%s ERR_STS %#llx%s%s", __get_str(dev), __entry->sts,
		      __entry->sts & SDXI_ERR_STS_OVF ? " overflow" : "",
		      __entry->sts & SDXI_ERR_STS_ERR ? " log-error" : "")
);

#endif /* _SDXI_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
