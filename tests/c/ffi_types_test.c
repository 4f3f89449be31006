/* Struct, array and interface keys from C through gomap's type-building ABI
 * (src/ffi/types.rs). Prints one "ok ..." line per check; exits non-zero on failure. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gomap.h"

#define CHECK(c)                                                                       \
    do {                                                                               \
        if (!(c)) {                                                                    \
            fprintf(stderr, "%s:%d: check failed: %s (%s)\n", __FILE__, __LINE__, #c, \
                    gomap_last_error());                                               \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

/* struct { a int8; b float64; s string } as Go lays it out. */
struct key {
    int8_t a;
    double b;
    gomap_string s;
};

struct iface {
    const gomap_gotype *type;
    const void *data;
};

static void fill(struct key *k, int8_t a, double b, const char *s) {
    memset(k, 0xa5, sizeof *k); /* garbage padding: never read */
    k->a = a;
    k->b = b;
    k->s.ptr = (const uint8_t *)s;
    k->s.len = strlen(s);
}

int main(void) {
    const gomap_gotype *i8, *f64, *str, *i64, *st, *arr, *any, *sl, *named, *parsed;
    CHECK(gomap_gotype_scalar(GOMAP_KIND_INT8, 0, &i8) == GOMAP_OK);
    CHECK(gomap_gotype_scalar(GOMAP_KIND_FLOAT64, 0, &f64) == GOMAP_OK);
    CHECK(gomap_gotype_scalar(GOMAP_KIND_STRING, 0, &str) == GOMAP_OK);
    CHECK(gomap_gotype_scalar(GOMAP_KIND_INT64, 0, &i64) == GOMAP_OK);
    const char *names[] = {"a", "b", "s"};
    const gomap_gotype *types[] = {i8, f64, str};
    CHECK(gomap_gotype_struct(3, names, types, &st) == GOMAP_OK);
    CHECK(gomap_gotype_size(st) == sizeof(struct key) && gomap_gotype_align(st) == 8);
    CHECK(gomap_gotype_field_offset(st, 1) == offsetof(struct key, b));
    CHECK(gomap_gotype_field_offset(st, 2) == offsetof(struct key, s));
    CHECK(gomap_gotype_field_offset(st, 3) == SIZE_MAX);
    const gomap_gotype *again;
    CHECK(gomap_gotype_struct(3, names, types, &again) == GOMAP_OK && again == st);
    printf("ok struct type: Go's offsets and size, one descriptor per type\n");

    gomap_maptype *t;
    CHECK(gomap_maptype_gotypes(st, i64, false, NULL, &t) == GOMAP_OK);
    gomap_map *h;
    CHECK(gomap_make(t, 0, &h) == GOMAP_OK);
    static char strs[1000][8];
    struct key k;
    for (int i = 0; i < 1000; i++) {
        snprintf(strs[i], sizeof strs[i], "k%d", i);
        fill(&k, (int8_t)(i % 100), i * 0.5, strs[i]);
        int64_t v = i;
        CHECK(gomap_insert(t, h, &k, &v) == GOMAP_OK);
    }
    CHECK(gomap_len(h) == 1000);
    void *e;
    bool found;
    char other[8] = "k123";
    fill(&k, 23, 61.5, other); /* equal string at another address */
    CHECK(gomap_access(t, h, &k, &e, &found) == GOMAP_OK && found && *(int64_t *)e == 123);
    fill(&k, 0, -0.0, strs[0]);
    CHECK(gomap_access(t, h, &k, &e, &found) == GOMAP_OK && found && *(int64_t *)e == 0);
    fill(&k, 0, NAN, strs[0]);
    int64_t v = 1;
    CHECK(gomap_insert(t, h, &k, &v) == GOMAP_OK && gomap_insert(t, h, &k, &v) == GOMAP_OK);
    CHECK(gomap_len(h) == 1002);
    CHECK(gomap_access(t, h, &k, &e, &found) == GOMAP_OK && !found);
    char *err = gomap_check(t, h);
    CHECK(err == NULL);
    CHECK(gomap_free(t, h) == GOMAP_OK);
    gomap_maptype_free(t);
    printf("ok padded struct keys: padding skipped, -0 finds +0, NaN never found\n");

    CHECK(gomap_gotype_array(str, 4, &arr) == GOMAP_OK && gomap_gotype_size(arr) == 64);
    CHECK(gomap_gotype_parse("[4]str", &parsed) == GOMAP_OK && parsed == arr);
    CHECK(gomap_gotype_parse("struct{i8,f64", &parsed) == GOMAP_ERR_INVALID_ARG);
    /* A spelling nested 100000 levels deep is refused (it overflowed the stack). */
    size_t deep_n = 100000;
    char *deep = malloc(3 * deep_n + 4);
    CHECK(deep != NULL);
    for (size_t i = 0; i < deep_n; i++) memcpy(deep + 3 * i, "[1]", 3);
    memcpy(deep + 3 * deep_n, "i64", 4);
    CHECK(gomap_gotype_parse(deep, &parsed) == GOMAP_ERR_INVALID_ARG);
    CHECK(strstr(gomap_last_error(), "nested more than") != NULL);
    free(deep);
    printf("ok array types and spellings\n");

    CHECK(gomap_gotype_interface(0, NULL, &any) == GOMAP_OK);
    CHECK(gomap_gotype_interface(2, NULL, &parsed) == GOMAP_ERR_INVALID_ARG);
    CHECK(gomap_gotype_slice(i64, &sl) == GOMAP_OK && !gomap_gotype_comparable(sl));
    CHECK(gomap_gotype_named("main.ID", i64, &named) == GOMAP_OK && named != i64);
    CHECK(gomap_maptype_gotypes(any, i64, false, NULL, &t) == GOMAP_OK);
    CHECK(gomap_make(t, 0, &h) == GOMAP_OK);
    static int64_t ints[100];
    struct iface x;
    for (int i = 0; i < 100; i++) {
        ints[i] = i;
        x.type = i64;
        x.data = &ints[i];
        v = i;
        CHECK(gomap_insert(t, h, &x, &v) == GOMAP_OK);
        x.type = named; /* main.ID(i): another key */
        v = -i;
        CHECK(gomap_insert(t, h, &x, &v) == GOMAP_OK);
    }
    x.type = NULL;
    x.data = NULL;
    v = 7;
    CHECK(gomap_insert(t, h, &x, &v) == GOMAP_OK);
    CHECK(gomap_len(h) == 201);
    int64_t seven = 7;
    x.type = named;
    x.data = &seven;
    CHECK(gomap_access(t, h, &x, &e, &found) == GOMAP_OK && found && *(int64_t *)e == -7);
    static int64_t slice_words[3];
    x.type = sl;
    x.data = slice_words;
    CHECK(gomap_insert(t, h, &x, &v) == GOMAP_ERR_PANIC);
    CHECK(strcmp(gomap_last_error(), "runtime error: hash of unhashable type []int64") == 0);
    CHECK(gomap_access(t, h, &x, &e, &found) == GOMAP_ERR_PANIC);
    CHECK(gomap_len(h) == 201);
    err = gomap_check(t, h);
    CHECK(err == NULL);
    CHECK(gomap_free(t, h) == GOMAP_OK);
    gomap_maptype_free(t);
    printf("ok interface keys: dynamic types, nil, unhashable values refused with Go's words\n");
    return 0;
}
