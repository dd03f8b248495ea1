/** Order statistics shared by the benchmarks. */

export const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

/** The element at rank ⌊q·n⌋ of the sorted sample (q = 0.99 → p99). */
export const quantile = (xs: number[], q: number) => {
  const s = sorted(xs);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

export const median = (xs: number[]) => {
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
