pragma circom 2.2.0;

include "circomlib/circuits/bitify.circom";
include "lib/Scales.circom";

/**
 * @title PortfolioMargin
 * @notice The portfolio-margin statement of docs/DESIGN.md §3 (docs/RISK.md) on per-asset aggregates:
 *           Equity − Requirement ≥ minExcess, with
 *           Requirement = max(0, max_k −W[k]·PnL_k) + G·Σ|size·P|,
 *           PnL_k = Σ_a netDelta[a]·dP + ½·netGamma[a]·dP² + netVega[a]·dσ,  dP = M·S·P, dσ = U·Σ.
 *         Exact integer arithmetic, no division: every quantity is brought to COMPARE_SCALE = 2·10^38 per
 *         USD × 1e8 and compared there, so the inequality is exact (prover/model.ts computes the same integers).
 *           equityNet   = (Equity − gross charge) · 10^14                                 (EQUITY_SCALE)
 *           pnl[k]      = PnL_k · 2·10^32                                                 (PNL_SCALE)
 *           slack       = equityNet · 2·10^24 − minExcess · 2·10^38
 *           Check slack ≥ 0 and slack + W[k]·pnl[k] ≥ 0 for every k.
 *         The ½ of the gamma term is absorbed by PNL_SCALE = 2·10^32 (cash gamma · x², x = M·S at 10^12, gives
 *         2·10^32 per USD×1e8 with the ½), so no rounding happens anywhere.
 * @param A assets, K scenarios, H number of holdings aggregated (V·N), for the bounds (H ≤ 64)
 * @input deltaUnits[A], gammaUnits[A], vegaUnits[A], netUnits[A], spotLong[A], spotShort[A], cashValue:
 *        sums over the H holdings of HoldingExposure's outputs; caller must enforce they come from range-checked
 *        holdings (bounds below assume H ≤ 64 holdings each within HoldingExposure's bounds)
 * @input price[A], scanRange[A], volShock[A], haircut[A], debtAddOn[A], moves[K][A], volDirs[K][A], weights[K]:
 *        caller must enforce the in-circuit widths of MarketWords and RiskParamsHash (P < 2^64; S, Σ, H, B, W, G < 2^20;
 *        M ∈ [−3·10^6, 2^23 − 3·10^6); U ∈ [−1, 2]). The bounds below use these widths only, not governance's tighter
 *        ranges, so no value a hash can bind makes the arithmetic wrap.
 * @input minExcess USD × 1e8; caller must enforce 0 ≤ minExcess < 2^112
 * Cost: 8·A + K·(3·A + 1) products + (K + 1)·242 range-check constraints; measured (--O2): 1,274 for A = 3, K = 4;
 *       4,578 for A = 8, K = 16. Per scenario: 3·A + 243 (252 for A = 3).
 */
