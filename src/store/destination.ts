import { existsSync, realpathSync, statfsSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { ApiError } from '../domain/errors.ts';

/**
 * Kernel and device file systems: they look like folders but are not storage, and some make
 * Node's recursive mkdir spin forever (`/proc/self/x`). Magic numbers from statfs(2).
 */
const SPECIAL_FS_TYPES = new Set<number>([
  0x9fa0, // proc
  0x62656572, // sysfs
  0x1cd1, // devpts
  0x27e0eb, // cgroup
  0x63677270, // cgroup2
  0x64626720, // debugfs
  0x74726163, // tracefs
  0x73636673, // securityfs
  0xcafe4a11, // bpf
  0x6165676c, // pstore
  0x62656570, // configfs
  0x42494e4d, // binfmt_misc
]);
/** devtmpfs reports tmpfs's number, so /dev is refused by place as well. */
const SPECIAL_ROOTS = ['/proc', '/sys', '/dev'];

/**
 * Refuses a place to write (an export folder or file) that lies on a kernel or device file
 * system. Only the nearest existing folder is looked at, with one stat each, so the check costs
 * nothing and cannot hang on a path a client chose.
 */
export function assertWritableDestination(target: string): void {
  const abs = resolve(target);
  let existing = abs;
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) return;
    existing = parent;
  }
  let real: string;
  try {
    real = realpathSync(existing);
  } catch {
    return;
  }
  const refuse = (what: string): never => {
    throw new ApiError(
      'invalid_args',
      `${abs} is on ${what}, not on a disk; choose a folder in your home or on a data drive.`,
    );
  };
  if (sep === '/') {
    for (const root of SPECIAL_ROOTS) {
      if (real === root || real.startsWith(`${root}/`)) refuse(`the system's ${root} file system`);
    }
  }
  let type: number;
  try {
    type = statfsSync(real).type;
  } catch {
    return;
  }
  if (SPECIAL_FS_TYPES.has(type)) refuse('a kernel file system');
}
