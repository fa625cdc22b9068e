import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StoredPrediction } from '../../../src/domain/training.ts';
import type { ImageRow, MethodArgs } from '../../../src/api/contract.ts';
import { ApiError } from '../../../src/domain/errors.ts';
import { parseArgs } from '../../../src/api/dispatch.ts';
import { createClass } from '../../../src/store/classes.ts';
import { isLikelyMislabeled } from '../../../src/domain/mislabeled-rule.ts';
import { mapPoints } from '../../../src/services/map.ts';
import { queryImages } from '../../../src/store/images.ts';
import { setLabels } from '../../../src/store/labels.ts';
import { ProjectStore } from '../../../src/store/project.ts';
import {
  insertRun,
  queryPredictions,
  setCurrentRun,
  suggestionsToAccept,
  type DuplicateInsert,
  type NewRun,
} from '../../../src/store/runs.ts';
import { tempDir } from '../../helpers/tmp.ts';

type Args = MethodArgs<'images.query'>;

interface Fixture {
  project: ProjectStore;
  /** Image ids by name: u* unlabeled, l* labeled, plus "gone" (missing file) and "late" (no prediction). */
  id: Record<string, number>;
  classes: { cat: number; dog: number; bird: number };
  modelId: number;
}

function newProject(t: { after(fn: () => void): void }): ProjectStore {
  const project = ProjectStore.create(join(tempDir(t), 'p.incept'));
  t.after(() => project.close());
  return project;
}

function addImage(project: ProjectStore, name: string, status: 'ok' | 'missing' = 'ok'): number {
  const { lastInsertRowid } = project.db
    .prepare(
      `INSERT INTO images (path, name, hash, bytes, mtime_ms, status, split, added_at)
       VALUES (?, ?, ?, 1, 0, ?, 'train', '2024-01-01T00:00:00.000Z')`,
    )
    .run(`/photos/${name}.jpg`, `${name}.jpg`, `hash-${name}`, status);
  return Number(lastInsertRowid);
}

function addModel(project: ProjectStore): number {
  const { lastInsertRowid } = project.db
    .prepare(
      `INSERT INTO models (sha256, name, source, bytes, description, added_at)
       VALUES ('abc', 'googlenet', 'file', 1, '{}', '2024-01-01T00:00:00.000Z')`,
    )
    .run();
  return Number(lastInsertRowid);
}

function newRun(modelId: number, classes: { id: number; name: string }[]): NewRun {
  const split = { accuracy: 1, loss: 0, macroF1: 1, perClass: [], confusion: [], cells: [], count: 0 };
  return {
    modelId,
    createdAt: '2024-01-02T00:00:00.000Z',
    durationMs: 1,
    settings: {} as NewRun['settings'],
    classes,
    labelsHash: 'x',
    snapshot: [],
    weights: new Float32Array(classes.length),
    bias: new Float32Array(classes.length),
    metrics: { train: split, validation: null, history: [], bestEpoch: 0, flags: [] },
  };
}

/**
 * A prediction of class index `c`; `oof` is the out-of-fold [class index, probability, the
 * label's probability] of a labeled image (the last null as in runs stored before it was kept).
 */
function pred(
  imageId: number,
  c: number,
  probability: number,
  margin: number,
  oof: [number, number, (number | null)?] | null = null,
): StoredPrediction {
  return {
    imageId,
    classIndex: c,
    probability,
    margin,
    probs: new Float32Array([probability, 1 - probability, 0]),
    oofClassIndex: oof?.[0] ?? null,
    oofProbability: oof?.[1] ?? null,
    oofLabelProbability: oof?.[2] ?? null,
  };
}

/**
 * Unlabeled u1..u6, labeled l1..l7, a missing file with a prediction and an image added after
 * training. The run's class order is [dog, cat, bird] on purpose: out-of-fold class indexes
 * must go through the run's classes, not the class ids.
 */
