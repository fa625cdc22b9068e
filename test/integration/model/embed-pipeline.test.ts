/**
 * Decoding runs ahead of inference by the requested number of batches (so a fast engine is not
 * starved), no further (so memory stays bounded), and every image comes out once, in order.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { embedImages } from '../../../src/model/embed.ts';
import { IMAGE_VALUES, type Engine } from '../../../src/model/engines/types.ts';
import { CLASS_STYLES, shapeImage } from '../../fixtures/images.ts';
import { tempDir } from '../../helpers/tmp.ts';

/** An image list that records which batches were taken out for decoding. */
class WatchedList extends Array<string> {
  taken = 0;
  override slice(start?: number, end?: number): string[] {
    this.taken++;
    return [...this].slice(start, end);
  }
}

/** Sums each image's input, so the output proves which image went where. */
function summingEngine(onCall: () => void): Engine {
  const features = async (input: Float32Array, n: number): Promise<Float32Array> => {
    onCall();
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++)
      out[i] = input.subarray(i * IMAGE_VALUES, (i + 1) * IMAGE_VALUES).reduce((a, b) => a + b, 0);
    return out;
  };
  return {
    name: 'onnxruntime',
    label: 'sum',
    featureSize: 1,
    numClasses: 1,
    features,
    probabilities: features,
    infer: async (x, n) => ({ features: await features(x, n), probabilities: await features(x, n) }),
    dispose: async () => {},
  };
}

for (const ahead of [1, 3]) {
  test(`with ahead=${ahead}, ${ahead} batches are decoding while the engine runs one`, async (t) => {
    const dir = tempDir(t);
    const list = new WatchedList();
    for (let i = 0; i < 9; i++) {
      const p = join(dir, `i${i}.jpg`);
      writeFileSync(p, await shapeImage(CLASS_STYLES[i % 3]!, 100 + i, 64));
      list.push(p);
    }
    const takenAtCall: number[] = [];
    const engine = summingEngine(() => takenAtCall.push(list.taken));
    const sums: number[] = [];
    const order: number[] = [];
    for await (const b of embedImages(engine, list, { batchSize: 2, ahead })) {
      order.push(...b.indices);
      sums.push(...b.features);
    }
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    // At the k-th engine call, batches k..k+ahead have been handed to the decoder (5 batches in all).
    assert.deepEqual(
      takenAtCall,
      takenAtCall.map((_, k) => Math.min(5, k + 1 + ahead)),
    );
    const single = [];
    for await (const b of embedImages(engine, list.slice(4, 5), { batchSize: 1 })) single.push(...b.features);
    assert.equal(single[0], sums[4]);
  });
}
