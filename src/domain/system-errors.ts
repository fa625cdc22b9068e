/**
 * Node's file-system errors read like "ENOENT: no such file or directory, open '/a/b'". A person
 * should read "/a/b does not exist" instead, wherever such a text ends up inside a message.
 */
const REASONS: Record<string, string> = {
  ENOENT: 'does not exist',
  EACCES: 'cannot be accessed (permission denied)',
  EPERM: 'cannot be changed (operation not permitted)',
  ENOTDIR: 'is not a folder',
  EISDIR: 'is a folder, not a file',
  EEXIST: 'already exists',
  ENOTEMPTY: 'is a folder that is not empty',
  ENOSPC: 'cannot be written: the disk is full',
  EROFS: 'is on a read-only disk',
  EBUSY: 'is in use by another program',
  EMFILE: 'cannot be opened: too many files are open',
  ENAMETOOLONG: 'has a name that is too long',
  ELOOP: 'is a link that points back to itself',
  EIO: 'could not be read (input/output error on the disk)',
  EXDEV: 'is on another disk',
};

// code: description, syscall 'path'[ -> 'dest']
const SYSTEM_ERROR = /\b(E[A-Z]{2,15}): [^,']+, [a-z_]+ '([^']*)'(?: -> '[^']*')?/g;
// A bare "ENOENT: no such file or directory" without a path.
const BARE_SYSTEM_ERROR = /\b(E[A-Z]{2,15}): ([a-z][^,.;:]*)/g;

/** Rewrites every Node system-error text inside `text` into words; other text is left alone. */
export function humanizeSystemErrors(text: string): string {
  return text
    .replace(SYSTEM_ERROR, (whole, code: string, path: string) => {
      const reason = REASONS[code];
      return reason ? `${path} ${reason}` : whole;
    })
    .replace(BARE_SYSTEM_ERROR, (whole, code: string, description: string) =>
      REASONS[code] ? description : whole,
    );
}
