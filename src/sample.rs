//! The built-in sample: a seeded, synthetic derivatives-exchange trade file.
//!
//! 3,000 accounts of six trader types, 38,788 fills over the first
//! half of 2026, in a layout close to exchange exports:
//! `account_id,timestamp,instrument,side,quantity,price,leverage,fee,realized_pnl,liquidity`.
//!
//! | type | share | what they do |
//! |---|---|---|
//! | retail perpetual traders | 40 % | BTC/ETH/SOL perpetuals, 5-50x leverage, taker, long bias, small size, losses on average |
//! | spot holders | 30 % | spot pairs, no leverage, mostly buys, few trades |
//! | market makers | 1.5 % | spot and perpetuals, maker, balanced sides, many fills, fee rebates |
//! | options hedgers | 10 % | BTC puts and futures, low leverage |
//! | institutional / whales | 5 % | futures and perpetuals, very large size, few fills |
//! | lapsed accounts | 13.5 % | a few trades in January only |
//!
//! [`generate_population`] makes files of other mixes of these and three
//! more types ([`Archetype`]), with each account's type, and optionally
//! noisy: every account's traits jittered, so that types overlap (the
//! quality benchmark's populations).
//!
//! Only IEEE-exact arithmetic (+ - * / sqrt) is used on random numbers, so the
//! same seed gives byte-identical files natively and in WebAssembly;
//! `public/sample_trades.csv` is this generator's output with [`SAMPLE_SEED`]
//! (a test checks they are equal). It is synthetic: no real person's data.

use chrono::DateTime;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;

/// Seed of the shipped sample.
pub const SAMPLE_SEED: u64 = 20_260_101;
/// Accounts in the shipped sample.
pub const SAMPLE_ACCOUNTS: usize = 3000;
/// File name users download the sample as.
pub const SAMPLE_FILE_NAME: &str = "sample_trades.csv";

const START: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const DAYS: i64 = 181;

/// A trader type of the generator. The shipped sample has the first six;
/// the others exist for populations with more types ([`Population`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Archetype {
    /// BTC/ETH/SOL perpetuals, 5-50x leverage, taker, long bias, small size, losses on average.
    Retail,
    /// Spot pairs, no leverage, mostly buys, few trades.
    SpotHolder,
    /// Spot and perpetuals, maker, balanced sides, many fills, fee rebates.
    MarketMaker,
    /// BTC puts and futures, low leverage.
    Hedger,
    /// Futures and perpetuals, very large size, few fills.
    Whale,
    /// A few trades in January only.
    Lapsed,
    /// Perpetuals, hundreds of small fills, 20-100x leverage, taker.
    Scalper,
    /// Sells calls and puts, mostly as maker, low leverage.
    OptionSeller,
    /// Buys spot and sells futures (cash-and-carry), large size, low leverage.
    BasisTrader,
}

impl Archetype {
    /// Every type, the shipped sample's six first.
    pub const ALL: [Archetype; 9] = [
        Archetype::Retail,
        Archetype::SpotHolder,
        Archetype::MarketMaker,
        Archetype::Hedger,
        Archetype::Whale,
        Archetype::Lapsed,
        Archetype::Scalper,
        Archetype::OptionSeller,
        Archetype::BasisTrader,
    ];
}

/// Which trader types a generated file holds, in what shares, and how much
/// each account strays from its type.
#[derive(Clone, Debug, PartialEq)]
pub struct Population {
    /// The types, in the order their labels number them (0, 1, ...).
    pub types: Vec<Archetype>,
    /// Upper bounds of each type's share of a uniform draw, increasing; the
    /// last type takes the rest.
    cumulative: Vec<f64>,
    /// Per-account jitter of every trait (0 = none; 0.5 = a standard
    /// deviation of half the trait's value for sizes, counts and leverage,
    /// and 0.15 for preferences such as the buy and maker probability).
    pub noise: f64,
}

