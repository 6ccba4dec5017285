pragma circom 2.2.0;

include "lib/Sponge.circom";
include "MarketWords.circom";
include "RiskParamsHash.circom";

/**
 * @title ContextHash
 * @notice The per-epoch context of docs/DESIGN.md §4, as prover/commitments.ts contextHash and OracleHub compute it:
 *           contextHash = Poseidon(8)-sponge([epoch, riskParamsHash, marketWords…]).
 *         One public input binds the proof to one epoch, one market snapshot and one risk-parameter version.
 *         epoch and riskParamsHash each sit alone in a sponge input, so neither needs a range check: the hash binds
 *         them as field elements (OracleHub only ever hashes a uint64 epoch).
 * @param A assets, K stress scenarios
 * @input epoch the epoch; no range assumption (see above)
 * @input price[A], scanRange[A], volShock[A] the market snapshot (ranges: MarketWords)
 * @input haircut[A], debtAddOn[A], moves[K][A], volDirs[K][A], weights[K], grossCharge, basisCharge[A],
 *        concentration[A], shortOptionMin[A], vegaGross, noGammaGain, venueDefault the risk parameters (model v2;
 *        ranges: RiskParamsHash)
 * @output hash the context hash
 * Cost: MarketWords + RiskParamsHash + ceil((2 + MW) / 7) Poseidon(8) (one call for A ≤ 8: 2 + 4 words).
 *       Measured (--O2): 1,839 for A = 3, K = 4; 6,822 for A = 8, K = 16 (with the model v2 fields).
 */
template ContextHash(A, K) {
    signal input epoch;
    signal input price[A];
    signal input scanRange[A];
    signal input volShock[A];
    signal input haircut[A];
    signal input debtAddOn[A];
    signal input moves[K][A];
    signal input volDirs[K][A];
    signal input weights[K];
    signal input grossCharge;
    signal input basisCharge[A];
    signal input concentration[A];
    signal input shortOptionMin[A];
    signal input vegaGross;
    signal input noGammaGain;
    signal input venueDefault;
    signal output hash;

    // Check (1): the market words (range checks inside).
    component market = MarketWords(A);
    market.price <== price;
    market.scanRange <== scanRange;
    market.volShock <== volShock;
    var MW = marketWordCount(A);

    // Check (2): the risk parameters' hash (range checks inside).
    signal riskHash <== RiskParamsHash(A, K)(haircut, debtAddOn, moves, volDirs, weights, grossCharge, basisCharge,
                                             concentration, shortOptionMin, vegaGross, noGammaGain, venueDefault);

    // Check (3): the sponge over [epoch, riskHash, words…].
    component sponge = Sponge(2 + MW, 8);
    sponge.in[0] <== epoch;
    sponge.in[1] <== riskHash;
    for (var w = 0; w < MW; w++) sponge.in[2 + w] <== market.words[w];
    hash <== sponge.out;
}
