// src/rpc/ is shared by the Node core, the Electron preload and the browser renderer, so it may
// lean on nothing that only one of them has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../../helpers/serve.ts';

const RPC = join(REPO_ROOT, 'src', 'rpc');
/**
 * What src/rpc may import from outside itself: the error type and what it is built from (the
 * domain layer below the API). Those files are held to the same rule, as imports are followed.
 */
const ALLOWED_OUTSIDE = new Set(['src/domain/errors.ts', 'src/domain/system-errors.ts']);
const allowedOutside = (rel: string): boolean => ALLOWED_OUTSIDE.has(rel) || rel.startsWith('src/domain/');
/** Globals of only one runtime. */
const RUNTIME_GLOBALS = /\b(Buffer|process|NodeJS|require|__dirname|window|document|navigator|WebSocket)\b/;

function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

test('src/rpc imports only itself and the error type, and uses no Node or DOM globals', () => {
  const files = readdirSync(RPC).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 4, files.join(', '));
  const seen = new Set<string>();
  const check = (file: string): void => {
    const rel = relative(REPO_ROOT, file);
    if (seen.has(rel)) return;
    seen.add(rel);
    const code = ts
      .createPrinter({ removeComments: true })
      .printFile(ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest));
    assert.doesNotMatch(code, RUNTIME_GLOBALS, `${rel} uses a global of one runtime only`);
    for (const spec of importsOf(file)) {
      assert.ok(spec.startsWith('.'), `${rel} imports the package ${spec}`);
      const target = resolve(dirname(file), spec);
      const targetRel = relative(REPO_ROOT, target);
      assert.ok(targetRel.startsWith('src/rpc/') || allowedOutside(targetRel), `${rel} imports ${targetRel}`);
      check(target);
    }
  };
  for (const f of files) check(join(RPC, f));
});
