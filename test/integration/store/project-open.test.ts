import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { ApiError } from '../../../src/domain/errors.ts';
import { latestVersion } from '../../../src/store/migrate.ts';
import { ProjectStore } from '../../../src/store/project.ts';
import { writeClassTree } from '../../fixtures/images.ts';
import { INCEPT_BIN, REPO_ROOT } from '../../helpers/serve.ts';
import { tempDir } from '../../helpers/tmp.ts';

/**
 * Permissions don't bind root, so as root the CLI runs as `nobody`: the read-only cases are
 * then real (the kernel refuses the writes), not simulated.
 */
const asRoot = process.getuid?.() === 0;
const OTHER_UID = 65534;

function incept(args: string[], dataDir: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [INCEPT_BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, INCEPT_DATA_DIR: dataDir, HOME: dataDir },
    encoding: 'utf8',
    timeout: 60_000,
    ...(asRoot ? { uid: OTHER_UID, gid: OTHER_UID } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A folder both this process and the other account can use. */
function sharedDir(t: { after(fn: () => void): void }): string {
  const dir = tempDir(t);
  chmodSync(dir, 0o777);
  t.after(() => chmodTree(dir));
  return dir;
}

function chmodTree(dir: string): void {
  if (!existsSync(dir)) return;
  chmodSync(dir, 0o777);
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) chmodTree(p);
  }
}

/** A project with 2 classes × 2 images, imported with folder labels, closed cleanly. */
async function makeProject(dir: string): Promise<{ path: string; photos: string; data: string }> {
  const photos = join(dir, 'photos');
  await writeClassTree(photos, { classes: 2, perClass: 2, size: 32 });
  const folder = join(dir, 'proj');
  mkdirSync(folder);
  const path = join(folder, 'p.incept');
  const data = join(dir, 'data');
  mkdirSync(data);
  chmodSync(data, 0o777);
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [INCEPT_BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, INCEPT_DATA_DIR: join(dir, 'owner-data') },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
  };
  run(['init', path]);
  run(['import', path, photos, '--labels-from-folders']);
  chmodTree(photos);
  for (const f of readdirSync(folder)) chmodSync(join(folder, f), 0o644);
  return { path, photos, data };
}

test('a newer project with a hot write-ahead log is refused and left exactly as it was', (t) => {
  const dir = sharedDir(t);
  const source = ProjectStore.create(join(dir, 'newer.incept'));
  source.close();
  // A newer app wrote and is still running (or was killed): its changes sit in the log.
  const writer = new BetterSqlite3(join(dir, 'newer.incept'));
  writer.pragma('wal_autocheckpoint = 0');
  writer.exec("INSERT INTO project_settings (key, value) VALUES ('from_newer_app', '1')");
  writer.pragma(`user_version = ${latestVersion() + 5}`);
  const path = join(dir, 'copy.incept');
  for (const suffix of ['', '-wal', '-shm'])
    copyFileSync(join(dir, `newer.incept${suffix}`), `${path}${suffix}`);
  writer.close();
  assert.ok(statSync(`${path}-wal`).size > 0, 'the log holds the changes');
  const before = [sha(path), sha(`${path}-wal`)];

  assert.throws(
    () => ProjectStore.open(path),
    (err: unknown) =>
      err instanceof ApiError && err.code === 'newer_schema' && /not changed/.test(err.message),
  );
  const status = incept(['status', path], join(dir, 'data'));
  assert.equal(status.code, 2, status.stderr);
  assert.match(status.stderr, /newer version of Incept/);
  assert.ok(existsSync(`${path}-wal`) && existsSync(`${path}-shm`), 'the log and its index are still there');
  assert.deepEqual([sha(path), sha(`${path}-wal`)], before);
});

