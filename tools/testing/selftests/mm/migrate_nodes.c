// SPDX-License-Identifier: GPL-2.0
/*
 * Move anonymous memory between every ordered pair of NUMA nodes with
 * move_pages() and compare every byte after each move, for base pages,
 * a multi-size THP and PMD-sized THPs; and check the status move_pages()
 * reports for every page.
 */
#include <numa.h>
#include <stdio.h>

#include "hugepage_settings.h"
#include "kselftest_harness.h"
#include "numa_move.h"
#include "vm_util.h"

#define BUF_SIZE	(8UL << 20)

FIXTURE(migrate_nodes)
{
	struct nm_buf buf;
	int nodes[NM_MAX_NODES];
	int nr_nodes;
};

FIXTURE_VARIANT(migrate_nodes)
{
	unsigned int order;
};

FIXTURE_VARIANT_ADD(migrate_nodes, base_page)
{
	.order = 0,
};

FIXTURE_VARIANT_ADD(migrate_nodes, mthp_64k)
{
	.order = 4,
};

FIXTURE_VARIANT_ADD(migrate_nodes, thp_2m)
{
	.order = 9,
};

FIXTURE_SETUP(migrate_nodes)
{
	self->nr_nodes = nm_mem_nodes(self->nodes, NM_MAX_NODES);
	if (self->nr_nodes < 2)
		SKIP(return, "needs two NUMA nodes with memory");
	if (psize() != 4096 && variant->order)
		SKIP(return, "folio sizes assume 4 KiB base pages");
	if (nm_use_folio_order(variant->order))
		SKIP(return, "folio order %u not supported", variant->order);
	ASSERT_EQ(nm_alloc(&self->buf, BUF_SIZE, variant->order), 0);
}

FIXTURE_TEARDOWN(migrate_nodes)
{
	nm_free(&self->buf);
	nm_restore_folio_order();
}

/* Every pair (src, dst): place on src, fill, move to dst, check. */
TEST_F_TIMEOUT(migrate_nodes, all_pairs, 600)
{
	struct nm_buf *b = &self->buf;
	uint64_t seed = 1;
	int s, d;

	for (s = 0; s < self->nr_nodes; s++) {
		for (d = 0; d < self->nr_nodes; d++) {
			int src = self->nodes[s], dst = self->nodes[d];
			unsigned long misplaced;
			size_t bad, first = 0;

			if (s == d)
				continue;
			nm_fill(b, ++seed);
			ASSERT_EQ(nm_move(b, src, &misplaced), 0);
			ASSERT_EQ(misplaced, 0);
			ASSERT_EQ(nm_move(b, dst, &misplaced), 0) {
				TH_LOG("move %d -> %d failed", src, dst);
			}
			ASSERT_EQ(misplaced, 0) {
				TH_LOG("%lu pages not on node %d", misplaced, dst);
			}
			bad = nm_verify(b, seed, &first);
			ASSERT_EQ(bad, 0) {
				TH_LOG("%d -> %d: %zu bad words, first at %zu",
				       src, dst, bad, first);
			}
		}
	}
}

/*
 * move_pages() is given every base page, so all pages of a large folio:
 * each one's status must name the node the folio moved to, not -EBUSY
 * for the pages after the first.
 */
TEST_F(migrate_nodes, status)
{
	struct nm_buf *b = &self->buf;
	int dst = self->nodes[1];
	unsigned long wrong, first = 0;

	nm_fill(b, 3);
	ASSERT_EQ(nm_move(b, self->nodes[0], NULL), 0);
	ASSERT_EQ(nm_move(b, dst, NULL), 0);
	/* What move_pages() reported, before nm_misplaced() asks again. */
	wrong = nm_status_not(b, dst, &first);
	ASSERT_EQ(wrong, 0) {
		TH_LOG("%lu of %lu statuses not %d, first: page %lu, %d",
		       wrong, b->nr_pages, dst, first, b->status[first]);
	}
	ASSERT_EQ(nm_misplaced(b, dst), 0);
	ASSERT_EQ(nm_verify(b, 3, NULL), 0);
}

/* The folios really have the size the variant asks for. */
TEST_F(migrate_nodes, folio_size)
{
	int orders[NR_ORDERS], want = variant->order;

	nm_fill(&self->buf, 7);
	ASSERT_EQ(nm_move(&self->buf, self->nodes[1], NULL), 0);
	ASSERT_EQ(nm_folio_orders(&self->buf, orders, NR_ORDERS), 0);
	/* All of it in folios of the wanted order after a migration. */
	ASSERT_EQ((unsigned long)orders[want] << want,
		  self->buf.len / psize());
	ASSERT_EQ(nm_verify(&self->buf, 7, NULL), 0);
}

TEST_HARNESS_MAIN
