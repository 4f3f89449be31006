/* The C embedder's view of gomap, run by tests/ffi.rs: a custom key type with a hasher
 * that reads its context from the key type, a counting allocator that must see every
 * block back, Go-kind maps, mutation during iteration, and every error path.
 *
 * Prints one "ok ..." line per check to stdout (compared by tests/ffi.rs) and exits
 * non-zero at the first failure, naming it on stderr. */
#include "test_support.h"

static struct counters mem = {0, 0, 0, -1};
static gomap_allocator counting = {count_alloc, count_free, &mem};

/* ---- a custom key type: a point, hashed with FNV-1a and a salt from the context ----- */

struct point {
    int32_t x, y;
};

struct big {
    uint64_t v[25]; /* 200 bytes: over 128, so stored behind a pointer */
};

struct hash_ctx {
    unsigned long hash_calls, equal_calls;
    uint64_t salt;
    int collide; /* hash only x % 4: long overflow chains */
    /* Re-entrance: while set, `equal` calls back into the map and records the codes. */
    const gomap_maptype *re_t;
    gomap_map *re_h;
    int re_write_code, re_read_code;
};

static size_t point_hash(const void *key, size_t seed, const gomap_type *ty) {
    struct hash_ctx *c = ty->ctx;
    const struct point *p = key;
    c->hash_calls++;
    if (c->collide) return (size_t)(seed * 31u + (uint32_t)(p->x & 3));
    uint64_t h = 1469598103934665603ull ^ c->salt ^ (uint64_t)seed;
    const unsigned char *b = key;
    for (size_t i = 0; i < ty->size; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return (size_t)(h ^ (h >> 32));
}

static bool point_equal(const void *a, const void *b, const gomap_type *ty) {
    struct hash_ctx *c = ty->ctx;
    c->equal_calls++;
    if (c->re_h) {
        struct point k = {-1, -1};
        struct big v = {{0}};
        void *e;
        c->re_write_code = gomap_insert(c->re_t, c->re_h, &k, &v);
        c->re_read_code = gomap_access(c->re_t, c->re_h, &k, &e, NULL);
        c->re_h = NULL;
    }
    return memcmp(a, b, ty->size) == 0;
}

static gomap_maptype *point_type(struct hash_ctx *ctx) {
    gomap_type key = {sizeof(struct point), 0, 4, GOMAP_KIND_STRUCT, point_equal, ctx};
    gomap_type elem = {sizeof(struct big), 0, 8, GOMAP_KIND_STRUCT, NULL, NULL};
    gomap_maptype *t = NULL;
    CHECK_OK(gomap_maptype_new(&key, &elem, point_hash, GOMAP_FLAG_REFLEXIVE_KEY, &counting, &t));
    return t;
}

static void custom_type_roundtrip(void) {
    struct hash_ctx ctx = {0};
    ctx.salt = 0x5eed;
    gomap_maptype *t = point_type(&ctx);
    gomap_layout l;
    CHECK_OK(gomap_maptype_layout(t, &l));
    CHECK(l.keysize == 8 && l.elemsize == 8 && l.bucketsize == 144);
    CHECK((l.flags & 2) && !(l.flags & 1)); /* indirect elem, inline key */

    gomap_map *h = NULL;
    CHECK_OK(gomap_make(t, 0, &h));
    const int n = 5000;
    for (int i = 0; i < n; i++) {
        struct point k = {i, -i};
        void *e = NULL;
        CHECK_OK(gomap_assign(t, h, &k, &e));
        struct big *b = e;
        for (int j = 0; j < 25; j++) b->v[j] = (uint64_t)i * 25 + (uint64_t)j;
    }
    CHECK(gomap_len(h) == (size_t)n);
    CHECK(ctx.hash_calls >= (unsigned long)n);
    check_map(t, h);
    for (int i = 0; i < n; i++) {
        struct point k = {i, -i};
        void *e = NULL;
        bool found = false;
        CHECK_OK(gomap_access(t, h, &k, &e, &found));
        CHECK(found && ((struct big *)e)->v[24] == (uint64_t)i * 25 + 24);
    }
    /* A missing key reads Go's zero value. */
    struct point missing = {n, n};
    void *e = NULL;
    bool found = true;
    CHECK_OK(gomap_access(t, h, &missing, &e, &found));
    CHECK(!found && e != NULL && ((struct big *)e)->v[0] == 0 && ((struct big *)e)->v[24] == 0);
    printf("ok custom key type: %d entries, indirect 200-byte elems, ctx hasher called\n", n);

    for (int i = 0; i < n; i += 2) {
        struct point k = {i, -i};
        CHECK_OK(gomap_delete(t, h, &k));
    }
    CHECK(gomap_len(h) == (size_t)n / 2);
    check_map(t, h);
    /* Every remaining entry exactly once. */
    unsigned char *seen = calloc((size_t)n, 1);
    size_t count = 0;
    gomap_iter *it = NULL;
    CHECK_OK(gomap_iter_init(t, h, &it));
    for (; gomap_iter_key(it); CHECK_OK(gomap_iter_next(it))) {
        const struct point *k = gomap_iter_key(it);
        const struct big *b = gomap_iter_elem(it);
        CHECK(k->x % 2 == 1 && k->y == -k->x && !seen[k->x]);
        CHECK(b->v[0] == (uint64_t)k->x * 25);
        seen[k->x] = 1;
        count++;
    }
    gomap_iter_free(it);
    free(seen);
    CHECK(count == (size_t)n / 2);
    printf("ok delete half, iterate the rest exactly once\n");

    CHECK_OK(gomap_clear(t, h));
    CHECK(gomap_len(h) == 0);
    check_map(t, h);
    CHECK_OK(gomap_free(t, h));
    gomap_maptype_free(t);
    printf("ok clear and free\n");
}

static void colliding_hasher(void) {
    struct hash_ctx ctx = {0};
    ctx.collide = 1;
    gomap_maptype *t = point_type(&ctx);
    gomap_map *h = NULL;
    CHECK_OK(gomap_make(t, 100, &h));
    for (int i = 0; i < 300; i++) {
        struct point k = {i, i};
        struct big v = {{(uint64_t)i}};
        CHECK_OK(gomap_insert(t, h, &k, &v));
    }
    check_map(t, h);
    for (int i = 0; i < 300; i++) {
        struct point k = {i, i};
        void *e;
        bool found;
        CHECK_OK(gomap_access(t, h, &k, &e, &found));
        CHECK(found && ((struct big *)e)->v[0] == (uint64_t)i);
    }
    CHECK(ctx.equal_calls > 300);
    char *d = gomap_dump(t, h);
    CHECK(d && strncmp(d, "hmap count=300 ", 15) == 0 && strstr(d, "@h") != NULL);
    gomap_string_free(d);
    CHECK_OK(gomap_free(t, h));
    gomap_maptype_free(t);
    printf("ok colliding hasher: overflow chains, all keys found\n");
}

/* ---- Go kinds ------------------------------------------------------------------------ */

static void mutation_during_iteration(void) {
    gomap_maptype *t = NULL;
    CHECK_OK(gomap_maptype_go(GOMAP_KIND_INT64, 0, GOMAP_KIND_INT64, 0, &counting, &t));
    gomap_map *h = NULL;
    CHECK_OK(gomap_make(t, 0, &h));
    const int64_t n = 1000;
    /* Growth is incremental: it starts with one write and ends a few writes later. */
    int64_t i = 0;
    CHECK(!gomap_growing(h) && !gomap_growing(NULL));
    for (; !gomap_growing(h); i++) CHECK_OK(gomap_insert(t, h, &i, &i));
    CHECK(i > 8);
    for (; gomap_growing(h); i++) CHECK_OK(gomap_insert(t, h, &i, &i));
    for (; i < n; i++) CHECK_OK(gomap_insert(t, h, &i, &i));
    unsigned char seen[1000] = {0};
    int64_t added = 0;
    gomap_iter *it = NULL;
    CHECK_OK(gomap_iter_init(t, h, &it));
    for (; gomap_iter_key(it); CHECK_OK(gomap_iter_next(it))) {
        int64_t k = *(const int64_t *)gomap_iter_key(it);
        if (k >= n) continue; /* an added entry: may or may not be seen, as in Go */
        CHECK(!seen[k]);
        seen[k] = 1;
        if (k % 2 == 1) CHECK_OK(gomap_delete(t, h, &k));
        /* Grow the map under the iterator. */
        for (int j = 0; j < 3; j++, added++) {
            int64_t nk = n + added;
            CHECK_OK(gomap_insert(t, h, &nk, &nk));
        }
    }
    gomap_iter_free(it);
    for (int64_t i = 0; i < n; i++) CHECK(seen[i]);
    CHECK(gomap_len(h) == (size_t)(n / 2 + added));
    check_map(t, h);
    CHECK_OK(gomap_free(t, h));
    gomap_maptype_free(t);
    printf("ok growth is incremental; delete and grow during iteration: every original seen once\n");
}

static void string_keys(void) {
    gomap_maptype *t = NULL;
    CHECK_OK(gomap_maptype_go(GOMAP_KIND_STRING, 0, GOMAP_KIND_INT64, 0, &counting, &t));
    gomap_map *h = NULL;
    CHECK_OK(gomap_make(t, 0, &h));
    char hello2[] = "hello"; /* equal to words[0], at another address */
    const char *words[] = {"hello", "world", "gopher", "", hello2};
    for (int i = 0; i < 5; i++) {
        gomap_string k = {(const uint8_t *)words[i], strlen(words[i])};
        void *e;
        CHECK_OK(gomap_assign(t, h, &k, &e));
        *(int64_t *)e += 1;
    }
    CHECK(gomap_len(h) == 4);
    char buf[8] = "hel";
    strcat(buf, "lo"); /* same bytes, another pointer */
    gomap_string k = {(const uint8_t *)buf, 5};
    void *e;
    bool found;
    CHECK_OK(gomap_access(t, h, &k, &e, &found));
    CHECK(found && *(int64_t *)e == 2);
    void *sk;
    CHECK_OK(gomap_access_key(t, h, &k, &sk, &e));
    CHECK(sk && ((gomap_string *)sk)->ptr == (const uint8_t *)words[4]); /* key updated, as Go */
    char *d = gomap_dump(t, h);
    CHECK(d && strstr(d, "s5:68656c6c6f=0200000000000000"));
    gomap_string_free(d);
    CHECK_OK(gomap_free(t, h));
    gomap_maptype_free(t);
    printf("ok string keys: lookups by bytes, key update on overwrite, dump\n");
}

/* ---- errors ------------------------------------------------------------------------ */

static void nil_maps(void) {
    gomap_maptype *t = NULL;
    CHECK_OK(gomap_maptype_go(GOMAP_KIND_INT32, 4, GOMAP_KIND_ARRAY, 3, NULL, &t));
    int32_t k = 7;
    void *e = NULL;
    bool found = true;
    CHECK(gomap_len(NULL) == 0);
    CHECK_OK(gomap_access(t, NULL, &k, &e, &found));
    CHECK(!found);
    CHECK_OK(gomap_delete(t, NULL, &k));
    CHECK_OK(gomap_clear(t, NULL));
    gomap_iter *it = NULL;
    CHECK_OK(gomap_iter_init(t, NULL, &it));
    CHECK(gomap_iter_key(it) == NULL);
    gomap_iter_free(it);
    CHECK(gomap_assign(t, NULL, &k, &e) == GOMAP_ERR_NIL_MAP);
    CHECK(strcmp(gomap_last_error(), "assignment to entry in nil map") == 0);
    CHECK(strcmp(gomap_error_name(GOMAP_ERR_NIL_MAP), "GOMAP_ERR_NIL_MAP") == 0);
    CHECK(gomap_check(t, NULL) == NULL);
    gomap_maptype_free(t);
    printf("ok nil map: reads find nothing, writes fail with GOMAP_ERR_NIL_MAP\n");
}

static void bad_types(void) {
    struct hash_ctx ctx = {0};
    gomap_maptype *t = NULL;
    gomap_type key = {8, 0, 4, GOMAP_KIND_STRUCT, NULL, &ctx};
    gomap_type elem = {8, 0, 8, GOMAP_KIND_STRUCT, NULL, NULL};
    CHECK(gomap_maptype_new(&key, &elem, point_hash, 0, NULL, &t) == GOMAP_ERR_INVALID_TYPE);
    CHECK(strstr(gomap_last_error(), "unsupported map key type"));
    key.equal = point_equal;
    key.align = 3;
    CHECK(gomap_maptype_new(&key, &elem, point_hash, 0, NULL, &t) == GOMAP_ERR_INVALID_TYPE);
    CHECK(strstr(gomap_last_error(), "not a power of two"));
    key.align = 4;
    CHECK(gomap_maptype_new(&key, &elem, NULL, 0, NULL, &t) == GOMAP_ERR_INVALID_ARG);
    CHECK(gomap_maptype_new(&key, &elem, point_hash, 1u << 9, NULL, &t) == GOMAP_ERR_INVALID_TYPE);
    key.kind = 200;
    CHECK(gomap_maptype_new(&key, &elem, point_hash, 0, NULL, &t) == GOMAP_ERR_INVALID_ARG);
    CHECK(gomap_maptype_go(99, 0, GOMAP_KIND_INT64, 0, NULL, &t) == GOMAP_ERR_INVALID_ARG);
    CHECK(gomap_maptype_go(GOMAP_KIND_INT64, 4, GOMAP_KIND_INT64, 0, NULL, &t) == GOMAP_ERR_INVALID_ARG);
    CHECK(strstr(gomap_last_error(), "size 4 does not fit"));
    gomap_allocator half = {count_alloc, NULL, &mem};
    CHECK(gomap_maptype_go(GOMAP_KIND_INT64, 0, GOMAP_KIND_INT64, 0, &half, &t) == GOMAP_ERR_INVALID_ARG);
    CHECK(t == NULL);
    printf("ok invalid types and arguments are refused with a reason\n");
}

static void reentrant_callbacks(void) {
    struct hash_ctx ctx = {0};
    gomap_maptype *t = point_type(&ctx);
    gomap_map *h = NULL;
    CHECK_OK(gomap_make(t, 0, &h));
    struct point k = {1, 2};
    struct big v = {{1}};
    CHECK_OK(gomap_insert(t, h, &k, &v));
    /* Overwriting compares keys while the map is marked as being written: the equal
     * callback's own write and read see that mark. */
    ctx.re_t = t;
    ctx.re_h = h;
    v.v[0] = 2;
    CHECK_OK(gomap_insert(t, h, &k, &v));
    CHECK(ctx.re_write_code == GOMAP_ERR_CONCURRENT_WRITES);
    CHECK(ctx.re_read_code == GOMAP_ERR_CONCURRENT_READ_WRITE);
    CHECK(strcmp(gomap_last_error(), "concurrent map read and map write") == 0);
    void *e;
    bool found;
    CHECK_OK(gomap_access(t, h, &k, &e, &found));
    CHECK(found && ((struct big *)e)->v[0] == 2 && gomap_len(h) == 1);
    check_map(t, h);
    CHECK_OK(gomap_free(t, h));
    gomap_maptype_free(t);
    printf("ok re-entrant writes from a callback fail with GOMAP_ERR_CONCURRENT_WRITES\n");
}

static void out_of_memory(void) {
    gomap_maptype *t = NULL;
    CHECK_OK(gomap_maptype_go(GOMAP_KIND_INT64, 0, GOMAP_KIND_INT64, 0, &counting, &t));
    gomap_map *h = NULL;
    CHECK_OK(gomap_make(t, 0, &h));
    mem.fail_after = 3;
    int code = GOMAP_OK;
    int64_t i;
    for (i = 0; i < 100000 && code == GOMAP_OK; i++) code = gomap_insert(t, h, &i, &i);
    mem.fail_after = -1;
    CHECK(code == GOMAP_ERR_OUT_OF_MEMORY);
    CHECK(strcmp(gomap_last_error(), "out of memory") == 0);
    /* The write failed half-way: the map stays marked as written, as a crashed Go
     * program would leave it, and refuses writes; freeing it still works. */
    CHECK(gomap_insert(t, h, &i, &i) == GOMAP_ERR_CONCURRENT_WRITES);
    CHECK_OK(gomap_free(t, h));
    gomap_maptype_free(t);
    printf("ok a failing allocator gives GOMAP_ERR_OUT_OF_MEMORY\n");
}

/* ---- seeds ------------------------------------------------------------------------- */

/* hash0 of a map made right after seeding, of a Go 1.22 map type (whose seeds ChaCha8
 * draws); `words` NULL means gomap_seed_thread(state). */
static unsigned long hash0_after(const uint64_t *words, uint64_t state) {
    gomap_maptype *t19 = NULL, *t = NULL;
    CHECK_OK(gomap_maptype_go(GOMAP_KIND_INT64, 0, GOMAP_KIND_INT64, 0, NULL, &t19));
    CHECK_OK(gomap_maptype_with_release(t19, "1.22", &t));
    if (words) {
        CHECK_OK(gomap_seed_thread_chacha8(words));
    } else {
        gomap_seed_thread(state);
    }
    gomap_map *h = NULL;
    CHECK_OK(gomap_make(t, 0, &h));
    char *d = gomap_dump(t, h);
    const char *p = d ? strstr(d, " hash0=") : NULL;
    CHECK(p != NULL);
    unsigned long hash0 = strtoul(p + 7, NULL, 16);
    gomap_string_free(d);
    CHECK_OK(gomap_free(t, h));
    gomap_maptype_free(t);
    gomap_maptype_free(t19);
    return hash0;
}

static void chacha8_seeds(void) {
    const uint64_t seed[4] = {42, 0x0123456789abcdefULL, 7, 0xfedcba9876543210ULL};
    unsigned long a = hash0_after(seed, 0);
    CHECK(hash0_after(seed, 0) == a); /* the same 4 words, the same hash0 */
    CHECK(hash0_after(NULL, 42) != a); /* words 1..3 matter */
    const uint64_t low[4] = {42, 0, 0, 0};
    CHECK(hash0_after(low, 0) == hash0_after(NULL, 42)); /* seed_thread(s) is {s, 0, 0, 0} */
    const uint64_t other[4] = {42, 0x0123456789abcdefULL, 7, 0xfedcba9876543211ULL};
    CHECK(hash0_after(other, 0) != a); /* the last word too */
    /* NULL is refused and changes nothing. */
    CHECK_OK(gomap_seed_thread_chacha8(seed));
    CHECK(gomap_seed_thread_chacha8(NULL) == GOMAP_ERR_INVALID_ARG);
    CHECK(strcmp(gomap_last_error(), "seed is NULL") == 0);
    gomap_maptype *t19 = NULL, *t = NULL;
    CHECK_OK(gomap_maptype_go(GOMAP_KIND_INT64, 0, GOMAP_KIND_INT64, 0, NULL, &t19));
    CHECK_OK(gomap_maptype_with_release(t19, "1.22", &t));
    gomap_map *h = NULL;
    CHECK_OK(gomap_make(t, 0, &h));
    char *d = gomap_dump(t, h);
    char want[32];
    snprintf(want, sizeof want, " hash0=%08lx ", a);
    CHECK(d && strstr(d, want));
    gomap_string_free(d);
    CHECK_OK(gomap_free(t, h));
    gomap_maptype_free(t);
    gomap_maptype_free(t19);
    gomap_seed_thread(42);
    printf("ok gomap_seed_thread_chacha8: the same 4 words give the same hash0, every word counts\n");
}

int main(void) {
    gomap_seed_thread(42);
    custom_type_roundtrip();
    colliding_hasher();
    mutation_during_iteration();
    string_keys();
    nil_maps();
    bad_types();
    reentrant_callbacks();
    out_of_memory();
    chacha8_seeds();
    CHECK(mem.allocs > 0);
    CHECK(mem.allocs == mem.frees);
    CHECK(mem.live_bytes == 0);
    printf("ok allocator: every block came back (allocs == frees, 0 live bytes)\n");
    return 0;
}