function setup(t: { after(fn: () => void): void }): Fixture & { runId: number } {
  const project = newProject(t);
  const id: Record<string, number> = {};
  for (const name of ['u1', 'l1', 'u2', 'l2', 'u3', 'l3', 'u4', 'l4', 'u5', 'l5', 'u6', 'l6', 'l7', 'l8'])
    id[name] = addImage(project, name);
  id.gone = addImage(project, 'gone', 'missing');
  const cat = createClass(project.db, { name: 'cat' }).id;
  const dog = createClass(project.db, { name: 'dog' }).id;
  const bird = createClass(project.db, { name: 'bird' }).id;
  setLabels(project.db, [id.l1!, id.l2!, id.l3!, id.l4!, id.l8!], cat);
  setLabels(project.db, [id.l5!, id.l6!, id.l7!], dog);
  const modelId = addModel(project);
  const DOG = 0;
  const CAT = 1;
  const BIRD = 2;
  const predictions = [
    pred(id.u1!, CAT, 0.6, 0.2),
    pred(id.u2!, DOG, 0.9, 0.8),
    pred(id.u3!, BIRD, 0.5, 0.05),
    pred(id.u4!, CAT, 0.75, 0.2), // the same margin as u1: the image id breaks the tie
    pred(id.u5!, DOG, 0.95, 0.9),
    pred(id.u6!, CAT, 0.4, 0.01),
    pred(id.gone!, CAT, 0.5, 0.0), // missing file: never a suggestion
    // Labeled cat; out of fold the model says...
    pred(id.l1!, CAT, 0.9, 0.8, [DOG, 0.95]), // dog, surely (label's probability not kept): mislabeled
    pred(id.l2!, CAT, 0.9, 0.8, [CAT, 0.99, 0.99]), // cat: agrees
    pred(id.l3!, CAT, 0.9, 0.8, [BIRD, 0.7, 0.1]), // bird at exactly the threshold: mislabeled
    pred(id.l4!, CAT, 0.9, 0.8, [DOG, 0.69, 0.1]), // dog, not sure enough
    pred(id.l8!, CAT, 0.9, 0.8, [DOG, 0.8, 0.16]), // dog, but cat keeps a real chance: not flagged
    // Labeled dog.
    pred(id.l5!, DOG, 0.9, 0.8, [CAT, 0.8, 0.15]), // cat, the label at its limit: mislabeled
    pred(id.l6!, DOG, 0.9, 0.8, [CAT, 0.8, 0.05]), // cat, same probability: id order
    pred(id.l7!, DOG, 0.9, 0.8, null), // no out-of-fold prediction (class too small)
  ];
  const duplicates: DuplicateInsert[] = [
    { a: id.u1!, b: id.l1!, similarity: 0.95, leak: true },
    { a: id.u3!, b: id.u4!, similarity: 0.99, leak: false },
    { a: id.l1!, b: id.l5!, similarity: 0.97, leak: true },
    { a: id.l2!, b: id.u6!, similarity: 0.96, leak: false },
  ];
  const runId = insertRun(
    project,
    newRun(modelId, [
      { id: dog, name: 'dog' },
      { id: cat, name: 'cat' },
      { id: bird, name: 'bird' },
    ]),
    predictions,
    duplicates,
  );
  id.late = addImage(project, 'late');
  return { project, id, classes: { cat, dog, bird }, modelId, runId };
}

function query(project: ProjectStore, args: Args) {
  return queryImages(project.db, parseArgs('images.query', args));
}
const ids = (items: ImageRow[]) => items.map((r) => r.id);

/** Every page of a filter, `limit` at a time; checks that each page reports the same total. */
function allPages(project: ProjectStore, args: Args, limit: number): { total: number; ids: number[] } {
  const first = query(project, { ...args, limit });
  const out = ids(first.items);
  for (let offset = limit; offset < first.total + limit; offset += limit) {
    const page = query(project, { ...args, offset, limit });
    assert.equal(page.total, first.total, `the total at offset ${offset}`);
    assert.equal(page.offset, offset);
    out.push(...ids(page.items));
  }
  return { total: first.total, ids: out };
}

