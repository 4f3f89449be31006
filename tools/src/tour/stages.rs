//! The tour's script: real maps taken through the life of a Go map, one stage at a time.
//!
//! Every operation goes through the runtime functions Go's compiler would call for the
//! map's type (`runtime::dispatch`), except once per grow: to show the moment between
//! `hashGrow` and the first evacuation, the tour calls `hashGrow` itself at exactly the
//! point where `mapassign` would (a new key, not growing, over the load factor), then
//! lets the insert run, which sees the grow in progress exactly as after its own call.

#![allow(non_snake_case)]

use core::ptr;

use super::draw::{self, ArrayId, CellState, MapView, Marks};
use super::{Facts, GrowFact, IterFact, LookupFact, Stage, WriteFact};
use gomap::export_test::runtime::{
    self, bucketMask, hashGrow, mapiterinit_r, mapiternext, overLoadFactor, tooManyOverflowBuckets,
    Hiter, Hmap, BUCKET_CNT, LOAD_FACTOR_DEN,
};
use gomap::maptype::release::GoRelease;
use gomap::maptype::{GoKind, GoString, MapType};

/// Words used as keys, in insertion order (a fallback spelling takes over if they run out).
pub(super) const WORDS: &[&str] = &[
    "apple", "banana", "cherry", "date", "fig", "grape", "kiwi", "lemon", "lime", "mango", "melon",
    "olive", "orange", "papaya", "peach", "pear", "plum", "quince", "berry", "guava", "almond",
    "basil", "clove", "cumin", "dill", "fennel", "ginger", "mint", "nutmeg", "pepper", "sage",
    "thyme", "anise", "bay", "chive", "cress", "garlic", "leek", "onion", "radish", "bean", "beet",
    "carrot", "celery", "corn", "kale", "okra", "pea", "potato", "squash", "yam", "turnip",
    "tomato", "lentil", "rice", "wheat", "oat", "rye", "millet", "barley", "bread", "butter",
    "cheese", "cream", "honey", "jam", "milk", "salt", "sugar", "tea", "coffee", "cocoa", "soup",
    "stew", "pie", "cake", "tart", "bun", "roll", "waffle", "ant", "bee", "cat", "dog", "eel",
    "fox", "gnu", "hen", "ibis", "jay", "koala", "lynx", "mole", "newt", "owl", "pig", "quail",
    "rat", "seal", "toad", "urchin", "vole", "wasp", "yak", "zebra", "bear", "crow", "deer",
    "duck", "frog", "goat", "hare", "lion", "moth", "red", "blue", "green", "amber", "ivory",
    "jade", "khaki", "lilac", "navy", "ochre", "pink", "ruby", "teal", "umber", "violet", "white",
    "black", "gold", "silver", "bronze", "acorn", "apron", "arrow", "badge", "bell", "bench",
    "boat", "bolt", "book", "boot", "bowl", "box", "brick", "brush", "bucket", "cable", "candle",
    "cap", "card", "chain", "chair", "chalk", "clock", "cloud", "coin", "comb", "cord", "cup",
    "desk", "dice", "door", "drum", "fan", "fence", "flag", "flute", "fork", "frame", "gate",
    "glove", "hammer", "harp", "hat", "hook", "horn", "jar", "kettle", "key", "kite", "knot",
    "ladder", "lamp", "lock", "map", "mask", "mat", "mirror", "nail", "net", "oar", "pan", "pen",
    "pipe", "plate", "pot", "quilt", "rake", "ring", "rope", "sail", "saw", "scarf", "shell",
    "shoe", "sock", "spoon", "stamp", "stool", "tent", "tile", "torch", "towel", "toy", "tray",
    "tube", "vase", "wagon", "wheel", "whip", "wire", "anchor", "beacon", "canyon", "delta",
    "dune", "fjord", "geyser", "glacier", "grove", "harbor", "island", "jungle", "lagoon", "marsh",
    "mesa", "oasis", "prairie", "reef", "ridge", "summit", "tundra", "valley", "volcano", "canal",
    "cliff", "creek", "field", "forest", "hill", "lake",
];

/// A map of the tour, with the bytes its string keys and elems point at.
///
/// Invariants: `h` is a live map of type `t`, made by `makemap` with a null header and
/// freed (by `Drop`) before `arena`; every string header stored in the map points into
/// `arena`, whose boxes never move or shrink.
struct TourMap {
    t: MapType,
    h: *mut Hmap,
    arena: Vec<Box<[u8]>>,
}

impl TourMap {
    fn new(t: MapType, hint: isize) -> TourMap {
        // SAFETY: a null header asks makemap to allocate one; `t` is a valid descriptor.
        let h = unsafe { runtime::makemap(&t, hint, ptr::null_mut()) };
        TourMap {
            t,
            h,
            arena: Vec::new(),
        }
    }

    fn hm(&self) -> &Hmap {
        // SAFETY: `h` is live (invariant) and no write runs while the borrow lasts: every
        // write takes `&mut self`.
        unsafe { &*self.h }
    }

    fn view(&self) -> MapView {
        // SAFETY: live map, no concurrent write; string cells point into `arena`.
        unsafe { MapView::capture(&self.t, self.h) }
    }

