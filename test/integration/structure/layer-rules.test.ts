// The layers of src/ (docs/CONVENTIONS.md) are enforced by eslint.config.js. These cases lint
// small snippets as if they were files of each layer, so a rule that stops matching (a renamed
// folder, a pattern typo) fails here rather than letting wrong imports through quietly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { REPO_ROOT } from '../../helpers/serve.ts';

const eslint = new ESLint({ cwd: REPO_ROOT, overrideConfigFile: join(REPO_ROOT, 'eslint.config.js') });

/** The messages of `ruleId` for `code` linted as the file at `path` (relative to the repository). */
async function messages(path: string, code: string, ruleId: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(REPO_ROOT, path) });
  assert.ok(result, `no lint result for ${path}`);
  return result.messages.filter((m) => m.ruleId === ruleId).map((m) => m.message);
}

const imports = (path: string, code: string) => messages(path, code, 'no-restricted-imports');
const sql = (path: string, code: string) => messages(path, code, 'no-restricted-syntax');

test('an API handler that imports the store fails lint and is told to use a service', async () => {
  const found = await imports(
    'src/api/handlers/example.ts',
    "import { listClasses } from '../../store/classes.ts';\nexport const x = listClasses;\n",
  );
  assert.equal(found.length, 1);
  assert.match(found[0]!, /src\/services/);
  // Type-only imports count too: the handler would still depend on the store's shapes.
  const typeOnly = await imports(
    'src/api/handlers/example.ts',
    "import type { ProjectStore } from '../../store/project.ts';\nexport type X = ProjectStore;\n",
  );
  assert.equal(typeOnly.length, 1);
  const viaService = await imports(
    'src/api/handlers/example.ts',
    "import { DatasetService } from '../../services/dataset.ts';\nexport const x = DatasetService;\n",
  );
  assert.deepEqual(viaService, []);
});

test('the store imports only src/domain', async () => {
  const found = await imports(
    'src/store/example.ts',
    "import type { ImageRow } from '../api/contract.ts';\nexport type X = ImageRow;\n",
  );
  assert.equal(found.length, 1);
  assert.match(found[0]!, /src\/domain/);
  assert.deepEqual(
    await imports(
      'src/store/example.ts',
      "import { ApiError } from '../domain/errors.ts';\nimport { stmt } from './statements.ts';\nexport const x = [ApiError, stmt];\n",
    ),
    [],
  );
});

test('src/domain imports nothing else of src/', async () => {
  const found = await imports(
    'src/domain/example.ts',
    "import type { ProjectStore } from '../store/project.ts';\nexport type X = ProjectStore;\n",
  );
  assert.equal(found.length, 1);
  assert.deepEqual(
    await imports(
      'src/domain/example.ts',
      "import { SPLITS } from './splits.ts';\nexport const x = SPLITS;\n",
    ),
    [],
  );
});

test('compute libraries reach neither the store, the API, services nor the core', async () => {
  for (const [path, code] of [
    [
      'src/model/example.ts',
      "import { currentModel } from '../store/models.ts';\nexport const x = currentModel;\n",
    ],
    [
      'src/model/engines/example.ts',
      "import { methods } from '../../api/contract.ts';\nexport const x = methods;\n",
    ],
    [
      'src/train/example.ts',
      "import { modelStatus } from '../services/model.ts';\nexport const x = modelStatus;\n",
    ],
    ['src/images/example.ts', "import type { Core } from '../core.ts';\nexport type X = Core;\n"],
  ] as const) {
    assert.equal((await imports(path, code)).length, 1, path);
  }
  assert.deepEqual(
    await imports(
      'src/export/example.ts',
      "import { ApiError } from '../domain/errors.ts';\nimport { INPUT_SIZE } from '../model/preprocess.ts';\nexport const x = [ApiError, INPUT_SIZE];\n",
    ),
    [],
  );
});

test('services, jobs and transports keep to their side', async () => {
  assert.equal(
    (
      await imports(
        'src/services/example.ts',
        "import { methods } from '../api/contract.ts';\nexport const x = methods;\n",
      )
    ).length,
    1,
  );
  assert.equal(
    (
      await imports(
        'src/jobs/example.ts',
        "import { createCoreDispatch } from '../api/handlers.ts';\nexport const x = createCoreDispatch;\n",
      )
    ).length,
    1,
  );
  assert.equal(
    (
      await imports(
        'src/server/example.ts',
        "import { ProjectStore } from '../store/project.ts';\nexport const x = ProjectStore;\n",
      )
    ).length,
    1,
  );
  assert.equal(
    (
      await imports(
        'src/cli/commands/example.ts',
        "import { listRoots } from '../../store/image-writes.ts';\nexport const x = listRoots;\n",
      )
    ).length,
    1,
  );
  assert.deepEqual(
    await imports(
      'src/services/example.ts',
      "import { listRoots } from '../store/image-writes.ts';\nexport const x = listRoots;\n",
    ),
    [],
  );
});

test('statements and transactions on a database outside src/store fail lint', async () => {
  const prepare =
    "export function f(db: { prepare(s: string): unknown }) {\n  return db.prepare('SELECT 1');\n}\n";
  const nested =
    'export function f(project: { db: { transaction(fn: () => void): () => void } }) {\n  project.db.transaction(() => {})();\n}\n';
  for (const path of ['src/services/example.ts', 'src/jobs/example.ts', 'src/api/handlers/example.ts']) {
    assert.equal((await sql(path, prepare)).length, 1, path);
    assert.equal((await sql(path, nested)).length, 1, path);
  }
  assert.deepEqual(await sql('src/store/example.ts', prepare), []);
  // Other `.exec` calls (a regular expression) are not database calls.
  assert.deepEqual(await sql('src/services/example.ts', "export const m = /a(b)/.exec('ab');\n"), []);
});
