// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's generator: splitmix64, so a seed fixes every choice.
 */
#include <string.h>

#include "fuzz.h"

void fuzz_seed(struct fuzz_rng *r, __u64 seed)
{
	r->state = seed;
}

__u64 fuzz_u64(struct fuzz_rng *r)
{
	__u64 z = (r->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

__u64 fuzz_below(struct fuzz_rng *r, __u64 n)
{
	return n ? fuzz_u64(r) % n : 0;
}

bool fuzz_chance(struct fuzz_rng *r, unsigned int percent)
{
	return fuzz_below(r, 100) < percent;
}

__u64 fuzz_value(struct fuzz_rng *r)
{
	static const __u64 edges[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL,
		0xfff, 0x1000, 0x1001, 0x1fffff, 0x200000, 0x40000000,
		0x7ffffffff000ULL, 0x800000000000ULL, 0xffff800000000000ULL,
		0x1000000000000ULL, 0xfffffffffffff000ULL,
	};
	__u64 v;

	switch (fuzz_below(r, 6)) {
	case 0:
		return edges[fuzz_below(r, ARRAY_SIZE(edges))];
	case 1:
		v = 1ULL << fuzz_below(r, 64);
		return v + fuzz_below(r, 3) - 1;
	case 2:
		return fuzz_below(r, 256);
	case 3:
		return fuzz_u64(r) & 0xffffffff;
	default:
		return fuzz_u64(r);
	}
}

void fuzz_bytes(struct fuzz_rng *r, void *buf, size_t len)
{
	unsigned char *p = buf;
	__u64 v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			v = fuzz_u64(r);
		p[i] = v;
		v >>= 8;
	}
}
