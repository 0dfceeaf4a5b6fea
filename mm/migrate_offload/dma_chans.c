// SPDX-License-Identifier: GPL-2.0
/*
 * The dmaengine channels of the "dmaengine" migration copy provider.
 *
 * The provider takes channels for itself with dma_request_channel(), so
 * they are its own (the dmaengine core marks their device DMA_PRIVATE),
 * from any engine with DMA_MEMCPY whose name the admin allows, and only
 * while it is enabled: a disabled provider leaves every channel to other
 * dmaengine clients (ntb_transport wants PTDMA's only channel). Channels
 * are taken when the provider is enabled and on request (a write to
 * "devices" or "rescan"), given back when it is disabled. "devices"
 * only takes names of engines that exist (mdma_engine_exists()): a
 * typo would otherwise give back every channel.
 *
 * A channel is taken only if its driver can stop it: a batch that timed
 * out terminates its transfers, and only device_terminate_all() plus
 * device_synchronize() promise that no transfer runs, and no callback
 * comes, afterwards. And only if its driver sets DMA_COMPLETION_RESULT:
 * the dmaengine core reports success to a callback the driver gave no
 * result, and the folio is committed, its source freed, on that word.
 * Channels refused are listed, with the reason, in "refused".
 *
 * A channel is given back when the dmaengine core is about to unregister
 * it (dma_chan_register_notifier(): its device is unbound, or its driver
 * drops that channel alone, as idxd does per work queue; whatever the
 * bus), after the batches in flight on it are done, and when it failed
 * max_errors batches in a row. Transfers in flight on a vanishing engine
 * fail or time out, and the CPU then copies those folios again.
 *
 * The set of channels changes under scan_lock, so a look at the set
 * under scan_lock is stable. Batches never take it: they pick from the
 * slots inside a read-side section of mdma.srcu, which costs them a
 * per-CPU counter and never waits for a writer. A channel is taken out
 * of the set by clearing its slot's "live" (no new batch picks it), then
 * given back after the SRCU grace period (no batch still uses it); only
 * then is its slot free for another channel. A channel that is not ours
 * costs its unregistration no wait for our batches.
 */
#define pr_fmt(fmt) "migrate_offload: dma: " fmt

#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/lockdep.h>
#include <linux/notifier.h>
#include <linux/sprintf.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "dma.h"

static bool mdma_dev_wanted(const char *name)
{
	const char *p = mdma.devices;
	size_t len = strlen(name);

	if (!*p)
		return true;
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == len && !strncmp(p, name, n))
			return true;
		p += n;
		p += *p == ',';
	}
	return false;
}

/*
 * Is there an engine of this name? An engine's name is that of the
 * device its driver registered with dmaengine (chan->device->dev), the
 * name mdma_dev_wanted() matches: the parent of each of its channels'
 * devices in the "dma" class (/sys/class/dma/dma0chan0/device).
 *
 * dmaengine keeps its list of engines, and the class, to itself, so the
 * engines are looked up in the driver core with class_find_device() on
 * that class. It sees every channel, ours, other clients' or free,
 * takes no dmaengine lock and no channel. The class is reached through
 * a channel: one we hold or, when we hold none, one that
 * dma_request_channel() offers to a filter that notes it and declines
 * it, as it declines every channel, so nothing is taken. (Such a walk
 * alone would not do: dmaengine offers filters free channels only, and
 * an engine whose channels another client holds is still a name the
 * admin may want.) dmaengine is built in and never unregisters the
 * class: the pointer is kept once found. Until a channel has been seen
 * (none registered, or every one held by other clients since the module
 * loaded) every name is refused: there is no engine the provider could
 * take a channel of anyway.
 */
static const struct class *mdma_dma_class;

static bool mdma_note_class(struct dma_chan *chan, void *param)
{
	mdma_dma_class = chan->dev->device.class;
	return false;
}

/* Under scan_lock, which orders the writers of mdma_dma_class. */
static const struct class *mdma_find_class(void)
{
	struct dma_chan *chan;
	dma_cap_mask_t any;
	unsigned int i;

	lockdep_assert_held(&mdma.scan_lock);
	for (i = 0; !mdma_dma_class && i < MDMA_MAX_CHANS; i++)
		if (mdma.chans[i].chan)
			mdma_dma_class = mdma.chans[i].chan->dev->device.class;
	if (!mdma_dma_class) {
		/* No capability asked for: every engine's free channels. */
		dma_cap_zero(any);
		chan = dma_request_channel(any, mdma_note_class, NULL);
		/* The filter declined every channel: nothing to give back. */
		if (WARN_ON_ONCE(chan))
			dma_release_channel(chan);
	}
	return mdma_dma_class;
}

