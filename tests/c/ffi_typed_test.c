/* The typed entry points from C, run by tests/ffi.rs: gomap_{access,assign,insert,
 * delete}_{u32,u64,str} on classic Go 1.19 and Swiss Go 1.27 maps, grown to 10^5 int64
 * keys (10^4 int32 and string keys), each map beside one built from the same seed
 * through the generic entry points: the dumps agree, except where Go's compiled code
 * leaves other bytes (a classic mapdelete_faststr keeps the deleted key's length).
 * Then the map types of another family refused, nil maps, and a counting allocator
 * that must see every block back. */
#include "test_support.h"

#define N64 100000
#define N32 10000
#define NSTR 10000

static struct counters mem = {0, 0, 0, -1};
static gomap_allocator counting = {count_alloc, count_free, &mem};

static const uint64_t seed[4] = {0x0123456789abcdef, 2, 3, 0xfeed};

/* map[K]E of Go's kinds for `release`, from the counting allocator. */
static gomap_maptype *go_type(uint8_t key_kind, uint8_t elem_kind, size_t elem_size,
                              const char *release) {
    return go_maptype(key_kind, elem_kind, elem_size, &counting, release);
}

/* Two maps of `t` from the same seed: `typed` for the typed entry points, `generic`
 * for the generic ones. */
static void make_pair(const gomap_maptype *t, gomap_map **typed, gomap_map **generic) {
    CHECK_OK(gomap_seed_thread_chacha8(seed));
    CHECK_OK(gomap_make(t, 0, typed));
    CHECK_OK(gomap_seed_thread_chacha8(seed));
    CHECK_OK(gomap_make(t, 0, generic));
}

/* Whether the two maps' dumps are the same. */
static int same_dump(const gomap_maptype *t, const gomap_map *a, const gomap_map *b) {
    char *da = gomap_dump(t, a), *db = gomap_dump(t, b);
    CHECK(da && db && (strncmp(da, "hmap ", 5) == 0 || strncmp(da, "map ", 4) == 0));
    int same = strcmp(da, db) == 0;
    gomap_string_free(da);
    gomap_string_free(db);
    return same;
}

/* ---- int64 and int32 keys ----------------------------------------------------------- */

/* Distinct keys (odd multipliers, in unsigned arithmetic: no overflow). */
static int64_t key64(int i) { return (int64_t)((uint64_t)i * 0x9e3779b97f4a7c15ull); }
static int32_t key32(int i) { return (int32_t)((uint32_t)i * 2654435761u); }

static void int64_keys(const char *release) {
    gomap_maptype *t = go_type(GOMAP_KIND_INT64, GOMAP_KIND_INT64, 0, release);
    gomap_map *h = NULL, *g = NULL;
    make_pair(t, &h, &g);
    for (int i = 0; i < N64; i++) {
        int64_t k = key64(i), v = 2 * (int64_t)i;
        if (i % 2) {
            CHECK_OK(gomap_insert_u64(t, h, (uint64_t)k, &v));
        } else {
            void *e = NULL;
            CHECK_OK(gomap_assign_u64(t, h, (uint64_t)k, &e));
            CHECK(*(int64_t *)e == 0);
            *(int64_t *)e = v;
        }
        CHECK_OK(gomap_insert(t, g, &k, &v));
    }
    CHECK(gomap_len(h) == N64);
    for (int i = 0; i < N64; i++) {
        void *e = NULL, *e1 = NULL;
        bool found = false;
        CHECK_OK(gomap_access_u64(t, h, (uint64_t)key64(i), &e, &found));
        CHECK(found && *(int64_t *)e == 2 * (int64_t)i);
        CHECK_OK(gomap_access_u64(t, h, (uint64_t)key64(i), &e1, NULL));
        CHECK(e1 == e);
    }
    for (int i = N64; i < N64 + 1000; i++) {
        void *e = NULL;
        bool found = true;
        CHECK_OK(gomap_access_u64(t, h, (uint64_t)key64(i), &e, &found));
        CHECK(!found && e && *(int64_t *)e == 0);
    }
    for (int i = 0; i < N64; i += 3) {
        int64_t k = key64(i);
        CHECK_OK(gomap_delete_u64(t, h, (uint64_t)k));
        CHECK_OK(gomap_delete(t, g, &k));
    }
    CHECK(gomap_len(h) == N64 - (N64 + 2) / 3 && gomap_len(g) == gomap_len(h));
    check_map(t, h);
    CHECK(same_dump(t, h, g));
    CHECK_OK(gomap_free(t, h));
    CHECK_OK(gomap_free(t, g));
    gomap_maptype_free(t);
}

