// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the SDXi descriptor encoders and ring arithmetic.
 *
 * Expected values are written as raw little-endian bytes at the offsets
 * the specification's tables give, not through the driver's structures,
 * so a wrong structure layout fails here too.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/stddef.h>

#include "sdxi.h"

static u64 get_le(const void *desc, unsigned int off, unsigned int bytes)
{
	const u8 *p = desc;
	u64 v = 0;

	while (bytes--)
		v = v << 8 | p[off + bytes];
	return v;
}

/* Every byte outside [from, to) ranges listed must be zero (reserved). */
static void expect_zero_except(struct kunit *test, const void *desc,
			       const unsigned int (*used)[2], unsigned int n)
{
	const u8 *p = desc;
	unsigned int b, i;

	for (b = 0; b < 64; b++) {
		bool in_use = false;

		for (i = 0; i < n; i++)
			if (b >= used[i][0] && b < used[i][1])
				in_use = true;
		if (!in_use)
			KUNIT_EXPECT_EQ_MSG(test, p[b], 0, "reserved byte %u", b);
	}
}

static void sdxi_test_copy(struct kunit *test)
{
	static const unsigned int used[][2] = {
		{ 0, 4 }, { 4, 8 }, { 16, 24 }, { 24, 32 }, { 56, 64 } };
	struct sdxi_desc d;

	memset(&d, 0xa5, sizeof(d));
	sdxi_encode_copy(&d, 0x1122334455667788ULL, 0x0102030405060708ULL,
			 0x10000, 0xfeedf00dULL << 8);
	/* opcode: vl (bit 0), subtype 0x03 (bits 15:8), type 0x001 (26:16) */
	KUNIT_EXPECT_EQ(test, get_le(&d, 0, 4), 0x00010301ULL);
	/* size is bytes - 1 */
	KUNIT_EXPECT_EQ(test, get_le(&d, 4, 4), 0xffffULL);
	KUNIT_EXPECT_EQ(test, get_le(&d, 16, 8), 0x1122334455667788ULL);
	KUNIT_EXPECT_EQ(test, get_le(&d, 24, 8), 0x0102030405060708ULL);
	/* csb_ptr keeps bits 63:5, np (bit 0) clear */
	KUNIT_EXPECT_EQ(test, get_le(&d, 56, 8), 0xfeedf00d00ULL);
	expect_zero_except(test, &d, used, ARRAY_SIZE(used));
}

static void sdxi_test_copy_limits(struct kunit *test)
{
	struct sdxi_desc d;

	sdxi_encode_copy(&d, 0, 0, 1, 0);
	KUNIT_EXPECT_EQ(test, get_le(&d, 4, 4), 0ULL);
	/* No CSB: np set, pointer zero. */
	KUNIT_EXPECT_EQ(test, get_le(&d, 56, 8), 1ULL);
	/* The largest copy, 4 GiB, is encoded as 0xffffffff. */
	sdxi_encode_copy(&d, 0, 0, 1ULL << 32, 0);
	KUNIT_EXPECT_EQ(test, get_le(&d, 4, 4), 0xffffffffULL);
}

static void sdxi_test_nop(struct kunit *test)
{
	static const unsigned int used[][2] = { { 0, 4 }, { 56, 64 } };
	struct sdxi_desc d;

	memset(&d, 0xff, sizeof(d));
	sdxi_encode_nop(&d, 0x40);
	KUNIT_EXPECT_EQ(test, get_le(&d, 0, 4), 0x00010101ULL);
	KUNIT_EXPECT_EQ(test, get_le(&d, 56, 8), 0x40ULL);
	expect_zero_except(test, &d, used, ARRAY_SIZE(used));
}

static void sdxi_test_intr(struct kunit *test)
{
	static const unsigned int used[][2] = {
		{ 0, 4 }, { 12, 14 }, { 56, 64 } };
	struct sdxi_desc d;

	memset(&d, 0xff, sizeof(d));
	sdxi_encode_intr(&d, 0x1234);
	/* vl + fe (bit 2), subtype 0, type 0x004 */
	KUNIT_EXPECT_EQ(test, get_le(&d, 0, 4), 0x00040005ULL);
	KUNIT_EXPECT_EQ(test, get_le(&d, 12, 2), 0x1234ULL);
	KUNIT_EXPECT_EQ(test, get_le(&d, 56, 8), 1ULL);
	expect_zero_except(test, &d, used, ARRAY_SIZE(used));
}

