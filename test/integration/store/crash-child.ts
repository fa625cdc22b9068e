/**
 * Child process of crash.test.ts: imports a folder and, meanwhile, labels images one by one,
 * printing "ack <imageId> <classId>" on stdout only after each labels.set call returned. The
 * parent kills it with SIGKILL part-way.
 *
 *   node --import tsx crash-child.ts <project> <folder> <data-dir>
 */
import { writeSync } from 'node:fs';
import { createCoreDispatch } from '../../../src/api/handlers.ts';
import { Core } from '../../../src/core.ts';

const [project, folder, dataDir] = process.argv.slice(2) as [string, string, string];
const core = new Core({ dataDir });
const call = createCoreDispatch(core);
const say = (line: string): void => void writeSync(1, `${line}\n`);

await call('project.open', { path: project });
const a = (await call('classes.create', { name: 'a' })) as { id: number };
const b = (await call('classes.create', { name: 'b' })) as { id: number };
const { jobId } = (await call('import.start', { folder })) as { jobId: string };
say(`import ${jobId}`);
void core.jobs.wait(jobId).then(() => say('import-done'));

for (let n = 0; ; n++) {
  const page = (await call('images.query', { limit: 50, order: 'desc' })) as { items: { id: number }[] };
  if (page.items.length === 0) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    continue;
  }
  const id = page.items[n % page.items.length]!.id;
  const classId = n % 2 ? a.id : b.id;
  await call('labels.set', { imageIds: [id], classId });
  say(`ack ${id} ${classId}`);
  // Yield to the import between labels, as a person's key presses would.
  await new Promise((resolve) => setImmediate(resolve));
}