    /// A string header over a copy of `s` kept in the arena.
    fn string(&mut self, s: &str) -> GoString {
        let b: Box<[u8]> = s.as_bytes().into();
        let g = GoString::from_bytes(&b);
        self.arena.push(b);
        g
    }

    /// The hash of a key as the map computes it.
    fn hash_of(&self, key: *const u8) -> usize {
        // SAFETY: `key` points at a key of `t` (callers pass a GoString or an i64 as the
        // map's type says).
        unsafe { self.t.hash(key, self.hm().hash0 as usize) }
    }

    fn hash_str(&self, k: &str) -> usize {
        let g = GoString::from_bytes(k.as_bytes());
        self.hash_of((&g as *const GoString).cast())
    }

    fn hash_i64(&self, k: i64) -> usize {
        self.hash_of((&k as *const i64).cast())
    }

    /// `m[k] = v` for a `map[string]string`.
    fn put_str(&mut self, k: &str, v: &str) {
        debug_assert_eq!(self.t.key().size, 16);
        let kg = self.string(k);
        let vg = self.string(v);
        // SAFETY: live map of type map[string]string (callers), no iterator running; the
        // key header points into the arena, which outlives the map; the returned elem slot
        // is a GoString slot, written before any other map call.
        unsafe {
            let e = runtime::map_assign(&self.t, self.h, (&kg as *const GoString).cast());
            e.cast::<GoString>().write_unaligned(vg);
        }
    }

    /// `m[k] = v` for a `map[int64]int64`.
    fn put_i64(&mut self, k: i64, v: i64) {
        debug_assert_eq!(self.t.key().size, 8);
        // SAFETY: live map of type map[int64]int64 (callers); the elem slot holds an i64.
        unsafe {
            let e = runtime::map_assign(&self.t, self.h, (&k as *const i64).cast());
            e.cast::<i64>().write_unaligned(v);
        }
    }

    /// `v, ok := m[k]`: the elem's address, if present.
    fn get_str(&self, k: &str) -> Option<*mut u8> {
        let g = GoString::from_bytes(k.as_bytes());
        // SAFETY: live map of string keys; `g` points at `k`'s bytes for the call.
        let (e, ok) =
            unsafe { runtime::map_access2(&self.t, self.h, (&g as *const GoString).cast()) };
        ok.then_some(e)
    }

    fn del_str(&mut self, k: &str) {
        let g = GoString::from_bytes(k.as_bytes());
        // SAFETY: live map of string keys; `g` is only read during the call.
        unsafe { runtime::map_delete(&self.t, self.h, (&g as *const GoString).cast()) };
    }

    fn del_i64(&mut self, k: i64) {
        // SAFETY: live map of int64 keys.
        unsafe { runtime::map_delete(&self.t, self.h, (&k as *const i64).cast()) };
    }

    /// Calls `hashGrow` where `mapassign` would: the caller has checked that the next
    /// insert is a new key and that the map is not growing and over a growth trigger.
    fn hash_grow(&mut self) {
        // SAFETY: live map, not growing (checked below), no iterator or other writer.
        let hm = unsafe { &mut *self.h };
        assert!(!hm.growing(), "hashGrow on a growing map");
        // SAFETY: as above.
        unsafe { hashGrow(&self.t, hm) };
    }

    /// Would inserting one more new key start a grow (mapassign's condition)?
    fn next_insert_grows(&self) -> bool {
        let h = self.hm();
        !h.growing()
            && (overLoadFactor(h.count + 1, h.B, self.t.release())
                || tooManyOverflowBuckets(h.noverflow, h.B))
    }
}

impl Drop for TourMap {
    fn drop(&mut self) {
        // SAFETY: `h` came from makemap with a null header and no iterator outlives the
        // tour's stages; it is freed once, before the arena its strings point into.
        unsafe { runtime::mapfree(&self.t, self.h) };
    }
}

/// Old buckets evacuated in `after` but not in `before` (all of `before`'s remaining ones
/// when the grow finished; all of `after`'s when the write started the grow).
fn newly_evacuated(before: &MapView, after: &MapView) -> Vec<usize> {
    let Some(old) = &before.old else {
        // The write started the grow: what it moved is all that is moved.
        return after.old.as_ref().map_or(vec![], |a| a.evacuated_list());
    };
    let was = old.evacuated_list();
    let now: Vec<usize> = match &after.old {
        Some(a) => a.evacuated_list(),
        None => (0..old.nbuckets).collect(),
    };
    now.into_iter().filter(|i| !was.contains(i)).collect()
}

/// Builds the stages.
struct Tour {
    stages: Vec<Stage>,
    next_word: usize,
    next_elem: usize,
    /// The Go release whose map the tour runs.
    release: GoRelease,
}

impl Tour {
    fn word(&mut self) -> String {
        let w = match WORDS.get(self.next_word) {
            Some(w) => w.to_string(),
            None => format!("w{}", self.next_word),
        };
        self.next_word += 1;
        w
    }

    fn elem(&mut self) -> String {
        self.next_elem += 1;
        self.next_elem.to_string()
    }

    /// Inserts the next word; returns it.
    fn insert(&mut self, m: &mut TourMap) -> String {
        let k = self.word();
        let v = self.elem();
        m.put_str(&k, &v);
        k
    }

