// SPDX-License-Identifier: GPL-2.0
/*
 * The administrator's policy: for each migrate reason, what a batch of
 * a caller that gave no hint may use. Shared engines must not be swamped
 * by the wrong reasons, and latency-bound paths keep the plain CPU copy.
 *
 * Readers (every batch) copy a policy under a seqlock, so a concurrent
 * write is seen whole or not at all.
 */
#include <linux/seqlock.h>
#include <linux/string.h>

#include "internal.h"
#include "knob.h"

static DEFINE_SEQLOCK(mo_policy_seq);

#define POLICY(t)	{ .type = MIGRATE_HINT_##t }
/* Defaults; Documentation/admin-guide/mm/migrate_offload.rst says why. */
static struct mo_policy mo_policies[MR_TYPES] = {
	[MR_COMPACTION]		= POLICY(NONE),	/* latency-bound, small folios */
	[MR_MEMORY_FAILURE]	= POLICY(NONE),	/* poisoned memory: mc copy */
	[MR_MEMORY_HOTPLUG]	= POLICY(AUTO),
	[MR_SYSCALL]		= POLICY(AUTO),
	[MR_MEMPOLICY_MBIND]	= POLICY(AUTO),
	[MR_NUMA_MISPLACED]	= POLICY(AUTO),
	[MR_CONTIG_RANGE]	= POLICY(AUTO),
	[MR_LONGTERM_PIN]	= POLICY(AUTO),
	[MR_DEMOTION]		= POLICY(DMA),	/* to CXL or slow tiers */
	[MR_DAMON]		= POLICY(AUTO),
	[MR_NEVER]		= POLICY(NONE),
};

static const char * const mo_hint_names[MIGRATE_HINT_NR_TYPES] = {
	[MIGRATE_HINT_DEFAULT] = "default",
	[MIGRATE_HINT_NONE] = "none",
	[MIGRATE_HINT_ANY] = "any",
	[MIGRATE_HINT_CPU_THREADS] = "cpu-threads",
	[MIGRATE_HINT_DMA] = "dma",
	[MIGRATE_HINT_AUTO] = "auto",
	[MIGRATE_HINT_PROVIDER] = "provider",
};

const enum migrate_hint_type mo_policy_words[MO_NR_POLICY_WORDS] = {
	MIGRATE_HINT_NONE, MIGRATE_HINT_AUTO, MIGRATE_HINT_ANY,
	MIGRATE_HINT_CPU_THREADS, MIGRATE_HINT_DMA,
};

/* Provider names must not be mistaken for these. */
bool mo_is_hint_word(const char *name)
{
	unsigned int i;

	for (i = 0; i < MIGRATE_HINT_PROVIDER; i++)
		if (!strcmp(name, mo_hint_names[i]))
			return true;
	return false;
}

const char *mo_hint_name(enum migrate_hint_type type)
{
	return type < MIGRATE_HINT_NR_TYPES ? mo_hint_names[type] : "?";
}

/* MR_NEVER is not a reason anything migrates for. */
bool mo_reason_offloadable(enum migrate_reason reason)
{
	return reason < MR_TYPES && reason != MR_NEVER;
}

void mo_policy_get(enum migrate_reason reason, struct mo_policy *pol)
{
	unsigned int seq;

	if (!mo_reason_offloadable(reason)) {
		pol->type = MIGRATE_HINT_NONE;
		return;
	}
	do {
		seq = read_seqbegin(&mo_policy_seq);
		*pol = mo_policies[reason];
	} while (read_seqretry(&mo_policy_seq, seq));
}

/**
 * mo_policy_choice() - may a policy name this provider?
 * @e: a registered provider
 *
 * Not "cpu": it is never part of a chain, since it takes whatever the
 * chain leaves, so a policy naming it would keep every folio on the CPU
 * as "none" does, but through a batch.
 *
 * Return: true if a policy may name @e.
 */
bool mo_policy_choice(const struct migrate_offload_entry *e)
{
	return e->prov->kind != MIGRATE_COPY_CPU;
}

/**
 * mo_policy_parse() - read a policy written by the administrator
 * @buf: "none", "auto", "any", "cpu-threads", "dma" or the name of a registered
 *	provider other than "cpu", optionally followed by a newline; as a
 *	sysfs store gets it, followed by a NUL
 * @count: the bytes written, all of which make up the value
 * @pol: filled in on success
 *
 * Return: 0, or -EINVAL for anything else (an unknown or overlong name,
 * "cpu", a NUL or a second newline included).
 */
int mo_policy_parse(const char *buf, size_t count, struct mo_policy *pol)
{
	struct migrate_offload_entry *e;
	int len = mo_knob_len(buf, count);
	unsigned int i;

	if (len < 0)
		return len;
	if (len >= MIGRATE_PROVIDER_NAME_LEN)
		return -EINVAL;
	memset(pol, 0, sizeof(*pol));
	memcpy(pol->name, buf, len);
	for (i = 0; i < MO_NR_POLICY_WORDS; i++) {
		if (!strcmp(pol->name, mo_hint_names[mo_policy_words[i]])) {
			pol->type = mo_policy_words[i];
			pol->name[0] = '\0';
			return 0;
		}
	}
	mutex_lock(&mo_lock);
	e = mo_find_locked(pol->name);
	pol->type = e && mo_policy_choice(e) ? MIGRATE_HINT_PROVIDER :
					       MIGRATE_HINT_DEFAULT;
	mutex_unlock(&mo_lock);
	return pol->type == MIGRATE_HINT_PROVIDER ? 0 : -EINVAL;
}

int mo_policy_set(enum migrate_reason reason, const struct mo_policy *pol)
{
	if (!mo_reason_offloadable(reason) ||
	    pol->type == MIGRATE_HINT_DEFAULT ||
	    pol->type >= MIGRATE_HINT_NR_TYPES)
		return -EINVAL;
	write_seqlock(&mo_policy_seq);
	mo_policies[reason] = *pol;
	write_sequnlock(&mo_policy_seq);
	return 0;
}