struct mdma_name {
	const char *name;
	size_t len;
};

static int mdma_engine_match(struct device *dev, const void *data)
{
	const struct mdma_name *n = data;
	const char *name;

	if (!dev->parent)
		return 0;
	name = dev_name(dev->parent);
	return strlen(name) == n->len && !strncmp(name, n->name, n->len);
}

static bool mdma_engine_exists(const char *name, size_t len)
{
	const struct class *class = mdma_find_class();
	struct mdma_name n = { .name = name, .len = len };
	struct device *dev;

	if (!class)
		return false;
	dev = class_find_device(class, NULL, &n, mdma_engine_match);
	put_device(dev);
	return dev;
}

/*
 * Under scan_lock. The form first, so that a malformed list fails the
 * same way whatever engines there are: names separated by single
 * commas, none empty, no blanks.
 */
static int mdma_check_devices(const char *list)
{
	const char *p;
	size_t n;

	if (!*list)
		return 0;
	for (p = list; *p; p++)
		if (isspace(*p))
			return -EINVAL;
	for (p = list; ; p += n + 1) {
		n = strcspn(p, ",");
		if (!n)
			return -EINVAL;
		if (!p[n])
			break;
	}
	for (p = list; ; p += n + 1) {
		n = strcspn(p, ",");
		if (!mdma_engine_exists(p, n))
			return -ENODEV;
		if (!p[n])
			return 0;
	}
}

/* Why a channel cannot be used, or NULL. */
static const char *mdma_unfit(struct dma_chan *chan)
{
	if (!chan->device->device_terminate_all)
		return "cannot be terminated (no device_terminate_all)";
	if (!chan->device->device_synchronize)
		return "cannot be synchronised (no device_synchronize)";
	if (!dma_has_cap(DMA_COMPLETION_RESULT, chan->device->cap_mask))
		return "does not report transfer results (no DMA_COMPLETION_RESULT)";
	return NULL;
}

/* Called by dma_request_channel() under mdma.scan_lock. */
static bool mdma_filter(struct dma_chan *chan, void *param)
{
	const char *why;

	if (!mdma_dev_wanted(dev_name(chan->device->dev)))
		return false;
	why = mdma_unfit(chan);
	if (!why)
		return true;
	if (mdma.nr_refused < MDMA_MAX_CHANS)
		snprintf(mdma.refused[mdma.nr_refused++], MDMA_REFUSED_LEN,
			 "%s %s: %s", dma_chan_name(chan),
			 dev_name(chan->device->dev), why);
	return false;
}

/* Node affinity: the nodes of the engines held; none known means any. */
static void mdma_update_nodes(void)
{
	nodemask_t nodes = NODE_MASK_NONE;
	unsigned int i;

	/*
	 * Disabled, the provider gets no batches, and it may be on its way
	 * out of the core's registry; enabling it scans again.
	 */
	if (!mdma.enabled)
		return;
	for (i = 0; i < MDMA_MAX_CHANS; i++) {
		if (!mdma.chans[i].live || mdma.chans[i].retired)
			continue;
		if (mdma.chans[i].node == NUMA_NO_NODE) {
			nodes_clear(nodes);
			break;
		}
		node_set(mdma.chans[i].node, nodes);
	}
	migrate_offload_set_nodes(&mdma_provider, &nodes);
}

/* Slots taken out of the set, to be given back after the grace period. */
struct mdma_gone {
	unsigned int slots[MDMA_MAX_CHANS];
	unsigned int nr;
};

/* Take the channel in slot @i out of the set; under scan_lock. */
static void mdma_drop(unsigned int i, struct mdma_gone *gone)
{
	WRITE_ONCE(mdma.chans[i].live, false);
	gone->slots[gone->nr++] = i;
	mdma.nr--;
}

/*
 * Give the dropped channels back once no batch can use them, and free
 * their slots. Batches never wait for us: a batch that reclaim starts
 * while we wait (dma_release_channel() and the allocations of other
 * clients may reclaim) just runs, on the channels still live.
 */
