// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/mm/migration/
 *	available_providers	the registered providers, by name
 *	batch_bytes		the byte budget of a batch that may be offloaded
 *	batch_parts		parts such a batch is copied in, when copying ahead
 *	policy/<reason>		what batches of that reason may use
 *	providers/<name>/	enabled, rating, thresholds, caps/, stats/
 *				and the provider's own knobs
 *
 * Writes are all-or-nothing: a value is parsed and checked in full before
 * anything changes, under mo_lock for the knobs that depend on each other.
 * Every byte written is part of the value (knob.h): a NUL, a second
 * newline or junk after a number is refused, not cut off.
 */
#include <linux/kobject.h>
#include <linux/log2.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "internal.h"
#include "knob.h"

static struct kobject *mo_root_kobj;
static struct kobject *mo_providers_kobj;

static struct migrate_offload_entry *to_entry(struct kobject *kobj)
{
	return container_of(kobj, struct migrate_offload_entry, kobj);
}

/* Attributes in caps/ and stats/ hang off the entry's own kobject. */
#define ENTRY_RO(_name)							\
	static struct kobj_attribute _name##_attr = __ATTR_RO(_name)
#define ENTRY_RW(_name)							\
	static struct kobj_attribute _name##_attr = __ATTR_RW(_name)

static ssize_t kind_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", mo_kind_name(to_entry(kobj)->prov->kind));
}

ENTRY_RO(kind);

static ssize_t enabled_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_entry(kobj)->enabled));
}

static ssize_t enabled_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	bool enable;
	int ret;

	ret = mo_knob_bool(buf, count, &enable);
	if (ret)
		return ret;
	mutex_lock(&mo_lock);
	ret = mo_set_enabled(to_entry(kobj), enable);
	mutex_unlock(&mo_lock);
	return ret ? : count;
}

ENTRY_RW(enabled);

#define MO_MAX_RATING	1000

static ssize_t rating_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_entry(kobj)->rating));
}

static ssize_t rating_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	u32 rating;
	int ret;

	ret = mo_knob_u32(buf, count, 0, &rating);
	if (ret)
		return ret;
	if (rating > MO_MAX_RATING)
		return -EINVAL;
	WRITE_ONCE(to_entry(kobj)->rating, rating);
	return count;
}

ENTRY_RW(rating);

/*
 * A threshold reads and takes "auto" (the default) or a number. "auto"
 * is the provider's own threshold under every policy but "auto", where
 * the cost model alone decides (mo_min_order()). A number, which may be
 * below the provider's own but never below what it can take at all,
 * applies under every policy. The entry keeps only what was written;
 * the provider's own is looked up when it applies. mo_lock keeps a value
 * and its "auto" flag together for these files; batches read them
 * without it, and one that sees a value being changed uses the old or
 * the new one.
 */
static const char * const mo_auto_words[] = { "auto" };

static bool mo_knob_is_auto(const char *buf, size_t count)
{
	return mo_knob_word(buf, count, mo_auto_words,
			    ARRAY_SIZE(mo_auto_words)) == 0;
}

/* A threshold as it reads, taken under mo_lock with its "auto" flag. */
static ssize_t mo_threshold_show(char *buf, bool is_auto, u64 value)
{
	return is_auto ? sysfs_emit(buf, "auto\n") :
			 sysfs_emit(buf, "%llu\n", value);
}

static ssize_t min_folio_size_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	struct migrate_offload_entry *e = to_entry(kobj);
	ssize_t ret;

	mutex_lock(&mo_lock);
	ret = mo_threshold_show(buf, e->min_folio_auto,
				(u64)PAGE_SIZE << e->min_folio_order);
	mutex_unlock(&mo_lock);
	return ret;
}

