/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for tests and benchmarks that move a buffer between NUMA nodes
 * with move_pages() and check its contents word by word.
 */
#ifndef __NUMA_MOVE_H__
#define __NUMA_MOVE_H__

#include <stddef.h>
#include <stdint.h>

#define NM_MAX_NODES	64

struct nm_buf {
	char *addr;		/* start, aligned to the folio size */
	size_t len;		/* bytes, a multiple of the folio size */
	void *map;		/* what mmap() returned */
	size_t map_len;
	void **pages;		/* one address per base page */
	int *nodes;
	int *status;
	unsigned long nr_pages;
};

/* A different value in every word, so a misplaced page shows up too. */
static inline uint64_t nm_word(uint64_t seed, uint64_t index)
{
	uint64_t x = seed + index * 0x9e3779b97f4a7c15ULL;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

int nm_mem_nodes(int *nodes, int max);
int nm_use_folio_order(unsigned int order);
void nm_restore_folio_order(void);
int nm_alloc(struct nm_buf *b, size_t len, unsigned int order);
int nm_wrap(struct nm_buf *b, char *addr, size_t len);
void nm_free(struct nm_buf *b);
void nm_fill(struct nm_buf *b, uint64_t seed);
size_t nm_verify(const struct nm_buf *b, uint64_t seed, size_t *first_bad);
long nm_move(struct nm_buf *b, int node, unsigned long *misplaced);
unsigned long nm_status_not(const struct nm_buf *b, int node,
			    unsigned long *first);
unsigned long nm_misplaced(struct nm_buf *b, int node);
int nm_folio_orders(const struct nm_buf *b, int *orders, int nr_orders);
int nm_move_pairs(struct nm_buf *b, const int *nodes, int nr_nodes,
		  uint64_t seed, char *why, size_t why_len);

#endif /* __NUMA_MOVE_H__ */
