// SPDX-License-Identifier: GPL-2.0
/*
 * Migration copy offload of every kind of folio migration copies:
 * shmem (memfd: base pages, 64 KiB mTHPs, 2 MiB THPs), a file on tmpfs
 * mounted huge=always, block device page cache (a RAM disk, whose mapping
 * migrates with filemap_migrate_folio()), anonymous folios in the swap
 * cache, and hugetlb folios, anonymous and in a hugetlbfs file, of 2 MiB
 * and 1 GiB.
 *
 * Each is moved between every node pair with move_pages() and once with
 * mbind(MPOL_MF_MOVE), through a provider failing every 3rd folio and
 * then one declining every 2nd: every byte is compared after each move,
 * readers of the file check what read() and pread() return meanwhile,
 * data written with write() right after a move reads back, the provider's
 * counter of that folio type grows, and the CPU re-copies exactly the
 * folios the provider failed. hugetlb folios also go through the threads
 * provider (1 and 4 threads) and the dmaengine provider.
 *
 * Needs root, two NUMA nodes and the test_migrate_offload module; swap
 * on /dev/ram1 for the swap cache case and /dev/ram0 for the block device
 * (harness/guest/tests/folio_types.sh sets both up).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <numa.h>
#include <numaif.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mo_knobs.h"
#include "numa_move.h"
#include "vm_util.h"

#define POLICY		MIG "policy/syscall_or_cpuset"
#define TEST_PARAM(p)	"/sys/module/test_migrate_offload/parameters/" p
#define THP		"/sys/kernel/mm/transparent_hugepage/"
#define TMPFS_DIR	"/tmp/mo_types"
#define BDEV		"/dev/ram0"
#define BUF_SIZE	(4UL << 20)
#define KPF_SWAPCACHE	BIT_ULL(13)	/* uapi/linux/kernel-page-flags.h */
#define PAGEOUT_TRIES	3
#define MAX_TRIES	50	/* move_pages() calls for one move */

enum ft_kind {
	FT_MEMFD,
	FT_TMPFS,
	FT_BDEV,
	FT_SWAPCACHE,
	FT_HUGETLB_ANON,
	FT_HUGETLB_SHARED,
};

/* Count the words of @p (at word @first of the pattern) that are wrong. */
static size_t ft_bad_words(const uint64_t *p, size_t first, size_t n,
			   uint64_t seed)
{
	size_t i, bad = 0;

	for (i = 0; i < n; i++)
		bad += p[i] != nm_word(seed, first + i);
	return bad;
}

/* Reads the file under migration in a loop; counts wrong words. */
struct ft_reader {
	pthread_t thread;
	int fd;
	size_t len;
	uint64_t seed;
	atomic_bool stop;
	atomic_ulong reads, bad;
};

static void *ft_read_loop(void *arg)
{
	struct ft_reader *r = arg;
	size_t chunk = 64 << 10, off = 0;
	uint64_t *buf = malloc(chunk);
	bool use_pread = false;

	if (!buf)
		return NULL;
	while (!atomic_load(&r->stop)) {
		size_t bad;
		ssize_t n;

		/* Alternate: pread() at an offset, read() from one. */
		if (use_pread) {
			n = pread(r->fd, buf, chunk, off);
		} else {
			n = lseek(r->fd, off, SEEK_SET) < 0 ? -1 :
			    read(r->fd, buf, chunk);
		}
		if (n != (ssize_t)chunk)
			bad = 1;
		else
			bad = ft_bad_words(buf, off / 8, chunk / 8, r->seed);
		atomic_fetch_add(&r->bad, bad);
		atomic_fetch_add(&r->reads, 1);
		use_pread = !use_pread;
		off = (off + chunk) % r->len;
		/*
		 * A read holds the folio: migration's retries all fail while
		 * it lasts. Leave gaps, or a folio could never move.
		 */
		usleep(200);
	}
	free(buf);
	return NULL;
}