static ssize_t min_folio_size_store(struct kobject *kobj,
				    struct kobj_attribute *attr,
				    const char *buf, size_t count)
{
	struct migrate_offload_entry *e = to_entry(kobj);
	const struct migrate_offload_provider *prov = e->prov;
	bool is_auto = mo_knob_is_auto(buf, count);
	unsigned int order = 0;
	u64 size;
	int ret;

	if (!is_auto) {
		ret = mo_knob_u64(buf, count, 0, &size);
		if (ret)
			return ret;
		/* In range first: is_power_of_2() takes an unsigned long. */
		if (size < PAGE_SIZE || size > (PAGE_SIZE << MAX_PAGE_ORDER) ||
		    !is_power_of_2(size) ||
		    ilog2(size >> PAGE_SHIFT) < prov->caps.min_folio_order)
			return -EINVAL;
		order = ilog2(size >> PAGE_SHIFT);
	}
	mutex_lock(&mo_lock);
	mo_set_min_order(e, is_auto, order);
	mutex_unlock(&mo_lock);
	return count;
}

ENTRY_RW(min_folio_size);

static ssize_t min_batch_bytes_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	struct migrate_offload_entry *e = to_entry(kobj);
	ssize_t ret;

	mutex_lock(&mo_lock);
	ret = mo_threshold_show(buf, e->min_batch_auto, e->min_batch_bytes);
	mutex_unlock(&mo_lock);
	return ret;
}

static ssize_t min_batch_bytes_store(struct kobject *kobj,
				     struct kobj_attribute *attr,
				     const char *buf, size_t count)
{
	struct migrate_offload_entry *e = to_entry(kobj);
	bool is_auto = mo_knob_is_auto(buf, count);
	u64 bytes = 0;
	int ret;

	if (!is_auto) {
		ret = mo_knob_u64(buf, count, 0, &bytes);
		if (ret)
			return ret;
	}
	mutex_lock(&mo_lock);
	mo_set_min_bytes(e, is_auto, bytes);
	mutex_unlock(&mo_lock);
	return count;
}

ENTRY_RW(min_batch_bytes);

/* 0 means the provider's own limit; more than that is refused. */
static ssize_t max_batch_folios_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_entry(kobj)->max_batch_folios));
}

static ssize_t max_batch_folios_store(struct kobject *kobj,
				      struct kobj_attribute *attr,
				      const char *buf, size_t count)
{
	struct migrate_offload_entry *e = to_entry(kobj);
	unsigned int limit = e->prov->caps.max_batch_folios;
	u32 nr;
	int ret;

	ret = mo_knob_u32(buf, count, 0, &nr);
	if (ret)
		return ret;
	if (limit && nr > limit)
		return -EINVAL;
	WRITE_ONCE(e->max_batch_folios, nr);
	return count;
}

ENTRY_RW(max_batch_folios);

static struct attribute *mo_entry_attrs[] = {
	&kind_attr.attr,
	&enabled_attr.attr,
	&rating_attr.attr,
	&min_folio_size_attr.attr,
	&min_batch_bytes_attr.attr,
	&max_batch_folios_attr.attr,
	NULL
};

/* The CPU provider has no thresholds: it takes whatever is left. */
static umode_t mo_entry_visible(struct kobject *kobj, struct attribute *attr,
				int n)
{
	if (to_entry(kobj)->prov->kind == MIGRATE_COPY_CPU &&
	    (attr == &min_folio_size_attr.attr ||
	     attr == &min_batch_bytes_attr.attr ||
	     attr == &max_batch_folios_attr.attr))
		return 0;
	return attr->mode;
}

static const struct attribute_group mo_entry_group = {
	.attrs = mo_entry_attrs,
	.is_visible = mo_entry_visible,
};

