pragma circom 2.2.0;

include "circomlib/circuits/bitify.circom";
include "lib/Scales.circom";

/**
 * @title PortfolioMargin
 * @notice The portfolio-margin statement of docs/DESIGN.md §3 (model v2; docs/RISK.md) on per-asset and per-venue
 *         aggregates: Equity − Requirement ≥ minExcess, with
 *           Requirement = max(0, max_k −W[k]·PnL_k) + Σ_a (G + b[a])·g[a] + Σ_a c[a]·g[a]²/(1e6·$1M)
 *                       + Σ_a m[a]·S[a]·P[a]·u[a]/1e12 + ω·Σ_a Σ[a]·v[a]/1e6 + δ·Σ_v max(0, E_v),
 *           PnL_k = Σ_a netDelta[a]·dP + ½·netGamma[a]·dP² + netVega[a]·dσ,  dP = M·S·P, dσ = U·Σ,
 *           g[a] = P[a]·Σ|size| (gross notional), u[a] = Σ|size| of short options, v[a] = Σ|size·vega| of options,
 *           E_v = venue v's mark equity (spot size·P, linear size·(P − entry), option size·mark).
 *         Exact integer arithmetic, no division: every quantity is brought to COMPARE_SCALE = 2·10^38 per
 *         USD × 1e8 and compared there, so the inequality is exact (prover/model.ts computes the same integers).
 *           equityNet   = (Equity − Σ (G + b)·g) · 10^14                                  (EQUITY_SCALE)
 *           charges     = 200·Σ c·g² + 2·10^18·(Σ m·S·u·P + ω·Σ Σ·v + δ·Σ_v max(0, E_v))  (COMPARE_SCALE)
 *           pnl[k]      = PnL_k · 2·10^32                                                 (PNL_SCALE)
 *           slack       = equityNet · 2·10^24 − charges − minExcess · 2·10^38
 *           Check slack ≥ 0 and slack + W[k]·pnl[k] ≥ 0 for every k.
 *         The ½ of the gamma term is absorbed by PNL_SCALE = 2·10^32 (cash gamma · x², x = M·S at 10^12, gives
 *         2·10^32 per USD×1e8 with the ½), so no rounding happens anywhere.
 * @param A assets, K scenarios, V venue slots, N holding slots per venue (H = V·N ≤ 64 holdings, for the bounds)
 * @input deltaUnits[A], gammaUnits[A], vegaUnits[A], spotLong[A], spotShort[A], grossUnits[A], shortOptUnits[A],
 *        grossVega[A]: sums over the V·N holdings of HoldingExposure's outputs; netUnits[V][A], cashValue[V]: the
 *        same per venue slot. Caller must enforce they come from range-checked holdings (bounds below assume
 *        H ≤ 64 holdings each within HoldingExposure's bounds)
 * @input price[A], scanRange[A], volShock[A], haircut[A], debtAddOn[A], moves[K][A], volDirs[K][A], weights[K],
 *        grossCharge, basisCharge[A], concentration[A], shortOptionMin[A], vegaGross, venueDefault: caller must
 *        enforce the in-circuit widths of MarketWords and RiskParamsHash (P < 2^64; S, Σ, H, B, W, G, b, c, ω, δ < 2^20;
 *        m < 2^22; M ∈ [−3·10^6, 2^23 − 3·10^6); U ∈ [−1, 2]). The bounds below use these widths only, not
 *        governance's tighter ranges, so no value a hash can bind makes the arithmetic wrap.
 * @input minExcess USD × 1e8; caller must enforce 0 ≤ minExcess < 2^112
 * Cost (--O2, measured): 1,837 for A = 3, K = 4, V = 3, N = 3; 5,312 for A = 8, K = 16, V = 4, N = 8 (v1: 1,274, 4,578):
 *       234 + K·238 solvency bits, 96 gross bits, V·(venueEquityBits(N) + 3) default, (11 + V)·A + 2 products,
 *       3·K·A scenario products.
 */
