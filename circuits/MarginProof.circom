pragma circom 2.2.0;

include "circomlib/circuits/bitify.circom";
include "lib/Scales.circom";
include "MarketSnapshotHash.circom";
include "RiskParamsHash.circom";
include "VenueSlot.circom";
include "HoldingExposure.circom";
include "PortfolioMargin.circom";

/**
 * @title MarginProof
 * @notice zkmargin's statement (SPEC.md §3-4): the trader holding `traderSecret` owns one account in each active
 *         venue slot, each account's holdings are committed in a leaf of that venue's published root, and the whole
 *         book, margined as one portfolio under the published market snapshot and risk parameters, has
 *         Equity − Requirement ≥ minExcess. Each active slot exposes the account's nullifier for the epoch.
 * @param V venue slots, N holding slots per venue, A assets, K stress scenarios, D venue tree depth
 * @input subject       public: the address the attestation is for (bound by a square, as Semaphore binds its message)
 * @input epoch         public: < 2^64
 * @input marketHash    public: Poseidon(8)-sponge of price, scanRange, volShock packed into 248-bit words
 *                      (prover/commitments.ts marketWords)
 * @input riskParamsHash public: Poseidon(8)-sponge of haircut, debtAddOn, moves, volDirs, weights, grossCharge packed
 *                      into 248-bit words (prover/commitments.ts riskWords)
 * @input venueRoots[V] public: root of each slot's venue for the epoch; 0 marks an inactive slot; active slots first
 * @input venueIds[V]   public: strictly increasing, in [1, 2^32) for active slots; 0 for inactive slots
 * @input nullifiers[V] public: Poseidon(traderSecret, salt, epoch) for active slots, 0 for inactive ones
 * @input minExcess     public: USD × 1e8, in [0, 2^112)
 * @input (private) traderSecret, salts[V], leafIndices[V], siblings[V][D], holdings[V][N][8] (HOLDING_FIELDS order),
 *        price[A], scanRange[A], volShock[A], haircut[A], debtAddOn[A], moves[K][A], volDirs[K][A], weights[K],
 *        grossCharge — the input names prover/circuitInput.ts emits.
 * No outputs: every public value is an input (order fixed in prover/publicSignals.ts and circuits/circuits.json).
 *
 * Constraints (circom --O2, measured per template by compiling it alone; test V=3,N=3,A=3,K=4,D=4 / prod V=4,N=8,
 * A=8,K=16,D=20). The market and risk values are packed into 248-bit words before hashing (lib/Pack.circom), so
 * their sponges take 1 + 1 Poseidon(8) calls (test) and 1 + 3 (prod) instead of 2 + 5 and 4 + 42:
 *   VenueSlot            V × 2,956 = 8,868        V × 8,680 = 34,720
 *   HoldingExposure    V·N × 323   = 2,907      V·N × 358   = 11,456
 *   RiskParamsHash                 1,403                     8,655
 *   MarketSnapshotHash               816                     1,542
 *   PortfolioMargin                1,274                     4,578
 *   this template (ids, epoch,       344                       370
 *     minExcess, subject)
 *   total                         15,612                    61,321
 * The test total plus its 14 public inputs + 1 stays under 2^14 (the test instance's ptau).
 */