impl Population {
    /// The shipped sample's population: six types, noise 0.
    pub fn sample() -> Self {
        Population {
            types: Archetype::ALL[..6].to_vec(),
            cumulative: vec![0.40, 0.70, 0.715, 0.815, 0.865],
            noise: 0.0,
        }
    }

    /// `types` with relative `shares` (any positive numbers; normalised),
    /// and per-account `noise`. Panics if the lengths differ or `types` is empty.
    pub fn new(types: &[Archetype], shares: &[f64], noise: f64) -> Self {
        assert!(!types.is_empty() && types.len() == shares.len(), "one share per type");
        let total: f64 = shares.iter().sum();
        let mut acc = 0.0;
        let cumulative = shares[..shares.len() - 1]
            .iter()
            .map(|s| {
                acc += s / total;
                acc
            })
            .collect();
        Population { types: types.to_vec(), cumulative, noise }
    }
}

/// A generated trade file and the type of each account.
pub struct Generated {
    /// The CSV, as [`generate`] writes it.
    pub csv: String,
    /// Index into [`Population::types`] of each account, in account order
    /// (`ACC00001` is account 0).
    pub types: Vec<usize>,
}

struct Fill {
    ts: i64,
    account: usize,
    instrument: &'static str,
    buy: bool,
    qty: f64,
    price: f64,
    leverage: f64,
    fee: f64,
    pnl: f64,
    maker: bool,
}

fn u(rng: &mut ChaCha8Rng) -> f64 {
    rng.random::<f64>()
}

/// Approximately standard normal (Irwin-Hall sum of 12 uniforms).
fn n01(rng: &mut ChaCha8Rng) -> f64 {
    (0..12).map(|_| u(rng)).sum::<f64>() - 6.0
}

/// Pareto with tail index 2 and minimum `xm`, capped at `100 xm`.
fn pareto(rng: &mut ChaCha8Rng, xm: f64) -> f64 {
    (xm / (1.0 - u(rng)).sqrt()).min(100.0 * xm)
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, xs: &[T]) -> T {
    xs[rng.random_range(0..xs.len())]
}

fn base_price(instrument: &str) -> f64 {
    if instrument.ends_with("-P") || instrument.ends_with("-C") {
        3_800.0
    } else if instrument.starts_with("BTC") {
        95_000.0
    } else if instrument.starts_with("ETH") {
        3_300.0
    } else {
        190.0
    }
}

/// Generates the sample CSV for `n_accounts` accounts from `seed`.
pub fn generate(seed: u64, n_accounts: usize) -> String {
    generate_population(seed, n_accounts, &Population::sample()).csv
}

/// Multiplies a trait by `1 + noise x N(0, 1)`, at least `floor` times it.
fn jitter(rng: &mut ChaCha8Rng, noise: f64, floor: f64) -> f64 {
    (1.0 + noise * n01(rng)).max(floor)
}

/// Generates a trade file of `n_accounts` accounts of `pop`'s types from
/// `seed`, with each account's type. With [`Population::sample`] the file
/// is [`generate`]'s, byte for byte.
pub fn generate_population(seed: u64, n_accounts: usize, pop: &Population) -> Generated {
    let accounts: Vec<(usize, Option<usize>)> = (0..n_accounts).map(|a| (a, None)).collect();
    generate_accounts(seed, pop, &accounts)
}