FIXTURE(types)
{
	struct nm_buf buf;
	int nodes[NM_MAX_NODES];
	int nr_nodes;
	int fd;
	bool mounted;
	pid_t child;
	struct knobs others;
};

FIXTURE_VARIANT(types)
{
	enum ft_kind kind;
	unsigned int order;	/* folio order asked for (memfd, tmpfs) */
	const char *stat;	/* the provider's counter of this type */
};

FIXTURE_VARIANT_ADD(types, memfd_4k)
{
	.kind = FT_MEMFD, .order = 0, .stat = "stats/folios_shmem",
};

FIXTURE_VARIANT_ADD(types, memfd_64k)
{
	.kind = FT_MEMFD, .order = 4, .stat = "stats/folios_shmem",
};

FIXTURE_VARIANT_ADD(types, memfd_thp)
{
	.kind = FT_MEMFD, .order = 9, .stat = "stats/folios_shmem",
};

FIXTURE_VARIANT_ADD(types, tmpfs_huge)
{
	.kind = FT_TMPFS, .order = 9, .stat = "stats/folios_shmem",
};

FIXTURE_VARIANT_ADD(types, blockdev)
{
	.kind = FT_BDEV, .order = 0, .stat = "stats/folios_file",
};

FIXTURE_VARIANT_ADD(types, swapcache)
{
	.kind = FT_SWAPCACHE, .order = 0, .stat = "stats/folios_swapcache",
};

FIXTURE_VARIANT_ADD(types, hugetlb_anon)
{
	.kind = FT_HUGETLB_ANON, .order = 9, .stat = "stats/folios_hugetlb",
};

FIXTURE_VARIANT_ADD(types, hugetlb_shared)
{
	.kind = FT_HUGETLB_SHARED, .order = 9, .stat = "stats/folios_hugetlb",
};

/* Give every node @nr free 2 MiB hugetlb pages (saved for restoring). */
static int reserve_hugetlb(struct knobs *k, const int *nodes, int nr_nodes,
			   const char *kb, unsigned int nr)
{
	char path[256], val[16];
	int i;

	snprintf(val, sizeof(val), "%u", nr);
	for (i = 0; i < nr_nodes; i++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/node/node%d/hugepages/hugepages-%skB/nr_hugepages",
			 nodes[i], kb);
		if (knobs_set(k, path, val) || knob_num(path) < nr)
			return -1;
	}
	return 0;
}

/*
 * Keep in @nodes the first two that have, or can get, one hugetlb page of
 * @kb; the others' counts go back as they were. Returns how many.
 */
static int nodes_with_hugetlb(struct knobs *k, int *nodes, int nr_nodes,
			      const char *kb)
{
	char path[256];
	int i, n = 0;

	for (i = 0; i < nr_nodes && n < 2; i++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/node/node%d/hugepages/hugepages-%skB/nr_hugepages",
			 nodes[i], kb);
		if (knob_num(path) < 1 && (knobs_set(k, path, "1") ||
					   knob_num(path) < 1))
			continue;
		nodes[n++] = nodes[i];
	}
	return n;
}

/* Shmem THP settings for memfd and tmpfs: exactly @order, or none. */
static int shmem_use_order(struct knobs *k, unsigned int order)
{
	if (knobs_set(k, THP "shmem_enabled", order == 9 ? "always" : "never"))
		return -1;
	if (order == 4)
		return knobs_set(k, THP "hugepages-64kB/shmem_enabled",
				 "always");
	return 0;
}

static int map_file(struct nm_buf *b, int fd, size_t len, int flags)
{
	b->map_len = len;
	b->map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | flags,
		      fd, 0);
	return b->map == MAP_FAILED ? -errno : 0;
}

static int map_anon(struct nm_buf *b, size_t len, int flags)
{
	b->map_len = len;
	b->map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	return b->map == MAP_FAILED ? -errno : 0;
}

/*
 * Count the buffer's mapped pages (pagemap bit 63), or with @kpf set only
 * those whose kpageflags have @kpf.  Returns -1 when pagemap or
 * kpageflags cannot be opened: what that means is the caller's choice.
 */
