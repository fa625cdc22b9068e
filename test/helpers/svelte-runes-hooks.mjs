// Module hooks that let Node run the renderer's `.svelte.ts` state classes in tests: the source
// is first turned into JavaScript by the next loader (tsx), then Svelte compiles its runes
// ($state, $derived) into calls to Svelte's client runtime, exactly as the Vite build does.
import { fileURLToPath } from 'node:url';
import { compileModule } from 'svelte/compiler';

const RUNES_MODULE = /\.svelte\.(ts|js)$/;

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!url.startsWith('file:') || !RUNES_MODULE.test(new URL(url).pathname)) return result;
  const { js } = compileModule(String(result.source), {
    filename: fileURLToPath(url),
    generate: 'client',
  });
  return { ...result, format: 'module', source: js.code, shortCircuit: true };
}
