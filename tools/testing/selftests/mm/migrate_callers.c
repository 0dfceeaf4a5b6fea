// SPDX-License-Identifier: GPL-2.0
/*
 * The callers of migration copy offload: every path that migrates memory
 * and can be triggered from user space sends its batches where its
 * policy (/sys/kernel/mm/migration/policy/<reason>), the destination
 * node's preference (nodes/node<N>) or its caller's explicit hint says,
 * and loses no byte: move_pages() with node preferences, a driver's own
 * migration with a hint (debugfs files of TEST_MIGRATE_OFFLOAD_HINT),
 * mbind(MPOL_MF_MOVE), compaction, offlining a memory block and demotion
 * to a lower memory tier under memory pressure.
 *
 * Each test counts the folios the provider it expects copied, and
 * compares every byte afterwards. The provider is "threads" unless
 * MO_PROVIDER names another (the DMA tests use "dmaengine").
 *
 * Needs root and two NUMA nodes; demotion needs a CPU-less node in a
 * lower memory tier.
 */
#include <dirent.h>
#include <errno.h>
#include <numa.h>
#include <fcntl.h>
#include <numaif.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mo_knobs.h"
#include "numa_move.h"
#include "vm_util.h"

#define NODE(n)		MIG "nodes/node" n
#define DBG		"/sys/kernel/debug/migrate_offload/"
#define BUF_SIZE	(4UL << 20)

static const char *provider(void)
{
	const char *p = getenv("MO_PROVIDER");

	return p && *p ? p : "threads";
}

static void prov_path(char *buf, size_t size, const char *file)
{
	snprintf(buf, size, MIG "providers/%s/%s", provider(), file);
}

static unsigned long long prov_folios(void)
{
	char path[256];

	prov_path(path, sizeof(path), "stats/folios");
	return knob_num(path);
}

static unsigned long long vmstat_read(const char *name)
{
	unsigned long long v = 0;
	size_t n = strlen(name);
	char line[256];
	FILE *f = fopen("/proc/vmstat", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, n) && line[n] == ' ') {
			v = strtoull(line + n + 1, NULL, 10);
			break;
		}
	}
	if (f)
		fclose(f);
	return v;
}

static int bind_to(void *addr, size_t len, int node, unsigned int flags)
{
	unsigned long mask = 1UL << node;

	return mbind(addr, len, MPOL_BIND, &mask, node + 2, flags) ? -errno : 0;
}

static int policy_path(char *buf, size_t size, const char *reason)
{
	return snprintf(buf, size, MIG "policy/%s", reason);
}

/* Only the provider under test may copy: "any" must mean it alone. */
static void others_disable(struct knobs *k)
{
	char path[512];
	struct dirent *d;
	DIR *dir = opendir(MIG "providers");

	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.' || !strcmp(d->d_name, "cpu") ||
		    !strcmp(d->d_name, provider()))
			continue;
		snprintf(path, sizeof(path), MIG "providers/%s/enabled",
			 d->d_name);
		knobs_set(k, path, "0");
	}
	if (dir)
		closedir(dir);
}

FIXTURE(callers)
{
	struct knobs k;
	struct nm_buf buf;
	int nodes[NM_MAX_NODES];
	int nr_nodes;
};

/*
 * Everything on the CPU but what a test switches on; the provider
 * enabled below its default thresholds, so base pages go to it too; no
 * NUMA balancing moving pages behind the tests' backs.
 */