template MarginProof(V, N, A, K, D) {
    assert(V >= 1 && N >= 1 && A >= 1 && K >= 1 && D >= 1 && D <= 32);
    assert(V * N <= 64); // the bit bounds of PortfolioMargin assume at most 64 holdings
    var F = HOLDING_FIELD_COUNT();

    signal input subject;
    signal input epoch;
    signal input marketHash;
    signal input riskParamsHash;
    signal input venueRoots[V];
    signal input venueIds[V];
    signal input nullifiers[V];
    signal input minExcess;

    signal input traderSecret;
    signal input salts[V];
    signal input leafIndices[V];
    signal input siblings[V][D];
    signal input holdings[V][N][F];
    signal input price[A];
    signal input scanRange[A];
    signal input volShock[A];
    signal input haircut[A];
    signal input debtAddOn[A];
    signal input moves[K][A];
    signal input volDirs[K][A];
    signal input weights[K];
    signal input grossCharge;

    // Check (1): bind the subject (no other constraint uses it), range-check epoch and minExcess.
    signal subjectSquare <== subject * subject;
    signal epochBits[EPOCH_BITS()] <== Num2Bits(EPOCH_BITS())(epoch);
    signal minExcessBits[MIN_EXCESS_BITS()] <== Num2Bits(MIN_EXCESS_BITS())(minExcess);

    // Check (2): the market snapshot is in range and hashes to marketHash.
    signal computedMarketHash <== MarketSnapshotHash(A)(price, scanRange, volShock);
    marketHash === computedMarketHash;

    // Check (3): the risk parameters are in range and hash to riskParamsHash.
    signal computedRiskHash <== RiskParamsHash(A, K)(haircut, debtAddOn, moves, volDirs, weights, grossCharge);
    riskParamsHash === computedRiskHash;

    // Check (4): every slot: leaf inclusion, nullifier, empty inactive slot (VenueSlot).
    signal active[V];
    for (var v = 0; v < V; v++) {
        active[v] <== VenueSlot(N, D)(venueRoots[v], venueIds[v], nullifiers[v], epoch, traderSecret, salts[v],
                                      leafIndices[v], siblings[v], holdings[v]);
    }

    // Check (5): slot 0 is active (a proof covers at least one account); active slots form a prefix; their venue
    //            ids are in [1, 2^32) and strictly increasing (id[v] − id[v−1] − 1 ∈ [0, 2^32) with id[−1] = 0),
    //            so no account is counted twice.
    active[0] === 1;
    signal idGap[V];
    signal venueIdBits[V][VENUE_ID_BITS()];
    signal idGapBits[V][VENUE_ID_BITS()];
    for (var v = 0; v < V; v++) {
        venueIdBits[v] <== Num2Bits(VENUE_ID_BITS())(venueIds[v]);
        if (v > 0) {
            active[v] * (1 - active[v - 1]) === 0;
        }
        // |venueIds[v] − previous − 1| < 2^32 + 1, so a wrap-around cannot pass the 32-bit check.
        idGap[v] <== active[v] * (venueIds[v] - (v > 0 ? venueIds[v - 1] : 0) - 1);
        idGapBits[v] <== Num2Bits(VENUE_ID_BITS())(idGap[v]);
    }

    // Check (6): range-check every holding and aggregate its exposure per asset (HoldingExposure).
    component exposure[V][N];
    var deltaUnits[A];
    var gammaUnits[A];
    var vegaUnits[A];
    var netUnits[A];
    var spotLong[A];
    var spotShort[A];
    var cashValue = 0;
    for (var a = 0; a < A; a++) {
        deltaUnits[a] = 0;
        gammaUnits[a] = 0;
        vegaUnits[a] = 0;
        netUnits[a] = 0;
        spotLong[a] = 0;
        spotShort[a] = 0;
    }
    for (var v = 0; v < V; v++) {
        for (var i = 0; i < N; i++) {
            exposure[v][i] = HoldingExposure(A);
            exposure[v][i].fields <== holdings[v][i];
            exposure[v][i].grossCharge <== grossCharge;
            for (var a = 0; a < A; a++) {
                deltaUnits[a] += exposure[v][i].deltaUnits[a];
                gammaUnits[a] += exposure[v][i].gammaUnits[a];
                vegaUnits[a] += exposure[v][i].vegaUnits[a];
                netUnits[a] += exposure[v][i].netUnits[a];
                spotLong[a] += exposure[v][i].spotLong[a];
                spotShort[a] += exposure[v][i].spotShort[a];
            }
            cashValue += exposure[v][i].cashValue;
        }
    }

    // Check (7): Equity − Requirement ≥ minExcess on the aggregated book (PortfolioMargin).
    component margin = PortfolioMargin(A, K, V * N);
    margin.deltaUnits <== deltaUnits;
    margin.gammaUnits <== gammaUnits;
    margin.vegaUnits <== vegaUnits;
    margin.netUnits <== netUnits;
    margin.spotLong <== spotLong;
    margin.spotShort <== spotShort;
    margin.cashValue <== cashValue;
    margin.price <== price;
    margin.scanRange <== scanRange;
    margin.volShock <== volShock;
    margin.haircut <== haircut;
    margin.debtAddOn <== debtAddOn;
    margin.moves <== moves;
    margin.volDirs <== volDirs;
    margin.weights <== weights;
    margin.minExcess <== minExcess;
}