/// Generates the trades of `accounts` from `seed`: each an (account index,
/// type) pair, the index giving the id (`ACC00001` is 0), the type an index
/// into `pop.types` or `None` to draw it from `pop`'s shares. Returns each
/// account's type in the order of `accounts`. [`generate_population`] is
/// this with accounts `0..n`, every type drawn.
pub fn generate_accounts(seed: u64, pop: &Population, accounts: &[(usize, Option<usize>)]) -> Generated {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut types = Vec::with_capacity(accounts.len());
    let mut fills: Vec<Fill> = Vec::new();
    const PERPS: [&str; 3] = ["BTC-PERPETUAL", "ETH-PERPETUAL", "SOL-PERPETUAL"];
    const SPOT: [&str; 3] = ["BTC/USDT", "ETH/USDT", "SOL/USDT"];
    const PUTS: [&str; 3] = ["BTC-26JUN26-80000-P", "BTC-25SEP26-70000-P", "BTC-26JUN26-90000-P"];
    const CALLS: [&str; 1] = ["BTC-26JUN26-120000-C"];
    const FUTURES: [&str; 2] = ["BTC-26JUN26", "ETH-26JUN26"];
    const ANY: [&str; 12] = [
        "BTC-PERPETUAL",
        "ETH-PERPETUAL",
        "SOL-PERPETUAL",
        "BTC/USDT",
        "ETH/USDT",
        "SOL/USDT",
        "BTC-26JUN26-80000-P",
        "BTC-25SEP26-70000-P",
        "BTC-26JUN26-90000-P",
        "BTC-26JUN26-120000-C",
        "BTC-26JUN26",
        "ETH-26JUN26",
    ];
    for &(account, given) in accounts {
        // Drawn even when given, so that the accounts after keep their draws.
        let r = u(&mut rng);
        let t = given.unwrap_or_else(|| pop.cumulative.iter().position(|&c| r < c).unwrap_or(pop.types.len() - 1));
        types.push(t);
        let arch = pop.types[t];
        let (count, first_day, span) = match arch {
            Archetype::Retail => (rng.random_range(4..=30), rng.random_range(0..150), 30 + rng.random_range(0..120)),
            Archetype::SpotHolder => (rng.random_range(1..=9), rng.random_range(0..170), 10 + rng.random_range(0..170)),
            Archetype::MarketMaker => (rng.random_range(80..=160), rng.random_range(0..20), 160),
            Archetype::Hedger => (rng.random_range(6..=24), rng.random_range(0..90), 60 + rng.random_range(0..120)),
            Archetype::Whale => (rng.random_range(4..=16), rng.random_range(0..120), 30 + rng.random_range(0..150)),
            Archetype::Lapsed => (rng.random_range(1..=5), rng.random_range(0..20), 10),
            Archetype::Scalper => (rng.random_range(150..=400), rng.random_range(0..60), 120),
            Archetype::OptionSeller => {
                (rng.random_range(10..=40), rng.random_range(0..90), 60 + rng.random_range(0..120))
            }
            Archetype::BasisTrader => {
                (rng.random_range(20..=60), rng.random_range(0..60), 90 + rng.random_range(0..80))
            }
        };
        let lev_pref = 5.0 + 45.0 * u(&mut rng) * u(&mut rng);
        // The account's own strays from its type (drawn only when noisy, so
        // that a noise-free population gives the sample's numbers).
        let noise = pop.noise;
        let (count, span, size, lev_x, buy_shift, maker_shift, stray) = if noise > 0.0 {
            // `count` stays an i32: its type decides how random_range draws it.
            let c = (count as f64 * jitter(&mut rng, noise, 0.1)).round().max(1.0) as i32;
            let sp = (span as f64 * jitter(&mut rng, noise, 0.1)).round().max(1.0) as i64;
            let size = jitter(&mut rng, noise, 0.05);
            let lev_x = jitter(&mut rng, noise, 0.2);
            let (b, m) = (0.3 * noise * n01(&mut rng), 0.3 * noise * n01(&mut rng));
            (c, sp, size, lev_x, b, m, 0.3 * noise * u(&mut rng))
        } else {
            (count, span, 1.0, 1.0, 0.0, 0.0, 0.0)
        };
        for _ in 0..count {
            let day = (first_day + rng.random_range(0..span.max(1))).min(DAYS - 1);
            let ts = START + day * 86_400 + rng.random_range(0..86_400);
            let (instrument, buy, notional, leverage, maker_p, pnl_mu): (&str, bool, f64, f64, f64, f64) = match arch {
                Archetype::Retail => {
                    let lev = (lev_pref * (1.0 + 0.2 * n01(&mut rng))).clamp(2.0, 100.0).round();
                    (pick(&mut rng, &PERPS), u(&mut rng) < 0.65, pareto(&mut rng, 150.0), lev, 0.1, -0.02)
                }
                Archetype::SpotHolder => {
                    (pick(&mut rng, &SPOT), u(&mut rng) < 0.85, pareto(&mut rng, 400.0), 1.0, 0.3, 0.0)
                }
                Archetype::MarketMaker => {
                    let inst = if u(&mut rng) < 0.5 { pick(&mut rng, &SPOT) } else { pick(&mut rng, &PERPS) };
                    let lev = if inst.contains('/') { 1.0 } else { 3.0 };
                    (inst, u(&mut rng) < 0.5, pareto(&mut rng, 8_000.0), lev, 0.95, 0.002)
                }
                Archetype::Hedger => {
                    let x = u(&mut rng);
                    let inst = if x < 0.55 {
                        pick(&mut rng, &PUTS)
                    } else if x < 0.65 {
                        pick(&mut rng, &CALLS)
                    } else if x < 0.9 {
                        pick(&mut rng, &FUTURES)
                    } else {
                        pick(&mut rng, &PERPS)
                    };
                    let buy = if inst.ends_with('P') { u(&mut rng) < 0.9 } else { u(&mut rng) < 0.3 };
                    (inst, buy, pareto(&mut rng, 6_000.0), (1.0 + 2.0 * u(&mut rng)).round(), 0.4, 0.005)
                }
                Archetype::Whale => {
                    let inst = if u(&mut rng) < 0.6 { pick(&mut rng, &FUTURES) } else { pick(&mut rng, &PERPS) };
                    (
                        inst,
                        u(&mut rng) < 0.55,
                        pareto(&mut rng, 250_000.0),
                        (2.0 + 3.0 * u(&mut rng)).round(),
                        0.6,
                        0.01,
                    )
                }
                Archetype::Lapsed => {
                    let inst = if u(&mut rng) < 0.5 { pick(&mut rng, &SPOT) } else { pick(&mut rng, &PERPS) };
                    let lev = if inst.contains('/') { 1.0 } else { 10.0 };
                    (inst, u(&mut rng) < 0.6, pareto(&mut rng, 200.0), lev, 0.2, -0.01)
                }
                Archetype::Scalper => {
                    let lev = (20.0 + 80.0 * u(&mut rng) * u(&mut rng)).round();
                    (pick(&mut rng, &PERPS), u(&mut rng) < 0.5, pareto(&mut rng, 300.0), lev, 0.05, -0.01)
                }
                Archetype::OptionSeller => {
                    let inst = if u(&mut rng) < 0.5 { pick(&mut rng, &PUTS) } else { pick(&mut rng, &CALLS) };
                    (inst, u(&mut rng) < 0.15, pareto(&mut rng, 3_000.0), (1.0 + 2.0 * u(&mut rng)).round(), 0.7, 0.01)
                }
                Archetype::BasisTrader => {
                    let spot = u(&mut rng) < 0.5;
                    let inst = if spot { pick(&mut rng, &SPOT) } else { pick(&mut rng, &FUTURES) };
                    let buy = u(&mut rng) < if spot { 0.9 } else { 0.1 };
                    let lev = if spot { 1.0 } else { 2.0 };
                    (inst, buy, pareto(&mut rng, 50_000.0), lev, 0.5, 0.003)
                }
            };
            // A noisy account: sizes, leverage and preferences stray, and
            // some fills are of any instrument.
            let (instrument, buy, notional, leverage, maker_p) = if noise > 0.0 {
                let inst = if u(&mut rng) < stray { pick(&mut rng, &ANY) } else { instrument };
                let buy = if buy_shift != 0.0 && u(&mut rng) < buy_shift.abs() { buy_shift > 0.0 } else { buy };
                let lev = if leverage > 1.0 { (leverage * lev_x).clamp(1.0, 125.0).round() } else { leverage };
                (inst, buy, notional * size, lev, (maker_p + maker_shift).clamp(0.0, 1.0))
            } else {
                (instrument, buy, notional, leverage, maker_p)
            };
            let price = base_price(instrument) * (1.0 + 0.08 * n01(&mut rng));
            let qty = notional / price;
            let maker = u(&mut rng) < maker_p;
            let fee_rate = if arch == Archetype::MarketMaker && maker {
                -0.0001
            } else if maker {
                0.0002
            } else {
                0.0005
            };
            // Realized PnL only on reducing fills of leveraged products (about half).
            let pnl = if leverage > 1.0 && u(&mut rng) < 0.5 {
                notional * (pnl_mu + 0.05 * n01(&mut rng)) * (leverage / 10.0).min(3.0)
            } else {
                0.0
            };
            fills.push(Fill {
                ts,
                account,
                instrument,
                buy,
                qty,
                price,
                leverage,
                fee: notional * fee_rate,
                pnl,
                maker,
            });
        }
    }
    fills.sort_by_key(|f| (f.ts, f.account));
    let mut out = String::with_capacity(fills.len() * 110);
    out.push_str("account_id,timestamp,instrument,side,quantity,price,leverage,fee,realized_pnl,liquidity\n");
    for f in &fills {
        let ts = DateTime::from_timestamp(f.ts, 0).expect("2026 is in range");
        let _ = writeln!(
            out,
            "ACC{:05},{},{},{},{:.6},{:.2},{},{:.4},{:.2},{}",
            f.account + 1,
            ts.format("%Y-%m-%dT%H:%M:%SZ"),
            f.instrument,
            if f.buy { "buy" } else { "sell" },
            f.qty,
            f.price,
            f.leverage,
            f.fee,
            f.pnl,
            if f.maker { "maker" } else { "taker" },
        );
    }
    Generated { csv: out, types }
}

