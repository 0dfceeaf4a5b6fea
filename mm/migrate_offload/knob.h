/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Strict parsing of the values written to /sys/kernel/mm/migration.
 *
 * A store gets the whole buffer written, @count bytes followed by a NUL
 * that kernfs adds. The usual helpers look at less than that:
 * sysfs_streq() and kstrto*() stop at the first NUL, so "1\0junk" reads
 * as 1, and kstrtobool() looks at the first character only, so "1x" and
 * "10" read as true and "default" as false. A knob that takes such a
 * value silently does something nobody asked for. Every writable file
 * there parses through these helpers instead: all @count bytes are the
 * value, which is refused with -EINVAL unless it is exactly one of what
 * the file takes.
 */
#ifndef _MM_MIGRATE_OFFLOAD_KNOB_H
#define _MM_MIGRATE_OFFLOAD_KNOB_H

#include <linux/array_size.h>
#include <linux/errno.h>
#include <linux/kstrtox.h>
#include <linux/limits.h>
#include <linux/string.h>
#include <linux/types.h>

/**
 * mo_knob_len() - check what was written against the rule all knobs share
 * @buf: the store's buffer: @count bytes, then a NUL
 * @count: the bytes written
 *
 * The rule: the value is not empty, holds no NUL (sysfs_streq() and
 * kstrto*() would ignore whatever follows one) and no newline, except
 * one at its end, which echo adds.
 *
 * Return: the length of the value without that newline (at least 1),
 * or -EINVAL.
 */
static inline int mo_knob_len(const char *buf, size_t count)
{
	size_t len = count;

	if (len && buf[len - 1] == '\n')
		len--;
	/* Stores get a page at most; other callers get no truncated int. */
	if (!len || len > INT_MAX || memchr(buf, '\0', len) ||
	    memchr(buf, '\n', len))
		return -EINVAL;
	return len;
}

/**
 * mo_knob_bool() - parse a boolean knob
 * @buf: the store's buffer: @count bytes, then a NUL
 * @count: the bytes written
 * @res: set on success
 *
 * Takes one whole word of those kstrtobool() knows, in any case: 1, y,
 * yes, on, true for true; 0, n, no, off, false for false. Not the rest
 * of what kstrtobool() takes because of its first character ("10",
 * "1.5", "default"): a typo must not switch a provider on or off.
 *
 * Return: 0, or -EINVAL for anything else.
 */
static inline int mo_knob_bool(const char *buf, size_t count, bool *res)
{
	/* Even entries false, odd ones true. */
	static const char * const words[] = {
		"0", "1", "n", "y", "no", "yes", "off", "on", "false", "true",
	};
	int ret = mo_knob_len(buf, count);
	size_t len = ret;
	unsigned int i;

	if (ret < 0)
		return ret;
	for (i = 0; i < ARRAY_SIZE(words); i++) {
		if (strlen(words[i]) == len && !strncasecmp(buf, words[i], len)) {
			*res = i & 1;
			return 0;
		}
	}
	return -EINVAL;
}

/**
 * mo_knob_u32() - parse an unsigned 32-bit knob
 * @buf: the store's buffer: @count bytes, then a NUL
 * @count: the bytes written
 * @base: as for kstrtouint(): 0 also takes 0x and 0 prefixes
 * @res: set on success
 *
 * The range a knob allows is the caller's to check.
 *
 * Return: 0, -ERANGE for a number above U32_MAX, or -EINVAL for
 * anything else that is not a number (a minus sign, blanks or junk
 * around it).
 */
static inline int mo_knob_u32(const char *buf, size_t count,
			      unsigned int base, u32 *res)
{
	int len = mo_knob_len(buf, count);

	/* The bytes checked are all of the string kstrtouint() reads. */
	return len < 0 ? len : kstrtouint(buf, base, res);
}

/**
 * mo_knob_u64() - parse an unsigned 64-bit knob
 * @buf: the store's buffer: @count bytes, then a NUL
 * @count: the bytes written
 * @base: as for kstrtou64(): 0 also takes 0x and 0 prefixes
 * @res: set on success
 *
 * Return: 0, -ERANGE for a number above U64_MAX, or -EINVAL for
 * anything else that is not a number.
 */
static inline int mo_knob_u64(const char *buf, size_t count,
			      unsigned int base, u64 *res)
{
	int len = mo_knob_len(buf, count);

	return len < 0 ? len : kstrtou64(buf, base, res);
}

/**
 * mo_knob_word() - parse a knob that takes one word of a fixed list
 * @buf: the store's buffer: @count bytes, then a NUL
 * @count: the bytes written
 * @words: the words, matched exactly (case included)
 * @n: how many
 *
 * Return: the index of the word in @words, or -EINVAL.
 */
static inline int mo_knob_word(const char *buf, size_t count,
			       const char * const *words, size_t n)
{
	int len = mo_knob_len(buf, count);

	/* With no NUL inside, sysfs_streq() compares the whole value. */
	return len < 0 ? len : __sysfs_match_string(words, n, buf);
}

#endif /* _MM_MIGRATE_OFFLOAD_KNOB_H */