static void int32_keys(const char *release) {
    gomap_maptype *t = go_type(GOMAP_KIND_INT32, GOMAP_KIND_INT64, 0, release);
    gomap_map *h = NULL, *g = NULL;
    make_pair(t, &h, &g);
    for (int i = 0; i < N32; i++) {
        int32_t k = key32(i);
        int64_t v = i;
        CHECK_OK(gomap_insert_u32(t, h, (uint32_t)k, &v));
        CHECK_OK(gomap_insert(t, g, &k, &v));
    }
    for (int i = 0; i < N32; i++) {
        void *e = NULL;
        bool found = false;
        CHECK_OK(gomap_access_u32(t, h, (uint32_t)key32(i), &e, &found));
        CHECK(found && *(int64_t *)e == i);
    }
    void *e = NULL;
    CHECK_OK(gomap_assign_u32(t, h, (uint32_t)key32(7), &e));
    CHECK(*(int64_t *)e == 7);
    for (int i = 0; i < N32; i += 3) {
        int32_t k = key32(i);
        CHECK_OK(gomap_delete_u32(t, h, (uint32_t)k));
        CHECK_OK(gomap_delete(t, g, &k));
    }
    check_map(t, h);
    CHECK(same_dump(t, h, g));
    CHECK_OK(gomap_free(t, h));
    CHECK_OK(gomap_free(t, g));
    gomap_maptype_free(t);
}

/* ---- string keys ---------------------------------------------------------------------- */

static char strbytes[NSTR][24];
static gomap_string strs[NSTR];

/* Returns the number of deleted slots that kept their length in the typed map's dump
 * (" s<len>:nil="), checking that the generic map's has none (and, when the typed one
 * has none either, that the dumps are the same). */
static int string_keys(const char *release) {
    gomap_maptype *t = go_type(GOMAP_KIND_STRING, GOMAP_KIND_INT64, 0, release);
    gomap_map *h = NULL, *g = NULL;
    make_pair(t, &h, &g);
    for (int i = 0; i < NSTR; i++) {
        int64_t v = i;
        CHECK_OK(gomap_insert_str(t, h, strbytes[i], strs[i].len, &v));
        CHECK_OK(gomap_insert(t, g, &strs[i], &v));
    }
    CHECK(same_dump(t, h, g));
    for (int i = 0; i < NSTR; i++) {
        /* Found by another copy of the bytes. */
        char copy[24];
        memcpy(copy, strbytes[i], sizeof copy);
        void *e = NULL;
        bool found = false;
        CHECK_OK(gomap_access_str(t, h, copy, strs[i].len, &e, &found));
        CHECK(found && *(int64_t *)e == i);
    }
    void *e = NULL;
    bool found = true;
    CHECK_OK(gomap_access_str(t, h, "absent", 6, &e, &found));
    CHECK(!found && e && *(int64_t *)e == 0);
    CHECK_OK(gomap_assign_str(t, h, strbytes[9], strs[9].len, &e));
    CHECK(*(int64_t *)e == 9);
    for (int i = 0; i < NSTR; i += 3) {
        CHECK_OK(gomap_delete_str(t, h, strbytes[i], strs[i].len));
        CHECK_OK(gomap_delete(t, g, &strs[i]));
    }
    CHECK(gomap_len(h) == gomap_len(g));
    check_map(t, h);
    char *dt = gomap_dump(t, h), *dg = gomap_dump(t, g);
    CHECK(dt && dg && !strstr(dg, ":nil="));
    int kept = 0;
    for (const char *p = dt; (p = strstr(p, ":nil=")) != NULL; p++) kept++;
    gomap_string_free(dt);
    gomap_string_free(dg);
    if (kept == 0) CHECK(same_dump(t, h, g));
    CHECK_OK(gomap_free(t, h));
    CHECK_OK(gomap_free(t, g));
    gomap_maptype_free(t);
    return kept;
}

/* ---- map types of another family, nil maps -------------------------------------------- */