FIXTURE_SETUP(callers)
{
	char path[256];

	self->nr_nodes = nm_mem_nodes(self->nodes, NM_MAX_NODES);
	if (self->nr_nodes < 2)
		SKIP(return, "needs two NUMA nodes with memory");
	prov_path(path, sizeof(path), "enabled");
	if (access(path, F_OK))
		SKIP(return, "no provider %s", provider());
	policies_isolate(&self->k, NULL);
	others_disable(&self->k);
	knobs_set(&self->k, "/proc/sys/kernel/numa_balancing", "0");
	ASSERT_EQ(knobs_set(&self->k, path, "1"), 0);
	prov_path(path, sizeof(path), "min_folio_size");
	ASSERT_EQ(knobs_set(&self->k, path, "4096"), 0);
	prov_path(path, sizeof(path), "min_batch_bytes");
	ASSERT_EQ(knobs_set(&self->k, path, "0"), 0);
	ASSERT_EQ(nm_alloc(&self->buf, BUF_SIZE, 0), 0);
	nm_fill(&self->buf, 7);
	ASSERT_EQ(nm_move(&self->buf, 0, NULL), 0);
}

FIXTURE_TEARDOWN(callers)
{
	nm_free(&self->buf);
	knobs_restore(&self->k);
}

/* Move the buffer to @node; return how many folios the provider copied. */
static long move_counted(struct __test_metadata *_metadata,
			 struct nm_buf *b, int node)
{
	unsigned long long f0 = prov_folios();
	unsigned long misplaced;

	EXPECT_EQ(nm_move(b, node, &misplaced), 0);
	EXPECT_EQ(misplaced, 0);
	EXPECT_EQ(nm_verify(b, 7, NULL), 0);
	return prov_folios() - f0;
}

/* A node's preference decides unless the reason's policy says "none". */
TEST_F(callers, node_preference)
{
	static const char * const bad[] = {
		"bogus", "\n", "default more", "none any",
		"a-provider-name-much-longer-than-thirty-two-bytes",
	};
	char before[512], after[512];
	unsigned int i;

	if (access(NODE("1"), F_OK))
		SKIP(return, "no " NODE("1"));
	ASSERT_EQ(knobs_set(&self->k, MIG "policy/syscall_or_cpuset", "any"), 0);
	ASSERT_EQ(knobs_set(&self->k, NODE("1"), "none"), 0);
	ASSERT_EQ(knobs_set(&self->k, NODE("0"), "default"), 0);
	EXPECT_EQ(move_counted(_metadata, &self->buf, 1), 0);
	EXPECT_EQ(move_counted(_metadata, &self->buf, 0),
		  (long)self->buf.nr_pages);

	/* "none" for the reason wins over the node. */
	ASSERT_EQ(knob_write(MIG "policy/syscall_or_cpuset", "none"), 0);
	ASSERT_EQ(knob_write(NODE("1"), provider()), 0);
	EXPECT_EQ(move_counted(_metadata, &self->buf, 1), 0);
	ASSERT_EQ(knob_write(MIG "policy/syscall_or_cpuset", "any"), 0);
	ASSERT_EQ(knob_write(NODE("0"), "none"), 0);
	EXPECT_EQ(move_counted(_metadata, &self->buf, 0), 0);
	EXPECT_EQ(move_counted(_metadata, &self->buf, 1),
		  (long)self->buf.nr_pages);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(knob_read(NODE("1"), before, sizeof(before)), 0);
		EXPECT_EQ(knob_write(NODE("1"), bad[i]), -EINVAL) {
			TH_LOG("'%s' was accepted", bad[i]);
		}
		ASSERT_EQ(knob_read(NODE("1"), after, sizeof(after)), 0);
		EXPECT_STREQ(before, after);
	}
}

