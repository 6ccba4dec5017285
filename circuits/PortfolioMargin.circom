pragma circom 2.2.0;

include "circomlib/circuits/bitify.circom";
include "lib/SignedRange.circom";
include "lib/Scales.circom";

/**
 * @title PortfolioMargin
 * @notice The portfolio-margin statement of docs/DESIGN.md §3 (model v2; docs/RISK.md) on per-asset and per-venue
 *         aggregates: Equity − Requirement ≥ minExcess, with
 *           Requirement = max(0, max_k −PnL_k) + Σ_a (G + b[a])·g[a] + Σ_a c[a]·g[a]²/(1e6·$1M)
 *                       + Σ_a m[a]·S[a]·P[a]·u[a]/1e12 + ω·Σ_a Σ[a]·v[a]/1e6 + δ·Σ_v max(0, E_v),
 *           PnL_k = Σ_a netDelta[a]·dP + ½·netGamma[a]·dP²,  dP = M[k][a]·S·P,
 *           M[k][a] = ρ[a]·s[k][0] + r[a]·s[k][c[a]]  (the factor structure; s = the rows of [H; −H], H the Sylvester
 *                                                     Hadamard matrix of order C = K/2, a compile-time constant),
 *           g[a] = P[a]·Σ|size| (gross notional), u[a] = Σ|size| of short options, v[a] = Σ|size·vega| of options,
 *           E_v = venue v's mark equity (spot size·P, linear size·(P − entry), option size·mark).
 *         Exact integer arithmetic, no division: every quantity is brought to COMPARE_SCALE = 2·10^38 per
 *         USD × 1e8 and compared there, so the inequality is exact (prover/model.ts computes the same integers).
 *           equityNet   = (Equity − Σ (G + b)·g) · 10^14                                  (EQUITY_SCALE)
 *           charges     = 200·Σ c·g² + 2·10^18·(Σ m·S·u·P + ω·Σ Σ·v + δ·Σ_v max(0, E_v))  (COMPARE_SCALE)
 *           pnl[k]      = PnL_k · 2·10^32                                                 (PNL_SCALE)
 *           slack       = equityNet · 2·10^24 − charges − minExcess · 2·10^38
 *           Check slack ≥ 0 and slack + 10^6·pnl[k] ≥ 0 for every k (weights are 100 %; vega is priced by the gross
 *           vega charge, so the scenarios move no vol).
 *         The ½ of the gamma term is absorbed by PNL_SCALE = 2·10^32 (cash gamma · x², x = M·S at 10^12, gives
 *         2·10^32 per USD×1e8 with the ½), so no rounding happens anywhere.
 * @param A assets, K scenarios, V venue slots, N holding slots per venue (H = V·N ≤ 64 holdings, for the bounds)
 * @input deltaUnits[A], gammaUnits[A], spotLong[A], spotShort[A], grossUnits[A], shortOptUnits[A],
 *        grossVega[A]: sums over the V·N holdings of HoldingExposure's outputs; netUnits[V][A], cashValue[V]: the
 *        same per venue slot. Caller must enforce they come from range-checked holdings (bounds below assume
 *        H ≤ 64 holdings each within HoldingExposure's bounds)
 * @input price[A], scanRange[A], volShock[A], haircut[A], debtAddOn[A], factorLoading[A], residualLoading[A],
 *        grossCharge, basisCharge[A], concentration[A], shortOptionMin[A], vegaGross, venueDefault: caller must
 *        enforce the in-circuit widths of MarketWords and RiskParamsHash (P < 2^64; S, Σ, H, B, G, ρ, b, c, ω, δ < 2^20;
 *        m < 2^22; r ∈ [−10^6, 2^21 − 10^6)). The bounds below use these widths only, not governance's tighter ranges,
 *        so no value a hash can bind makes the arithmetic wrap.
 * @input residualColumnBits[A][CB] the binary digits of each residual column c[a] < C = 2^CB; caller must enforce
 *        that they are booleans recomposing the hashed c (RiskParamsHash Check (2) outputs them)
 * @input minExcess USD × 1e8; caller must enforce 0 ≤ minExcess < 2^112
 * Cost (--O2, measured): 1,804 for A = 3, K = 4, V = 3, N = 3; 5,116 for A = 8, K = 16, V = 4, N = 8 (with the scenario
 *       table M, U, W: 1,834 and 5,308): 234 + K·236 solvency bits, 96 gross bits, V·(venueEquityBits(N) + 2)
 *       default, (10 + V)·A + 2 products, (C − 1)·A sign-design products and 3·C·A scenario products (C = K/2: the
 *       scenarios k and k + C move every asset oppositely, so they share their products).
 */