static void sdxi_test_admin(struct kunit *test)
{
	static const unsigned int used[][2] = {
		{ 0, 4 }, { 8, 10 }, { 10, 12 }, { 56, 64 } };
	struct sdxi_desc d;

	memset(&d, 0xff, sizeof(d));
	sdxi_encode_cxt(&d, SDXI_SUB_CXT_START_NM, 3, 7, 0x1000);
	/* vl + fe: starting and stopping contexts is fenced */
	KUNIT_EXPECT_EQ(test, get_le(&d, 0, 4), 0x00020305ULL);
	KUNIT_EXPECT_EQ(test, get_le(&d, 8, 2), 3ULL);
	KUNIT_EXPECT_EQ(test, get_le(&d, 10, 2), 7ULL);
	KUNIT_EXPECT_EQ(test, get_le(&d, 56, 8), 0x1000ULL);
	expect_zero_except(test, &d, used, ARRAY_SIZE(used));

	sdxi_encode_cxt(&d, SDXI_SUB_CXT_STOP, 1, 1, 0);
	KUNIT_EXPECT_EQ(test, get_le(&d, 0, 4), 0x00020405ULL);
	/* vflags (byte 5): soft stop, no VF (vf is bit 7) */
	KUNIT_EXPECT_EQ(test, get_le(&d, 5, 1), 0ULL);
}

static void sdxi_test_sync(struct kunit *test)
{
	static const unsigned int used[][2] = {
		{ 0, 4 }, { 4, 5 }, { 8, 12 }, { 56, 64 } };
	struct sdxi_desc d;

	memset(&d, 0xff, sizeof(d));
	sdxi_encode_sync(&d, SDXI_SYNC_STOP, 2, 2, 0x2040);
	KUNIT_EXPECT_EQ(test, get_le(&d, 0, 4), 0x00020605ULL);
	/* cflags (byte 4) [2:0]: filter 1, STOP */
	KUNIT_EXPECT_EQ(test, get_le(&d, 4, 1), 1ULL);
	KUNIT_EXPECT_EQ(test, get_le(&d, 8, 2), 2ULL);
	KUNIT_EXPECT_EQ(test, get_le(&d, 10, 2), 2ULL);
	KUNIT_EXPECT_EQ(test, get_le(&d, 56, 8), 0x2040ULL);
	expect_zero_except(test, &d, used, ARRAY_SIZE(used));
}

static void put_le(void *buf, unsigned int off, unsigned int bytes, u64 v)
{
	u8 *p = buf;

	while (bytes--) {
		p[off++] = v & 0xff;
		v >>= 8;
	}
}

/*
 * An entry built from the bit positions of the error log header: vl
 * (bit 0), step [13:8], type 0x7f7 [26:16], cv [32], div [33], bv [34],
 * buf [38:36], sub_step [43:40], re [46:44], cxt_num [63:48],
 * dsc_index [127:64], err_class at byte 44.
 */
static void sdxi_test_errlog(struct kunit *test)
{
	struct sdxi_errlog_ent e;
	struct sdxi_err err;

	memset(&e, 0, sizeof(e));
	put_le(&e, 0, 4, 1 | 10 << 8 | 0x7f7 << 16);
	put_le(&e, 4, 4, 1 | 1 << 1 | 1 << 2 | 1 << 4 | 2 << 8 | 1 << 12 |
	       5 << 16);
	put_le(&e, 8, 8, 0x123456789aULL);
	put_le(&e, 44, 2, 0xbeef);
	put_le(&e, 48, 16, 0xffff);		/* vendor bytes: ignored */
	KUNIT_ASSERT_TRUE(test, sdxi_errlog_decode(&e, &err));
	KUNIT_EXPECT_EQ(test, err.step, SDXI_STEP_DATA_BUFFER);
	KUNIT_EXPECT_EQ(test, err.sub_step, SDXI_SUB_STEP_ACCESS);
	KUNIT_EXPECT_EQ(test, err.reaction, SDXI_RE_CXT_STOPPED);
	KUNIT_EXPECT_EQ(test, err.cxt, 5);
	KUNIT_EXPECT_EQ(test, err.buf, SDXI_ERRLOG_BUF_DST);
	KUNIT_EXPECT_EQ(test, err.index, 0x123456789aULL);
	KUNIT_EXPECT_EQ(test, err.err_class, 0xbeef);
	KUNIT_EXPECT_EQ(test, sdxi_err_result(&err), DMA_TRANS_WRITE_FAILED);

	/* No cv, div, bv: nothing named; the buffer is unknown. */
	put_le(&e, 4, 4, 3 << 8 | 2 << 12);
	KUNIT_ASSERT_TRUE(test, sdxi_errlog_decode(&e, &err));
	KUNIT_EXPECT_EQ(test, err.cxt, -1);
	KUNIT_EXPECT_EQ(test, err.buf, -1);
	KUNIT_EXPECT_EQ(test, err.index, U64_MAX);
	KUNIT_EXPECT_EQ(test, err.reaction, SDXI_RE_FN_STOPPED);
	KUNIT_EXPECT_EQ(test, sdxi_err_result(&err), DMA_TRANS_ABORTED);

	/* A source failure reads as a failed read. */
	put_le(&e, 4, 4, 1 << 2 | 0 << 4 | 2 << 8);
	KUNIT_ASSERT_TRUE(test, sdxi_errlog_decode(&e, &err));
	KUNIT_EXPECT_EQ(test, sdxi_err_result(&err), DMA_TRANS_READ_FAILED);

	/* Not valid, or not a header entry: skipped. */
	put_le(&e, 0, 4, 10 << 8 | 0x7f7 << 16);
	KUNIT_EXPECT_FALSE(test, sdxi_errlog_decode(&e, &err));
	put_le(&e, 0, 4, 1 | 10 << 8 | 0x001 << 16);
	KUNIT_EXPECT_FALSE(test, sdxi_errlog_decode(&e, &err));
	/* What the driver leaves after reading an entry. */
	put_le(&e, 0, 4, 0);
	KUNIT_EXPECT_FALSE(test, sdxi_errlog_decode(&e, &err));
}