test('suggestions: unlabeled images with a prediction, most uncertain or most confident first', (t) => {
  const { project, id, classes } = setup(t);
  const uncertain = [id.u6, id.u3, id.u1, id.u4, id.u2, id.u5];
  const confident = [id.u5, id.u2, id.u4, id.u1, id.u3, id.u6];
  const page = query(project, { filter: { kind: 'suggestions' } });
  assert.deepEqual(ids(page.items), uncertain);
  assert.equal(page.total, 6);
  assert.deepEqual(
    ids(query(project, { filter: { kind: 'suggestions', order: 'uncertain' } }).items),
    uncertain,
  );
  assert.deepEqual(
    ids(query(project, { filter: { kind: 'suggestions', order: 'confident' } }).items),
    confident,
  );

  // Two at a time: the pages join up into the whole list.
  assert.deepEqual(allPages(project, { filter: { kind: 'suggestions' } }, 2), { total: 6, ids: uncertain });
  assert.deepEqual(allPages(project, { filter: { kind: 'suggestions', order: 'confident' } }, 4), {
    total: 6,
    ids: confident,
  });
  assert.deepEqual(query(project, { filter: { kind: 'suggestions' }, offset: 6 }).items, []);

  const sure = query(project, { filter: { kind: 'suggestions', minProbability: 0.75 } });
  assert.deepEqual(ids(sure.items), [id.u4, id.u2, id.u5], 'at least 75%, still most uncertain first');
  assert.equal(sure.total, 3);
  assert.equal(query(project, { filter: { kind: 'suggestions', minProbability: 1 } }).total, 0);

  // The same list predictions.query gives the suggestion queue.
  for (const order of ['uncertain', 'confident'] as const) {
    for (const minProbability of [0, 0.55]) {
      const queue = queryPredictions(project, {
        kind: 'suggestions',
        order,
        minProbability,
        offset: 0,
        limit: 1000,
      });
      const grid = query(project, { filter: { kind: 'suggestions', order, minProbability }, limit: 1000 });
      assert.deepEqual(
        ids(grid.items),
        queue.items.map((p) => p.imageId),
        `${order} ≥ ${minProbability}`,
      );
      assert.equal(grid.total, queue.total);
    }
  }

  // A suggestion disappears from the filter once labeled.
  setLabels(project.db, [id.u3!], classes.bird);
  assert.deepEqual(ids(query(project, { filter: { kind: 'suggestions' } }).items), [
    id.u6,
    id.u1,
    id.u4,
    id.u2,
    id.u5,
  ]);
});