template PortfolioMargin(A, K, V, N) {
    var CB = scenarioColumnBits(K);
    var C = K \ 2;
    assert(A >= 1 && CB >= 1 && (2 << CB) == K && V >= 1 && N >= 1 && V * N <= 64);
    signal input deltaUnits[A];    // Σ size·delta:  |·| < 64·2^94.07 = 2^100.07
    signal input gammaUnits[A];    // Σ size·gamma:  |·| < 64·2^126 = 2^132
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
    signal input factorLoading[A];   // ρ: < 2^20
    signal input residualLoading[A]; // r: [−10^6, 2^21 − 10^6), |·| < 2^20.07
    signal input residualColumnBits[A][CB]; // booleans: c[a] = Σ_j bits[j]·2^j < C
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

    // Check (4): max(0, E_v) per venue: E_v is a signed (venueEquityBits(N) + 1)-bit value (SignedRange: the bits of
    //            E_v + 2^venueEquityBits(N), a boolean top bit that is 1 iff E_v ≥ 0); the positive part is
    //            equityNonNeg_v·E_v.
    signal equityNonNeg[V];
    signal positiveEquity[V];
    var positiveTotal = 0;
    for (var v = 0; v < V; v++) {
        equityNonNeg[v] <== SignedRange(venueEquityBits(N) + 1)(venueEquity[v]);
        positiveEquity[v] <== equityNonNeg[v] * venueEquity[v];
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
    for (var a = 0; a < A; a++) {
        deltaCash[a] <== deltaUnits[a] * price[a];
        deltaScan[a] <== deltaCash[a] * scanRange[a];
        gammaScan[a] <== gammaUnits[a] * scanRange[a];
        gammaScan2[a] <== gammaScan[a] * scanRange[a];
    }

    // (5, moves) The scenario moves from the factor structure, for the first C scenarios (rows H[k] of the design):
    //     s[k][c] = H[k][c] = (−1)^popcount(k & c) = Π_{j: bit j of k} (1 − 2·c_j) for the bits c_j of c, so
    //     resid[k][a] = r[a]·H[k][c[a]] = resid[k − 2^t][a]·(1 − 2·c_t) with t the top bit of k (one product each),
    //     move[k][a] = ρ[a]·H[k][0] + resid[k][a] = ρ[a] + resid[k][a]. Scenario k + C is row −H[k]: every move negated.
    //     |resid| = |r| < 2^20.07 (each factor is ±1: the bits are booleans), |move| < 2^20 + 2^20.07 < 2^21.04.
    signal resid[C][A];
    signal move[C][A];
    for (var a = 0; a < A; a++) {
        resid[0][a] <== residualLoading[a];
        for (var k = 1; k < C; k++) {
            var t = 0;
            while ((2 << t) <= k) t++;
            resid[k][a] <== resid[k - (1 << t)][a] * (1 - 2 * residualColumnBits[a][t]);
        }
        for (var k = 0; k < C; k++) move[k][a] <== factorLoading[a] + resid[k][a];
    }

    // (6) Scenario P&L at PNL_SCALE = 2·10^32 per USD×1e8 (x = M·S at 10^12), for k < C with M = move[k] and
    //     for k + C with M = −move[k]:
    //     pnl[k]     = Σ_a 2·10^4·deltaScan·M + gammaScan2·M²  = Σ_a deltaTerm + gammaTerm
    //     pnl[k + C] = Σ_a −2·10^4·deltaScan·M + gammaScan2·M² = Σ_a gammaTerm − deltaTerm
    //     (= Σ_a 2·10^4·size·delta·P·x + size·gamma·x², sums over holdings). With |delta| ≤ 10^8 for every kind
    //     (spot and linear use DELTA_ONE, options HoldingExposure Check (6)), Σ_a |deltaUnits| < 64·2^26.6·2^63 =
    //     2^95.6, so Σ_a |2·10^4·deltaScan| < 2^14.3·2^95.6·2^64·2^20 = 2^193.9 and Σ_a |gammaScan2| < 2^172:
    //     |pnl| < 2^193.9·2^21.04 + 2^172·2^42.08 (rounded up); with the exact |M| ≤ 2,145,726 and the unrounded
    //     delta bound the two terms are < 2^214.896 + 2^214.066 < 2^215.55.
    signal gammaMove[C][A];  // gammaScan2·M:    |·| < 2^172·2^21.04 = 2^193.04
    signal gammaTerm[C][A];  // gammaMove·M:     |·| < 2^214.08 (summed over assets)
    signal deltaTerm[C][A];  // deltaScan·M:     |2·10^4·Σ_a ·| < 2^214.94
    signal slackK[K];
    // slack = equityNet·2·10^24 − charges − minExcess·2·10^38 ∈ (−(2^234.8 + 2^234.4 + 2^239.2), 2^80.7·2^153)
    //       ⊂ (−2^239.8, 2^233.7)
    signal slack <== EQUITY_TO_COMPARE() * equityNet - charges - COMPARE_SCALE() * minExcess;
    for (var k = 0; k < C; k++) {
        var up = 0;
        var down = 0;
        for (var a = 0; a < A; a++) {
            gammaMove[k][a] <== gammaScan2[a] * move[k][a];
            gammaTerm[k][a] <== gammaMove[k][a] * move[k][a];
            deltaTerm[k][a] <== deltaScan[a] * move[k][a];
            up += gammaTerm[k][a] + DELTA_TO_PNL() * deltaTerm[k][a];
            down += gammaTerm[k][a] - DELTA_TO_PNL() * deltaTerm[k][a];
        }
        // the loss at COMPARE_SCALE (weight 10^6): |10^6·pnl| < 2^19.94·2^215.55 = 2^235.49;
        // slack + 10^6·pnl ∈ (−2^239.8 − 2^235.49, 2^233.7 + 2^235.49) ⊂ (−2^239.9, 2^235.9)
        slackK[k] <== slack + PPM_ONE() * up;
        slackK[k + C] <== slack + PPM_ONE() * down;
    }

    // Check (7): the book's gross notional Σ_a g[a] < 2^96 (model v2's validity rule, and the bound of (3)).
    _ <== Num2Bits(GROSS_BITS())(grossTotal);

    // Check (8): slack ≥ 0, i.e. Equity − charges − minExcess ≥ 0 (the "max(0, ·)" of the requirement).
    //            A negative value v ∈ (−2^239.8, 0) is p + v > 2^253 in the field and has no 234-bit decomposition;
    //            every non-negative value is < 2^233.7 < 2^234, so no solvent book is refused.
    signal slackBits[SLACK_BITS()] <== Num2Bits(SLACK_BITS())(slack);
    // Check (9): slack − (−PnL_k) ≥ 0 for every scenario k (the max over scenarios): negative values are
    //            > −2^239.9 (p + v > 2^253), non-negative ones < 2^235.9 < 2^236.
    signal slackKBits[K][SCENARIO_SLACK_BITS()];
    for (var k = 0; k < K; k++) {
        slackKBits[k] <== Num2Bits(SCENARIO_SLACK_BITS())(slackK[k]);
    }
}