static void mdma_give_back(struct mdma_gone *gone)
{
	unsigned int i;

	lockdep_assert_held(&mdma.scan_lock);
	if (!gone->nr)
		return;
	synchronize_srcu(&mdma.srcu);
	for (i = 0; i < gone->nr; i++) {
		struct mdma_chan *mc = &mdma.chans[gone->slots[i]];

		pr_info("releasing %s\n", dma_chan_name(mc->chan));
		if (mc->retired)
			mdma_orphans_release(mc);
		dma_release_channel(mc->chan);
		*mc = (struct mdma_chan) {};
	}
}

/* Give back every channel; under scan_lock. */
static void mdma_release_all(void)
{
	struct mdma_gone gone = { .nr = 0 };
	unsigned int i;

	lockdep_assert_held(&mdma.scan_lock);
	for (i = 0; i < MDMA_MAX_CHANS; i++)
		if (mdma.chans[i].live)
			mdma_drop(i, &gone);
	mdma_update_nodes();
	mdma_give_back(&gone);
}

/* Take every wanted channel, give back unwanted ones; under scan_lock. */
static int mdma_scan_locked(void)
{
	struct dma_chan *got[MDMA_MAX_CHANS];
	struct mdma_gone gone = { .nr = 0 };
	unsigned int i, n = 0, room, slot;
	dma_cap_mask_t mask;
	int nr;

	lockdep_assert_held(&mdma.scan_lock);
	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);

	for (i = 0; i < MDMA_MAX_CHANS; i++)
		if (mdma.chans[i].live &&
		    !mdma_dev_wanted(dev_name(mdma.chans[i].chan->device->dev)))
			mdma_drop(i, &gone);
	mdma_update_nodes();
	mdma_give_back(&gone);
	room = MDMA_MAX_CHANS - mdma.nr;

	/*
	 * A channel's alloc_chan_resources may reclaim, and reclaim may
	 * demote through this provider: its batches meanwhile use the
	 * channels already live.
	 */
	mdma.nr_refused = 0;
	while (n < room) {
		struct dma_chan *chan = dma_request_channel(mask, mdma_filter,
							    NULL);

		if (!chan)
			break;
		got[n++] = chan;
	}

	for (i = 0, slot = 0; i < n; i++) {
		struct dma_chan *chan = got[i];

		while (mdma.chans[slot].chan)
			slot++;
		mdma.chans[slot] = (struct mdma_chan) {
			.chan = chan,
			.node = dev_to_node(chan->device->dev),
		};
		/* Pairs with mdma_pick(): the slot is filled in before. */
		smp_store_release(&mdma.chans[slot].live, true);
		mdma.nr++;
		pr_info("using %s (node %d)\n", dma_chan_name(chan),
			dev_to_node(chan->device->dev));
	}
	mdma_update_nodes();
	nr = mdma.nr;
	return nr;
}

/**
 * mdma_chans_scan() - take every wanted channel, give back unwanted ones
 *
 * Does nothing while the provider is disabled: it holds no channel then.
 *
 * Return: the number of channels held afterwards.
 */
int mdma_chans_scan(void)
{
	int nr = 0;

	mutex_lock(&mdma.scan_lock);
	if (mdma.enabled)
		nr = mdma_scan_locked();
	mutex_unlock(&mdma.scan_lock);
	return nr;
}

/**
 * mdma_chans_set_devices() - change the engines the provider may use
 * @list: comma-separated engine names; empty for every engine
 *
 * The list is checked, set and acted upon (channels of engines no longer
 * listed given back, those of listed ones taken while the provider is
 * enabled) under scan_lock: a scan, an unregistering channel or another
 * writer sees the old list with its channels or the new one. A list
 * refused leaves both as they were. An engine that goes away after the
 * check stays listed, with no channel, as when it goes away later.
 *
 * Return: 0; -EINVAL for an empty name, a blank or a stray comma;
 * -ENODEV for a name that is no engine's.
 */
int mdma_chans_set_devices(const char *list)
{
	int ret;

	mutex_lock(&mdma.scan_lock);
	ret = mdma_check_devices(list);
	if (!ret) {
		strscpy(mdma.devices, list, sizeof(mdma.devices));
		if (mdma.enabled)
			mdma_scan_locked();
	}
	mutex_unlock(&mdma.scan_lock);
	return ret;
}

