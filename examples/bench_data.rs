//! Writes the seeded synthetic files of the pipeline benchmark
//! (`scripts/bench.sh`), so that the browser and pandas + scikit-learn read
//! the same bytes:
//! - `trades_<n>.csv`: about `n` fills from [`segscope::sample::generate`]
//!   (the sample's six trader types; about 12.9 fills per account), for
//!   n = 10k, 100k, 1M (and, asked for, 10M: about 850 MB, for the SQL
//!   benchmark `scripts/bench-sql.sh`);
//! - `customers_1m.csv`: 1,000,000 rows, one per customer: an id and 16
//!   numeric columns (issue 5's memory target is for 1M accounts x 16 features) from 6 overlapping Gaussian blobs (ChaCha8 seed 7).
//!
//! - `sample_second_draw.csv` (`periods`): the sample's population drawn
//!   again ([`segscope::sample::sample_second_draw`]), for the browser test
//!   of Compare periods.
//!
//! Usage: `cargo run --release --example bench_data -- DIR [10k|100k|1m|customers|periods ...]`
//! (default: the first four); prints one JSON line per file (name, bytes, rows).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use segscope::sample::{generate, SAMPLE_ACCOUNTS};
use std::io::Write;
use std::path::Path;

/// Fills per account in the sample generator (38,788 fills for 3,000 accounts).
const FILLS_PER_ACCOUNT: f64 = 38_788.0 / SAMPLE_ACCOUNTS as f64;

fn customers(path: &Path, n: usize) -> std::io::Result<usize> {
    const D: usize = 16;
    const K: usize = 6;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let centres: Vec<f64> = (0..K * D).map(|_| rng.random_range(-1.5..1.5)).collect();
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    write!(f, "customer_id")?;
    for j in 0..D {
        write!(f, ",x{j}")?;
    }
    writeln!(f)?;
    for i in 0..n {
        write!(f, "C{i:07}")?;
        for j in 0..D {
            let (u, v): (f64, f64) = (rng.random::<f64>().max(f64::MIN_POSITIVE), rng.random());
            let z = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
            write!(f, ",{:.5}", centres[(i % K) * D + j] + z)?;
        }
        writeln!(f)?;
    }
    f.flush()?;
    Ok(n)
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = Path::new(args.first().map(String::as_str).unwrap_or("target/bench-data"));
    std::fs::create_dir_all(dir)?;
    let wanted: Vec<String> =
        if args.len() > 1 { args[1..].to_vec() } else { ["10k", "100k", "1m", "customers"].map(String::from).to_vec() };
    for s in wanted.iter().filter(|s| *s != "customers" && *s != "periods") {
        let n: usize = match s.as_str() {
            "10k" => 10_000,
            "100k" => 100_000,
            "1m" => 1_000_000,
            "10m" => 10_000_000,
            other => other.parse().expect("a size: 10k, 100k, 1m, 10m or a number"),
        };
        let path = dir.join(format!("trades_{s}.csv"));
        let csv = generate(20_261_122, (n as f64 / FILLS_PER_ACCOUNT).round() as usize);
        // Written whole, then renamed: an interrupted run leaves no cut-off file.
        let part = path.with_extension("csv.part");
        std::fs::write(&part, &csv)?;
        std::fs::rename(&part, &path)?;
        let rows = csv.lines().count() - 1;
        println!("{{\"file\":\"{}\",\"bytes\":{},\"rows\":{rows}}}", path.display(), csv.len());
    }
    if wanted.iter().any(|s| s == "periods") {
        let path = dir.join("sample_second_draw.csv");
        let csv = segscope::sample::sample_second_draw();
        let part = path.with_extension("csv.part");
        std::fs::write(&part, &csv)?;
        std::fs::rename(&part, &path)?;
        println!("{{\"file\":\"{}\",\"bytes\":{},\"rows\":{}}}", path.display(), csv.len(), csv.lines().count() - 1);
    }
    if wanted.iter().any(|s| s == "customers") {
        let path = dir.join("customers_1m.csv");
        let part = path.with_extension("csv.part");
        let rows = customers(&part, 1_000_000)?;
        std::fs::rename(&part, &path)?;
        println!("{{\"file\":\"{}\",\"bytes\":{},\"rows\":{rows}}}", path.display(), std::fs::metadata(&path)?.len());
    }
    Ok(())
}