template PortfolioMargin(A, K, V, N) {
    assert(A >= 1 && K >= 1 && V >= 1 && N >= 1 && V * N <= 64);
    signal input deltaUnits[A];    // Σ size·delta:  |·| < 64·2^94.07 = 2^100.07
    signal input gammaUnits[A];    // Σ size·gamma:  |·| < 64·2^126 = 2^132
    signal input vegaUnits[A];     // Σ size·vega:   |·| < 2^132
    signal input spotLong[A];      // Σ positive spot sizes: [0, 2^69)
    signal input spotShort[A];     // Σ negative spot sizes: (−2^69, 0]
    signal input grossUnits[A];    // Σ |size|: [0, 2^69]
    signal input shortOptUnits[A]; // Σ |size| of short options: [0, 2^69], ≤ grossUnits
    signal input grossVega[A];     // Σ |size·vega| of options: [0, 2^132]
    signal input netUnits[V][A];   // per venue Σ 10^6·size of spot and linear holdings: |·| < 8·2^83 (N ≤ 64: 2^89)
    signal input cashValue[V];     // per venue Σ size·mark − size·entry: |·| < N·2^127
    signal input price[A];         // < 2^64
    signal input scanRange[A];     // < 2^20
    signal input volShock[A];      // < 2^20
    signal input haircut[A];       // < 2^20
    signal input debtAddOn[A];     // < 2^20
    signal input moves[K][A];      // |·| < 2^23 − 3·10^6 < 2^22.37
    signal input volDirs[K][A];    // ∈ [−1, 2]
    signal input weights[K];       // < 2^20
    signal input grossCharge;      // < 2^20
    signal input basisCharge[A];   // < 2^20
    signal input concentration[A]; // < 2^20
    signal input shortOptionMin[A]; // < 2^22
    signal input vegaGross;        // < 2^20
    signal input venueDefault;     // < 2^20
    signal input minExcess;        // < 2^112

    // (1) Venue mark equity at EQUITY_SCALE = 10^14 per USD×1e8: E_v = Σ_a P·netUnits_v + 10^6·cash_v, i.e. spot
    //     10^6·size·P, linear 10^6·size·(P − entry), option 10^6·size·mark. |E_v| < N·2^147 ≤ 2^venueEquityBits(N).
    signal markValue[V][A];
    var venueEquity[V];
    var markTotal = 0;
    for (var v = 0; v < V; v++) {
        venueEquity[v] = PPM_ONE() * cashValue[v];
        for (var a = 0; a < A; a++) {
            markValue[v][a] <== price[a] * netUnits[v][a];
            venueEquity[v] += markValue[v][a];
        }
        markTotal += venueEquity[v];
    }

    // (2) Equity net of the gross and basis charges, at EQUITY_SCALE: mark equity, spot haircut −H·P·long and debt
    //     add-on B·P·short, minus (G + b[a])·g[a] with g[a] = P·Σ|size|.
    signal longCut[A];
    signal shortAddOn[A];
    signal haircutValue[A];
    signal gross[A];
    signal grossAndBasis[A];
    var equityNet = markTotal;             // |·| < V·N·2^147 ≤ 64·2^147 = 2^153
    var grossTotal = 0;
    for (var a = 0; a < A; a++) {
        longCut[a] <== haircut[a] * spotLong[a];        // [0, 2^89)
        shortAddOn[a] <== debtAddOn[a] * spotShort[a];  // (−2^89, 0]
        haircutValue[a] <== price[a] * (shortAddOn[a] - longCut[a]); // (−2^154, 0]
        gross[a] <== price[a] * grossUnits[a];          // [0, 2^133); < 2^96 by Check (7)
        grossAndBasis[a] <== (grossCharge + basisCharge[a]) * gross[a]; // [0, 2^21·2^96)
        equityNet += haircutValue[a] - grossAndBasis[a];
        grossTotal += gross[a];
    }
    // |equityNet| < 2^153 + 2^153 + 2^117 < 2^154.1; its positive part comes from the mark equity alone (the haircut
    // and charge terms are ≤ 0): equityNet < 2^153.

    // (3) Model v2 charges at COMPARE_SCALE (bounds with g[a] < 2^96, Check (7)):
    //     concentration 200·c·g²: < 2^7.7·2^20·2^192 = 2^219.7 over all assets (Σ g² ≤ (Σ g)²);
    //     short-option minimum 2·10^18·m·S·u·P: u·P ≤ g, so < 2^60.8·2^22·2^20·2^96 = 2^198.8;
    //     gross vega 2·10^18·ω·Σ_a Σ·v: < 2^60.8·2^20·2^20·2^132 = 2^232.8;
    //     venue default 2·10^18·δ·Σ_v max(0, E_v): Σ_v |E_v| < 64·2^147, so < 2^60.8·2^20·2^153 = 2^233.8.
    signal gross2[A];
    signal concCharge[A];
    signal minScan[A];
    signal minUnits[A];
    signal minCharge[A];
    signal vegaScaled[A];
    var charges = 0;
    var vegaTotal = 0;
    for (var a = 0; a < A; a++) {
        gross2[a] <== gross[a] * gross[a];
        concCharge[a] <== concentration[a] * gross2[a];
        minScan[a] <== shortOptionMin[a] * scanRange[a];
        minUnits[a] <== minScan[a] * shortOptUnits[a];
        minCharge[a] <== minUnits[a] * price[a];
        vegaScaled[a] <== volShock[a] * grossVega[a];
        charges += CONC_TO_COMPARE() * concCharge[a] + V2_TO_COMPARE() * minCharge[a];
        vegaTotal += vegaScaled[a];
    }
    signal vegaCharge <== vegaGross * vegaTotal;

    // Check (4): max(0, E_v) per venue: a sign bit s_v with (2·s_v − 1)·E_v ∈ [0, 2^venueEquityBits(N)), so s_v = 1
    //            when E_v > 0 and s_v = 0 when E_v < 0 (either when 0); the positive part is s_v·E_v.
    signal equitySign[V];
    signal absEquity[V];
    signal positiveEquity[V];
    var positiveTotal = 0;
    for (var v = 0; v < V; v++) {
        equitySign[v] <-- venueEquity[v] > 0 ? 1 : 0; // circom compares the signed representative
        equitySign[v] * (equitySign[v] - 1) === 0;
        absEquity[v] <== (2 * equitySign[v] - 1) * venueEquity[v];
        _ <== Num2Bits(venueEquityBits(N))(absEquity[v]);
        positiveEquity[v] <== equitySign[v] * venueEquity[v];
        positiveTotal += positiveEquity[v];
    }
    signal defaultCharge <== venueDefault * positiveTotal;
    charges += V2_TO_COMPARE() * (vegaCharge + defaultCharge);
    // |charges| < 2^219.7 + 2^198.8 + 2^232.8 + 2^233.8 < 2^234.4

    // (5) Per-asset scenario coefficients.
    signal deltaCash[A];     // Σ size·delta·P:       |·| < 2^164.1
    signal deltaScan[A];     // · S:                  |·| < 2^184.1
    signal gammaScan[A];     // Σ size·gamma·S:       |·| < 2^152
    signal gammaScan2[A];    // · S:                  |·| < 2^172
    signal vegaShock[A];     // Σ size·vega·Σ:        |·| < 2^152
    for (var a = 0; a < A; a++) {
        deltaCash[a] <== deltaUnits[a] * price[a];
        deltaScan[a] <== deltaCash[a] * scanRange[a];
        gammaScan[a] <== gammaUnits[a] * scanRange[a];
        gammaScan2[a] <== gammaScan[a] * scanRange[a];
        vegaShock[a] <== vegaUnits[a] * volShock[a];
    }

    // (6) Scenario P&L at PNL_SCALE = 2·10^32 per USD×1e8 (x = M·S at 10^12):
    //     pnl[k] = Σ_a M·(2·10^4·deltaScan + gammaScan2·M) + 2·10^18·vegaShock·U
    //            = Σ_a 2·10^4·size·delta·P·x + size·gamma·x² + 2·10^18·size·vega·U·Σ   (sums over holdings)
    //     With |delta| ≤ 10^8 for every kind (spot and linear use DELTA_ONE, options HoldingExposure Check (6)),
    //     Σ_a |deltaUnits| < 64·2^26.6·2^63 = 2^95.6, so 2·10^4·deltaScan < 2^14.3·2^95.6·2^64·2^20 = 2^193.9;
    //     |pnl[k]| < 2^22.37·(2^193.9 + 2^194.4) + 2^60.8·2^153 < 2^217.6
    signal gammaMove[K][A];  // gammaScan2·M: |·| < 2^194.4
    signal deltaGamma[K][A]; // M·(2·10^4·deltaScan + gammaMove): |·| < 2^22.37·2^195.2 < 2^217.6
    signal vegaMove[K][A];   // vegaShock·U: |·| < 2^153
    signal slackK[K];
    // slack = equityNet·2·10^24 − charges − minExcess·2·10^38 ∈ (−(2^234.8 + 2^234.4 + 2^239.2), 2^80.7·2^153)
    //       ⊂ (−2^239.8, 2^233.7)
    signal slack <== EQUITY_TO_COMPARE() * equityNet - charges - COMPARE_SCALE() * minExcess;
    for (var k = 0; k < K; k++) {
        var pnl = 0;
        for (var a = 0; a < A; a++) {
            gammaMove[k][a] <== gammaScan2[a] * moves[k][a];
            deltaGamma[k][a] <== moves[k][a] * (DELTA_TO_PNL() * deltaScan[a] + gammaMove[k][a]);
            vegaMove[k][a] <== vegaShock[a] * volDirs[k][a];
            pnl += deltaGamma[k][a] + VEGA_TO_PNL() * vegaMove[k][a];
        }
        // weighted: W·pnl, |·| < 2^20·2^217.6 = 2^237.6; slack + W·pnl ∈ (−2^240.1, 2^233.7 + 2^237.6) ⊂ (−2^240.1, 2^237.7)
        slackK[k] <== slack + weights[k] * pnl;
    }

    // Check (7): the book's gross notional Σ_a g[a] < 2^96 (model v2's validity rule, and the bound of (3)).
    _ <== Num2Bits(GROSS_BITS())(grossTotal);

    // Check (8): slack ≥ 0, i.e. Equity − charges − minExcess ≥ 0 (the "max(0, ·)" of the requirement).
    //            A negative value v ∈ (−2^239.8, 0) is p + v > 2^253 in the field and has no 234-bit decomposition;
    //            every non-negative value is < 2^233.7 < 2^234, so no solvent book is refused.
    signal slackBits[SLACK_BITS()] <== Num2Bits(SLACK_BITS())(slack);
    // Check (9): slack − (−W[k]·PnL_k) ≥ 0 for every scenario k (the max over scenarios): negative values are
    //            > −2^240.1 (p + v > 2^253), non-negative ones < 2^237.7 < 2^238.
    signal slackKBits[K][SCENARIO_SLACK_BITS()];
    for (var k = 0; k < K; k++) {
        slackKBits[k] <== Num2Bits(SCENARIO_SLACK_BITS())(slackK[k]);
    }
}