template PortfolioMargin(A, K, H) {
    assert(A >= 1 && K >= 1 && H >= 1 && H <= 64);
    signal input deltaUnits[A];  // Σ size·delta:  |·| < 64·2^94.07 = 2^100.07
    signal input gammaUnits[A];  // Σ size·gamma:  |·| < 64·2^126 = 2^132
    signal input vegaUnits[A];   // Σ size·vega:   |·| < 2^132
    signal input netUnits[A];    // Σ 10^6·size − G·|size|: |·| < 64·2^84 = 2^90
    signal input spotLong[A];    // Σ positive spot sizes: [0, 2^69)
    signal input spotShort[A];   // Σ negative spot sizes: (−2^69, 0]
    signal input cashValue;      // Σ size·mark − size·entry: |·| < 64·2^127 = 2^133
    signal input price[A];       // < 2^64
    signal input scanRange[A];   // < 2^20
    signal input volShock[A];    // < 2^20
    signal input haircut[A];     // < 2^20
    signal input debtAddOn[A];   // < 2^20
    signal input moves[K][A];    // |·| < 2^23 − 3·10^6 < 2^22.37
    signal input volDirs[K][A];  // ∈ [−1, 2]
    signal input weights[K];     // < 2^20
    signal input minExcess;      // < 2^112

    // (1) Equity net of the gross charge, at EQUITY_SCALE = 10^14 per USD×1e8:
    //     spot: P·size·(10^6 − H) if size ≥ 0, P·size·(10^6 + B) if size < 0; linear: 10^6·size·(P − entry);
    //     option: 10^6·size·mark; gross charge: G·|size|·P.
    signal longCut[A];
    signal shortAddOn[A];
    signal assetValue[A];
    var equityNet = 0;
    for (var a = 0; a < A; a++) {
        longCut[a] <== haircut[a] * spotLong[a];       // [0, 10^6·2^69) ⊂ [0, 2^89)
        shortAddOn[a] <== debtAddOn[a] * spotShort[a]; // (−2^89, 0]
        // netUnits − H·long + B·short: |·| < 2^90 + 2^89 + 2^89 = 2^91; times P < 2^64: < 2^155
        assetValue[a] <== price[a] * (netUnits[a] - longCut[a] + shortAddOn[a]);
        equityNet += assetValue[a];
    }
    equityNet += PPM_ONE() * cashValue; // |·| < 2^155 + 10^6·2^133 < 2^156 (holding totals bound the sum over a)

    // (2) Per-asset scenario coefficients.
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

    // (3) Scenario P&L at PNL_SCALE = 2·10^32 per USD×1e8 (x = M·S at 10^12):
    //     pnl[k] = Σ_a M·(2·10^4·deltaScan + gammaScan2·M) + 2·10^18·vegaShock·U
    //            = Σ_a 2·10^4·size·delta·P·x + size·gamma·x² + 2·10^18·size·vega·U·Σ   (sums over holdings)
    //     |pnl[k]| < 2^22.37·(2^198.4 + 2^194.4) + 2^60.8·2^153 < 2^221
    signal gammaMove[K][A];  // gammaScan2·M: |·| < 2^194.4
    signal deltaGamma[K][A]; // M·(2·10^4·deltaScan + gammaMove): |·| < 2^22.37·2^198.5 < 2^220.9
    signal vegaMove[K][A];   // vegaShock·U: |·| < 2^153
    signal slackK[K];
    // (4) slack = equityNet·2·10^24 − minExcess·2·10^38: |·| < 2^236.7 + 2^239.3 < 2^239.6 (equityNet: H, B < 2^20
    //     keep |netUnits − H·long + B·short| < 2^91, as above)
    signal slack <== EQUITY_TO_COMPARE() * equityNet - COMPARE_SCALE() * minExcess;
    for (var k = 0; k < K; k++) {
        var pnl = 0;
        for (var a = 0; a < A; a++) {
            gammaMove[k][a] <== gammaScan2[a] * moves[k][a];
            deltaGamma[k][a] <== moves[k][a] * (DELTA_TO_PNL() * deltaScan[a] + gammaMove[k][a]);
            vegaMove[k][a] <== vegaShock[a] * volDirs[k][a];
            pnl += deltaGamma[k][a] + VEGA_TO_PNL() * vegaMove[k][a];
        }
        // weighted: W·pnl, |·| < 2^20·2^221 = 2^241; slack + W·pnl: |·| < 2^239.6 + 2^241 < 2^241.5
        slackK[k] <== slack + weights[k] * pnl;
    }

    // Check (5): slack ≥ 0, i.e. Equity − gross − minExcess ≥ 0 (the "max(0, ·)" of the requirement).
    //            A negative value v ∈ (−2^241.5, 0) is p + v > 2^253 in the field and has no 242-bit decomposition;
    //            every non-negative value is < 2^241.5 < 2^242, so no solvent book is refused.
    signal slackBits[SOLVENCY_BITS()] <== Num2Bits(SOLVENCY_BITS())(slack);
    // Check (6): slack − (−W[k]·PnL_k) ≥ 0 for every scenario k (the max over scenarios).
    signal slackKBits[K][SOLVENCY_BITS()];
    for (var k = 0; k < K; k++) {
        slackKBits[k] <== Num2Bits(SOLVENCY_BITS())(slackK[k]);
    }
}