/// The shipped sample: [`generate`] with [`SAMPLE_SEED`] and [`SAMPLE_ACCOUNTS`].
pub fn sample_csv() -> String {
    generate(SAMPLE_SEED, SAMPLE_ACCOUNTS)
}

/// Fills in the committed exchange-layout fixtures (`tests/fixtures/binance_spot*.csv`).
pub const LAYOUT_FIXTURE_ROWS: usize = 1500;

/// The sample's spot fills written twice with the same values: as a plain
/// CSV (`account_id,timestamp,instrument,side,quantity,price,notional,fee`)
/// and in Binance's spot trade-history export layout with a `User ID`
/// column added (`Date(UTC),Pair,Side,Price,Executed,Amount,Fee,User ID`),
/// which attaches each amount's asset: `0.0083420000BTC`,
/// `664.71535704USDT`, `0.33240000USDT`. With `bnb_fees`, every third fee is
/// written in BNB instead (as when a user pays fees in BNB), so the fee
/// column mixes units. At most `max_rows` fills (the first ones). Read, both
/// layouts must give the same features (tests/layouts.rs; the committed
/// `tests/fixtures/binance_spot*.csv` are these with [`LAYOUT_FIXTURE_ROWS`]).
pub fn binance_spot_layouts(bnb_fees: bool, max_rows: usize) -> (String, String) {
    let sample = sample_csv();
    let mut plain = String::from("account_id,timestamp,instrument,side,quantity,price,notional,fee\n");
    let mut binance = String::from("Date(UTC),Pair,Side,Price,Executed,Amount,Fee,User ID\n");
    let mut n = 0;
    for line in sample.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (account, time, instrument, side, qty, price, fee) = (f[0], f[1], f[2], f[3], f[4], f[5], f[7]);
        let Some(base) = instrument.strip_suffix("/USDT") else { continue };
        if n == max_rows {
            break;
        }
        let pair = format!("{base}USDT");
        let time = time.replace('T', " ").replace('Z', "");
        let (q, p): (f64, f64) = (qty.parse().unwrap_or(0.0), price.parse().unwrap_or(0.0));
        let (q, fee_v): (String, f64) = (format!("{q:.10}"), fee.parse().unwrap_or(0.0));
        let amount = format!("{:.8}", q.parse::<f64>().unwrap_or(0.0) * p);
        let (fee, fee_unit) = if bnb_fees && n % 3 == 0 {
            (format!("{:.8}", fee_v / 600.0), "BNB")
        } else {
            (format!("{fee_v:.8}"), "USDT")
        };
        n += 1;
        let _ = writeln!(plain, "{account},{time},{pair},{side},{q},{price},{amount},{fee}");
        let _ = writeln!(
            binance,
            "{time},{pair},{},{price},{q}{base},{amount}USDT,{fee}{fee_unit},{account}",
            side.to_uppercase()
        );
    }
    (plain, binance)
}