test('mislabeled: out of fold another class at 70% or more and the label at 15% or less, surest first', (t) => {
  const { project, id, classes } = setup(t);
  const expected = [id.l1, id.l5, id.l6, id.l3];
  const page = query(project, { filter: { kind: 'mislabeled' } });
  assert.deepEqual(ids(page.items), expected);
  assert.equal(page.total, 4);
  assert.deepEqual(allPages(project, { filter: { kind: 'mislabeled' } }, 3), { total: 4, ids: expected });
  assert.deepEqual(ids(query(project, { filter: { kind: 'mislabeled', minProbability: 0.8 } }).items), [
    id.l1,
    id.l5,
    id.l6,
  ]);
  assert.deepEqual(
    ids(query(project, { filter: { kind: 'mislabeled', minProbability: 0.2 } }).items),
    expected,
    'a lower minimum does not go below the 70% that makes a label suspect',
  );

  for (const minProbability of [0, 0.8, 0.9]) {
    const queue = queryPredictions(project, {
      kind: 'mislabeled',
      order: 'uncertain',
      minProbability,
      offset: 0,
      limit: 1000,
    });
    const grid = query(project, { filter: { kind: 'mislabeled', minProbability }, limit: 1000 });
    assert.deepEqual(
      ids(grid.items),
      queue.items.map((p) => p.imageId),
      `the same list as predictions.query ≥ ${minProbability}`,
    );
    assert.equal(grid.total, queue.total);
    // Both show the held-out prediction that put the image on the list.
    for (const [i, item] of queue.items.entries()) {
      assert.equal(item.probability, grid.items[i]!.outOfFold!.probability);
      assert.equal(item.predictedClassId, grid.items[i]!.outOfFold!.classId);
    }
  }

  // The rows carry the label and the current run's (in-fold) prediction, mapped to class ids.
  const first = page.items[0]!;
  assert.equal(first.classId, classes.cat);
  assert.deepEqual(first.prediction, { classId: classes.cat, probability: first.prediction!.probability });
  assert.ok(Math.abs(first.prediction!.probability - 0.9) < 1e-6);

  // Relabeling l1 as what the model says takes it off the list.
  setLabels(project.db, [id.l1!], classes.dog);
  assert.deepEqual(ids(query(project, { filter: { kind: 'mislabeled' } }).items), [id.l5, id.l6, id.l3]);
});

test('duplicates: leaks first, then the most similar, pairs side by side, each image once', (t) => {
  const { project, id } = setup(t);
  // Pairs in order: (l1, l5) leak .97, (u1, l1) leak .95, (u3, u4) .99, (l2, u6) .96.
  // l1 already stands beside l5, so u1 follows on its own.
  const expected = [id.l1, id.l5, id.u1, id.u3, id.u4, id.l2, id.u6];
  const page = query(project, { filter: { kind: 'duplicates' } });
  assert.deepEqual(ids(page.items), expected);
  assert.equal(page.total, 7);
  assert.equal(new Set(ids(page.items)).size, 7);
  for (const limit of [1, 2, 3])
    assert.deepEqual(allPages(project, { filter: { kind: 'duplicates' } }, limit), {
      total: 7,
      ids: expected,
    });
});

test('the prediction kinds keep their own order whatever the sort, and search narrows them', (t) => {
  const { project, id } = setup(t);
  for (const kind of ['suggestions', 'mislabeled', 'duplicates'] as const) {
    const plain = ids(query(project, { filter: { kind } }).items);
    for (const sort of ['added', 'path', 'name'] as const)
      for (const order of ['asc', 'desc'] as const)
        assert.deepEqual(
          ids(query(project, { filter: { kind }, sort, order }).items),
          plain,
          `${kind} ${sort}`,
        );
  }
  // Paths are /photos/<name>.jpg: "/u" matches the unlabeled images only.
  const search = (kind: 'suggestions' | 'mislabeled' | 'duplicates', text: string) => {
    const page = query(project, { filter: { kind, search: text } });
    return { total: page.total, ids: ids(page.items) };
  };
  assert.deepEqual(search('suggestions', '/U'), {
    total: 6,
    ids: [id.u6, id.u3, id.u1, id.u4, id.u2, id.u5],
  });
  assert.deepEqual(search('suggestions', 'u1.'), { total: 1, ids: [id.u1] });
  assert.deepEqual(search('mislabeled', 'l5'), { total: 1, ids: [id.l5] });
  assert.deepEqual(search('duplicates', '/u'), { total: 4, ids: [id.u1, id.u3, id.u4, id.u6] });
  assert.deepEqual(search('duplicates', '%'), { total: 0, ids: [] });
});