static int dbg_write(const char *file, const char *fmt, ...)
{
	char cmd[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return knob_write(file, cmd);
}

/* A driver's explicit hint beats the policy; a node hint set by it shows. */
TEST_F(callers, driver_hint)
{
	unsigned long addr = (unsigned long)self->buf.addr;
	unsigned long len = self->buf.len;
	unsigned long long f0;
	char cur[64];

	if (access(DBG "move", F_OK) &&
	    system("mount -t debugfs none /sys/kernel/debug 2>/dev/null; true"))
		SKIP(return, "no debugfs");
	if (access(DBG "move", F_OK))
		SKIP(return, "no " DBG "move (TEST_MIGRATE_OFFLOAD_HINT)");
	/* The policy says none: only the hint can reach the provider. */
	ASSERT_EQ(knobs_set(&self->k, MIG "policy/syscall_or_cpuset", "none"), 0);
	f0 = prov_folios();
	ASSERT_EQ(dbg_write(DBG "move", "%s 1 %lx %lx",
			    strcmp(provider(), "threads") ? "dma" : "cpu-threads",
			    addr, len), 0);
	EXPECT_EQ(knob_num(DBG "moved"), self->buf.nr_pages);
	EXPECT_EQ(prov_folios() - f0, self->buf.nr_pages);
	EXPECT_EQ(nm_misplaced(&self->buf, 1), 0);
	EXPECT_EQ(nm_verify(&self->buf, 7, NULL), 0);

	f0 = prov_folios();
	ASSERT_EQ(dbg_write(DBG "move", "none 0 %lx %lx", addr, len), 0);
	EXPECT_EQ(knob_num(DBG "moved"), self->buf.nr_pages);
	EXPECT_EQ(prov_folios(), f0);
	EXPECT_EQ(nm_misplaced(&self->buf, 0), 0);

	ASSERT_EQ(dbg_write(DBG "move", "%s 1 %lx %lx", provider(), addr,
			    len), 0);
	EXPECT_EQ(prov_folios() - f0, self->buf.nr_pages);
	EXPECT_EQ(nm_verify(&self->buf, 7, NULL), 0);

	/* Bad requests move nothing. */
	EXPECT_EQ(dbg_write(DBG "move", "bogus 0 %lx %lx", addr, len), -EINVAL);
	EXPECT_EQ(dbg_write(DBG "move", "any 4096 %lx %lx", addr, len), -EINVAL);
	EXPECT_EQ(dbg_write(DBG "move", "any 0 %lx %lx", addr + 1, len),
		  -EINVAL);
	EXPECT_EQ(dbg_write(DBG "move", "any 0 %lx 0", addr), -EINVAL);
	EXPECT_EQ(dbg_write(DBG "move", "any 0 %lx %lx soon", addr, len),
		  -EINVAL);
	EXPECT_EQ(nm_misplaced(&self->buf, 1), 0);

	/*
	 * The node preference a driver claims is what sysfs shows, once
	 * the administrator hands the node back ("driver").
	 */
	ASSERT_EQ(knobs_save(&self->k, NODE("1")), 0);
	ASSERT_EQ(knob_write(NODE("1"), "driver"), 0);
	ASSERT_EQ(dbg_write(DBG "node_hint", "1 %s", provider()), 0);
	ASSERT_EQ(policy_current(NODE("1"), cur, sizeof(cur)), 0);
	EXPECT_STREQ(cur, provider());
	EXPECT_EQ(dbg_write(DBG "node_hint", "1 bogus"), -EINVAL);
	EXPECT_EQ(dbg_write(DBG "node_hint", "4096 dma"), -EINVAL);
	/* A second claim (two CXL regions on one node): one put keeps it. */
	ASSERT_EQ(dbg_write(DBG "node_hint", "1 %s", provider()), 0);
	ASSERT_EQ(dbg_write(DBG "node_hint", "1 default"), 0);
	ASSERT_EQ(policy_current(NODE("1"), cur, sizeof(cur)), 0);
	EXPECT_STREQ(cur, provider());
	/* The administrator's word stands whatever a driver claims. */
	ASSERT_EQ(knob_write(NODE("1"), "none"), 0);
	ASSERT_EQ(dbg_write(DBG "node_hint", "1 dma"), 0);
	ASSERT_EQ(policy_current(NODE("1"), cur, sizeof(cur)), 0);
	EXPECT_STREQ(cur, "none");
	ASSERT_EQ(dbg_write(DBG "node_hint", "1 default"), 0);
	/* Handed back: the claim left, with the last hint claimed. */
	ASSERT_EQ(knob_write(NODE("1"), "driver"), 0);
	ASSERT_EQ(policy_current(NODE("1"), cur, sizeof(cur)), 0);
	EXPECT_STREQ(cur, "dma");
	ASSERT_EQ(dbg_write(DBG "node_hint", "1 default"), 0);
	ASSERT_EQ(policy_current(NODE("1"), cur, sizeof(cur)), 0);
	EXPECT_STREQ(cur, "default");
}

/* mbind(MPOL_MF_MOVE) follows policy/mempolicy_mbind. */
TEST_F(callers, mbind_move)
{
	unsigned long long f0;
	char path[256];

	policy_path(path, sizeof(path), "mempolicy_mbind");
	ASSERT_EQ(knob_write(path, provider()), 0);
	f0 = prov_folios();
	ASSERT_EQ(bind_to(self->buf.addr, self->buf.len, 1, MPOL_MF_MOVE), 0);
	EXPECT_EQ(prov_folios() - f0, self->buf.nr_pages);
	EXPECT_EQ(nm_misplaced(&self->buf, 1), 0);
	EXPECT_EQ(nm_verify(&self->buf, 7, NULL), 0);

	ASSERT_EQ(knob_write(path, "none"), 0);
	f0 = prov_folios();
	ASSERT_EQ(bind_to(self->buf.addr, self->buf.len, 0, MPOL_MF_MOVE), 0);
	EXPECT_EQ(prov_folios(), f0);
	EXPECT_EQ(nm_misplaced(&self->buf, 0), 0);
	EXPECT_EQ(nm_verify(&self->buf, 7, NULL), 0);
}

/* Free the pages @i of @b with i % @mod == @rem: holes to compact. */
static void punch_holes(struct nm_buf *b, unsigned int mod, unsigned int rem)
{
	unsigned long i;

	for (i = rem; i < b->nr_pages; i += mod)
		madvise(b->addr + i * psize(), psize(), MADV_DONTNEED);
}

/* Bad words in the pages with i % @mod == @rem (those still kept). */
static size_t holes_verify(struct nm_buf *b, unsigned int mod,
			   unsigned int rem)
{
	size_t bad = 0, words = psize() / sizeof(uint64_t), w;
	unsigned long i;

	for (i = rem; i < b->nr_pages; i += mod) {
		uint64_t *p = (uint64_t *)(b->addr + i * psize());

		for (w = 0; w < words; w++)
			bad += p[w] != (i * words + w) * 0x9e3779b97f4a7c15ULL;
	}
	return bad;
}

static void holes_fill(struct nm_buf *b)
{
	size_t words = b->len / sizeof(uint64_t), w;
	uint64_t *p = (uint64_t *)b->addr;

	for (w = 0; w < words; w++)
		p[w] = w * 0x9e3779b97f4a7c15ULL;
}

/* The PFNs of the pages i % @mod == @rem of @b, into @pfns. */
static void holes_pfns(struct nm_buf *b, unsigned int mod, unsigned int rem,
		       unsigned long *pfns)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	unsigned long i;

	for (i = rem; i < b->nr_pages; i += mod)
		pfns[i] = fd < 0 ? 0 : pagemap_get_pfn(fd, b->addr + i * psize());
	if (fd >= 0)
		close(fd);
}