static long pagemap_count(struct nm_buf *b, uint64_t kpf)
{
	int pagemap = open("/proc/self/pagemap", O_RDONLY);
	int kflags = kpf ? open("/proc/kpageflags", O_RDONLY) : -1;
	unsigned long i;
	long count = -1;

	if (pagemap < 0 || (kpf && kflags < 0))
		goto out;
	for (count = 0, i = 0; i < b->nr_pages; i++) {
		uint64_t ent = 0, flags = 0;
		off_t at = (uintptr_t)b->pages[i] / psize() * 8;

		if (pread(pagemap, &ent, 8, at) != 8 || !(ent >> 63))
			continue;
		ent &= (1ULL << 55) - 1;
		if (!kpf || (pread(kflags, &flags, 8, ent * 8) == 8 &&
			     (flags & kpf)))
			count++;
	}
out:
	if (pagemap >= 0)
		close(pagemap);
	if (kflags >= 0)
		close(kflags);
	return count;
}

/* Pages in the swap cache; none when that cannot be read. */
static unsigned long to_swapcache_count(struct nm_buf *b)
{
	long n = pagemap_count(b, KPF_SWAPCACHE);

	return n < 0 ? 0 : n;
}

/* Pages still mapped; all of them when that cannot be read. */
static unsigned long resident_count(struct nm_buf *b)
{
	long n = pagemap_count(b, 0);

	return n < 0 ? b->nr_pages : (unsigned long)n;
}

/*
 * Swap the buffer out and read it back in, with its swap entries still
 * held by a child's page tables: swap-in then cannot free the swap
 * slots (a RAM disk is a synchronous swap device, whose slots are
 * otherwise freed at once), and the folios stay in the swap cache.
 *
 * MADV_PAGEOUT drains only this CPU's LRU-add batch and skips folios
 * that are not on the LRU, so a folio faulted in on another CPU can stay
 * mapped; the fork would then share it with the child, and neither
 * move_pages() nor mbind() moves a shared folio without MPOL_MF_MOVE_ALL.
 * migrate_pages() from every node to the same nodes moves nothing but
 * drains every CPU's batch first; what stays mapped anyway is retried,
 * then reported in *@resident.
 *
 * Returns how many pages are in the swap cache, and the child in *@child.
 */
static unsigned long to_swapcache(struct nm_buf *b, pid_t *child,
				  unsigned long *resident)
{
	unsigned long i, all[16] = {};
	int nodes[NM_MAX_NODES], nr = nm_mem_nodes(nodes, NM_MAX_NODES), n;

	for (n = 0; n < nr; n++)
		all[nodes[n] / 64] |= 1UL << (nodes[n] % 64);
	*resident = b->nr_pages;
	for (n = 0; n < PAGEOUT_TRIES && *resident; n++) {
		migrate_pages(0, sizeof(all) * 8, all, all);
		madvise(b->addr, b->len, MADV_PAGEOUT);
		*resident = resident_count(b);
	}
	*child = fork();
	if (!*child) {
		pause();
		_exit(0);
	}
	for (i = 0; i < b->nr_pages; i++)
		FORCE_READ(*(uint64_t *)(b->addr + i * psize()));
	return to_swapcache_count(b);
}

