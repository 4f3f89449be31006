//! Writes a Swiss trace suite: `swiss_gen_dump RELEASE COUNT LARGE SEED DIR`.
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let r = gomap::swiss::SwissRelease::parse(&a[1]).expect("release");
    let suite = gomap_tools::trace::swiss_gen::swiss_suite(
        r,
        a[2].parse().unwrap(),
        a[3].parse().unwrap(),
        a[4].parse().unwrap(),
    );
    for (n, t) in suite {
        std::fs::write(format!("{}/{n}.trace", a[5]), t).unwrap();
    }
}