/// The plain CSV of [`binance_spot_layouts`] in Kraken's trade-history
/// export layout (`trades.csv`: `"txid","ordertxid","pair","time","type",
/// "ordertype","price","cost","fee","vol","margin","misc","ledgers"`, text
/// quoted, numbers bare), with a `"User ID"` column added as a user merging
/// several accounts' exports would: Kraken's `XBT` for bitcoin in the pair
/// (`XBTUSDT`), times with four decimals of a second, `type` the side in
/// lower case, `cost` the notional and `vol` the quantity, each with the
/// plain file's digits. Read, it must give the plain file's features
/// (tests/layouts.rs; `tests/fixtures/kraken_trades.csv` is this of the
/// committed plain fixture).
pub fn kraken_trades_layout(plain: &str) -> String {
    let mut out = String::from(
        "\"txid\",\"ordertxid\",\"pair\",\"time\",\"type\",\"ordertype\",\"price\",\"cost\",\"fee\",\"vol\",\"margin\",\"misc\",\"ledgers\",\"User ID\"\n",
    );
    for (n, line) in plain.lines().skip(1).enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let [account, time, instrument, side, qty, price, notional, fee] = f[..] else { continue };
        let pair = instrument.replacen("BTC", "XBT", 1);
        let order = if n % 4 == 0 { "market" } else { "limit" };
        let _ = writeln!(
            out,
            "\"T{n:05X}-SGSCP-{:06X}\",\"O{:05X}-SGSCP-{n:06X}\",\"{pair}\",\"{time}.0000\",\"{side}\",\"{order}\",{price},{notional},{fee},{qty},0.00000,\"\",\"L{n:05X}-SGSCP-LEDGER\",\"{account}\"",
            n * 7919 % 0xFFFFFF,
            n / 2
        );
    }
    out
}

