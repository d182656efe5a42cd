/**
 * The regularized incomplete beta function I_x(a, b), both tails, and its inverse. Each tail is computed directly
 * where it is the small one (continued fraction, Numerical Recipes §6.4, with the modified Lentz method), so a
 * tail probability of 1e-12 keeps its relative precision instead of drowning in 1 - (1 - 1e-12).
 */
import { RedlineError } from '../errors.js';
import { logBeta } from './log-beta.js';

/** Which tail: lower = I_x(a, b) = P(X <= x), upper = 1 - I_x(a, b) = P(X > x), for X ~ Beta(a, b). */
export type BetaTail = 'lower' | 'upper';

/** Both tails of the Beta(a, b) distribution at x. */
export interface BetaTails {
  /** I_x(a, b). */
  lower: number;
  /** 1 - I_x(a, b). */
  upper: number;
}

const MAX_CF_TERMS = 100_000;
const TINY = 1e-300;

/** I_x(a, b), the regularized incomplete beta function, for a, b > 0 and x in [0, 1]. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  return incompleteBetaTails(x, a, b).lower;
}

/** Both tails I_x(a, b) and 1 - I_x(a, b), the smaller one computed directly. */
export function incompleteBetaTails(x: number, a: number, b: number): BetaTails {
  assertShape(a, b);
  if (!(x >= 0 && x <= 1))
    throw new RedlineError('E_USAGE', `incomplete beta: x must be in [0, 1] (got ${x})`);
  if (x === 0) return { lower: 0, upper: 1 };
  if (x === 1) return { lower: 1, upper: 0 };
  // For x >= 1/2, 1 - x is exact (Sterbenz), so log1p(-x) is as precise as log(x) below 1/2.
  const front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b));
  if (x < (a + 1) / (a + b + 2)) {
    const lower = (front * betaContinuedFraction(x, a, b)) / a;
    return { lower, upper: 1 - lower };
  }
  const upper = (front * betaContinuedFraction(1 - x, b, a)) / b;
  return { lower: 1 - upper, upper };
}

/**
 * The x in [0, 1] whose `tail` of Beta(a, b) equals `probability`: the inverse of I_x(a, b) (lower) or of
 * 1 - I_x(a, b) (upper). Halley's method inside a shrinking bracket, falling back to bisection when a step
 * leaves the bracket, to full double precision.
 */
export function inverseIncompleteBeta(
  probability: number,
  a: number,
  b: number,
  tail: BetaTail = 'lower',
): number {
  assertShape(a, b);
  if (!(probability >= 0 && probability <= 1)) {
    throw new RedlineError(
      'E_USAGE',
      `inverse incomplete beta: probability must be in [0, 1] (got ${probability})`,
    );
  }
  const lowerTarget = tail === 'lower' ? probability : 1 - probability;
  if (probability === 0) return tail === 'lower' ? 0 : 1;
  if (probability === 1) return tail === 'lower' ? 1 : 0;

  const logB = logBeta(a, b);
  let lo = 0;
  let hi = 1;
  let x = initialGuess(lowerTarget, a, b);
  for (let iteration = 0; iteration < 300; iteration++) {
    const tails = incompleteBetaTails(x, a, b);
    // Both forms increase with x; each compares the requested tail directly, where it is precise.
    const error = tail === 'lower' ? tails.lower - probability : probability - tails.upper;
    if (error === 0) return x;
    if (error < 0) lo = x;
    else hi = x;
    let next = Number.NaN;
    const density = Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - logB);
    if (density > 0 && Number.isFinite(density)) {
      const newton = error / density;
      // Halley's correction only where it is a correction; far from the root it would stall the step.
      const halley = 1 - 0.5 * newton * ((a - 1) / x - (b - 1) / (1 - x));
      next = x - (halley > 0.5 && halley < 2 ? newton / halley : newton);
    }
    if (!(next > lo && next < hi)) next = splitBracket(lo, hi);
    else if (Math.abs(next - x) <= 4 * Number.EPSILON * x) return next;
    if (next <= lo || next >= hi) return x; // the bracket is down to adjacent doubles
    x = next;
  }
  return x;
}

/** A point inside (lo, hi): halves the bracket, geometrically towards 0 or 1 when it spans orders of magnitude. */
function splitBracket(lo: number, hi: number): number {
  if (hi <= 0.5) return lo === 0 ? hi / 1024 : hi > 4 * lo ? Math.sqrt(lo * hi) : 0.5 * (lo + hi);
  if (lo >= 0.5) {
    const near = 1 - hi;
    const far = 1 - lo;
    return 1 - (near === 0 ? far / 1024 : far > 4 * near ? Math.sqrt(near * far) : 0.5 * (near + far));
  }
  return 0.5 * (lo + hi);
}

/** Numerical Recipes' starting point (Abramowitz & Stegun 26.5.22 for a, b >= 1; tail power laws otherwise). */
function initialGuess(p: number, a: number, b: number): number {
  let x: number;
  if (a >= 1 && b >= 1) {
    const pp = p < 0.5 ? p : 1 - p;
    const t = Math.sqrt(-2 * Math.log(pp));
    let z = (2.30753 + t * 0.27061) / (1 + t * (0.99229 + t * 0.04481)) - t;
    if (p < 0.5) z = -z;
    const al = (z * z - 3) / 6;
    const h = 2 / (1 / (2 * a - 1) + 1 / (2 * b - 1));
    const w = (z * Math.sqrt(al + h)) / h - (1 / (2 * b - 1) - 1 / (2 * a - 1)) * (al + 5 / 6 - 2 / (3 * h));
    x = a / (a + b * Math.exp(2 * w));
  } else {
    const lna = Math.log(a / (a + b));
    const lnb = Math.log(b / (a + b));
    const t = Math.exp(a * lna) / a;
    const u = Math.exp(b * lnb) / b;
    const w = t + u;
    x = p < t / w ? Math.pow(a * w * p, 1 / a) : 1 - Math.pow(b * w * (1 - p), 1 / b);
  }
  // The bracketed iteration needs a start strictly inside (0, 1).
  return Number.isFinite(x) && x > 0 && x < 1 ? x : 0.5;
}

/** The continued fraction of I_x(a, b) (Numerical Recipes `betacf`), by the modified Lentz method. */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_CF_TERMS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) <= Number.EPSILON) return h;
  }
  return h;
}

function assertShape(a: number, b: number): void {
  if (!(a > 0 && b > 0 && Number.isFinite(a) && Number.isFinite(b))) {
    throw new RedlineError(
      'E_USAGE',
      `incomplete beta: shape parameters must be finite and > 0 (got a=${a}, b=${b})`,
    );
  }
}
