/**
 * Groth16 proof (snarkjs JSON) <-> the uint256[8] the Solidity verifier takes, as zk-kit's
 * packGroth16Proof/unpackGroth16Proof do. The only subtle part lives here: snarkjs writes each G2 coordinate as
 * [c0, c1] (real, imaginary), while the EVM pairing precompile (and the exported verifier) wants [c1, c0].
 *
 * Packed order: [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y].
 */

/** A snarkjs Groth16 proof (affine points have a third, projective coordinate "1"). */
export interface Groth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: "groth16";
  curve: "bn128";
}

/** The 8 field elements the verifier contract takes, as decimal strings. */
export type PackedProof = [string, string, string, string, string, string, string, string];

export function packProof(proof: Groth16Proof): PackedProof {
  const { pi_a: a, pi_b: b, pi_c: c } = proof;
  return [a[0], a[1], b[0][1], b[0][0], b[1][1], b[1][0], c[0], c[1]].map((x) => BigInt(x).toString()) as PackedProof;
}

export function unpackProof(points: readonly (string | bigint)[]): Groth16Proof {
  if (points.length !== 8) throw new RangeError(`points: expected 8 values, got ${points.length}`);
  const p = points.map((x) => BigInt(x).toString());
  return {
    pi_a: [p[0], p[1], "1"],
    pi_b: [
      [p[3], p[2]],
      [p[5], p[4]],
      ["1", "0"],
    ],
    pi_c: [p[6], p[7], "1"],
    protocol: "groth16",
    curve: "bn128",
  };
}

/** The packed proof as the (a, b, c) triple of snarkjs's exported `verifyProof(uint[2], uint[2][2], uint[2], ...)`. */
export function proofCalldata(points: readonly (string | bigint)[]): {
  a: [bigint, bigint];
  b: [[bigint, bigint], [bigint, bigint]];
  c: [bigint, bigint];
} {
  const p = points.map((x) => BigInt(x));
  return {
    a: [p[0], p[1]],
    b: [
      [p[2], p[3]],
      [p[4], p[5]],
    ],
    c: [p[6], p[7]],
  };
}