/* caps/: what the provider said it can do. */
#define CAPS_ATTR(_name, _fmt, _expr)					\
static ssize_t caps_##_name##_show(struct kobject *kobj,		\
				   struct kobj_attribute *attr, char *buf) \
{									\
	const struct migrate_offload_caps *caps = &to_entry(kobj)->prov->caps; \
	return sysfs_emit(buf, _fmt "\n", _expr);			\
}									\
static struct kobj_attribute caps_##_name##_attr =			\
	__ATTR(_name, 0444, caps_##_name##_show, NULL)

CAPS_ATTR(min_folio_size, "%lu", PAGE_SIZE << caps->min_folio_order);
CAPS_ATTR(max_batch_folios, "%u", caps->max_batch_folios);
CAPS_ATTR(max_batch_bytes, "%llu", caps->max_batch_bytes);

/* The nodes served now: a provider may change them while registered. */
static ssize_t caps_nodes_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	nodemask_t nodes;

	mo_nodes_read(to_entry(kobj), &nodes);
	return sysfs_emit(buf, "%*pbl\n", nodemask_pr_args(&nodes));
}

static struct kobj_attribute caps_nodes_attr = __ATTR(nodes, 0444,
						      caps_nodes_show, NULL);

static struct attribute *mo_caps_attrs[] = {
	&caps_min_folio_size_attr.attr,
	&caps_max_batch_folios_attr.attr,
	&caps_max_batch_bytes_attr.attr,
	&caps_nodes_attr.attr,
	NULL
};

static const struct attribute_group mo_caps_group = {
	.name = "caps",
	.attrs = mo_caps_attrs,
};

/* stats/: one counter per file, summed over CPUs when read. */
#define STAT_ATTR(_name, _item, _div)					\
static ssize_t stat_##_name##_show(struct kobject *kobj,		\
				   struct kobj_attribute *attr, char *buf) \
{									\
	struct mo_stats sum;						\
									\
	mo_stats_read(to_entry(kobj), &sum);				\
	return sysfs_emit(buf, "%llu\n", div_u64(sum.v[_item], _div));	\
}									\
static struct kobj_attribute stat_##_name##_attr =			\
	__ATTR(_name, 0444, stat_##_name##_show, NULL)

STAT_ATTR(batches, MO_STAT_BATCHES, 1);
STAT_ATTR(folios, MO_STAT_FOLIOS, 1);
STAT_ATTR(bytes, MO_STAT_BYTES, 1);
STAT_ATTR(declined, MO_STAT_DECLINED, 1);
STAT_ATTR(failed, MO_STAT_FAILED, 1);
STAT_ATTR(fallbacks, MO_STAT_FALLBACKS, 1);
STAT_ATTR(skipped, MO_STAT_SKIPPED, 1);
STAT_ATTR(recopied, MO_STAT_RECOPIED, 1);
STAT_ATTR(time_us, MO_STAT_TIME_NS, NSEC_PER_USEC);
STAT_ATTR(ahead, MO_STAT_AHEAD, 1);
STAT_ATTR(busy, MO_STAT_BUSY, 1);
STAT_ATTR(cost_skipped, MO_STAT_COST, 1);
STAT_ATTR(folios_anon, MO_STAT_ANON, 1);
STAT_ATTR(folios_shmem, MO_STAT_SHMEM, 1);
STAT_ATTR(folios_file, MO_STAT_FILE, 1);
STAT_ATTR(folios_swapcache, MO_STAT_SWAPCACHE, 1);
STAT_ATTR(folios_hugetlb, MO_STAT_HUGETLB, 1);

/* One line per bucket: the lower bound of its windows (us), the count. */
static ssize_t unmapped_us_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	struct mo_stats sum;
	int len = 0, i;

	mo_stats_read(to_entry(kobj), &sum);
	for (i = 0; i < MO_NR_WINDOWS; i++)
		len += sysfs_emit_at(buf, len, "%lu %llu\n", i ? 1UL << i : 0,
				     sum.window[i]);
	return len;
}

static struct kobj_attribute stat_unmapped_us_attr = __ATTR_RO(unmapped_us);