/// The sample's next period, with known changes: the same accounts of the
/// same types drawn again (seed [`SAMPLE_SEED`] + 1), except that the first
/// [`NEXT_PERIOD_LAPSING`] retail perpetual traders lapse (trade as lapsed
/// accounts), the first [`NEXT_PERIOD_GROWING`] spot holders become whales,
/// every [`NEXT_PERIOD_CHURN_EVERY`]-th account has no trade (churned), and
/// [`NEXT_PERIOD_NEW`] new accounts (`ACC03001`...) join, their types drawn
/// from the sample's shares. Returns the CSV and the plan's account types.
pub fn sample_next_period() -> Generated {
    let pop = Population::sample();
    let first = generate_population(SAMPLE_SEED, SAMPLE_ACCOUNTS, &pop).types;
    let (retail, spot, lapsed, whale) = (0, 1, 5, 4);
    let (mut lapsing, mut growing) = (0, 0);
    let mut accounts: Vec<(usize, Option<usize>)> = Vec::with_capacity(SAMPLE_ACCOUNTS + NEXT_PERIOD_NEW);
    for (a, &t) in first.iter().enumerate() {
        if (a + 1) % NEXT_PERIOD_CHURN_EVERY == 0 {
            continue;
        }
        let t = if t == retail && lapsing < NEXT_PERIOD_LAPSING {
            lapsing += 1;
            lapsed
        } else if t == spot && growing < NEXT_PERIOD_GROWING {
            growing += 1;
            whale
        } else {
            t
        };
        accounts.push((a, Some(t)));
    }
    accounts.extend((SAMPLE_ACCOUNTS..SAMPLE_ACCOUNTS + NEXT_PERIOD_NEW).map(|a| (a, None)));
    generate_accounts(SAMPLE_SEED + 1, &pop, &accounts)
}

