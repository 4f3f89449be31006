/* What the C tests of tests/c share: the failure macros and the counting allocator.
 * Each test prints one "ok ..." line per check to stdout (compared by tests/ffi.rs) and
 * exits non-zero at the first failure, naming it on stderr. */
#ifndef GOMAP_TEST_SUPPORT_H
#define GOMAP_TEST_SUPPORT_H

#include "gomap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, \
                    __LINE__, #cond, gomap_last_error());                          \
            exit(1);                                                               \
        }                                                                          \
    } while (0)

/* An expression (usable in a for header): fails unless `code` is GOMAP_OK. */
static inline void expect_ok(int code, const char *what, int line) {
    if (code != GOMAP_OK) {
        fprintf(stderr, "%s:%d: %s returned %s: %s\n", __FILE__, line, what,
                gomap_error_name(code), gomap_last_error());
        exit(1);
    }
}
#define CHECK_OK(call) expect_ok((call), #call, __LINE__)

/* ---- map types and maps ------------------------------------------------------------ */

/* map[K]E of Go's kinds (gomap_maptype_go) for `release`, from `alloc` (NULL: the
 * system allocator). */
static inline gomap_maptype *go_maptype(uint8_t key_kind, uint8_t elem_kind, size_t elem_size,
                                        const gomap_allocator *alloc, const char *release) {
    gomap_maptype *base = NULL, *t = NULL;
    CHECK_OK(gomap_maptype_go(key_kind, 0, elem_kind, elem_size, alloc, &base));
    CHECK_OK(gomap_maptype_with_release(base, release, &t));
    gomap_maptype_free(base);
    return t;
}

/* Exits, printing the reason and the map's dump, unless the map's invariants hold. */
static inline void check_map(const gomap_maptype *t, const gomap_map *h) {
    char *err = gomap_check(t, h);
    if (err) {
        char *d = gomap_dump(t, h);
        fprintf(stderr, "invariant broken: %s\n%s", err, d ? d : "");
        exit(1);
    }
}

/* ---- the counting allocator ------------------------------------------------------- */

struct counters {
    unsigned long allocs, frees;
    long long live_bytes;
    long fail_after; /* fail the allocation after this many more (-1: never) */
};

static inline void *count_alloc(size_t size, size_t align, void *ctx) {
    struct counters *c = ctx;
    if (c->fail_after == 0) return NULL;
    if (c->fail_after > 0) c->fail_after--;
    if (size == 0 || align == 0 || align > 16 || (align & (align - 1))) {
        fprintf(stderr, "bad allocation request %zu/%zu\n", size, align);
        exit(1);
    }
    void *p = calloc(1, size); /* calloc aligns to 16 */
    if (p) {
        c->allocs++;
        c->live_bytes += (long long)size;
    }
    return p;
}

static inline void count_free(void *p, size_t size, size_t align, void *ctx) {
    struct counters *c = ctx;
    (void)align;
    c->frees++;
    c->live_bytes -= (long long)size;
    free(p);
}

#endif
