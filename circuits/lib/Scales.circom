pragma circom 2.2.0;

// Fixed-point scales and bit widths of the margin model, shared by the margin templates.
// prover/model.ts exports the same numbers (tests check they agree); docs/DESIGN.md §3 and docs/RISK.md give the units.

/// 1.0 of an option's delta (delta is dimensionless, per unit of the holding).
function DELTA_ONE() { return 100000000; }
/// 1.0 of a ratio in parts per million (haircuts, add-ons, scan ranges, factor loadings, charges).
function PPM_ONE() { return 1000000; }
/// The scenario factor structure: ρ ∈ [0, MAX_LOADING], r ∈ [−MAX_LOADING, MAX_LOADING] (ppm of the scan range);
/// r is packed as r + MAX_LOADING (21 bits).
function MAX_LOADING() { return 1000000; }
/// Bits of a residual column c ∈ [0, K/2) for K = 2·2^m scenarios: m (prover/commitments.ts columnBits). The caller
/// asserts K == 2 << m with m ≥ 1 (the sign design [H; −H] needs a Sylvester Hadamard matrix of order K/2 ≥ 2).
function scenarioColumnBits(K) {
    var m = 0;
    while ((2 << m) < K) m++;
    return m;
}
/// Signed sizes: |size| < 2^63 (SIGNED_BITS including the sign).
function SIZE_BITS() { return 64; }
/// Prices, entry prices and option marks: unsigned, < 2^64.
function PRICE_BITS() { return 64; }
/// Option delta: signed, |delta| < 2^31 (up to ±21.47 underlying units per holding unit).
function DELTA_BITS() { return 32; }
/// Option gamma and vega: signed, < 2^63 in magnitude.
function GREEK_BITS() { return 64; }
/// Venue ids: 1 ≤ id < 2^32.
function VENUE_ID_BITS() { return 32; }
/// minExcess (USD × 1e8): < 2^112 (far above any attainable equity, < 2^107 for V·N ≤ 64).
function MIN_EXCESS_BITS() { return 112; }
/// Widths of the final solvency comparisons (PortfolioMargin Checks (8)-(9)): each covers the largest value the
/// compared quantity can take when it is non-negative (so no solvent book is refused), while its most negative value
/// stays above −(p − 2^width) (so no negative value passes): slack ∈ (−2^239.8, 2^233.7), slackK ∈ (−2^239.9, 2^235.9).
function SLACK_BITS() { return 234; }
function SCENARIO_SLACK_BITS() { return 236; }
/// Equity terms are computed at scale EQUITY_SCALE = 10^14 (USD × 1e8 × 1e6 ppm); scenario P&L at
/// PNL_SCALE = 2·10^32; scenario losses at PNL_SCALE · 10^6 = 2·10^38 = COMPARE_SCALE (the ppm of the weight the
/// factor structure fixes at 10^6).
/// EQUITY_TO_COMPARE = COMPARE_SCALE / EQUITY_SCALE.
function EQUITY_TO_COMPARE() { return 2 * 10 ** 24; }
/// Delta P&L (size·delta·P·M·S, scale 10^8·10^8·10^8·10^12 = 10^36 over USD, i.e. 10^28 over USD×1e8) to PNL_SCALE.
function DELTA_TO_PNL() { return 20000; }
/// COMPARE_SCALE = 2·10^38: minExcess (USD×1e8) is multiplied by it.
function COMPARE_SCALE() { return 2 * 10 ** 38; }
/// Holding fields, in the commitment order of prover/types.ts HOLDING_FIELDS.
function F_ASSET() { return 0; }
function F_KIND() { return 1; }
function F_SIZE() { return 2; }
function F_ENTRY() { return 3; }
function F_MARK() { return 4; }
function F_DELTA() { return 5; }
function F_GAMMA() { return 6; }
function F_VEGA() { return 7; }
function HOLDING_FIELD_COUNT() { return 8; }

/// Bits of a packed asset index: ⌈log2 A⌉, at least 1 (prover/commitments.ts assetBits).
function ASSET_BITS(A) {
    var b = 1;
    while ((1 << b) < A) b++;
    return b;
}
/// Values each holding contributes to the holding words (prover/commitments.ts HOLDING_PACK_COUNT).
function HOLDING_PACK_COUNT() { return 7; }
/// Width of packed value j of a holding: asset, kind, size + 2^63, entryPrice + mark, delta + 2^31, gamma + 2^63,
/// vega + 2^63 (prover/commitments.ts holdingPackWidths).
function holdingPackWidth(A, j) {
    var widths[7] = [ASSET_BITS(A), 2, SIZE_BITS(), PRICE_BITS(), DELTA_BITS(), GREEK_BITS(), GREEK_BITS()];
    return widths[j];
}
/// Offset value j of the all-zero (padding) holding: 0, 0, 2^63, 0, 2^31, 2^63, 2^63.
function emptyHoldingOffset(j) {
    var offsets[7] = [0, 0, 1 << (SIZE_BITS() - 1), 0, 1 << (DELTA_BITS() - 1), 1 << (GREEK_BITS() - 1), 1 << (GREEK_BITS() - 1)];
    return offsets[j];
}
/// Model v2: an option's |delta| ≤ DELTA_ONE, checked as DELTA_ONE − |delta| ∈ [0, 2^27) (DELTA_ONE < 2^27).
function OPTION_DELTA_BITS() { return 27; }
/// Model v2: the book's gross notional Σ_a P[a]·Σ|size| (units × 1e8 times USD × 1e8) is < 2^96.
function GROSS_BITS() { return 96; }
/// Model v2 scale factors (prover/model.ts): V2_TO_COMPARE = COMPARE_SCALE / 10^20, CONC_TO_COMPARE = COMPARE_SCALE / 10^36.
function V2_TO_COMPARE() { return 2 * 10 ** 18; }
function CONC_TO_COMPARE() { return 200; }
/// Model v2: |venue mark equity| < N·2^63·2^64·10^6 < 2^(147 + ⌈log2 N⌉), the width of its sign check.
function venueEquityBits(N) {
    var b = 0;
    while ((1 << b) < N) b++;
    return 147 + b;
}
