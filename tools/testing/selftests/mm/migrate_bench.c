// SPDX-License-Identifier: GPL-2.0
/*
 * Throughput of move_pages() between two NUMA nodes for several folio
 * sizes. Only the move_pages() call is timed; the buffer is checked word
 * by word after every move, so a fast but wrong kernel cannot win.
 *
 *   migrate_bench [-m MiB] [-r reps] [-s KiB,KiB,...] [-f node] [-t node]
 *                 [-k anon|shmem|hugetlb] [-M] [-F]
 *
 * -k says what memory moves: anonymous (the default), shmem (a memfd,
 * with shmem THPs when the size is 2 MiB) or hugetlb pages of the size
 * asked for (which must be reserved on both nodes beforehand).
 *
 * -M writes "mark: begin" and "mark: end" lines to stderr around each
 * timed move, for an observer outside (an emulator's host) to tell what
 * ran while it did.
 *
 * -F names only the first base page of each folio in the timed move,
 * where a range is otherwise named page by page. The folios moved are
 * the same; what differs is how move_pages() treats the later pages of a
 * large folio it already queued, which "mm/migrate: move_pages(): queue
 * every page of a large folio" changes: the unpatched kernel migrates
 * such a range one folio per migrate_pages() call. A comparison of the
 * migration path itself with the unpatched kernel takes -F, so as not to
 * measure that fix with it. A round whose memory is not all in folios of
 * the size asked for names every page, as without -F.
 *
 * Prints a table and one "raw:" line per repetition for scripts, and at
 * the end its own CPU time ("rusage:").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "hugepage_settings.h"
#include "numa_move.h"
#include "vm_util.h"

enum mem_kind { MEM_ANON, MEM_SHMEM, MEM_HUGETLB };
static enum mem_kind kind = MEM_ANON;
static bool mark, heads;

#define MAX_SIZES	16
#define MAX_REPS	64

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int order_of(unsigned long kib)
{
	unsigned long pages = kib * 1024 / psize();
	int order = 0;

	if (!pages || (pages & (pages - 1)))
		return -1;
	while ((1UL << order) < pages)
		order++;
	return order;
}

/*
 * A shared memfd or a hugetlb mapping instead of nm_alloc()'s anonymous
 * one: the same struct nm_buf, so the moves and checks are the same.
 */
static int alloc_kind(struct nm_buf *b, size_t len, int order)
{
	int fd = -1, flags = MAP_SHARED;

	memset(b, 0, sizeof(*b));
	len = (len + (psize() << order) - 1) & ~((psize() << order) - 1);
	if (kind == MEM_SHMEM) {
		fd = memfd_create("migrate_bench", 0);
		if (fd < 0 || ftruncate(fd, len))
			goto fail;
	} else {
		flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			((order + __builtin_ctzl(psize())) << MAP_HUGE_SHIFT);
	}
	b->map = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (fd >= 0)
		close(fd);
	if (b->map == MAP_FAILED)
		return -errno;
	b->map_len = len;
	return nm_wrap(b, b->map, len);
fail:
	if (fd >= 0)
		close(fd);
	return -errno;
}

/* shmem THPs for a 2 MiB size, base pages otherwise; popped after. */
static void use_shmem_order(int order)
{
	struct thp_settings s;

	thp_read_settings(&s);
	s.shmem_enabled = order == 9 ? SHMEM_ALWAYS : SHMEM_NEVER;
	thp_push_settings(&s);
}

/*
 * Percent of @b's pages in folios of @order, or -1 when it cannot be
 * read: a 2 MiB move that found no THP on either side moves base pages,
 * several times slower, and a benchmark must be able to tell. hugetlb
 * pages are never split and kpageflags does not show them as THPs.
 */
static int whole_pct(const struct nm_buf *b, int order)
{
	int orders[32];

	if (kind == MEM_HUGETLB || nm_folio_orders(b, orders, 32) < 0)
		return -1;
	return (int)(100 * ((unsigned long)orders[order] << order) /
		     b->nr_pages);
}

/* -F: move @b to @node naming the first page of each folio of @order. */
static long move_heads(struct nm_buf *b, void **first, int node, int order)
{
	unsigned long i, n = b->nr_pages >> order;

	for (i = 0; i < n; i++) {
		first[i] = b->addr + (i << order) * psize();
		b->nodes[i] = node;
	}
	if (move_pages(0, n, first, b->nodes, b->status, MPOL_MF_MOVE) < 0)
		return -errno;
	return 0;
}