    /// Inserts the next word; returns the write as Go code.
    fn insert_op(&mut self, m: &mut TourMap) -> String {
        let k = self.word();
        let v = self.elem();
        m.put_str(&k, &v);
        format!("m[{k:?}] = {v:?}")
    }

    /// Inserts the next word and records which old buckets the write moved.
    fn insert_logged(&mut self, m: &mut TourMap) -> WriteFact {
        let before = m.view();
        let op = self.insert_op(m);
        let after = m.view();
        WriteFact {
            op,
            evacuated: newly_evacuated(&before, &after),
            nevacuate_after: after.nevacuate,
            growing_after: after.growing,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        m: &TourMap,
        slug: &str,
        title: &str,
        explanation: Vec<String>,
        details: Vec<String>,
        marks: Marks,
        set: impl FnOnce(&mut Facts),
    ) {
        let v = m.view();
        let mut facts = Facts::of(&v);
        set(&mut facts);
        facts.fill_watched(&v);
        let n = self.stages.len() + 1;
        let caption = explanation.first().cloned().unwrap_or_default();
        let svg_title = format!("{n}. {title}");
        let text = draw::text(&v, &marks);
        let svg = draw::svg(&v, &marks, &svg_title, &caption);
        self.stages.push(Stage {
            number: n,
            slug: format!("{n:02}-{slug}"),
            title: title.to_string(),
            explanation,
            details,
            facts,
            swiss: None,
            text,
            svg,
        });
    }
}

fn hash_line(m: &TourMap, k: &str) -> String {
    let h = m.hash_str(k);
    let B = m.hm().B;
    format!(
        "{k:>8}: hash {h:016x}, low {B} bit(s) = {} -> bucket {}, top byte {:02x} -> tophash {:02x}",
        h & bucketMask(B),
        h & bucketMask(B),
        h >> 56,
        runtime::tophash(h)
    )
}

/// The most entries `2^B` buckets may hold in release `r` before the map grows (Go's
/// `overLoadFactor`: `loadFactorNum * (2^B / loadFactorDen)`, for B >= 1).
fn load_limit(r: GoRelease, B: u8) -> usize {
    r.loadFactorNum() * ((1usize << B) / LOAD_FACTOR_DEN)
}

/// The average load release `r` allows per bucket, as the text says it: `6.5` (`6` in
/// Go 1.21, whose `loadFactorNum` evaluates to 12).
fn load_text(r: GoRelease) -> String {
    let n = r.loadFactorNum();
    if n % LOAD_FACTOR_DEN == 0 {
        (n / LOAD_FACTOR_DEN).to_string()
    } else {
        format!("{}.5", n / LOAD_FACTOR_DEN)
    }
}

/// Runs the tour's maps (Go 1.19's) and returns its stages.
pub fn build() -> Result<Vec<Stage>, String> {
    build_for(GoRelease::Go1_19)
}

/// Runs the tour's maps as Go release `r`'s map code does and returns its stages.
pub fn build_for(r: GoRelease) -> Result<Vec<Stage>, String> {
    let mut tour = Tour {
        stages: Vec::new(),
        next_word: 0,
        next_elem: 0,
        release: r,
    };
    let lf = load_text(r);
    let t = MapType::for_go_types(GoKind::String, GoKind::String)
        .map_err(|e| e.to_string())?
        .with_release(r);
    let mut m = TourMap::new(t, 10);

    // 1. make
    let hb = m.hm().B;
    tour.push(
        &m,
        "make",
        "make(map[string]string, 10)",
        vec![
            format!(
                "make asked for room for 10 entries, and the map chose B = {hb}: 2^{hb} = {} buckets. \
                 A Go map keeps its entries in buckets of 8 slots and allows at most {lf} entries per \
                 bucket on average, so it picks the smallest power of two whose buckets can take the \
                 hint: one bucket holds {lf}, too few for 10; two hold {}. Because the hint is more \
                 than 8, the buckets are allocated right away (a smaller map gets its first bucket \
                 on its first insert).",
                1usize << hb,
                load_limit(r, 1)
            ),
            "Each bucket (Go calls it a bmap) is one block of memory: 8 tophash bytes, then 8 keys, \
             then 8 elems (values), then a pointer to an overflow bucket. Every tophash byte starts \
             as emptyRest (0), which means: this slot is empty, and so is every slot after it. \
             hash0 is a random seed mixed into every hash, so two maps, or two runs of a program, \
             place the same keys differently."
                .into(),
        ],
        vec![],
        Marks::default(),
        |_| {},
    );

    // 2. first inserts
    let mut details = vec![];
    for _ in 0..5 {
        let k = tour.insert(&mut m);
        details.push(hash_line(&m, &k));
    }
    tour.push(
        &m,
        "insert",
        "Five inserts: hashes pick the bucket, tophash bytes fill in",
        vec![
            "m[k] = v hashes the key (with the seed hash0) into a 64-bit number. The lowest B \
             bits choose the bucket: with B = 1 that is the last bit, so bucket 0 or 1. The top 8 \
             bits are kept in the bucket's tophash array, in the slot the entry takes (the first \
             free one). A lookup compares these single bytes first and compares whole keys only \
             where a byte matches."
                .into(),
            "Tophash values 0 to 4 are reserved as marks (emptyRest, emptyOne and the evacuation \
             marks), so a hash whose top byte is below 5 stores it plus 5. The key slot holds the \
             string's 16-byte header (a pointer to the bytes and a length): the map never copies \
             the characters."
                .into(),
        ],
        details,
        Marks::default(),
        |_| {},
    );

    // 3. overflow: add keys that land in the fuller bucket until it chains.
    let v = m.view();
    let a = v.new.as_ref().ok_or("tour: map has no buckets")?;
    let target = if a.cells_in_bucket(1) > a.cells_in_bucket(0) {
        1
    } else {
        0
    };
    let mut tries = 0;
    let mut added = vec![];
    while m.view().new.as_ref().map_or(0, |a| a.chains[target].len()) < 2 {
        let k = tour.word();
        tries += 1;
        if tries > 200 {
            return Err("tour: could not fill a bucket".into());
        }
        if m.hash_str(&k) & bucketMask(m.hm().B) != target {
            continue; // lands in the other bucket: not used
        }
        if m.next_insert_grows() {
            return Err("tour: the map would grow before a bucket overflowed".into());
        }
        let v = tour.elem();
        m.put_str(&k, &v);
        added.push(k);
    }
    let mut marks = Marks::default();
    marks.bucket(ArrayId::New, target, "9 keys here: one overflow bucket");
    let ovk = added.last().cloned().unwrap_or_default();
    marks.cell(
        ArrayId::New,
        (target, 1, 0),
        format!("{ovk:?}, the 9th key"),
    );
    tour.push(
        &m,
        "overflow",
        "An overflow bucket appears",
        vec![
            format!(
                "A bucket has only 8 slots. We added keys that hash to bucket {target} ({} of them, \
                 picked by their hash to get there quickly). The 9th, {ovk:?}, found all 8 slots \
                 taken, so mapassign chained an overflow bucket to bucket {target}: the bucket's \
                 last word, its overflow pointer, now points at a second bmap (the arrow).",
                added.len()
            ),
            "With B below 4 the bucket array has no spare buckets, so the overflow bucket is \
             allocated on its own (@h), and noverflow counts it. A lookup in this bucket now \
             walks the chain: first bucket, then its overflow bucket."
                .into(),
        ],
        added.iter().map(|k| hash_line(&m, k)).collect(),
        marks,
        |_| {},
    );

    // 4. fill to the load limit, then hashGrow as mapassign would for the next key.
    while !m.next_insert_grows() {
        tour.insert(&mut m);
    }
    let count_before = m.hm().count;
    let B_before = m.hm().B;
    let limit = load_limit(r, B_before);
    let grow_key = tour.word();
    m.hash_grow();
    let grow = GrowFact {
        count_before,
        B_before,
        load_limit: limit,
        noverflow_before: 0,
        same_size: false,
    };
    tour.push(
        &m,
        "hashgrow",
        "Over the load factor: hashGrow doubles the array",
        vec![
            format!(
                "The map reached {count_before} entries in {} buckets: {lf} per bucket, the most Go \
                 allows (Go's authors measured that beyond this, overflow chains get long; below \
                 it, memory is wasted). Inserting a new key, {grow_key:?}, would exceed it, so \
                 mapassign called hashGrow before inserting.",
                1usize << B_before
            ),
            format!(
                "hashGrow only allocates: a new array twice as big (B = {}: {} buckets, drawn on \
                 the left) becomes buckets, and the full one becomes oldbuckets (right). Nothing \
                 has moved yet: nevacuate = 0, every entry is still in the old array and lookups \
                 read it there. We paused the insert right after hashGrow to show this moment.",
                B_before + 1,
                2usize << B_before
            ),
        ],
        vec![],
        Marks::default(),
        |f| f.grow = Some(grow.clone()),
    );

    // 5. the insert goes on: growWork moves both old buckets.
    let before = m.view();
    let v = tour.elem();
    m.put_str(&grow_key, &v);
    let after = m.view();
    let wf = WriteFact {
        op: format!("m[{grow_key:?}] = {v:?}"),
        evacuated: newly_evacuated(&before, &after),
        nevacuate_after: after.nevacuate,
        growing_after: after.growing,
    };
    let detail = format!(
        "the write moved old bucket(s) {:?}; grow finished: {}",
        wf.evacuated, !wf.growing_after
    );
    let mut marks = Marks::default();
    let nb = 1usize << B_before;
    for i in 0..nb {
        marks.bucket(ArrayId::New, i, format!("X half: from old bucket {i}"));
        marks.bucket(ArrayId::New, i + nb, format!("Y half: from old bucket {i}"));
    }
    tour.push(
        &m,
        "evacuate",
        "The write moves old buckets: X and Y halves",
        vec![
            format!(
                "Now the insert of {grow_key:?} goes on. A write to a growing map first moves \
                 (evacuates) the old bucket its own key needs, then one more, the old bucket \
                 numbered nevacuate, so the cost of growing is spread over many writes. This map \
                 had only {nb} old buckets, so this single write moved both and the grow is over: \
                 oldbuckets is nil again."
            ),
            format!(
                "Doubling adds one bit to the bucket choice. An entry of old bucket i goes to new \
                 bucket i (the X half) if that hash bit is 0, or to new bucket i + {nb} (the Y \
                 half) if it is 1. Entries keep their tophash and their order, and fill their new \
                 bucket from slot 0."
            ),
        ],
        vec![detail],
        marks,
        |f| f.writes = vec![wf.clone()],
    );

    // 6. grow on to B = 4 with 8 old buckets: evacuation stays in progress.
    let mut trigger = None;
    let mut first_writes = vec![];
    for _ in 0..400 {
        let grows = m.next_insert_grows();
        let (c, b) = (m.hm().count, m.hm().B);
        let w = tour.insert_logged(&mut m);
        if grows && b == 3 {
            trigger = Some(GrowFact {
                count_before: c,
                B_before: b,
                load_limit: load_limit(r, b),
                noverflow_before: 0,
                same_size: false,
            });
            first_writes.push(w);
            break;
        }
    }
    let trigger = trigger.ok_or("tour: the map did not grow to B = 4")?;
    let w0 = first_writes[0].clone();
    let mut marks = Marks::default();
    for &i in &w0.evacuated {
        marks.bucket(ArrayId::Old, i, "moved by the write that started the grow");
    }
    tour.push(
        &m,
        "grow-again",
        "A bigger grow: 8 old buckets, moved a little at a time",
        vec![
            format!(
                "We kept inserting. At {} entries ({lf} x 4, plus one) the map doubled to 8 buckets and \
                 finished moving within two writes. At {} entries ({lf} x 8, plus one) it doubled again, to \
                 16 buckets. This time there are 8 old buckets, and the write that started the \
                 grow moved only {} of them ({:?}): the map now lives in both arrays, the new one \
                 on the left and the old one on the right.",
                load_limit(r, 2) + 1,
                trigger.count_before + 1,
                w0.evacuated.len(),
                w0.evacuated
            ),
            "nevacuate (red arrow) is the first old bucket not yet moved in order; the write's own \
             bucket can be moved ahead of it. From B = 4 on, makeBucketArray also allocates spare \
             overflow buckets after the 2^B regular ones (2^(B-4), rounded up to the allocator's \
             size class): newoverflow hands these out before allocating any bucket on its own."
                .into(),
        ],
        vec![format!(
            "write {}: moved old bucket(s) {:?}, nevacuate now {}",
            w0.op, w0.evacuated, w0.nevacuate_after
        )],
        marks,
        |f| {
            f.grow = Some(trigger.clone());
            f.writes = first_writes.clone();
        },
    );

    // 7. a lookup answered from an old bucket.
    let v = m.view();
    let old = v.old.as_ref().ok_or("tour: not growing")?;
    let mut lookup = None;
    for &k in WORDS.iter().take(tour.next_word) {
        let h = m.hash_str(k);
        let ob = h & (old.nbuckets - 1);
        if old.evacuated(ob) {
            continue;
        }
        if let Some(e) = m.get_str(k) {
            if let Some(at) = old.locate(e as usize, &m.t) {
                lookup = Some((k.to_string(), h, ob, at));
                break;
            }
        }
    }
    let (lk, lh, lob, lat) = lookup.ok_or("tour: no key left in an old bucket")?;
    let nbk = lh & bucketMask(m.hm().B);
    let mut marks = Marks::default();
    marks.cell(ArrayId::Old, lat, format!("m[{lk:?}] found here"));
    marks.bucket(ArrayId::New, nbk, format!("{lk:?} will live here"));
    let lf = LookupFact {
        key: lk.clone(),
        from_old: true,
        old_bucket: lob,
        new_bucket: nbk,
    };
    tour.push(
        &m,
        "lookup-old",
        "Reading during a grow: the old bucket answers",
        vec![
            format!(
                "Reads never move anything. A lookup of {lk:?} hashes it: with B = {} its bucket \
                 is {nbk}, but that bucket's entries come from old bucket {lob} ({nbk} with the \
                 top bit dropped), which has not been moved yet. So mapaccess reads old bucket \
                 {lob} and finds the entry there (outlined in red).",
                m.hm().B
            ),
            "Once an old bucket is evacuated, its tophash cells hold evacuatedX/evacuatedY/\
             evacuatedEmpty marks, and lookups go to the new array instead."
                .into(),
        ],
        vec![],
        marks,
        |f| f.lookup = Some(lf.clone()),
    );

    // 8. one more write moves up to two more old buckets.
    let w = tour.insert_logged(&mut m);
    let mut marks = Marks::default();
    for &i in &w.evacuated {
        marks.bucket(ArrayId::Old, i, "moved by this write");
    }
    tour.push(
        &m,
        "evacuate-more",
        "Each write moves at most two old buckets",
        vec![
            format!(
                "Another insert, {}. Before writing, it moved the old bucket its key needs and the \
                 one at nevacuate ({:?} this time), then advanced nevacuate past every old bucket \
                 already moved (now {}).",
                w.op, w.evacuated, w.nevacuate_after
            ),
            "A moved old bucket keeps only its tophash marks: evacuatedX (the entry went to new \
             bucket i), evacuatedY (to new bucket i + 8), evacuatedEmpty (the slot was empty). \
             Because string headers are pointers, the old keys, elems and the overflow pointer \
             are cleared; the overflow bucket is no longer linked."
                .into(),
        ],
        vec![format!(
            "write {}: moved old bucket(s) {:?}, nevacuate now {}",
            w.op, w.evacuated, w.nevacuate_after
        )],
        marks,
        |f| f.writes = vec![w.clone()],
    );

    // 9. writes until the grow is over.
    let mut writes = vec![];
    while m.hm().growing() {
        writes.push(tour.insert_logged(&mut m));
        if writes.len() > 16 {
            return Err("tour: the grow did not finish".into());
        }
    }
    tour.push(
        &m,
        "grow-done",
        "The grow is finished",
        vec![
            format!(
                "{} more inserts finished the move, each moving at most two old buckets (see the \
                 log). When the last old bucket was moved, the map dropped the old array: \
                 oldbuckets is nil and the map lives in its 16 buckets again.",
                writes.len()
            ),
            "A map never shrinks: deleting entries leaves the buckets in place.".into(),
        ],
        writes
            .iter()
            .map(|w| {
                format!(
                    "write {}: moved old bucket(s) {:?}, nevacuate now {}",
                    w.op, w.evacuated, w.nevacuate_after
                )
            })
            .collect(),
        Marks::default(),
        |f| f.writes = writes.clone(),
    );

    // 10. a full bucket takes a preallocated overflow bucket.
    let v = m.view();
    let a = v.new.as_ref().ok_or("tour: no buckets")?;
    let target = (0..a.nbuckets)
        .filter(|&i| a.chains[i].len() == 1)
        .max_by_key(|&i| (a.cells_in_bucket(i), usize::MAX - i))
        .ok_or("tour: every bucket already has an overflow bucket")?;
    let had = a.cells_in_bucket(target);
    let mut added = vec![];
    let mut tries = 0;
    while m.view().new.as_ref().map_or(0, |a| a.chains[target].len()) < 2 {
        let k = tour.word();
        tries += 1;
        if tries > 2000 {
            return Err("tour: could not fill a bucket".into());
        }
        if m.hash_str(&k) & bucketMask(m.hm().B) != target {
            continue;
        }
        let v = tour.elem();
        m.put_str(&k, &v);
        added.push(k);
    }
    let v = m.view();
    let a = v.new.as_ref().ok_or("tour: no buckets")?;
    let from_spare = matches!(a.chains[target][1].origin, draw::Origin::Array(_));
    let (para1, para2, note) = match a.chains[target][1].origin {
        draw::Origin::Array(j) => (
            format!(
                "Bucket {target} held {had} entries. We added keys that hash to it until it \
                 overflowed ({}). This time newoverflow did not allocate: it took @{j}, the \
                 spare bucket after the 16 regular ones, which extra.nextOverflow pointed at. \
                 noverflow counts it all the same.",
                added.join(", ")
            ),
            match v.next_overflow {
                None => "That was the last spare, so extra.nextOverflow is now nil: newoverflow \
                         knew because the last spare's overflow word held an end marker (a \
                         pointer back at bucket 0), which it cleared. Later overflow buckets \
                         are allocated on their own."
                    .to_string(),
                Some(n) => format!("extra.nextOverflow moved on to @{n}, the next spare."),
            },
            "overflow from the spare region",
        ),
        draw::Origin::Heap => (
            format!(
                "Bucket {target} held {had} entries. We added keys that hash to it until it \
                 overflowed ({}). The spare buckets after the 16 regular ones were already \
                 used up: during the grow, a bucket that received more than 8 entries took \
                 one. So newoverflow allocated this overflow bucket on its own (@h).",
                added.join(", ")
            ),
            "newoverflow always hands out the spares first (extra.nextOverflow points at the \
             next one), so most overflow buckets of a large map share the array's allocation."
                .to_string(),
            "overflow allocated on its own",
        ),
    };
    let mut marks = Marks::default();
    marks.bucket(
        ArrayId::New,
        target,
        format!("{} more keys here: {note}", added.len()),
    );
    tour.push(
        &m,
        "spare-overflow",
        if from_spare {
            "A full bucket takes a preallocated overflow bucket"
        } else {
            "A full bucket gets an overflow bucket (the spares are used up)"
        },
        vec![para1, para2],
        added.iter().map(|k| hash_line(&m, k)).collect(),
        marks,
        |_| {},
    );

    // 11-12. deletes: emptyOne, then emptyRest spreading backwards.
    let v = m.view();
    let a = v.new.as_ref().ok_or("tour: no buckets")?;
    let mut best: Option<(usize, usize)> = None;
    for (i, chain) in a.chains.iter().enumerate() {
        if chain.len() != 1 {
            continue;
        }
        let n = (0..BUCKET_CNT)
            .take_while(|&s| chain[0].state(s) == CellState::Live)
            .count();
        let all_after_rest = (n..BUCKET_CNT).all(|s| chain[0].state(s) == CellState::EmptyRest);
        if n >= 2 && all_after_rest && best.is_none_or(|(_, bn)| n > bn) {
            best = Some((i, n));
        }
    }
    let (db, dn) = best.ok_or("tour: no bucket with two entries to delete")?;
    let key_at = |v: &MapView, s: usize| -> String {
        v.new
            .as_ref()
            .map_or(String::new(), |a| a.chains[db][0].keys[s].full.clone())
    };
    let k_mid = key_at(&v, dn - 2);
    let k_last = key_at(&v, dn - 1);
    m.del_str(&k_mid);
    let mut marks = Marks::default();
    marks.cell(
        ArrayId::New,
        (db, 0, dn - 2),
        format!("delete(m, {k_mid:?})"),
    );
    tour.push(
        &m,
        "delete-emptyone",
        "A delete leaves an emptyOne hole",
        vec![
            format!(
                "delete(m, {k_mid:?}) found the entry in bucket {db}, slot {}, cleared its elem \
                 and its key's data pointer, and marked the tophash emptyOne: this slot is free, \
                 but live entries follow it, so a lookup must keep looking past it.",
                dn - 2
            ),
            "A later insert into this bucket may reuse the slot. (For a map with string keys Go \
             calls mapdelete_faststr, which clears only the key's pointer: the length stays, \
             shown in grey.)"
                .into(),
        ],
        vec![],
        marks,
        |f| f.watched = vec![((db, 0, dn - 2), CellState::EmptyOne)],
    );

    m.del_str(&k_last);
    let mut marks = Marks::default();
    marks.cell(
        ArrayId::New,
        (db, 0, dn - 1),
        format!("delete(m, {k_last:?})"),
    );
    marks.cell(ArrayId::New, (db, 0, dn - 2), "emptyOne became emptyRest");
    tour.push(
        &m,
        "delete-emptyrest",
        "Deleting the last entry: emptyRest spreads backwards",
        vec![
            format!(
                "delete(m, {k_last:?}) removed the last live entry of bucket {db}. Nothing live \
                 follows it, so its slot becomes emptyRest, and the delete walks backwards \
                 turning the emptyOne just before it into emptyRest too, stopping at the first \
                 live entry."
            ),
            "A lookup that meets an emptyRest cell stops at once: it need not look at the rest \
             of the bucket or at its overflow chain."
                .into(),
        ],
        vec![],
        marks,
        |f| {
            f.watched = vec![
                ((db, 0, dn - 1), CellState::EmptyRest),
                ((db, 0, dn - 2), CellState::EmptyRest),
            ]
        },
    );

    // 13-15. same-size grow after churn, on a map[int64]int64.
    same_size(&mut tour)?;

    // 16. iteration over the first map.
    let r: usize = 694;
    let mut it = Hiter::new();
    let mut order = vec![];
    let mut keys = vec![];
    // SAFETY: `m` is live, not growing, and not written while `it` runs; `it` is fresh and
    // ends (runs out, or is dropped) before `m` is freed.
    unsafe {
        mapiterinit_r(&m.t, m.h, &mut it, r);
        while !it.key().is_null() {
            let a = m.view();
            let at = a
                .new
                .as_ref()
                .and_then(|a| a.locate(it.key() as usize, &m.t))
                .ok_or("tour: iterator key not in the bucket array")?;
            keys.push(a.new.as_ref().map_or(String::new(), |a| {
                a.chains[at.0][at.1].keys[at.2].full.clone()
            }));
            order.push(at);
            mapiternext(&mut it);
        }
    }
    drop(it);
    let B = m.hm().B;
    let start = r & bucketMask(B);
    let offset = (r >> B) & (BUCKET_CNT - 1);
    let mut marks = Marks::default();
    for (n, &at) in order.iter().enumerate() {
        marks.number(ArrayId::New, at, n + 1);
    }
    marks.bucket(
        ArrayId::New,
        start,
        format!("iteration starts here, at slot {offset}"),
    );
    let itf = IterFact {
        r,
        start_bucket: start,
        offset,
        order: order.clone(),
        keys: keys.clone(),
    };
    let shown: Vec<String> = keys
        .iter()
        .zip(&order)
        .enumerate()
        .map(|(n, (k, at))| format!("{:>3}. {k} (bucket {}, slot {})", n + 1, at.0, at.2))
        .collect();
    tour.push(
        &m,
        "iterate",
        "range: a random start bucket and slot",
        vec![
            format!(
                "for k, v := range m visits every entry once, in an order Go randomises on purpose \
                 so that programs cannot come to depend on it. mapiterinit draws a random number \
                 r; the walk starts at bucket r & (2^B - 1) and, inside every bucket, at slot \
                 (r >> B) & 7, wrapping around. We chose r = {r}: start bucket {start}, slot \
                 offset {offset}."
            ),
            format!(
                "The red numbers give the visiting order: bucket {start} and its overflow chain \
                 (slots {offset}, {}, ... wrapping to 0), then the next buckets up to {}, then \
                 from 0 back to {}. Starting an iterator also set the flags iterator and \
                 oldIterator, which tell later writes that an iterator may still be reading \
                 these buckets.",
                (offset + 1) % 8,
                (1usize << B) - 1,
                start.saturating_sub(1)
            ),
        ],
        shown,
        marks,
        |f| f.iteration = Some(itf.clone()),
    );

    drop(m); // mapfree
    Ok(tour.stages)
}

/// Stages 13 to 15: a map used as a queue gathers overflow buckets until a same-size grow
/// packs it again.
fn same_size(tour: &mut Tour) -> Result<(), String> {
    let t = MapType::for_go_types(GoKind::Int64, GoKind::Int64)
        .map_err(|e| e.to_string())?
        .with_release(tour.release);
    let mut m = TourMap::new(t, 20);
    let B = m.hm().B;
    let nb = 1usize << B;
    let mut next_key: i64 = 100;
    let mut details = vec![];
    for j in 0..nb {
        let mut ks = vec![];
        while ks.len() < BUCKET_CNT + 1 {
            let k = next_key;
            next_key += 1;
            if m.hash_i64(k) & bucketMask(B) != j {
                continue;
            }
            if m.next_insert_grows() {
                break;
            }
            m.put_i64(k, k * 10);
            ks.push(k);
        }
        for &k in &ks[..ks.len().saturating_sub(1)] {
            m.del_i64(k);
        }
        details.push(format!(
            "bucket {j}: inserted {:?}, deleted all but {}",
            ks,
            ks.last().copied().unwrap_or_default()
        ));
    }
    let hm = m.hm();
    let (nov, count) = (hm.noverflow, hm.count);
    if !tooManyOverflowBuckets(nov, B) {
        return Err(format!("tour: churn left only {nov} overflow buckets"));
    }
    tour.push(
        &m,
        "churn",
        "Churn: few entries, many overflow buckets",
        vec![
            format!(
                "A second map, map[int64]int64 made with room for 20 (B = {B}: {nb} buckets), used \
                 like a queue: keys come and go. Into each bucket we put 9 keys, so each needed an \
                 overflow bucket, then deleted 8 of them. Now the map holds just {count} entries \
                 but has {nov} overflow buckets, and the chains are mostly emptyOne holes: chains \
                 never shrink by themselves."
            ),
            format!(
                "Go's limit is tooManyOverflowBuckets: noverflow >= 2^min(B, 15), here \
                 {nov} >= {nb}. (Grey numbers are leftovers: deleting an int64 key leaves its \
                 bytes, since they hold no pointers; only the tophash says the slot is free.)"
            ),
        ],
        details,
        Marks::default(),
        |_| {},
    );

    // The next new key triggers a same-size grow inside mapassign.
    let mut k = next_key;
    while m.hash_i64(k) & bucketMask(B) == 0 {
        k += 1; // any key; skip bucket 0 so the write's own bucket differs from nevacuate
    }
    let before = m.view();
    let grows = m.next_insert_grows();
    m.put_i64(k, k * 10);
    let after = m.view();
    let w = WriteFact {
        op: format!("m[{k}] = {}", k * 10),
        evacuated: newly_evacuated(&before, &after),
        nevacuate_after: after.nevacuate,
        growing_after: after.growing,
    };
    if !grows || !after.same_size {
        return Err("tour: the churned map did not start a same-size grow".into());
    }
    let grow = GrowFact {
        count_before: count,
        B_before: B,
        load_limit: tour.release.loadFactorNum() * (nb / LOAD_FACTOR_DEN),
        noverflow_before: nov,
        same_size: true,
    };
    let mut marks = Marks::default();
    for &i in &w.evacuated {
        marks.bucket(ArrayId::Old, i, "moved by this write");
    }
    tour.push(
        &m,
        "same-size-grow",
        "Too many overflow buckets: a same-size grow",
        vec![
            format!(
                "Inserting a new key, {k}, found too many overflow buckets, so mapassign called \
                 hashGrow. The load is low, so this time hashGrow keeps B = {B} and sets the flag \
                 sameSizeGrow: the new array has the same {nb} buckets. The insert then moved old \
                 buckets {:?} as in any grow.",
                w.evacuated
            ),
            "Moving packs the survivors: each old chain's entries fill their new bucket from \
             slot 0, with no holes and no overflow bucket. A same-size grow sends every entry to \
             the same bucket number (X), since no hash bit is added."
                .into(),
        ],
        vec![format!(
            "write {}: moved old bucket(s) {:?}, nevacuate now {}",
            w.op, w.evacuated, w.nevacuate_after
        )],
        marks,
        |f| {
            f.grow = Some(grow.clone());
            f.writes = vec![w.clone()];
        },
    );

    let mut writes = vec![];
    while m.hm().growing() {
        k += 1;
        let before = m.view();
        m.put_i64(k, k * 10);
        let after = m.view();
        writes.push(WriteFact {
            op: format!("m[{k}] = {}", k * 10),
            evacuated: newly_evacuated(&before, &after),
            nevacuate_after: after.nevacuate,
            growing_after: after.growing,
        });
        if writes.len() > 8 {
            return Err("tour: the same-size grow did not finish".into());
        }
    }
    tour.push(
        &m,
        "same-size-done",
        "Packed again",
        vec![
            format!(
                "{} more insert(s) finished the move. The old array and its overflow buckets are \
                 gone; the map holds its {} entries in {nb} buckets with no overflow \
                 (noverflow = {}).",
                writes.len(),
                m.hm().count,
                m.hm().noverflow
            ),
            "Same-size grows are how a Go map recovers from heavy churn without ever shrinking \
             its bucket count."
                .into(),
        ],
        writes
            .iter()
            .map(|w| {
                format!(
                    "write {}: moved old bucket(s) {:?}, nevacuate now {}",
                    w.op, w.evacuated, w.nevacuate_after
                )
            })
            .collect(),
        Marks::default(),
        |f| f.writes = writes.clone(),
    );
    Ok(())
}
