import { register } from 'node:module';

/**
 * Registers the hooks that compile `.svelte.ts` files on import. A test imports this first and
 * then loads state classes with `await import(...)`: static imports are all loaded before any
 * module runs, so they would reach Node before the hooks exist.
 */
const registered = Symbol.for('incept.test.svelte-runes');
const flags = globalThis as { [registered]?: true };
// Once per process: a second registration would compile the compiled output again.
if (!flags[registered]) {
  register('./svelte-runes-hooks.mjs', import.meta.url);
  flags[registered] = true;
}
