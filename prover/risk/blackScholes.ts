/**
 * Black-Scholes (zero rates, no dividends: crypto options quoted on the forward) for the backtest's full
 * revaluation and for the greeks a venue would attest. Floats: this is the "truth" side of the backtest, not the
 * proving path.
 */

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 on erf, |error| < 1.5e-7). */
export function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

export function normPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

export type OptionType = "call" | "put";

/** Price, delta, gamma (∂²V/∂S²), vega (∂V/∂σ per 1.0 of σ) of one option on one unit. `tau` in years. */
export interface Greeks {
  price: number;
  delta: number;
  gamma: number;
  vega: number;
}

export function blackScholes(type: OptionType, S: number, K: number, tau: number, sigma: number): Greeks {
  if (tau <= 0 || sigma <= 0) {
    const intrinsic = type === "call" ? Math.max(0, S - K) : Math.max(0, K - S);
    const delta = type === "call" ? (S > K ? 1 : 0) : S < K ? -1 : 0;
    return { price: intrinsic, delta, gamma: 0, vega: 0 };
  }
  const sq = sigma * Math.sqrt(tau);
  const d1 = (Math.log(S / K) + 0.5 * sigma * sigma * tau) / sq;
  const d2 = d1 - sq;
  const call = S * normCdf(d1) - K * normCdf(d2);
  const price = type === "call" ? call : call - S + K;
  const delta = type === "call" ? normCdf(d1) : normCdf(d1) - 1;
  const gamma = normPdf(d1) / (S * sq);
  const vega = S * normPdf(d1) * Math.sqrt(tau);
  return { price: Math.max(price, 0), delta, gamma, vega };
}

/**
 * The backtest's implied vol (an assumption: there is no option data here): the at-the-money vol follows a fast
 * EWMA of realised vol, annualised, with a floor; the smile adds `smile·|ln(K/S)|` plus a put-side skew.
 */
export function impliedVol(atmVol: number, S: number, K: number): number {
  const m = Math.log(K / S);
  return atmVol * (1 + 0.8 * Math.abs(m)) + (m < 0 ? 0.25 * -m : 0);
}
