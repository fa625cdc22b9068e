/// <reference types="svelte" />
// The class list reloads after every label change (its counts change). What draws with class
// colours reads `byId`: a reload that changed only counts must not hand it a new map, or the
// map view recolours and redraws all its points a second time after each lasso labeling.
import '../../helpers/svelte-runes.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Api, ClassInfo } from '../../../src/api/contract.ts';

const { ClassesState } = await import('../../../renderer/src/lib/classes.svelte.ts');
const { Notices } = await import('../../../renderer/src/lib/notices.svelte.ts');

const cls = (id: number, patch: Partial<ClassInfo> = {}): ClassInfo => ({
  id,
  name: `class ${id}`,
  color: '#112233',
  order: id,
  key: String(id),
  count: 0,
  ...patch,
});

function backend(first: ClassInfo[]) {
  let answer = first;
  const api = {
    call: async (method: string) => {
      assert.equal(method, 'classes.list');
      return answer;
    },
    on: () => () => undefined,
  } as unknown as Api;
  return { api, answer: (next: ClassInfo[]) => (answer = next) };
}

test('a reload that changed only counts keeps byId; the list has the new counts', async () => {
  const b = backend([cls(1), cls(2)]);
  const classes = new ClassesState(b.api, new Notices());
  await classes.load();
  const before = classes.byId;
  assert.equal(before.get(2)?.name, 'class 2');

  b.answer([cls(1, { count: 7 }), cls(2, { count: 3 })]);
  await classes.load();
  assert.equal(classes.byId, before, 'same map: nothing drawn with class colours changes');
  assert.deepEqual(
    classes.list.map((c) => c.count),
    [7, 3],
  );
});

test('a new name, colour, key, order or class gives a new byId', async () => {
  const changes: [string, ClassInfo[]][] = [
    ['name', [cls(1, { name: 'cats' }), cls(2)]],
    ['colour', [cls(1, { name: 'cats', color: '#ff0000' }), cls(2)]],
    ['key', [cls(1, { name: 'cats', color: '#ff0000', key: null }), cls(2)]],
    ['order', [cls(1, { name: 'cats', color: '#ff0000', key: null, order: 5 }), cls(2)]],
    ['a class more', [cls(1, { name: 'cats', color: '#ff0000', key: null, order: 5 }), cls(2), cls(3)]],
    ['a class less', [cls(2), cls(3)]],
  ];
  const b = backend([cls(1), cls(2)]);
  const classes = new ClassesState(b.api, new Notices());
  await classes.load();
  for (const [what, list] of changes) {
    const before = classes.byId;
    b.answer(list);
    await classes.load();
    assert.notEqual(classes.byId, before, what);
    assert.deepEqual([...classes.byId.values()], list, what);
  }
});