/* One folio size: returns 0, or 1 on a failed move or a corrupt byte. */
static int bench_size(unsigned long kib, size_t total, int reps, int src,
		      int dst)
{
	double secs[MAX_REPS], gbs;
	int order = order_of(kib), r, orders[32];
	unsigned long misplaced, nodemask;
	void **first = NULL;
	struct nm_buf b;
	size_t bad;
	int ret;

	if (order < 0 || nm_use_folio_order(kind == MEM_ANON ? order : 0)) {
		printf("%8lu  (folio size not supported, skipped)\n", kib);
		return 0;
	}
	if (kind == MEM_SHMEM)
		use_shmem_order(order);
	ret = kind == MEM_ANON ? nm_alloc(&b, total, order) :
	      alloc_kind(&b, total, order);
	if (ret) {
		if (kind == MEM_SHMEM)
			thp_pop_settings();
		nm_restore_folio_order();
		printf("%8lu  (allocation failed: %s)\n", kib, strerror(-ret));
		return 1;
	}
	if (heads) {
		first = calloc(b.nr_pages >> order, sizeof(*first));
		if (!first) {
			printf("%8lu  (no memory for -F)\n", kib);
			ret = 1;
			goto out;
		}
	}
	/* Fault it in on @src: then only the timed move copies anything. */
	nodemask = 1UL << src;
	mbind(b.addr, b.len, MPOL_PREFERRED, &nodemask, src + 2, 0);
	nm_fill(&b, kib);
	for (r = 0; r < reps; r++) {
		int whole_src;
		double t;

		if (nm_move(&b, src, &misplaced) || misplaced)
			goto fail;
		whole_src = whole_pct(&b, order);
		if (mark)
			fprintf(stderr, "mark: begin size_kb=%lu rep=%d\n", kib, r);
		t = now_s();
		if ((first && whole_src == 100) ?
		    move_heads(&b, first, dst, order) : nm_move(&b, dst, NULL))
			goto fail;
		secs[r] = now_s() - t;
		if (mark)
			fprintf(stderr, "mark: end size_kb=%lu rep=%d\n", kib, r);
		if (nm_misplaced(&b, dst))
			goto fail;
		bad = nm_verify(&b, kib, NULL);
		if (bad) {
			printf("%8lu  CORRUPTION: %zu bad words\n", kib, bad);
			goto fail;
		}
		/* "ns=" stays last: scripts take the rest of the line. */
		printf("raw: size_kb=%lu rep=%d bytes=%zu whole_src=%d whole_dst=%d ns=%.0f\n",
		       kib, r, b.len, whole_src, whole_pct(&b, order),
		       secs[r] * 1e9);
	}
	nm_folio_orders(&b, orders, 32);
	qsort(secs, reps, sizeof(secs[0]), cmp_double);
	gbs = b.len / secs[reps / 2] / 1e9;
	printf("%8lu  %8zu  %10.4f  %8.3f  %8.3f  %8.3f  %7.0f%%\n", kib,
	       b.len >> 20, secs[reps / 2], gbs, b.len / secs[reps - 1] / 1e9,
	       b.len / secs[0] / 1e9,
	       100.0 * ((double)(1UL << order) * orders[order]) / b.nr_pages);
	ret = 0;
	goto out;
fail:
	printf("%8lu  move to node %d or %d failed\n", kib, src, dst);
	ret = 1;
out:
	free(first);
	nm_free(&b);
	if (kind == MEM_SHMEM)
		thp_pop_settings();
	nm_restore_folio_order();
	return ret;
}

int main(int argc, char **argv)
{
	unsigned long sizes[MAX_SIZES] = { 4, 16, 64, 256, 1024, 2048 };
	int nr_sizes = 6, reps = 3, src = -1, dst = -1, opt, i, ret = 0;
	int nodes[NM_MAX_NODES], nr_nodes;
	size_t total = 256UL << 20;
	struct rusage ru;
	char *tok;

	while ((opt = getopt(argc, argv, "m:r:s:f:t:k:MF")) != -1) {
		switch (opt) {
		case 'm':
			total = strtoul(optarg, NULL, 0) << 20;
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		case 's':
			nr_sizes = 0;
			for (tok = strtok(optarg, ","); tok && nr_sizes < MAX_SIZES;
			     tok = strtok(NULL, ","))
				sizes[nr_sizes++] = strtoul(tok, NULL, 0);
			break;
		case 'f':
			src = atoi(optarg);
			break;
		case 't':
			dst = atoi(optarg);
			break;
		case 'k':
			if (!strcmp(optarg, "anon"))
				kind = MEM_ANON;
			else if (!strcmp(optarg, "shmem"))
				kind = MEM_SHMEM;
			else if (!strcmp(optarg, "hugetlb"))
				kind = MEM_HUGETLB;
			else
				goto usage;
			break;
		case 'M':
			mark = true;
			break;
		case 'F':
			heads = true;
			break;
		default:
usage:
			fprintf(stderr, "usage: %s [-m MiB] [-r reps] %s %s\n",
				argv[0], "[-s KiB,...] [-f node] [-t node]",
				"[-k anon|shmem|hugetlb] [-M] [-F]");
			return 2;
		}
	}
	if (reps < 1 || reps > MAX_REPS || !total) {
		fprintf(stderr, "bad -r or -m\n");
		return 2;
	}
	nr_nodes = nm_mem_nodes(nodes, NM_MAX_NODES);
	if (nr_nodes < 2) {
		fprintf(stderr, "needs two NUMA nodes with memory\n");
		return 4;
	}
	if (src < 0)
		src = nodes[0];
	if (dst < 0)
		dst = nodes[1];

	printf("move_pages() node %d -> node %d, %zu MiB, median of %d\n",
	       src, dst, total >> 20, reps);
	printf("%8s  %8s  %10s  %8s  %8s  %8s  %8s\n", "folio_kb", "MiB",
	       "median_s", "GB/s", "min", "max", "in_size");
	for (i = 0; i < nr_sizes; i++)
		ret |= bench_size(sizes[i], total, reps, src, dst);
	/* Its own CPU time, for tests of what else its cgroup is charged. */
	if (!getrusage(RUSAGE_SELF, &ru))
		printf("rusage: cpu_us=%ld\n",
		       ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec +
		       ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec);
	return ret;
}