/*
 * Compact node 1; return the provider's folios meanwhile, and in @ours
 * how many kept pages of @b moved (other memory may move instead).
 */
static long compact_node1(struct nm_buf *b, unsigned int mod,
			  unsigned int rem, unsigned long *ours)
{
	unsigned long long f0 = prov_folios();
	unsigned long *before = calloc(b->nr_pages, sizeof(*before));
	unsigned long *after = calloc(b->nr_pages, sizeof(*after));
	unsigned long i;

	*ours = 0;
	if (!before || !after)
		goto out;
	holes_pfns(b, mod, rem, before);
	knob_write("/sys/devices/system/node/node1/compact", "1");
	holes_pfns(b, mod, rem, after);
	for (i = rem; i < b->nr_pages; i += mod)
		*ours += before[i] != after[i];
out:
	free(before);
	free(after);
	return prov_folios() - f0;
}

/* Compaction follows policy/compaction ("none" by default). */
TEST_F_TIMEOUT(callers, compaction, 600)
{
	struct nm_buf filler;
	unsigned long moved;
	char path[256];
	long copied;

	if (access("/sys/devices/system/node/node1/compact", F_OK))
		SKIP(return, "no per-node compaction");
	/* Node 1 holds little else: compaction there moves the filler. */
	ASSERT_EQ(nm_alloc(&filler, 256UL << 20, 0), 0);
	ASSERT_EQ(bind_to(filler.addr, filler.len, 1, 0), 0);
	holes_fill(&filler);
	punch_holes(&filler, 2, 0);

	policy_path(path, sizeof(path), "compaction");
	ASSERT_EQ(knob_write(path, provider()), 0);
	copied = compact_node1(&filler, 2, 1, &moved);
	TH_LOG("compaction moved %lu of our pages, %ld folios via %s",
	       moved, copied, provider());
	if (!moved) {
		nm_free(&filler);
		SKIP(return, "compaction moved none of our pages");
	}
	EXPECT_GE(copied, moved);
	EXPECT_EQ(holes_verify(&filler, 2, 1), 0);
	EXPECT_EQ(nm_verify(&self->buf, 7, NULL), 0);

	/* "none": the CPU copies whatever compaction moves. */
	ASSERT_EQ(knob_write(path, "none"), 0);
	punch_holes(&filler, 4, 1);
	copied = compact_node1(&filler, 4, 3, &moved);
	TH_LOG("compaction moved %lu of our pages, %ld folios via %s",
	       moved, copied, provider());
	EXPECT_EQ(copied, 0);
	EXPECT_EQ(holes_verify(&filler, 4, 3), 0);
	EXPECT_EQ(nm_verify(&self->buf, 7, NULL), 0);
	nm_free(&filler);
}

