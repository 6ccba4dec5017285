// Only for `tsc -p web/tsconfig.json`: snarkjs ships no types (scripts/lib/snark.ts types the parts we use).
declare module "snarkjs";