test('the prediction kinds follow the current run, and are empty (not an error) without one', (t) => {
  const project = newProject(t);
  const a = addImage(project, 'a');
  const b = addImage(project, 'b');
  for (const kind of ['suggestions', 'mislabeled', 'duplicates'] as const) {
    const page = query(project, { filter: { kind } });
    assert.deepEqual(page, { total: 0, offset: 0, items: [] }, kind);
  }
  assert.throws(
    () =>
      queryPredictions(project, {
        kind: 'suggestions',
        order: 'uncertain',
        minProbability: 0,
        offset: 0,
        limit: 10,
      }),
    (err: unknown) => err instanceof ApiError && err.code === 'precondition',
    'predictions.query still says to train first',
  );

  const cat = createClass(project.db, { name: 'cat' }).id;
  const modelId = addModel(project);
  const classes = [{ id: cat, name: 'cat' }];
  const first = insertRun(
    project,
    newRun(modelId, classes),
    [pred(a, 0, 0.9, 0.9), pred(b, 0, 0.8, 0.1)],
    [{ a, b, similarity: 0.99, leak: false }],
  );
  const second = insertRun(project, newRun(modelId, classes), [pred(a, 0, 0.9, 0.05)], []);
  assert.deepEqual(ids(query(project, { filter: { kind: 'suggestions' } }).items), [a], 'the newest run');
  assert.equal(query(project, { filter: { kind: 'duplicates' } }).total, 0);
  setCurrentRun(project, first);
  assert.deepEqual(ids(query(project, { filter: { kind: 'suggestions' } }).items), [b, a]);
  assert.deepEqual(ids(query(project, { filter: { kind: 'duplicates' } }).items), [a, b]);
  setCurrentRun(project, second);
  assert.deepEqual(ids(query(project, { filter: { kind: 'suggestions' } }).items), [a]);
});

test('order and minProbability are refused on kinds they do not apply to', () => {
  const bad: Args[] = [
    { filter: { kind: 'all', order: 'confident' } },
    { filter: { kind: 'mislabeled', order: 'uncertain' } },
    { filter: { kind: 'duplicates', minProbability: 0.5 } },
    { filter: { kind: 'unlabeled', minProbability: 0.5 } },
    { filter: { kind: 'suggestions', minProbability: 1.5 } },
  ];
  for (const args of bad)
    assert.throws(
      () => parseArgs('images.query', args),
      (err: unknown) => err instanceof ApiError && err.code === 'invalid_args',
      JSON.stringify(args),
    );
});

test('the grid, the queue and the map flag exactly the images the rule names, on the same rows', (t) => {
  const project = newProject(t);
  const classes = ['a', 'b', 'c'].map((name) => createClass(project.db, { name }).id);
  const modelId = addModel(project);
  // Seeded rows around both limits, stored as float32 the way training stores them.
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const near = [0.05, 0.1, 0.14, 0.15, 0.16, 0.3, 0.6, 0.69, 0.7, 0.71, 0.8, 0.85, 0.9, 0.99];
  const pick = () => (rand() < 0.7 ? near[Math.floor(rand() * near.length)]! : rand());
  const rows: { id: number; label: number; oof: [number, number, number | null] }[] = [];
  const predictions: StoredPrediction[] = [];
  for (let i = 0; i < 300; i++) {
    const id = addImage(project, `r${i}`);
    const label = Math.floor(rand() * 3);
    setLabels(project.db, [id], classes[label]!);
    const top = Math.floor(rand() * 3);
    const p = Math.fround(pick());
    const lp = top === label ? p : rand() < 0.1 ? null : Math.fround(Math.min(1 - p, pick()));
    rows.push({ id, label, oof: [top, p, lp] });
    predictions.push(pred(id, label, 0.9, 0.5, [top, p, lp]));
  }
  insertRun(
    project,
    newRun(
      modelId,
      classes.map((id, i) => ({ id, name: 'abc'[i]! })),
    ),
    predictions,
  );
  const hashes = rows.map((r) => `hash-r${rows.indexOf(r)}`);
  const layout = {
    method: 'pca' as const,
    key: 'k',
    hashes,
    coords: new Float32Array(hashes.length * 2),
    seconds: 0,
    createdAt: '',
    placed: 0,
  };
  const points = mapPoints(project.db, layout, { offset: 0, limit: 1000, umap: null as never });
  const pointIds = new Int32Array(new Uint8Array(Buffer.from(points.ids, 'base64')).buffer);
  const pointFlags = new Uint8Array(Buffer.from(points.mislabeled, 'base64'));
  const onMap = new Set([...pointIds].filter((_, i) => pointFlags[i] === 1));
  for (const minProbability of [0, 0.8, 0.9]) {
    const expected = rows
      .filter((r) =>
        isLikelyMislabeled(
          r.label,
          { predicted: r.oof[0], probability: r.oof[1], labelProbability: r.oof[2] },
          minProbability,
        ),
      )
      .map((r) => r.id)
      .sort((a, b) => a - b);
    assert.ok(expected.length >= 10 && expected.length < rows.length / 2, `${expected.length} flagged`);
    const grid = query(project, { filter: { kind: 'mislabeled', minProbability }, limit: 1000 });
    const queue = queryPredictions(project, {
      kind: 'mislabeled',
      order: 'uncertain',
      minProbability,
      offset: 0,
      limit: 1000,
    });
    assert.deepEqual(
      ids(grid.items).sort((a, b) => a - b),
      expected,
      `grid ≥ ${minProbability}`,
    );
    assert.deepEqual(
      queue.items.map((p) => p.imageId).sort((a, b) => a - b),
      expected,
      `queue ≥ ${minProbability}`,
    );
    if (minProbability === 0)
      assert.deepEqual(
        [...onMap].sort((a, b) => a - b),
        expected,
        'the map colours the same images',
      );
  }
});

