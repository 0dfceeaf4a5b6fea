// SPDX-License-Identifier: GPL-2.0
/*
 * Move a buffer between NUMA nodes with move_pages() and check every word
 * of it afterwards. Shared by the migration offload tests and benchmark.
 */
#include <errno.h>
#include <fcntl.h>
#include <numa.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hugepage_settings.h"
#include "numa_move.h"
#include "vm_util.h"

/* Nodes that have memory; returns how many were found. */
int nm_mem_nodes(int *nodes, int max)
{
	int node, n = 0;

	if (numa_available() < 0)
		return 0;
	for (node = 0; node <= numa_max_node() && n < max; node++) {
		long long free;

		if (numa_node_size64(node, &free) > 0)
			nodes[n++] = node;
	}
	return n;
}

/*
 * Make anonymous faults allocate folios of exactly 2^order pages: the
 * wanted size "always", every other mTHP size and the top level "never".
 * Order 0 turns THP off. Returns -1 if the kernel lacks that size.
 * The settings found first stay at the bottom of the settings stack, so
 * nm_restore_folio_order() can pop back to them any number of times.
 */
int nm_use_folio_order(unsigned int order)
{
	static struct thp_settings base;
	static bool base_pushed;
	struct thp_settings settings;
	int i;

	if (!thp_available())
		return order ? -1 : 0;
	if (order && !(thp_supported_orders() & (1UL << order)))
		return -1;
	if (!base_pushed) {
		thp_save_settings();
		thp_read_settings(&base);
		thp_push_settings(&base);
		base_pushed = true;
	}
	settings = base;
	settings.thp_enabled = THP_NEVER;
	for (i = 0; i < NR_ORDERS; i++)
		settings.hugepages[i].enabled = THP_NEVER;
	if (order)
		settings.hugepages[order].enabled = THP_ALWAYS;
	thp_push_settings(&settings);
	return 0;
}

/* Back to the settings found before the first nm_use_folio_order(). */
void nm_restore_folio_order(void)
{
	if (thp_available())
		thp_pop_settings();
}

int nm_alloc(struct nm_buf *b, size_t len, unsigned int order)
{
	size_t align = (size_t)psize() << order;
	char *addr;

	memset(b, 0, sizeof(*b));
	len = (len + align - 1) & ~(align - 1);
	b->map_len = len + align;
	b->map = mmap(NULL, b->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->map == MAP_FAILED)
		return -errno;
	addr = (char *)(((uintptr_t)b->map + align - 1) & ~(align - 1));
	if (order)
		madvise(addr, len, MADV_HUGEPAGE);
	else
		madvise(addr, len, MADV_NOHUGEPAGE);
	return nm_wrap(b, addr, len);
}

/*
 * The per-page arrays for @len bytes at @addr, in a mapping the caller
 * made (b->map and b->map_len, when set, are what nm_free() unmaps).
 */
int nm_wrap(struct nm_buf *b, char *addr, size_t len)
{
	b->addr = addr;
	b->len = len;
	b->nr_pages = len / psize();
	b->pages = calloc(b->nr_pages, sizeof(*b->pages));
	b->nodes = calloc(b->nr_pages, sizeof(*b->nodes));
	b->status = calloc(b->nr_pages, sizeof(*b->status));
	if (!b->pages || !b->nodes || !b->status) {
		nm_free(b);
		return -ENOMEM;
	}
	/* nm_misplaced() may ask where the pages are before any move. */
	for (unsigned long i = 0; i < b->nr_pages; i++)
		b->pages[i] = b->addr + i * psize();
	return 0;
}

void nm_free(struct nm_buf *b)
{
	if (b->map && b->map != MAP_FAILED)
		munmap(b->map, b->map_len);
	free(b->pages);
	free(b->nodes);
	free(b->status);
	memset(b, 0, sizeof(*b));
}

void nm_fill(struct nm_buf *b, uint64_t seed)
{
	uint64_t *w = (uint64_t *)b->addr;
	size_t i, n = b->len / sizeof(*w);

	for (i = 0; i < n; i++)
		w[i] = nm_word(seed, i);
}

/* Returns the number of wrong words; the first one's byte offset too. */
size_t nm_verify(const struct nm_buf *b, uint64_t seed, size_t *first_bad)
{
	const uint64_t *w = (const uint64_t *)b->addr;
	size_t i, n = b->len / sizeof(*w), bad = 0;

	for (i = 0; i < n; i++) {
		if (w[i] == nm_word(seed, i))
			continue;
		if (!bad++ && first_bad)
			*first_bad = i * sizeof(*w);
	}
	return bad;
}

