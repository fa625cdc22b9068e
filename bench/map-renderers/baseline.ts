import { runHarness } from './page.ts';

// The harness with nothing drawn: subtracted from each renderer's bundle to give what it adds.
runHarness(() =>
  Promise.resolve({ setPoints: () => Promise.resolve(), setCategories: () => Promise.resolve() }),
);