FIXTURE_SETUP(types)
{
	char path[128];

	self->fd = -1;
	self->nr_nodes = nm_mem_nodes(self->nodes, NM_MAX_NODES);
	if (self->nr_nodes < 2)
		SKIP(return, "needs two NUMA nodes with memory");
	if (access(MIG "providers/test", F_OK) &&
	    system("modprobe test_migrate_offload 2>/dev/null"))
		SKIP(return, "test_migrate_offload not available");
	/* Anonymous folios around the buffer stay base pages. */
	if (nm_use_folio_order(0))
		SKIP(return, "cannot set THP settings");
	knob_write(TEST_PARAM("fail_every"), "0");
	knob_write(TEST_PARAM("decline_every"), "0");
	knob_write(TEST_PARAM("delay_us"), "0");
	ASSERT_EQ(knobs_set(&self->others, PROV("test", "enabled"), "1"), 0);
	ASSERT_EQ(knobs_set(&self->others, POLICY, "test"), 0);
	policies_isolate(&self->others, "syscall_or_cpuset");

	switch (variant->kind) {
	case FT_MEMFD:
		if (shmem_use_order(&self->others, variant->order))
			SKIP(return, "no shmem folios of order %u",
			     variant->order);
		self->fd = memfd_create("mo_types", 0);
		break;
	case FT_TMPFS:
		mkdir(TMPFS_DIR, 0700);
		if (mount("none", TMPFS_DIR, "tmpfs", 0, "huge=always"))
			SKIP(return, "cannot mount tmpfs huge=always");
		self->mounted = true;
		snprintf(path, sizeof(path), "%s/file", TMPFS_DIR);
		self->fd = open(path, O_RDWR | O_CREAT, 0600);
		break;
	case FT_BDEV:
		self->fd = open(BDEV, O_RDWR);
		if (self->fd < 0)
			SKIP(return, "no %s (CONFIG_BLK_DEV_RAM)", BDEV);
		break;
	case FT_SWAPCACHE:
		if (knob_read("/proc/swaps", path, sizeof(path)) ||
		    !strchr(path, '/'))
			SKIP(return, "no swap device");
		break;
	case FT_HUGETLB_ANON:
	case FT_HUGETLB_SHARED:
		if (reserve_hugetlb(&self->others, self->nodes,
				    self->nr_nodes, "2048", 2 * BUF_SIZE / (2 << 20)))
			SKIP(return, "cannot reserve 2 MiB hugetlb pages");
		if (variant->kind == FT_HUGETLB_SHARED)
			self->fd = memfd_create("mo_types", MFD_HUGETLB);
		break;
	}
	if (variant->kind == FT_MEMFD || variant->kind == FT_TMPFS ||
	    variant->kind == FT_HUGETLB_SHARED) {
		ASSERT_GE(self->fd, 0);
		ASSERT_EQ(ftruncate(self->fd, BUF_SIZE), 0);
	}
	if (self->fd >= 0) {
		ASSERT_EQ(map_file(&self->buf, self->fd, BUF_SIZE, 0), 0);
	} else {
		ASSERT_EQ(map_anon(&self->buf, BUF_SIZE,
				   variant->kind == FT_HUGETLB_ANON ?
				   MAP_HUGETLB : 0), 0);
	}
	ASSERT_EQ(nm_wrap(&self->buf, self->buf.map, self->buf.map_len), 0);
}

FIXTURE_TEARDOWN(types)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	knob_write(TEST_PARAM("fail_every"), "0");
	knob_write(TEST_PARAM("decline_every"), "0");
	nm_free(&self->buf);
	if (self->fd >= 0)
		close(self->fd);
	if (self->mounted)
		umount(TMPFS_DIR);
	nm_restore_folio_order();
	knobs_restore(&self->others);
}

/* Bind the buffer to @node, which moves its pages there. */
static long do_mbind(struct nm_buf *b, int node)
{
	unsigned long mask[16] = {};

	mask[node / 64] |= 1UL << (node % 64);
	return mbind(b->addr, b->len, MPOL_BIND, mask, sizeof(mask) * 8,
		     MPOL_MF_MOVE);
}

/*
 * Move the buffer to @node with move_pages(), or mbind() if @bind, as an
 * application would: again while a reader's reference made some folios
 * fail. Returns the pages left elsewhere; *@tries counts the calls.
 */
static unsigned long move_until(struct nm_buf *b, int node, bool bind,
				int *tries)
{
	unsigned long misplaced = b->nr_pages;
	int i;

	for (i = 0; i < MAX_TRIES && misplaced; i++) {
		if (bind) {
			if (do_mbind(b, node))
				break;
			misplaced = nm_misplaced(b, node);
		} else if (nm_move(b, node, &misplaced) < 0) {
			break;
		}
		(*tries)++;
	}
	return misplaced;
}

