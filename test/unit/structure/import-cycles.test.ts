// The core's modules form layers: a module never reaches, through its imports, back to itself.
// A cycle makes load order matter and hides which module a concept belongs to, so every
// import of every src/ file counts here, type-only imports included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../../helpers/serve.ts';
import { tempDir } from '../../helpers/tmp.ts';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Each file (relative to `root`) and the files of `root` it imports; other imports are left out. */
function importGraph(root: string, files: string[]): Map<string, string[]> {
  const known = new Set(files.map((f) => relative(root, f)));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    // preProcessFile reads static, type-only, re-export and dynamic imports, and skips comments.
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = new Set<string>();
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = relative(root, resolve(dirname(file), fileName));
      if (known.has(target)) targets.add(target);
    }
    graph.set(relative(root, file), [...targets].sort());
  }
  return graph;
}

/** One concrete cycle (first file repeated at the end) per strongly connected group of files. */
function findCycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's algorithm: every group of files that reach one another is one cycle to report.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      const selfLoop = graph.get(node)?.includes(node) ?? false;
      if (group.length > 1 || selfLoop) groups.push(group);
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return groups.map((group) => cycleWithin(graph, new Set(group)));
}

/** A shortest path from the group's first file (alphabetically) back to itself, inside the group. */
function cycleWithin(graph: Map<string, string[]>, group: Set<string>): string[] {
  const start = [...group].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of graph.get(node) ?? []) {
      if (!group.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at = node; at !== start; at = previous.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

test('the cycle finder names each cycle as a path and ignores chains', () => {
  const graph = new Map<string, string[]>([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts']],
    ['c.ts', ['a.ts', 'd.ts']],
    ['d.ts', []],
    ['e.ts', ['e.ts']],
    ['f.ts', ['d.ts']],
  ]);
  assert.deepEqual(findCycles(graph), [
    ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
    ['e.ts', 'e.ts'],
  ]);
  assert.deepEqual(
    findCycles(
      new Map([
        ['x.ts', ['y.ts']],
        ['y.ts', []],
      ]),
    ),
    [],
  );
});

test('the import graph sees type-only, re-exported and dynamic imports, not comments', (t) => {
  const dir = tempDir(t);
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const files = [
    write('a.ts', "import type { B } from './b.ts';\nexport type A = B;\n"),
    write('b.ts', "export { c } from './c.ts';\nexport type B = number;\n"),
    write('c.ts', "export const c = () => import('./d.ts');\n"),
    write(
      'd.ts',
      "// import { a } from './a.ts';\nimport { readFileSync } from 'node:fs';\nexport const d = readFileSync;\n",
    ),
  ];
  assert.deepEqual(Object.fromEntries(importGraph(dir, files)), {
    'a.ts': ['b.ts'],
    'b.ts': ['c.ts'],
    'c.ts': ['d.ts'],
    'd.ts': [],
  });
  assert.deepEqual(findCycles(importGraph(dir, files)), []);
  files.push(write('e.ts', "import type { A } from './a.ts';\nexport type E = A;\n"));
  writeFileSync(files[3]!, "export type { E } from './e.ts';\n");
  assert.deepEqual(findCycles(importGraph(dir, files)), [['a.ts', 'b.ts', 'c.ts', 'd.ts', 'e.ts', 'a.ts']]);
});

test('no import cycle among src/ files', () => {
  const graph = importGraph(REPO_ROOT, sourceFiles(join(REPO_ROOT, 'src')));
  assert.ok(graph.size > 50, `only ${graph.size} files found under src/`);
  const cycles = findCycles(graph).map((cycle) => cycle.join(' -> '));
  assert.deepEqual(cycles, [], `import cycles among src/ files:\n${cycles.join('\n')}`);
});
