// jstat ships no types; only what helpers/stats.ts uses is declared.
declare module 'jstat' {
  interface Distribution {
    cdf(x: number, ...params: number[]): number;
    pdf(x: number, ...params: number[]): number;
    inv(p: number, ...params: number[]): number;
  }
  const jStat: {
    chisquare: Distribution;
  };
  export default jStat;
}
