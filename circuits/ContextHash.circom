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
 * @param A assets, K stress scenarios (2·2^m, m ≥ 1)
 * @input epoch the epoch; no range assumption (see above)
 * @input price[A], scanRange[A], volShock[A] the market snapshot (ranges: MarketWords)
 * @input haircut[A], debtAddOn[A], factorLoading[A], residualLoading[A], residualColumn[A], grossCharge,
 *        basisCharge[A], concentration[A], shortOptionMin[A], vegaGross, noGammaGain, venueDefault the risk parameters
 *        (model v2, the scenarios by their factor structure; ranges: RiskParamsHash)
 * @output hash the context hash
 * @output residualColumnBits[A][log2(K/2)] RiskParamsHash's bits of the residual columns (for the sign design)
 * Cost: MarketWords + RiskParamsHash + ceil((2 + MW) / 7) Poseidon(8) (one call for A ≤ 8: 2 + 4 words).
 *       Measured (--O2): 1,579 for A = 3, K = 4; 2,853 for A = 8, K = 16 (with the scenario table: 1,839 and 6,822).
 */
template ContextHash(A, K) {
    signal input epoch;
    signal input price[A];
    signal input scanRange[A];
    signal input volShock[A];
    signal input haircut[A];
    signal input debtAddOn[A];
    signal input factorLoading[A];
    signal input residualLoading[A];
    signal input residualColumn[A];
    signal input grossCharge;
    signal input basisCharge[A];
    signal input concentration[A];
    signal input shortOptionMin[A];
    signal input vegaGross;
    signal input noGammaGain;
    signal input venueDefault;
    signal output hash;
    signal output residualColumnBits[A][scenarioColumnBits(K)];

    // Check (1): the market words (range checks inside).
    component market = MarketWords(A);
    market.price <== price;
    market.scanRange <== scanRange;
    market.volShock <== volShock;
    var MW = marketWordCount(A);

    // Check (2): the risk parameters' hash (range checks inside).
    component risk = RiskParamsHash(A, K);
    risk.haircut <== haircut;
    risk.debtAddOn <== debtAddOn;
    risk.factorLoading <== factorLoading;
    risk.residualLoading <== residualLoading;
    risk.residualColumn <== residualColumn;
    risk.grossCharge <== grossCharge;
    risk.basisCharge <== basisCharge;
    risk.concentration <== concentration;
    risk.shortOptionMin <== shortOptionMin;
    risk.vegaGross <== vegaGross;
    risk.noGammaGain <== noGammaGain;
    risk.venueDefault <== venueDefault;
    residualColumnBits <== risk.residualColumnBits;

    // Check (3): the sponge over [epoch, riskHash, words…].
    component sponge = Sponge(2 + MW, 8);
    sponge.in[0] <== epoch;
    sponge.in[1] <== risk.hash;
    for (var w = 0; w < MW; w++) sponge.in[2 + w] <== market.words[w];
    hash <== sponge.out;
}