/*
 * Move between every pair of nodes, then once more with mbind(), checking
 * every byte and where the pages went after each move, with a reader on
 * the file when there is one; then write() to the file and read it back.
 */
static void move_and_check(struct __test_metadata *_metadata,
			   struct _test_data_types *self, enum ft_kind kind,
			   uint64_t seed)
{
	struct nm_buf *b = &self->buf;
	struct ft_reader r = { .fd = self->fd, .len = b->len, .seed = seed };
	unsigned long misplaced, cached, resident;
	size_t bad, first = 0, off;
	bool reading = false;
	int i, j, moves = 0, tries = 0;
	pid_t child = -1;

	nm_fill(b, seed);
	if (kind == FT_SWAPCACHE) {
		cached = to_swapcache(b, &child, &resident);
		ASSERT_GE(child, 0);
		self->child = child;
		/* Shared with the child, they could not be moved. */
		ASSERT_EQ(resident, 0) {
			TH_LOG("%lu of %lu pages stayed mapped after MADV_PAGEOUT",
			       resident, b->nr_pages);
		}
		ASSERT_GE(cached, b->nr_pages / 2) {
			TH_LOG("only %lu of %lu pages in the swap cache",
			       cached, b->nr_pages);
		}
	}
	if (self->fd >= 0) {
		ASSERT_EQ(pthread_create(&r.thread, NULL, ft_read_loop, &r), 0);
		reading = true;
	}
	for (i = 0; i < self->nr_nodes; i++) {
		for (j = 0; j < self->nr_nodes; j++) {
			int to = self->nodes[j];

			if (i == j)
				continue;
			/* Each pair starts from its first node. */
			move_until(b, self->nodes[i], false, &tries);
			misplaced = move_until(b, to, false, &tries);
			EXPECT_EQ(misplaced, 0) {
				TH_LOG("%lu pages not on node %d after %d calls",
				       misplaced, to, MAX_TRIES);
			}
			bad = nm_verify(b, seed, &first);
			ASSERT_EQ(bad, 0) {
				TH_LOG("%zu bad words after a move to node %d, first at %zu",
				       bad, to, first);
			}
			moves++;
		}
	}
	EXPECT_EQ(move_until(b, self->nodes[0], true, &tries), 0);
	ASSERT_EQ(nm_verify(b, seed, &first), 0);
	if (reading) {
		atomic_store(&r.stop, true);
		pthread_join(r.thread, NULL);
		EXPECT_GT(atomic_load(&r.reads), 0);
		EXPECT_EQ(atomic_load(&r.bad), 0) {
			TH_LOG("readers saw %lu bad words in %lu reads",
			       atomic_load(&r.bad), atomic_load(&r.reads));
		}
	}
	TH_LOG("%d moves and an mbind in %d calls, %lu reads meanwhile",
	       moves, tries, atomic_load(&r.reads));
	if (kind == FT_SWAPCACHE) {
		cached = to_swapcache_count(b);
		TH_LOG("%lu of %lu pages still in the swap cache", cached,
		       b->nr_pages);
	}
	if (self->fd < 0 || kind == FT_HUGETLB_SHARED)
		return;
	/* Dirty the moved folios with write(): the mapping sees it all. */
	for (off = 0; off < b->len; off += 4096) {
		uint64_t w = nm_word(seed + 1, off / 8);

		ASSERT_EQ(pwrite(self->fd, &w, 8, off), 8);
	}
	for (off = 0, bad = 0; off < b->len; off += 4096)
		bad += *(uint64_t *)(b->addr + off) != nm_word(seed + 1, off / 8);
	EXPECT_EQ(bad, 0);
}

struct ft_counts {
	unsigned long long type, failed, declined, recopied;
};

