import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import sharp from 'sharp';
import type { ClusterProposal, ImageRow } from '../../../src/api/contract.ts';
import { writeGoogLeNet } from '../../fixtures/googlenet.ts';
import { writeClassTree } from '../../fixtures/images.ts';
import { incept } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { adjustedRand } from '../../unit/map/fixture.ts';
import { ProjectStore } from '../../../src/store/project.ts';

test('CLI: clusters of an unlabeled import find its kinds; map draws a PNG', async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const tree = join(dir, 'photos');
  const files = await writeClassTree(tree, { classes: 3, perClass: 10, size: 96, seed: 5 });
  const model = join(dir, 'googlenet.onnx');
  await writeGoogLeNet(model, { seed: 8 });
  const project = join(dir, 'fresh.incept');
  assert.equal((await incept(['init', project], data)).code, 0);
  const imported = await incept(['import', project, tree], data);
  assert.equal(imported.code, 0, imported.stderr);

  const noModel = await incept(['clusters', project], data);
  assert.equal(noModel.code, 2);
  assert.match(noModel.stderr, /no model yet/);

  assert.equal((await incept(['model', project, '--file', model], data)).code, 0);
  const noFeatures = await incept(['clusters', project], data);
  assert.notEqual(noFeatures.code, 0);
  assert.match(noFeatures.stderr, /None of the 30 images has features yet/);
  assert.equal((await incept(['embed', project], data)).code, 0);

  const clusters = await incept(['clusters', project, '--k', '3', '--json'], data);
  assert.equal(clusters.code, 0, clusters.stderr);
  const proposal = JSON.parse(clusters.stdout) as ClusterProposal;
  assert.equal(proposal.k, 3);
  assert.equal(
    proposal.clusters.reduce((s, c) => s + c.size, 0),
    30,
  );
  const store = ProjectStore.open(project);
  const rows = store.db.prepare('SELECT id, path FROM images').all() as Pick<ImageRow, 'id' | 'path'>[];
  store.close();
  const truthOf = new Map(rows.map((r) => [r.id, files.find((f) => f.path === r.path)!.className]));
  const ids = proposal.clusters.flatMap((c) => c.imageIds);
  const found = proposal.clusters.flatMap((c) => c.imageIds.map(() => c.index));
  const truth = ids.map((id) => ['red-circle', 'green-square', 'blue-triangle'].indexOf(truthOf.get(id)!));
  const ari = adjustedRand(truth, found);
  assert.ok(ari >= 0.9, `adjusted Rand index ${ari}`);

  const auto = await incept(['clusters', project], data);
  assert.equal(auto.code, 0, auto.stderr);
  assert.match(auto.stdout, /groups \(picked by silhouette\)/);

  const badK = await incept(['clusters', project, '--k', 'many'], data);
  assert.equal(badK.code, 2);

  const png = join(dir, 'map.png');
  const drawn = await incept(['map', project, '--out', png, '--size', '600', '--json'], data);
  assert.equal(drawn.code, 0, drawn.stderr);
  assert.equal((JSON.parse(drawn.stdout) as { points: number }).points, 30);
  const meta = await sharp(png).metadata();
  assert.equal(meta.width, 600);
  assert.equal(meta.height, 600);
  // The points are drawn: far more than a blank page's pixels differ from white.
  const { data: px } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let inked = 0;
  for (let i = 0; i < px.length; i += 3) if (px[i]! < 200 || px[i + 1]! < 200 || px[i + 2]! < 200) inked++;
  assert.ok(inked > 30 * 10, `${inked} inked pixels`);

  const umap = await incept(
    ['map', project, '--out', join(dir, 'umap.png'), '--layout', 'umap', '--color', 'split', '--json'],
    data,
  );
  assert.equal(umap.code, 0, umap.stderr);
  assert.equal((JSON.parse(umap.stdout) as { method: string }).method, 'umap');
  t.diagnostic(`map pictures in ${dir}`);
  if (process.env.KEEP_MAP_PNG) {
    const { copyFileSync } = await import('node:fs');
    copyFileSync(png, process.env.KEEP_MAP_PNG);
    copyFileSync(join(dir, 'umap.png'), process.env.KEEP_MAP_PNG.replace(/\.png$/, '-umap.png'));
  }
});