static void refused(const char *release) {
    struct {
        uint8_t key, elem;
        size_t elem_size;
        int takes; /* 32, 64, 's' (string), or 0 (the generic functions) */
    } cases[] = {
        {GOMAP_KIND_INT64, GOMAP_KIND_INT64, 0, 64},
        {GOMAP_KIND_INT32, GOMAP_KIND_INT64, 0, 32},
        {GOMAP_KIND_STRING, GOMAP_KIND_INT64, 0, 's'},
        {GOMAP_KIND_FLOAT64, GOMAP_KIND_INT64, 0, 0},
        {GOMAP_KIND_INT64, GOMAP_KIND_ARRAY, 200, 0},
        {GOMAP_KIND_STRING, GOMAP_KIND_ARRAY, 129, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gomap_maptype *t = go_type(cases[c].key, cases[c].elem, cases[c].elem_size, release);
        gomap_map *h = NULL;
        CHECK_OK(gomap_make(t, 0, &h));
        char elem[256] = {0};
        void *e = NULL;
        bool found = false;
        int takes = cases[c].takes;
        if (takes != 32) {
            CHECK(gomap_insert_u32(t, h, 1, elem) == GOMAP_ERR_INVALID_ARG);
            CHECK(strstr(gomap_last_error(), "gomap_insert_u32") == gomap_last_error());
            CHECK(gomap_access_u32(t, h, 1, &e, &found) == GOMAP_ERR_INVALID_ARG);
            CHECK(gomap_assign_u32(t, h, 1, &e) == GOMAP_ERR_INVALID_ARG);
            CHECK(gomap_delete_u32(t, h, 1) == GOMAP_ERR_INVALID_ARG);
        }
        if (takes != 64) {
            CHECK(gomap_insert_u64(t, h, 1, elem) == GOMAP_ERR_INVALID_ARG);
            CHECK(gomap_access_u64(t, h, 1, &e, &found) == GOMAP_ERR_INVALID_ARG);
            CHECK(gomap_assign_u64(t, h, 1, &e) == GOMAP_ERR_INVALID_ARG);
            CHECK(gomap_delete_u64(t, h, 1) == GOMAP_ERR_INVALID_ARG);
        }
        if (takes != 's') {
            CHECK(gomap_insert_str(t, h, "a", 1, elem) == GOMAP_ERR_INVALID_ARG);
            CHECK(gomap_access_str(t, h, "a", 1, &e, &found) == GOMAP_ERR_INVALID_ARG);
            CHECK(gomap_assign_str(t, h, "a", 1, &e) == GOMAP_ERR_INVALID_ARG);
            CHECK(gomap_delete_str(t, h, "a", 1) == GOMAP_ERR_INVALID_ARG);
        }
        CHECK(gomap_len(h) == 0);
        CHECK_OK(gomap_free(t, h));
        gomap_maptype_free(t);
    }
}

static void nil_maps(const char *release) {
    gomap_maptype *t = go_type(GOMAP_KIND_INT64, GOMAP_KIND_INT64, 0, release);
    void *e = NULL;
    bool found = true;
    int64_t v = 1;
    CHECK_OK(gomap_access_u64(t, NULL, 1, &e, &found));
    CHECK(!found && e && *(int64_t *)e == 0);
    CHECK(gomap_insert_u64(t, NULL, 1, &v) == GOMAP_ERR_NIL_MAP);
    CHECK(gomap_assign_u64(t, NULL, 1, &e) == GOMAP_ERR_NIL_MAP);
    CHECK_OK(gomap_delete_u64(t, NULL, 1));
    gomap_maptype_free(t);
}

int main(void) {
    for (int i = 0; i < NSTR; i++) {
        snprintf(strbytes[i], sizeof strbytes[i], "key-%d-%d", i, i * 7919);
        strs[i].ptr = (const uint8_t *)strbytes[i];
        strs[i].len = strlen(strbytes[i]);
    }
    int64_keys("1.19");
    int64_keys("1.27");
    printf("ok int64 keys on 1.19 and 1.27: 10^5 through the typed entry points, the "
           "dump of the generic ones\n");
    int32_keys("1.19");
    int32_keys("1.27");
    printf("ok int32 keys on 1.19 and 1.27\n");
    CHECK(string_keys("1.19") > 0);
    CHECK(string_keys("1.27") == 0);
    printf("ok string keys: on 1.19 mapdelete_faststr keeps the deleted key's length, "
           "on 1.27 the bytes are the generic delete's\n");
    refused("1.19");
    refused("1.27");
    printf("ok map types of another family are refused with GOMAP_ERR_INVALID_ARG\n");
    nil_maps("1.19");
    nil_maps("1.27");
    printf("ok nil maps: reads find nothing, writes fail with GOMAP_ERR_NIL_MAP\n");
    CHECK(mem.allocs > 0 && mem.allocs == mem.frees && mem.live_bytes == 0);
    printf("ok allocator: every block came back\n");
    return 0;
}