/**
 * mdma_chans_enable() - take the channels, or give them all back
 * @enable: whether the provider is being enabled
 *
 * Return: 0. Enabling with no channel to take succeeds: the provider
 * declines every batch until a rescan finds one.
 */
int mdma_chans_enable(bool enable)
{
	mutex_lock(&mdma.scan_lock);
	mdma.enabled = enable;
	if (enable)
		pr_info("%d channels\n", mdma_scan_locked());
	else
		mdma_release_all();
	mutex_unlock(&mdma.scan_lock);
	return 0;
}

static void mdma_reap(struct work_struct *work)
{
	struct mdma_gone gone = { .nr = 0 };
	unsigned int i;

	mutex_lock(&mdma.scan_lock);
	for (i = 0; i < MDMA_MAX_CHANS; i++) {
		/* Retired channels stay held: nobody else gets them. */
		if (mdma.chans[i].live && !mdma.chans[i].retired &&
		    READ_ONCE(mdma.chans[i].errors) >= READ_ONCE(mdma.max_errors)) {
			mdma_stat_add(MDMA_LOST, 1);
			mdma_drop(i, &gone);
		}
	}
	mdma_update_nodes();
	mdma_give_back(&gone);
	mutex_unlock(&mdma.scan_lock);
}

static DECLARE_WORK(mdma_reap_work, mdma_reap);

/**
 * mdma_chans_failed() - account a batch's outcome on a channel
 * @mc: the channel (the caller is in a read-side section of mdma.srcu)
 * @failed: whether any transfer of the batch failed on it
 */
void mdma_chans_failed(struct mdma_chan *mc, bool failed)
{
	unsigned int max = READ_ONCE(mdma.max_errors);

	if (!failed) {
		WRITE_ONCE(mc->errors, 0);
		return;
	}
	/* Racing batches may both count: dropping a bit early is fine. */
	WRITE_ONCE(mc->errors, READ_ONCE(mc->errors) + 1);
	if (max && READ_ONCE(mc->errors) >= max)
		schedule_work(&mdma_reap_work);
}

/**
 * mdma_chans_retire() - stop using a channel whose transfers cannot be stopped
 * @mc: the channel (the caller is in a read-side section of mdma.srcu)
 * @err: what dmaengine_terminate_sync() returned
 *
 * No batch uses it again; it stays held, so that no other client gets a
 * channel that may still be writing, until its engine goes away or the
 * provider is disabled.
 */
void mdma_chans_retire(struct mdma_chan *mc, int err)
{
	/* Only the batch terminating the channel gets here: one at a time. */
	if (READ_ONCE(mc->retired))
		return;
	WRITE_ONCE(mc->retired, true);
	/* A driver or hardware fault, handled: no WARN, no panic_on_warn. */
	pr_err("%s cannot be terminated (%d): retired, its transfers may still write\n",
	       dma_chan_name(mc->chan), err);
	/* The reap recomputes the nodes served without it. */
	schedule_work(&mdma_reap_work);
}

/*
 * The dmaengine core is about to unregister @data: if it is ours, wait
 * for the batches in flight (the engine still completes or times them
 * out) and give it back before the driver tears it down.
 */
static int mdma_chan_event(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	struct mdma_gone gone = { .nr = 0 };
	unsigned int i;

	if (action != DMA_CHAN_UNREGISTER)
		return NOTIFY_DONE;

	mutex_lock(&mdma.scan_lock);
	for (i = 0; i < MDMA_MAX_CHANS; i++) {
		if (!mdma.chans[i].live || mdma.chans[i].chan != data)
			continue;
		mdma_drop(i, &gone);
		mdma_update_nodes();
		break;
	}
	/* Waits for the batches in flight on it, as the comment above says. */
	mdma_give_back(&gone);
	mutex_unlock(&mdma.scan_lock);
	mdma_stat_add(MDMA_LOST, gone.nr);
	return gone.nr ? NOTIFY_OK : NOTIFY_DONE;
}

static struct notifier_block mdma_chan_nb = {
	.notifier_call = mdma_chan_event,
};

int mdma_chans_init(void)
{
	return dma_chan_register_notifier(&mdma_chan_nb);
}

void mdma_chans_exit(void)
{
	dma_chan_unregister_notifier(&mdma_chan_nb);
	cancel_work_sync(&mdma_reap_work);
	mdma_chans_enable(false);
}
