/**
 * `npm run bench -- <name> [--images N] [--files N]`: runs one benchmark (or `all`) and prints
 * its JSON. Speed goals live here, as ratios and numbers measured in the same run — never in
 * timed tests.
 */
import { parseArgs } from 'node:util';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { images: { type: 'string' }, files: { type: 'string' } },
});
const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
const images = num(values.images);

const benches: Record<string, () => Promise<unknown>> = {
  // Engine throughput next to raw onnxruntime, then the whole job in the app with API latency and RSS.
  embed: async () => ({
    engines: await (await import('./embed.ts')).benchEmbed(images !== undefined ? { images } : {}),
    job: await (await import('./embed-job.ts')).benchEmbedJob(images !== undefined ? { images } : {}),
  }),
  import: async () =>
    (await import('./import.ts')).benchImport(
      num(values.files) !== undefined ? { files: num(values.files)! } : {},
    ),
  train: async () => (await import('./train.ts')).benchTrain(),
  export: async () => (await import('./export.ts')).benchExport(images !== undefined ? { images } : {}),
  ui: async () => (await import('./ui.ts')).benchUi(images !== undefined ? { images } : {}),
  // The browser-mode server under load: throughput, latency at 1 250 calls, WebSocket fan-out cost.
  server: async () => (await import('./server.ts')).benchServer(images !== undefined ? { images } : {}),
  // The dataset map: PCA of 100 000 × 1024, UMAP of 10 000 (or --images N), lasso to labeled.
  map: async () => (await import('./map.ts')).benchMap(images !== undefined ? { images } : {}),
};

const names = positionals.length === 0 || positionals.includes('all') ? Object.keys(benches) : positionals;
const unknown = names.filter((n) => !(n in benches));
if (unknown.length) {
  console.error(
    `unknown benchmark ${unknown.join(', ')}; choose from: ${Object.keys(benches).join(', ')}, all`,
  );
  process.exit(2);
}
const results: Record<string, unknown> = {};
for (const name of names) results[name] = await benches[name]!();
console.log(JSON.stringify(names.length === 1 ? results[names[0]!] : results, null, 2));