/// Retail traders who lapse in [`sample_next_period`].
pub const NEXT_PERIOD_LAPSING: usize = 150;
/// Spot holders who become whales in [`sample_next_period`].
pub const NEXT_PERIOD_GROWING: usize = 60;
/// Every this-many-th account of the sample churns in [`sample_next_period`] (100 accounts).
pub const NEXT_PERIOD_CHURN_EVERY: usize = 30;
/// New accounts in [`sample_next_period`].
pub const NEXT_PERIOD_NEW: usize = 120;

/// A second draw of the sample's population: the same accounts of the same
/// types, their trades drawn again (seed [`SAMPLE_SEED`] + 2). Nothing
/// changed but chance: the segments should hold.
pub fn sample_second_draw() -> String {
    let pop = Population::sample();
    let first = generate_population(SAMPLE_SEED, SAMPLE_ACCOUNTS, &pop).types;
    let accounts: Vec<(usize, Option<usize>)> = first.iter().enumerate().map(|(a, &t)| (a, Some(t))).collect();
    generate_accounts(SAMPLE_SEED + 2, &pop, &accounts).csv
}

/// `n x d` rows around `k` centres, for benchmarks: row `i` belongs to blob
/// `i % k`, whose centre is uniform in `[-1.5, 1.5]^d`, plus unit-variance
/// Gaussian noise (Box-Muller), from a ChaCha8 stream seeded with `seed`.
/// Like scikit-learn's `make_blobs(cluster_std=1)`, but not its numbers.
/// Panics if `k == 0` and `n > 0`.
pub fn gaussian_blobs(n: usize, d: usize, k: usize, seed: u64) -> ndarray::Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let centres: Vec<f64> = (0..k * d).map(|_| rng.random_range(-1.5..1.5)).collect();
    let mut normal = move || {
        let (u, v): (f64, f64) = (rng.random::<f64>().max(f64::MIN_POSITIVE), rng.random());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    };
    ndarray::Array2::from_shape_fn((n, d), |(i, j)| centres[(i % k) * d + j] + normal())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_sample_is_the_generator_output() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/public/sample_trades.csv");
        let generated = sample_csv();
        if std::env::var("SEGSCOPE_BLESS").is_ok() {
            std::fs::write(path, &generated).unwrap();
        }
        let shipped = std::fs::read_to_string(path)
            .expect("public/sample_trades.csv (regenerate with SEGSCOPE_BLESS=1 cargo test)");
        assert!(
            shipped == generated,
            "public/sample_trades.csv differs from the generator; run SEGSCOPE_BLESS=1 cargo test"
        );
    }

    #[test]
    fn a_population_labels_every_account_and_noise_changes_the_file() {
        let types = [Archetype::Scalper, Archetype::OptionSeller, Archetype::BasisTrader];
        let calm = generate_population(3, 300, &Population::new(&types, &[1.0, 1.0, 2.0], 0.0));
        assert_eq!(calm.types.len(), 300);
        let per_type: Vec<usize> = (0..3).map(|t| calm.types.iter().filter(|&&x| x == t).count()).collect();
        // Shares 1:1:2 of 300, within sampling error.
        assert!(per_type[2] > 110 && per_type[0] > 50 && per_type[1] > 50, "{per_type:?}");
        let noisy = generate_population(3, 300, &Population::new(&types, &[1.0, 1.0, 2.0], 0.5));
        assert_eq!(noisy.types.len(), 300);
        assert_ne!(noisy.csv, calm.csv);
        assert_eq!(generate_population(SAMPLE_SEED, 40, &Population::sample()).csv, generate(SAMPLE_SEED, 40));
    }

    #[test]
    fn every_account_trades_and_the_seed_matters() {
        let s = generate(1, 50);
        let ids: std::collections::HashSet<&str> = s.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
        assert_eq!(ids.len(), 50);
        assert_ne!(generate(1, 50), generate(2, 50));
    }
}