/*
 * Only ZONE_MOVABLE blocks (the guest boots with movablecore=) can be
 * offlined for sure; elsewhere an unmovable page fails the offline (and
 * the kernel dumps that page).
 */
static bool block_movable(unsigned long blk)
{
	char path[128], zones[64];

	/* The last block holds firmware's reserved pages at the top of RAM. */
	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu",
		 blk + 1);
	if (access(path, F_OK))
		return false;

	snprintf(path, sizeof(path),
		 "/sys/devices/system/memory/memory%lu/valid_zones", blk);
	return !knob_read(path, zones, sizeof(zones)) &&
	       !strcmp(zones, "Movable\n");
}

/* The movable memory blocks holding the buffer, from its PFNs. */
static int buffer_blocks(struct nm_buf *b, unsigned long *blocks, int max)
{
	unsigned long block_size = 0, i;
	char buf[64];
	int fd, n = 0, j;

	if (knob_read("/sys/devices/system/memory/block_size_bytes", buf,
		      sizeof(buf)))
		return 0;
	block_size = strtoul(buf, NULL, 16);
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0 || !block_size)
		return 0;
	for (i = 0; i < b->nr_pages && n < max; i++) {
		unsigned long pfn = pagemap_get_pfn(fd, b->addr + i * psize());
		unsigned long blk = pfn * psize() / block_size;

		if (!pfn)
			continue;
		for (j = 0; j < n && blocks[j] != blk; j++)
			;
		if (j == n && block_movable(blk))
			blocks[n++] = blk;
	}
	close(fd);
	return n;
}

/*
 * Offline a block in a child: offlining retries for as long as pages
 * cannot move, and only a fatal signal (the alarm) ends that.
 */
