pragma circom 2.2.0;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";
include "lib/Pack.circom";
include "lib/Scales.circom";
include "ContextHash.circom";
include "VenueSlot.circom";
include "HoldingExposure.circom";
include "PortfolioMargin.circom";

/// Number of tail words for V venue slots: [minExcess (112 bits), venueIds (32 bits each)] packed greedily.
function tailWordCount(V) {
    assert(V <= 64);
    var widths[65];
    widths[0] = MIN_EXCESS_BITS();
    for (var v = 0; v < V; v++) widths[1 + v] = VENUE_ID_BITS();
    return packWordCount(1 + V, widths);
}

/**
 * @title MarginProof
 * @notice zkmargin's statement (docs/DESIGN.md §3-4): the trader holding `traderSecret` owns one account in each
 *         active venue slot, each account's holdings are packed into a leaf of that venue's published root, and the
 *         whole book, margined as one portfolio under the epoch's market snapshot and risk parameters, has
 *         Equity − Requirement ≥ minExcess. The proof exposes the book's nullifier for the deployment's domain.
 * @param V venue slots, N holding slots per venue, A assets, K stress scenarios (2·2^m, m ≥ 1: the sign design
 *        [H; −H] of the factor structure, H the Sylvester Hadamard matrix of order K/2), D depth of the arity-4 trees
 * @input subject       public: the address the attestation is for (bound by a square, as Semaphore binds its message)
 * @input domain        public: the deployment's domain (the attestor's domain()); bound by the book nullifier
 * @input contextHash   public: Poseidon(8)-sponge([epoch, riskParamsHash, marketWords…]) (ContextHash)
 * @input venueRoots[V] public: root of each slot's venue for the epoch; 0 marks an inactive slot; active slots first
 * @input bookNullifier public: Poseidon(traderSecret, domain)
 * @input tail[T]       public: [minExcess, venueIds[0..V)] packed greedily into 248-bit words (T = 1 for V ≤ 4)
 * @input (private) traderSecret, epoch, minExcess (USD × 1e8, < 2^112), venueIds[V] (active: strictly increasing in
 *        [1, 2^32); inactive: 0), salts[V], leafIndices[V], siblings[V][D][3], holdings[V][N][8] (HOLDING_FIELDS
 *        order), price[A], scanRange[A], volShock[A], haircut[A], debtAddOn[A], factorLoading[A], residualLoading[A],
 *        residualColumn[A], grossCharge, basisCharge[A], concentration[A], shortOptionMin[A], vegaGross, noGammaGain,
 *        venueDefault (model v2, the scenarios by their factor structure) — the input names prover/circuitInput.ts
 *        emits.
 * No outputs: every public value is an input (order fixed in prover/publicSignals.ts and circuits/circuits.json).
 *
 * Constraints (circom --O2, measured per template by compiling it alone; test V=3,N=3,A=3,K=4,D=7 / prod V=4,N=8,
 * A=8,K=16,D=10), with model v2. Before v2 (v1 model, test D=4, prod D=20) in brackets:
 *   VenueSlot            V × 2,730 =  8,190 [8,868]   V × 3,838 = 15,352 [34,720]
 *   HoldingExposure    V·N × 355   =  3,195 [2,907]   V·N × 400 = 12,800 [11,456]
 *   ContextHash                     1,579 [2,219]              2,853 [10,197]  (market + risk hashes before)
 *   PortfolioMargin                 1,804 [1,274]              5,116 [4,578]
 *   this template (book nullifier,    541 [344]                  600 [370]
 *     ids, tail, subject)
 *   total                          15,309 [15,612]            36,721 [61,321]
 * With the scenario table (moves, vol directions, weights) instead of its factor structure, model v2 had: exposure
 * 357 / 407 per holding, ContextHash 1,839 / 6,822, PortfolioMargin 1,834 / 5,308, total 15,617 / 41,106.
 * The test total plus its 8 public inputs + 1 stays under 2^14 (the test instance's ptau); prod needs 2^16.
 */
