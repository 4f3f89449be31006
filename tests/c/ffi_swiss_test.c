/* Swiss maps from C, run by tests/ffi.rs: map types of the Swiss releases ("1.24" to
 * "1.27") through gomap_maptype_with_release, 10^4 int64 and string keys through every
 * map and iterator entry point, the Swiss dump, re-entry from a callback, a counting
 * allocator that must see every block back (tables retired under a live iterator
 * too), and the release names refused. */
#include "test_support.h"

#define N 10000

static struct counters mem = {0, 0, 0, -1};
static gomap_allocator counting = {count_alloc, count_free, &mem};

/* map[K]int64 of Go's kind `key_kind` for `release`. */
static gomap_maptype *swiss_type(uint8_t key_kind, const char *release) {
    return go_maptype(key_kind, GOMAP_KIND_INT64, 0, &counting, release);
}

/* The keys of index 0..N-1: int64s, or strings "k<i>" with their header. */
static int64_t ints[N];
static char strbytes[N][16];
static gomap_string strs[N];

static const void *key_of(uint8_t kind, int i) {
    return kind == GOMAP_KIND_STRING ? (const void *)&strs[i] : (const void *)&ints[i];
}

static void scenario(uint8_t kind, const char *release) {
    gomap_maptype *t = swiss_type(kind, release);
    gomap_map *h = NULL;
    uint64_t seed[4] = {1, 2, 3, 4};
    CHECK_OK(gomap_seed_thread_chacha8(seed));
    CHECK_OK(gomap_make(t, 0, &h));
    /* An iterator live while the map grows: the tables it walks are retired, not
     * freed, until it is freed. */
    gomap_iter *early = NULL;
    for (int i = 0; i < N; i++) {
        int64_t v = 2 * (int64_t)i;
        if (i == 100) CHECK_OK(gomap_iter_init(t, h, &early));
        CHECK_OK(gomap_insert(t, h, key_of(kind, i), &v));
    }
    CHECK(gomap_len(h) == N && !gomap_growing(h));
    CHECK(gomap_iter_key(early) != NULL);
    CHECK_OK(gomap_iter_next(early));
    gomap_iter_free(early);
    for (int i = 0; i < N; i++) {
        void *e = NULL;
        bool found = false;
        CHECK_OK(gomap_access(t, h, key_of(kind, i), &e, &found));
        CHECK(found && *(int64_t *)e == 2 * (int64_t)i);
    }
    int left = 0;
    for (int i = 0; i < N; i++) {
        if (i % 3 == 0) CHECK_OK(gomap_delete(t, h, key_of(kind, i)));
        else left++;
    }
    CHECK(gomap_len(h) == (size_t)left);
    gomap_iter *it = NULL;
    int n = 0;
    CHECK_OK(gomap_iter_init(t, h, &it));
    for (; gomap_iter_key(it); CHECK_OK(gomap_iter_next(it))) {
        CHECK(*(int64_t *)gomap_iter_elem(it) % 3 != 0);
        n++;
    }
    gomap_iter_free(it);
    CHECK(n == left);
    check_map(t, h);
    char *d = gomap_dump(t, h);
    CHECK(d && strncmp(d, "map used=", 9) == 0);
    gomap_string_free(d);
    CHECK_OK(gomap_clear(t, h));
    CHECK(gomap_len(h) == 0);
    check_map(t, h);
    CHECK_OK(gomap_free(t, h));
    gomap_maptype_free(t);
}

/* ---- re-entry: a hasher that writes the map it hashes for ------------------------- */

static gomap_maptype *reentry_t;
static gomap_map *reentry_h;
static int reentry_armed, reentry_code;

static size_t writing_hash(const void *key, size_t seed, const gomap_type *ty) {
    (void)ty;
    if (reentry_armed) {
        reentry_armed = 0;
        uint64_t k = 99, v = 0;
        reentry_code = gomap_insert(reentry_t, reentry_h, &k, &v);
    }
    uint64_t k;
    memcpy(&k, key, 8);
    return (size_t)((k ^ seed) * 0x9e3779b97f4a7c15ull);
}

static bool u64_equal(const void *a, const void *b, const gomap_type *ty) {
    (void)ty;
    return memcmp(a, b, 8) == 0;
}

/* The code a write from the hasher gets during a read, on `release` (NULL: classic). */
static int reentry(const char *release) {
    gomap_type key = {8, 0, 8, GOMAP_KIND_UINT64, u64_equal, NULL};
    gomap_type elem = {8, 0, 8, GOMAP_KIND_UINT64, NULL, NULL};
    gomap_maptype *t = NULL;
    CHECK_OK(gomap_maptype_new(&key, &elem, writing_hash, GOMAP_FLAG_REFLEXIVE_KEY, NULL, &t));
    if (release) {
        gomap_maptype *s = NULL;
        CHECK_OK(gomap_maptype_with_release(t, release, &s));
        gomap_maptype_free(t);
        t = s;
    }
    gomap_map *h = NULL;
    CHECK_OK(gomap_make(t, 0, &h));
    for (uint64_t k = 0; k < 50; k++) CHECK_OK(gomap_insert(t, h, &k, &k));
    reentry_t = t;
    reentry_h = h;
    reentry_armed = 1;
    uint64_t k = 7;
    void *e = NULL;
    bool found = false;
    CHECK_OK(gomap_access(t, h, &k, &e, &found));
    CHECK(found && *(uint64_t *)e == 7 && gomap_len(h) == 50);
    check_map(t, h);
    CHECK_OK(gomap_free(t, h));
    gomap_maptype_free(t);
    return reentry_code;
}

int main(void) {
    for (int i = 0; i < N; i++) {
        ints[i] = (int64_t)i * 2654435761;
        snprintf(strbytes[i], sizeof strbytes[i], "k%d", i);
        strs[i].ptr = (const uint8_t *)strbytes[i];
        strs[i].len = strlen(strbytes[i]);
    }
    scenario(GOMAP_KIND_INT64, "1.27");
    scenario(GOMAP_KIND_INT64, "1.24");
    printf("ok int64 keys on 1.27 and 1.24: insert, look up, delete a third, iterate, "
           "dump, check, clear\n");
    scenario(GOMAP_KIND_STRING, "1.27");
    scenario(GOMAP_KIND_STRING, "1.24");
    printf("ok string keys on 1.27 and 1.24\n");

    int classic = reentry(NULL);
    CHECK(classic == GOMAP_ERR_CONCURRENT_READ_WRITE);
    CHECK(reentry("1.27") == classic && reentry("1.24") == classic);
    printf("ok a write from the hasher during a read fails as on a classic map\n");

    gomap_maptype *base = NULL, *bad = NULL;
    CHECK_OK(gomap_maptype_go(GOMAP_KIND_INT64, 0, GOMAP_KIND_INT64, 0, NULL, &base));
    CHECK(gomap_maptype_with_release(base, "1.28", &bad) == GOMAP_ERR_INVALID_ARG && !bad);
    CHECK(gomap_maptype_with_release(base, "1.20", &bad) == GOMAP_ERR_INVALID_ARG && !bad);
    gomap_maptype_free(base);
    printf("ok unknown releases fail with GOMAP_ERR_INVALID_ARG\n");

    CHECK(mem.allocs > 0 && mem.allocs == mem.frees && mem.live_bytes == 0);
    printf("ok allocator: every block came back\n");
    return 0;
}