static void counts(const char *stat, struct ft_counts *c)
{
	char path[128];

	snprintf(path, sizeof(path), PROV("test", "%s"), stat);
	c->type = knob_num(path);
	c->failed = knob_num(PROV("test", "stats/failed"));
	c->declined = knob_num(PROV("test", "stats/declined"));
	c->recopied = knob_num(PROV("cpu", "stats/recopied"));
}

/* The test provider fails every 3rd folio: the CPU re-copies those. */
TEST_F_TIMEOUT(types, failing_provider, 900)
{
	struct ft_counts a, z;

	ASSERT_EQ(knob_write(TEST_PARAM("fail_every"), "3"), 0);
	counts(variant->stat, &a);
	move_and_check(_metadata, self, variant->kind, 1000);
	counts(variant->stat, &z);
	TH_LOG("%s +%llu, failed +%llu, re-copied by the CPU +%llu",
	       variant->stat, z.type - a.type, z.failed - a.failed,
	       z.recopied - a.recopied);
	EXPECT_GT(z.type, a.type);
	EXPECT_GT(z.failed, a.failed);
	EXPECT_EQ(z.failed - a.failed, z.recopied - a.recopied);
}

/* Every 2nd folio declined: the CPU copies those; nothing is lost. */
TEST_F_TIMEOUT(types, declining_provider, 900)
{
	struct ft_counts a, z;

	ASSERT_EQ(knob_write(TEST_PARAM("decline_every"), "2"), 0);
	counts(variant->stat, &a);
	move_and_check(_metadata, self, variant->kind, 2000);
	counts(variant->stat, &z);
	TH_LOG("%s +%llu, declined +%llu", variant->stat, z.type - a.type,
	       z.declined - a.declined);
	EXPECT_GT(z.type, a.type);
	EXPECT_GT(z.declined, a.declined);
}

/*
 * hugetlb folios through each provider: the CPU alone (policy none), the
 * threads provider with 1 and 4 threads, the dmaengine provider. A 1 GiB
 * page is rarely free once a system has run a while: reserve one on each
 * of two nodes at boot (hugepagesz=1G hugepages=1:1,2:1), or the 1 GiB
 * cases skip.
 */
#define THR(f)		PROV("threads", f)
#define DMAE(f)		PROV("dmaengine", f)

FIXTURE(hugetlb)
{
	struct nm_buf buf;
	int nodes[NM_MAX_NODES];
	int nr_nodes;
	int fd;
	bool dma_loaded;
	struct knobs others;
};

FIXTURE_VARIANT(hugetlb)
{
	const char *kb;
	size_t size;
	bool shared;
};

FIXTURE_VARIANT_ADD(hugetlb, anon_2m)
{
	.kb = "2048", .size = 4UL << 20, .shared = false,
};

FIXTURE_VARIANT_ADD(hugetlb, shared_2m)
{
	.kb = "2048", .size = 4UL << 20, .shared = true,
};

FIXTURE_VARIANT_ADD(hugetlb, anon_1g)
{
	.kb = "1048576", .size = 1UL << 30, .shared = false,
};

FIXTURE_SETUP(hugetlb)
{
	unsigned int per_node;

	self->fd = -1;
	self->nr_nodes = nm_mem_nodes(self->nodes, NM_MAX_NODES);
	if (self->nr_nodes < 2)
		SKIP(return, "needs two NUMA nodes with memory");
	per_node = variant->size / (strtoul(variant->kb, NULL, 10) << 10);
	/* 1 GiB folios move between two nodes that have a page each. */
	if (variant->size >= 1UL << 30)
		self->nr_nodes = nodes_with_hugetlb(&self->others, self->nodes,
						    self->nr_nodes, variant->kb);
	if (self->nr_nodes < 2 ||
	    reserve_hugetlb(&self->others, self->nodes, self->nr_nodes,
			    variant->kb, per_node)) {
		knobs_restore(&self->others);
		SKIP(return, "cannot reserve %u %s kB hugetlb pages per node",
		     per_node, variant->kb);
	}
	policies_isolate(&self->others, "syscall_or_cpuset");
	if (variant->shared) {
		self->fd = memfd_create("mo_hugetlb", MFD_HUGETLB);
		ASSERT_GE(self->fd, 0);
		ASSERT_EQ(ftruncate(self->fd, variant->size), 0);
		ASSERT_EQ(map_file(&self->buf, self->fd, variant->size, 0), 0);
	} else {
		ASSERT_EQ(map_anon(&self->buf, variant->size,
				   MAP_HUGETLB | (variant->size >= 1UL << 30 ?
						  30 << MAP_HUGE_SHIFT : 0)), 0);
	}
	ASSERT_EQ(nm_wrap(&self->buf, self->buf.map, self->buf.map_len), 0);
}