static bool offline_block(unsigned long blk)
{
	char path[128];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu/state",
		 blk);
	pid = fork();
	if (!pid) {
		alarm(60);
		_exit(knob_write(path, "offline") ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return false;
	knob_write(path, "online");
	return true;
}

/* Offlining memory migrates what it holds through policy/memory_hotplug. */
TEST_F_TIMEOUT(callers, memory_hotplug, 600)
{
	unsigned long blocks[8];
	unsigned long long f0;
	char path[256];
	int n, i;

	/* movablecore= puts ZONE_MOVABLE on the highest node(s). */
	for (i = self->nr_nodes - 1, n = 0; i > 0 && !n; i--) {
		ASSERT_EQ(nm_move(&self->buf, self->nodes[i], NULL), 0);
		n = buffer_blocks(&self->buf, blocks, 8);
	}
	if (!n)
		SKIP(return, "no movable memory block holds the buffer");
	policy_path(path, sizeof(path), "memory_hotplug");
	ASSERT_EQ(knob_write(path, provider()), 0);
	f0 = prov_folios();
	for (i = 0; i < n; i++)
		if (offline_block(blocks[i]))
			break;
	if (i == n)
		SKIP(return, "none of %d memory blocks could be offlined", n);
	TH_LOG("offlined memory%lu: %llu folios via %s", blocks[i],
	       prov_folios() - f0, provider());
	EXPECT_GT(prov_folios() - f0, 0);
	EXPECT_EQ(nm_verify(&self->buf, 7, NULL), 0);
}

/* A CPU-less node with memory, the guest's lower tier, or -1. */
static int lower_tier_node(const int *nodes, int nr)
{
	int i;

	for (i = 0; i < nr; i++) {
		char path[128], cpus[256];

		snprintf(path, sizeof(path),
			 "/sys/devices/system/node/node%d/cpulist", nodes[i]);
		/* CPU-less, hence in a lower tier here (HMAT says so). */
		if (nodes[i] && !knob_read(path, cpus, sizeof(cpus)) &&
		    cpus[0] == '\n')
			return nodes[i];
	}
	return -1;
}

static unsigned long long node0_total(void)
{
	char line[256];
	unsigned long long kb = 0;
	FILE *f = fopen("/sys/devices/system/node/node0/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Node 0 MemTotal: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb << 10;
}

/* Fill node 0 from a child until reclaim demotes the test's pages. */
static void pressure_node0(size_t len)
{
	pid_t pid = fork();
	char *p;

	if (pid) {
		waitpid(pid, NULL, 0);
		return;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || bind_to(p, len, 0, 0))
		_exit(1);
	memset(p, 0x5a, len);
	_exit(0);
}

/*
 * Fill @cold on node 0 (where the test runs, default policy: what NUMA
 * balancing later promotes), then press node 0 until reclaim demotes.
 * Returns the pages demoted meanwhile, and in @copied the provider's
 * folios.
 */
static unsigned long long demote_cold(struct nm_buf *cold,
				      unsigned long long *copied)
{
	unsigned long long d0, f0;

	nm_fill(cold, 11);
	/* Oldest on the LRU: reclaim takes these first. */
	madvise(cold->addr, cold->len, MADV_COLD);
	d0 = vmstat_read("pgdemote_kswapd") + vmstat_read("pgdemote_direct");
	f0 = prov_folios();
	pressure_node0(node0_total());
	*copied = prov_folios() - f0;
	return vmstat_read("pgdemote_kswapd") + vmstat_read("pgdemote_direct") -
	       d0;
}

/* Tiering set up: demotion on, a lower node, the test on node 0. */
static int tiering_setup(struct __test_metadata *_metadata, struct knobs *k,
			 const int *nodes, int nr_nodes)
{
	char path[256];
	int lower;

	lower = lower_tier_node(nodes, nr_nodes);
	if (lower < 0 || access("/sys/kernel/mm/numa/demotion_enabled", F_OK))
		return -1;
	EXPECT_EQ(numa_run_on_node(0), 0);
	EXPECT_EQ(knobs_set(k, "/sys/kernel/mm/numa/demotion_enabled", "1"), 0);
	policy_path(path, sizeof(path), "demotion");
	EXPECT_EQ(knob_write(path, provider()), 0);
	return lower;
}

/* Demotion under memory pressure goes through policy/demotion. */
TEST_F_TIMEOUT(callers, demotion, 900)
{
	unsigned long long demoted, copied;
	unsigned long on_lower;
	struct nm_buf cold;
	int lower;

	lower = tiering_setup(_metadata, &self->k, self->nodes,
			      self->nr_nodes);
	if (lower < 0)
		SKIP(return, "no CPU-less node to demote to");
	ASSERT_EQ(nm_alloc(&cold, 256UL << 20, 0), 0);
	demoted = demote_cold(&cold, &copied);
	on_lower = cold.nr_pages - nm_misplaced(&cold, lower);
	TH_LOG("demoted %llu pages (%lu of ours to node %d), %s copied %llu folios",
	       demoted, on_lower, lower, provider(), copied);
	EXPECT_GT(demoted, 0);
	EXPECT_GT(copied, 0);
	EXPECT_LE(copied, demoted);
	EXPECT_EQ(nm_verify(&cold, 11, NULL), 0);
	EXPECT_EQ(nm_verify(&self->buf, 7, NULL), 0);
	nm_free(&cold);
}

#define NB_DBG	"/sys/kernel/debug/sched/numa_balancing/"

/* Where the promotion test's reads go, so that they happen. */
uint64_t mo_sink;

/*
 * Memory-tiering NUMA balancing promotes demoted pages the test touches
 * again, through policy/numa_misplaced. Scanning is slow under
 * emulation: the test skips if nothing was promoted in two minutes.
 */
TEST_F_TIMEOUT(callers, promotion, 900)
{
	unsigned long long copied, p0, f0, promoted = 0;
	unsigned long before;
	struct nm_buf cold;
	char path[256];
	int lower, t;
	size_t w;

	lower = tiering_setup(_metadata, &self->k, self->nodes,
			      self->nr_nodes);
	if (lower < 0)
		SKIP(return, "no CPU-less node to demote to");
	system("mount -t debugfs none /sys/kernel/debug 2>/dev/null");
	ASSERT_EQ(nm_alloc(&cold, 128UL << 20, 0), 0);
	demote_cold(&cold, &copied);
	before = cold.nr_pages - nm_misplaced(&cold, lower);
	if (!before) {
		nm_free(&cold);
		SKIP(return, "nothing of ours was demoted");
	}
	policy_path(path, sizeof(path), "numa_misplaced");
	ASSERT_EQ(knob_write(path, provider()), 0);
	knobs_set(&self->k, NB_DBG "scan_delay_ms", "100");
	knobs_set(&self->k, NB_DBG "scan_period_min_ms", "100");
	knobs_set(&self->k, NB_DBG "hot_threshold_ms", "60000");
	ASSERT_EQ(knobs_set(&self->k, "/proc/sys/kernel/numa_balancing", "2"),
		  0);
	p0 = vmstat_read("pgpromote_success");
	f0 = prov_folios();
	for (t = 0; t < 120 && !promoted; t++) {
		for (w = 0; w < cold.len / sizeof(uint64_t); w += 512)
			mo_sink += ((uint64_t *)cold.addr)[w];
		usleep(500000);
		promoted = vmstat_read("pgpromote_success") - p0;
	}
	sleep(2);	/* let the faults in flight finish */
	promoted = vmstat_read("pgpromote_success") - p0;
	TH_LOG("%lu of ours demoted; promoted %llu pages in ~%d s, %s copied %llu folios",
	       before, promoted, t / 2, provider(), prov_folios() - f0);
	EXPECT_EQ(nm_verify(&cold, 11, NULL), 0);
	if (!promoted) {
		nm_free(&cold);
		SKIP(return, "no promotion within two minutes");
	}
	EXPECT_GT(prov_folios() - f0, 0);
	nm_free(&cold);
}

TEST_HARNESS_MAIN
