import fc from 'fast-check';

// Property tests explore new random cases on every local run. FC_SEED pins them: CI sets it so a
// run is reproducible, and a failing seed printed by fast-check can be replayed with FC_SEED=<seed>.
const seed = process.env.FC_SEED;
if (seed !== undefined && seed !== '') {
  if (!/^-?\d+$/.test(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(seed)}`);
  fc.configureGlobal({ seed: Number(seed) });
}