FIXTURE_TEARDOWN(hugetlb)
{
	nm_free(&self->buf);
	if (self->fd >= 0)
		close(self->fd);
	knobs_restore(&self->others);
	if (self->dma_loaded && system("rmmod migrate_dma"))
		TH_LOG("rmmod migrate_dma failed");
}

/* Move between every node pair, every byte compared; count @stat's growth. */
static unsigned long long hugetlb_moves(struct __test_metadata *_metadata,
					struct _test_data_hugetlb *self,
					const char *stat, uint64_t seed)
{
	unsigned long long before = stat ? knob_num(stat) : 0;
	char why[128];

	ASSERT_EQ(nm_move_pairs(&self->buf, self->nodes, self->nr_nodes, seed,
				why, sizeof(why)), 0) {
		TH_LOG("%s", why);
	}
	return stat ? knob_num(stat) - before : 0;
}

TEST_F_TIMEOUT(hugetlb, cpu, 900)
{
	ASSERT_EQ(knobs_set(&self->others, POLICY, "none"), 0);
	hugetlb_moves(_metadata, self, NULL, 3000);
}

TEST_F_TIMEOUT(hugetlb, threads_1_and_4, 900)
{
	static const char * const threads[] = { "1", "4" };
	unsigned long long n;
	int i;

	if (access(THR(""), F_OK))
		SKIP(return, "no threads provider");
	ASSERT_EQ(knobs_save(&self->others, THR("threads")), 0);
	ASSERT_EQ(knobs_set(&self->others, THR("enabled"), "1"), 0);
	ASSERT_EQ(knobs_set(&self->others, POLICY, "threads"), 0);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(knob_write(THR("threads"), threads[i]), 0);
		n = hugetlb_moves(_metadata, self, THR("stats/folios_hugetlb"),
				  4000 + i * 100);
		TH_LOG("threads=%s: %llu hugetlb folios copied", threads[i], n);
		EXPECT_GE(n, (self->nr_nodes * (self->nr_nodes - 1)) *
			  (self->buf.len / (strtoul(variant->kb, NULL, 10) << 10)));
	}
}

TEST_F_TIMEOUT(hugetlb, dmaengine, 900)
{
	char in_use[1024] = "";
	unsigned long long n;

	if (access(DMAE(""), F_OK)) {
		if (system("modprobe migrate_dma 2>/dev/null"))
			SKIP(return, "no migrate_dma module");
		self->dma_loaded = true;
	}
	ASSERT_EQ(knobs_set(&self->others, DMAE("enabled"), "1"), 0);
	knob_read(DMA_DBG("in_use"), in_use, sizeof(in_use));
	if (!in_use[0])
		SKIP(return, "no DMA_MEMCPY channel");
	ASSERT_EQ(knobs_set(&self->others, POLICY, "dmaengine"), 0);
	n = hugetlb_moves(_metadata, self, DMAE("stats/folios_hugetlb"), 5000);
	TH_LOG("%llu hugetlb folios copied by DMA", n);
	EXPECT_GE(n, (self->nr_nodes * (self->nr_nodes - 1)) *
		  (self->buf.len / (strtoul(variant->kb, NULL, 10) << 10)));
}

TEST_HARNESS_MAIN