/* max_buffer n means 2^(n + 21) bytes: 0 is 2 MiB, 11 is 4 GiB. */
static void sdxi_test_max_buffer(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sdxi_max_buffer_bytes(0), SZ_2M);
	KUNIT_EXPECT_EQ(test, sdxi_max_buffer_bytes(1), SZ_4M);
	KUNIT_EXPECT_EQ(test, sdxi_max_buffer_bytes(11), SZ_4G);
	KUNIT_EXPECT_EQ(test, sdxi_max_buffer_bytes(15), SZ_4G);
	KUNIT_EXPECT_EQ(test, sdxi_max_buffer_code(1), 0);
	KUNIT_EXPECT_EQ(test, sdxi_max_buffer_code(SZ_2M), 0);
	KUNIT_EXPECT_EQ(test, sdxi_max_buffer_code(SZ_2M + 1), 1);
	KUNIT_EXPECT_EQ(test, sdxi_max_buffer_code(SZ_1G), 9);
	KUNIT_EXPECT_EQ(test, sdxi_max_buffer_code(SZ_4G), 11);
}

/* Structure offsets the function depends on, from the spec's tables. */
static void sdxi_test_layouts(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, offsetof(struct sdxi_cxt_l1_ent, akey_ptr), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct sdxi_cxt_l1_ent, opb_000_enb), 20);
	KUNIT_EXPECT_EQ(test, offsetof(struct sdxi_cxt_ctl, ds_ring_sz), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct sdxi_cxt_ctl, cxt_sts_ptr), 16);
	KUNIT_EXPECT_EQ(test, offsetof(struct sdxi_cxt_ctl, write_index_ptr), 24);
	KUNIT_EXPECT_EQ(test, offsetof(struct sdxi_cxt_sts, read_index), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct sdxi_cst_blk, flags), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct sdxi_errlog_ent, dsc_index), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct sdxi_errlog_ent, err_class), 44);
	KUNIT_EXPECT_EQ(test, offsetof(struct sdxi_errlog_ent, vendor), 48);
	KUNIT_EXPECT_EQ(test, offsetof(struct sdxi_dsc_cxt, db_value), 16);
}

static void sdxi_test_ring_space(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sdxi_ring_space(0, 0, 64), 64);
	KUNIT_EXPECT_EQ(test, sdxi_ring_space(64, 0, 64), 0);
	KUNIT_EXPECT_EQ(test, sdxi_ring_space(70, 10, 64), 4);
	/* Indexes far past any 32-bit wrap still subtract correctly. */
	KUNIT_EXPECT_EQ(test, sdxi_ring_space(0x100000005ULL, 0xfffffffeULL, 64),
			57);
	/* A device claiming to have read ahead of the writer gets nothing. */
	KUNIT_EXPECT_EQ(test, sdxi_ring_space(5, 6, 64), 0);
	KUNIT_EXPECT_EQ(test, sdxi_ring_space(200, 100, 64), 0);
}

static void sdxi_test_ring_slot(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sdxi_ring_slot(0, 64), 0);
	KUNIT_EXPECT_EQ(test, sdxi_ring_slot(65, 64), 1);
	KUNIT_EXPECT_EQ(test, sdxi_ring_slot(U64_MAX, 1024), 1023);
	KUNIT_EXPECT_EQ(test, sdxi_ring_slot(1ULL << 40, 4096), 0);
}

static struct kunit_case sdxi_desc_cases[] = {
	KUNIT_CASE(sdxi_test_copy),
	KUNIT_CASE(sdxi_test_copy_limits),
	KUNIT_CASE(sdxi_test_nop),
	KUNIT_CASE(sdxi_test_intr),
	KUNIT_CASE(sdxi_test_admin),
	KUNIT_CASE(sdxi_test_sync),
	KUNIT_CASE(sdxi_test_errlog),
	KUNIT_CASE(sdxi_test_max_buffer),
	KUNIT_CASE(sdxi_test_layouts),
	KUNIT_CASE(sdxi_test_ring_space),
	KUNIT_CASE(sdxi_test_ring_slot),
	{}
};

static struct kunit_suite sdxi_desc_suite = {
	.name = "sdxi_desc",
	.test_cases = sdxi_desc_cases,
};

kunit_test_suite(sdxi_desc_suite);

MODULE_DESCRIPTION("KUnit tests of the SDXi descriptor encoding");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