template MarginProof(V, N, A, K, D) {
    assert(V >= 1 && N >= 1 && A >= 1 && D >= 1 && D <= 16);
    assert(K >= 4 && K <= 64 && (2 << scenarioColumnBits(K)) == K); // K = 2·2^m, m ≥ 1 (the sign design)
    assert(V * N <= 64); // the bit bounds of PortfolioMargin assume at most 64 holdings
    var F = HOLDING_FIELD_COUNT();
    var T = tailWordCount(V);

    signal input subject;
    signal input domain;
    signal input contextHash;
    signal input venueRoots[V];
    signal input bookNullifier;
    signal input tail[T];

    signal input traderSecret;
    signal input epoch;
    signal input minExcess;
    signal input venueIds[V];
    signal input salts[V];
    signal input leafIndices[V];
    signal input siblings[V][D][3];
    signal input holdings[V][N][F];
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

    // Check (1): bind the subject (no other constraint uses it).
    signal subjectSquare <== subject * subject;

    // Check (2): the market snapshot and risk parameters (range-checked for injectivity) and the epoch hash to the
    //            public context hash.
    component context = ContextHash(A, K);
    context.epoch <== epoch;
    context.price <== price;
    context.scanRange <== scanRange;
    context.volShock <== volShock;
    context.haircut <== haircut;
    context.debtAddOn <== debtAddOn;
    context.factorLoading <== factorLoading;
    context.residualLoading <== residualLoading;
    context.residualColumn <== residualColumn;
    context.grossCharge <== grossCharge;
    context.basisCharge <== basisCharge;
    context.concentration <== concentration;
    context.shortOptionMin <== shortOptionMin;
    context.vegaGross <== vegaGross;
    context.noGammaGain <== noGammaGain;
    context.venueDefault <== venueDefault;
    contextHash === context.hash;

    // Check (3): bookNullifier = Poseidon(traderSecret, domain); it also binds the domain.
    signal computedNullifier <== Poseidon(2)([traderSecret, domain]);
    bookNullifier === computedNullifier;

    // Check (4): every slot: leaf inclusion when active, empty when inactive (VenueSlot).
    signal active[V];
    for (var v = 0; v < V; v++) {
        active[v] <== VenueSlot(N, A, D)(venueRoots[v], venueIds[v], traderSecret, salts[v], leafIndices[v], siblings[v],
                                         holdings[v]);
    }

    // Check (5): slot 0 is active (a proof covers at least one account); active slots form a prefix (so an active
    //            slot is always compared with the previous active one); their venue ids are in [1, 2^32) and strictly
    //            increasing (id[v] − id[v−1] − 1 ∈ [0, 2^32) with id[−1] = 0), so no account is counted twice.
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

    // Check (6): minExcess < 2^112 and tail = the packing of [minExcess, venueIds] (each value range-checked to its
    //            width by this check and Check (5), so the tail has exactly one reading).
    signal minExcessBits[MIN_EXCESS_BITS()] <== Num2Bits(MIN_EXCESS_BITS())(minExcess);
    var tailWidths[1 + V];
    tailWidths[0] = MIN_EXCESS_BITS();
    for (var v = 0; v < V; v++) tailWidths[1 + v] = VENUE_ID_BITS();
    component tailPack = PackWords(1 + V, tailWidths);
    tailPack.in[0] <== minExcess;
    for (var v = 0; v < V; v++) tailPack.in[1 + v] <== venueIds[v];
    for (var t = 0; t < T; t++) tail[t] === tailPack.out[t];

    // Check (7): range-check every holding and aggregate its exposure per asset (HoldingExposure); the mark
    //            equity inputs per venue slot (model v2's default charge), the others over the whole book.
    component exposure[V][N];
    var deltaUnits[A];
    var gammaUnits[A];
    var spotLong[A];
    var spotShort[A];
    var grossUnits[A];
    var shortOptUnits[A];
    var grossVega[A];
    var netUnits[V][A];
    var cashValue[V];
    for (var a = 0; a < A; a++) {
        deltaUnits[a] = 0;
        gammaUnits[a] = 0;
        spotLong[a] = 0;
        spotShort[a] = 0;
        grossUnits[a] = 0;
        shortOptUnits[a] = 0;
        grossVega[a] = 0;
    }
    for (var v = 0; v < V; v++) {
        cashValue[v] = 0;
        for (var a = 0; a < A; a++) netUnits[v][a] = 0;
        for (var i = 0; i < N; i++) {
            exposure[v][i] = HoldingExposure(A);
            exposure[v][i].fields <== holdings[v][i];
            exposure[v][i].noGammaGain <== noGammaGain;
            for (var a = 0; a < A; a++) {
                deltaUnits[a] += exposure[v][i].deltaUnits[a];
                gammaUnits[a] += exposure[v][i].gammaUnits[a];
                spotLong[a] += exposure[v][i].spotLong[a];
                spotShort[a] += exposure[v][i].spotShort[a];
                grossUnits[a] += exposure[v][i].grossUnits[a];
                shortOptUnits[a] += exposure[v][i].shortOptUnits[a];
                grossVega[a] += exposure[v][i].grossVega[a];
                netUnits[v][a] += exposure[v][i].netUnits[a];
            }
            cashValue[v] += exposure[v][i].cashValue;
        }
    }

    // Check (8): Equity − Requirement ≥ minExcess on the aggregated book (PortfolioMargin).
    component margin = PortfolioMargin(A, K, V, N);
    margin.deltaUnits <== deltaUnits;
    margin.gammaUnits <== gammaUnits;
    margin.spotLong <== spotLong;
    margin.spotShort <== spotShort;
    margin.grossUnits <== grossUnits;
    margin.shortOptUnits <== shortOptUnits;
    margin.grossVega <== grossVega;
    margin.netUnits <== netUnits;
    margin.cashValue <== cashValue;
    margin.price <== price;
    margin.scanRange <== scanRange;
    margin.volShock <== volShock;
    margin.haircut <== haircut;
    margin.debtAddOn <== debtAddOn;
    margin.factorLoading <== factorLoading;
    margin.residualLoading <== residualLoading;
    margin.residualColumnBits <== context.residualColumnBits;
    margin.grossCharge <== grossCharge;
    margin.basisCharge <== basisCharge;
    margin.concentration <== concentration;
    margin.shortOptionMin <== shortOptionMin;
    margin.vegaGross <== vegaGross;
    margin.venueDefault <== venueDefault;
    margin.minExcess <== minExcess;
}