static struct attribute *mo_stats_attrs[] = {
	&stat_batches_attr.attr,
	&stat_folios_attr.attr,
	&stat_bytes_attr.attr,
	&stat_declined_attr.attr,
	&stat_failed_attr.attr,
	&stat_fallbacks_attr.attr,
	&stat_skipped_attr.attr,
	&stat_recopied_attr.attr,
	&stat_time_us_attr.attr,
	&stat_ahead_attr.attr,
	&stat_busy_attr.attr,
	&stat_cost_skipped_attr.attr,
	&stat_folios_anon_attr.attr,
	&stat_folios_shmem_attr.attr,
	&stat_folios_file_attr.attr,
	&stat_folios_swapcache_attr.attr,
	&stat_folios_hugetlb_attr.attr,
	&stat_unmapped_us_attr.attr,
	NULL
};

static const struct attribute_group mo_stats_group = {
	.name = "stats",
	.attrs = mo_stats_attrs,
};

static const struct attribute_group *mo_entry_groups[] = {
	&mo_entry_group,
	&mo_caps_group,
	&mo_stats_group,
	NULL
};

static void mo_kobj_release(struct kobject *kobj)
{
	mo_entry_release(to_entry(kobj));
}

static const struct kobj_type mo_entry_ktype = {
	.release = mo_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = mo_entry_groups,
};

/* Called under mo_lock; on failure the kobject's release frees @e. */
int mo_sysfs_add(struct migrate_offload_entry *e)
{
	int ret;

	ret = kobject_init_and_add(&e->kobj, &mo_entry_ktype,
				   mo_providers_kobj, "%s", e->name);
	if (!ret && e->prov->groups)
		ret = sysfs_create_groups(&e->kobj, e->prov->groups);
	if (ret)
		kobject_put(&e->kobj);
	return ret;
}

void mo_sysfs_del(struct migrate_offload_entry *e)
{
	if (e->prov->groups)
		sysfs_remove_groups(&e->kobj, e->prov->groups);
	kobject_del(&e->kobj);
	e->prov = NULL;
	kobject_put(&e->kobj);
}

static ssize_t available_providers_show(struct kobject *kobj,
					struct kobj_attribute *attr, char *buf)
{
	struct migrate_offload_entry *e;
	int len = 0;

	/*
	 * A list of names, like a block queue's scheduler choices: kind,
	 * rating and state are each a file of their own in providers/<name>/.
	 */
	mutex_lock(&mo_lock);
	list_for_each_entry(e, &mo_providers, list)
		len += sysfs_emit_at(buf, len, "%s%s", len ? " " : "", e->name);
	mutex_unlock(&mo_lock);
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

static struct kobj_attribute available_providers_attr =
	__ATTR_RO(available_providers);

static ssize_t batch_bytes_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(mo_batch_bytes));
}

/* Whole pages, from one THP of 2 MiB (the batch without offload) to 1 GiB. */
static ssize_t batch_bytes_store(struct kobject *kobj,
				 struct kobj_attribute *attr,
				 const char *buf, size_t count)
{
	u64 bytes;
	int ret;

	ret = mo_knob_u64(buf, count, 0, &bytes);
	if (ret)
		return ret;
	if (bytes < MO_BATCH_BYTES_MIN || bytes > MO_BATCH_BYTES_MAX ||
	    !PAGE_ALIGNED(bytes))
		return -EINVAL;
	WRITE_ONCE(mo_batch_bytes, bytes);
	return count;
}

static struct kobj_attribute batch_bytes_attr = __ATTR_RW(batch_bytes);

static ssize_t batch_parts_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(mo_batch_parts));
}

static ssize_t batch_parts_store(struct kobject *kobj,
				 struct kobj_attribute *attr,
				 const char *buf, size_t count)
{
	u32 parts;
	int ret;

	ret = mo_knob_u32(buf, count, 10, &parts);
	if (ret)
		return ret;
	if (!parts || parts > MO_BATCH_PARTS_MAX)
		return -EINVAL;
	WRITE_ONCE(mo_batch_parts, parts);
	return count;
}

static struct kobj_attribute batch_parts_attr = __ATTR_RW(batch_parts);

/* policy/<reason>: one attribute per migrate reason, named after it. */
static struct kobj_attribute mo_policy_attrs[MR_TYPES];
static struct attribute *mo_policy_attr_ptrs[MR_TYPES];