/*
 * Move every base page of the buffer to @node. move_pages() reports
 * -EBUSY for a second address of a large folio it already queued, and a
 * large folio may be split on the way (all its pages still move, since
 * every page is named), so where the pages ended up is asked separately.
 * Returns move_pages()' result (0, the number of pages not migrated, or
 * -errno) and, in @misplaced (if not NULL), how many base pages are not
 * on @node afterwards.
 */
long nm_move(struct nm_buf *b, int node, unsigned long *misplaced)
{
	unsigned long i;
	long ret;

	for (i = 0; i < b->nr_pages; i++) {
		b->pages[i] = b->addr + i * psize();
		b->nodes[i] = node;
	}
	ret = move_pages(0, b->nr_pages, b->pages, b->nodes, b->status,
			 MPOL_MF_MOVE);
	if (ret < 0)
		ret = -errno;
	if (misplaced)
		*misplaced = nm_misplaced(b, node);
	return ret;
}

/*
 * How many entries of the buffer's status array are not @node; the index
 * of the first one in *@first (when not NULL and there is one).
 */
unsigned long nm_status_not(const struct nm_buf *b, int node,
			    unsigned long *first)
{
	unsigned long i, wrong = 0;

	for (i = 0; i < b->nr_pages; i++) {
		if (b->status[i] == node)
			continue;
		if (!wrong++ && first)
			*first = i;
	}
	return wrong;
}

/* How many base pages of the buffer are not on @node. */
unsigned long nm_misplaced(struct nm_buf *b, int node)
{
	unsigned long first = 0, wrong;

	if (move_pages(0, b->nr_pages, b->pages, NULL, b->status, 0)) {
		printf("# where are the pages: move_pages() failed: %s\n",
		       strerror(errno));
		return b->nr_pages;
	}
	wrong = nm_status_not(b, node, &first);
	/* Say where the first stray page is: a node, or an error. */
	if (wrong)
		printf("# %lu pages not on node %d, the first (page %lu) %d\n",
		       wrong, node, first, b->status[first]);
	return wrong;
}

/* Count the folios of each order backing the buffer (see vm_util.c). */
int nm_folio_orders(const struct nm_buf *b, int *orders, int nr_orders)
{
	int pagemap_fd, kpageflags_fd, ret;

	memset(orders, 0, nr_orders * sizeof(*orders));
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	kpageflags_fd = open("/proc/kpageflags", O_RDONLY);
	ret = gather_folio_orders(b->addr, b->len, pagemap_fd, kpageflags_fd,
				  orders, nr_orders);
	if (pagemap_fd >= 0)
		close(pagemap_fd);
	if (kpageflags_fd >= 0)
		close(kpageflags_fd);
	return ret;
}

/*
 * Move @b from each of @nodes to each other one, with a new pattern
 * (seeds from @seed + 1 on) before each pair; check after each move that
 * every page got there and every word is right. Returns 0, or -1 with
 * what went wrong first in @why.
 */
int nm_move_pairs(struct nm_buf *b, const int *nodes, int nr_nodes,
		  uint64_t seed, char *why, size_t why_len)
{
	int s, d;

	for (s = 0; s < nr_nodes; s++) {
		for (d = 0; d < nr_nodes; d++) {
			unsigned long misplaced;
			size_t first = 0, bad;
			long ret;

			if (s == d)
				continue;
			nm_fill(b, ++seed);
			ret = nm_move(b, nodes[s], NULL);
			if (!ret)
				ret = nm_move(b, nodes[d], &misplaced);
			if (ret) {
				snprintf(why, why_len, "%d -> %d: move_pages() %ld",
					 nodes[s], nodes[d], ret);
				return -1;
			}
			if (misplaced) {
				snprintf(why, why_len, "%d -> %d: %lu pages not moved",
					 nodes[s], nodes[d], misplaced);
				return -1;
			}
			bad = nm_verify(b, seed, &first);
			if (bad) {
				snprintf(why, why_len,
					 "%d -> %d: %zu bad words from %zu",
					 nodes[s], nodes[d], bad, first);
				return -1;
			}
		}
	}
	return 0;
}