test('a project in a read-only folder opens read-only: status and export work, changes say why not', async (t) => {
  const dir = sharedDir(t);
  const { path, photos, data } = await makeProject(dir);
  const folder = join(dir, 'proj');
  chmodSync(folder, 0o555);
  const before = sha(path);
  const listing = readdirSync(folder).sort();

  const status = incept(['status', path, '--json'], data);
  assert.equal(status.code, 0, status.stderr);
  const counts = JSON.parse(status.stdout) as {
    total: number;
    labeled: number;
    project: { readOnly: string };
  };
  assert.equal(counts.total, 4);
  assert.equal(counts.labeled, 4);
  assert.match(counts.project.readOnly, /read-only/);

  // Browsing: thumbnails are made even though the cache folder beside the project can't be.
  const thumb = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const { ProjectStore } = await import(${JSON.stringify(join(REPO_ROOT, 'src/store/project.ts'))});
       const { resolveImageRequest } = await import(${JSON.stringify(join(REPO_ROOT, 'src/services/image-request.ts'))});
       const p = ProjectStore.open(${JSON.stringify(path)});
       const img = await resolveImageRequest(p, '1/thumb');
       console.log(img.contentType, img.body.length);
       p.close();`,
    ],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, HOME: data },
      ...(asRoot ? { uid: OTHER_UID, gid: OTHER_UID } : {}),
    },
  );
  assert.equal(thumb.status, 0, thumb.stderr);
  assert.match(thumb.stdout, /^image\/\w+ [1-9]\d*/);

  const out = join(dir, 'export');
  const exp = incept(['export-dataset', path, '--format', 'folders', '--out', out], data);
  assert.equal(exp.code, 0, exp.stderr);
  assert.equal(readdirSync(out).length, 2);

  const csv = join(dir, 'labels.csv');
  writeFileSync(
    csv,
    `path,label\n${join(photos, readdirSync(photos)[0]!, readdirSync(join(photos, readdirSync(photos)[0]!))[0]!)},other\n`,
  );
  chmodSync(csv, 0o644);
  for (const args of [
    ['label', path, '--csv', csv],
    ['rescan', path],
  ]) {
    const r = incept(args, data);
    assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, /read-only/);
    assert.ok(r.stderr.includes(path), 'the message names the project');
    assert.match(r.stderr, /copy the project/);
    assert.doesNotMatch(r.stderr, /attempt to write/);
  }
  assert.equal(sha(path), before);
  assert.deepEqual(readdirSync(folder).sort(), listing, 'no journal files appeared');
});

test('a read-only project file in a writable folder leaves no journal files behind', async (t) => {
  const dir = sharedDir(t);
  const { path, photos, data } = await makeProject(dir);
  const folder = join(dir, 'proj');
  chmodSync(folder, 0o777);
  chmodSync(path, 0o444);
  const before = sha(path);

  const status = incept(['status', path], data);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /Images: 4/);
  const rescan = incept(['rescan', path], data);
  assert.equal(rescan.code, 2);
  assert.match(rescan.stderr, /read-only/);
  const csv = join(dir, 'labels.csv');
  const first = join(photos, readdirSync(photos)[0]!);
  writeFileSync(csv, `path,label\n${join(first, readdirSync(first)[0]!)},other\n`);
  chmodSync(csv, 0o644);
  const label = incept(['label', path, '--csv', csv], data);
  assert.equal(label.code, 2);
  assert.match(label.stderr, /read-only/);
  assert.equal(existsSync(`${path}-wal`), false);
  assert.equal(existsSync(`${path}-shm`), false);
  assert.equal(sha(path), before);
});

test('a truncated or garbled project names the file and what to do', async (t) => {
  const dir = sharedDir(t);
  const { path, data } = await makeProject(dir);
  const size = statSync(path).size;
  assert.ok(size > 4096 * 4);

  const garbled = join(dir, 'proj', 'garbled.incept');
  const bytes = readFileSync(path);
  // Keep the header, scribble over the pages after it.
  for (let i = 4096; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
  writeFileSync(garbled, bytes);
  chmodSync(garbled, 0o666);
  truncateSync(path, Math.floor(size / 3));

  for (const file of [path, garbled]) {
    const r = incept(['status', file], data);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(file), `names ${file}: ${r.stderr}`);
    assert.match(r.stderr, /damaged/);
    assert.match(r.stderr, /backup/);
  }
});