static enum migrate_reason attr_reason(struct kobj_attribute *attr)
{
	return attr - mo_policy_attrs;
}

/**
 * mo_policy_show() - a policy as its sysfs file reads
 * @pol: the policy
 * @with_default: offer "default" first (a node's preference)
 * @buf: the sysfs page
 *
 * Every word the file accepts, the chosen one in brackets: not "cpu",
 * which no policy may name (mo_policy_choice()).
 *
 * Return: the length written.
 */
ssize_t mo_policy_show(const struct mo_policy *pol, bool with_default,
		       char *buf)
{
	struct migrate_offload_entry *e;
	bool shown = false;
	unsigned int i;
	int len = 0;

	if (with_default)
		len += sysfs_emit_at(buf, len,
				     pol->type == MIGRATE_HINT_DEFAULT ?
				     "[%s] " : "%s ",
				     mo_hint_name(MIGRATE_HINT_DEFAULT));
	for (i = 0; i < MO_NR_POLICY_WORDS; i++) {
		bool cur = pol->type == mo_policy_words[i];

		len += sysfs_emit_at(buf, len, cur ? "[%s] " : "%s ",
				     mo_hint_name(mo_policy_words[i]));
	}
	mutex_lock(&mo_lock);
	list_for_each_entry(e, &mo_providers, list) {
		bool cur = pol->type == MIGRATE_HINT_PROVIDER &&
			   !strcmp(pol->name, e->name);

		if (!mo_policy_choice(e) && !cur)
			continue;
		shown |= cur;
		len += sysfs_emit_at(buf, len, cur ? "[%s] " : "%s ", e->name);
	}
	mutex_unlock(&mo_lock);
	/* A named provider that went away stays the policy: say so. */
	if (pol->type == MIGRATE_HINT_PROVIDER && !shown)
		len += sysfs_emit_at(buf, len, "[%s] ", pol->name);
	buf[len - 1] = '\n';
	return len;
}

static ssize_t policy_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	struct mo_policy pol;

	mo_policy_get(attr_reason(attr), &pol);
	return mo_policy_show(&pol, false, buf);
}

static ssize_t policy_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	struct mo_policy pol;
	int ret;

	ret = mo_policy_parse(buf, count, &pol);
	if (!ret)
		ret = mo_policy_set(attr_reason(attr), &pol);
	return ret ? : count;
}

static struct attribute_group mo_policy_group = {
	.name = "policy",
	.attrs = mo_policy_attr_ptrs,
};

int mo_sysfs_init(void)
{
	unsigned int r, n = 0;
	int ret;

	for (r = 0; r < MR_TYPES; r++) {
		struct kobj_attribute *a = &mo_policy_attrs[r];

		if (!mo_reason_offloadable(r))
			continue;
		sysfs_attr_init(&a->attr);
		a->attr.name = migrate_reason_names[r];
		a->attr.mode = 0644;
		a->show = policy_show;
		a->store = policy_store;
		mo_policy_attr_ptrs[n++] = &a->attr;
	}

	mo_root_kobj = kobject_create_and_add("migration", mm_kobj);
	if (!mo_root_kobj)
		return -ENOMEM;
	ret = sysfs_create_file(mo_root_kobj, &available_providers_attr.attr);
	if (!ret)
		ret = sysfs_create_file(mo_root_kobj, &batch_bytes_attr.attr);
	if (!ret)
		ret = sysfs_create_file(mo_root_kobj, &batch_parts_attr.attr);
	if (!ret)
		ret = sysfs_create_group(mo_root_kobj, &mo_policy_group);
	if (!ret) {
		mo_providers_kobj = kobject_create_and_add("providers",
							   mo_root_kobj);
		if (!mo_providers_kobj)
			ret = -ENOMEM;
	}
	if (!ret)
		ret = mo_node_policy_init(mo_root_kobj);
	if (ret)
		kobject_put(mo_root_kobj);
	return ret;
}
