/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_SCHED_BANDWIDTH_H
#define _LINUX_SCHED_BANDWIDTH_H

/*
 * CPU bandwidth control (cgroup cpu.max) as other subsystems may ask about
 * it: work a task hands to kernel threads, which its quota cannot be
 * charged for, should not become a way around that quota.
 */

struct task_struct;

#ifdef CONFIG_CGROUP_SCHED
bool cfs_task_bw_constrained(struct task_struct *p);
#else
static inline bool cfs_task_bw_constrained(struct task_struct *p)
{
	return false;
}
#endif

#endif /* _LINUX_SCHED_BANDWIDTH_H */