test('a threshold counts predictions stored as float32 at that value', (t) => {
  const project = newProject(t);
  const cat = createClass(project.db, { name: 'cat' }).id;
  const a = addImage(project, 'a');
  const b = addImage(project, 'b');
  const c = addImage(project, 'c');
  const modelId = addModel(project);
  // Training stores float32: 0.9 arrives as 0.899999976…, below the double 0.9.
  const f = Math.fround;
  insertRun(project, newRun(modelId, [{ id: cat, name: 'cat' }]), [
    pred(a, 0, f(0.9), 0.5),
    pred(b, 0, f(0.55), 0.1),
    pred(c, 0, f(0.4), 0.05),
  ]);
  const queue = (minProbability: number) =>
    queryPredictions(project, {
      kind: 'suggestions',
      order: 'uncertain',
      minProbability,
      offset: 0,
      limit: 10,
    })
      .items.map((p) => p.imageId)
      .sort((x, y) => x - y);
  const grid = (minProbability: number) =>
    ids(query(project, { filter: { kind: 'suggestions', minProbability } }).items).sort((x, y) => x - y);
  const accepted = (minProbability: number) =>
    suggestionsToAccept(project, { minProbability })
      .map((p) => p.imageId)
      .sort((x, y) => x - y);
  for (const [min, expected] of [
    [0.9, [a]],
    [0.55, [a, b]],
    [0, [a, b, c]],
    [1, []],
  ] as const) {
    assert.deepEqual(queue(min), expected, `predictions.query ≥ ${min}`);
    assert.deepEqual(grid(min), expected, `images.query ≥ ${min}`);
    assert.deepEqual(accepted(min), expected, `suggestions.accept ≥ ${min}`);
  }
});

test('predictions.query lists the pairs of exactly the images the duplicates filter shows', (t) => {
  const { project } = setup(t);
  const grid = query(project, { filter: { kind: 'duplicates' }, limit: 1000 });
  const pairs = queryPredictions(project, {
    kind: 'duplicates',
    order: 'uncertain',
    minProbability: 0,
    offset: 0,
    limit: 1000,
  });
  const fromPairs = new Set(pairs.items.flatMap((p) => [p.imageId, p.duplicateOf!]));
  assert.deepEqual(
    [...fromPairs].sort((a, b) => a - b),
    ids(grid.items).sort((a, b) => a - b),
  );
});
