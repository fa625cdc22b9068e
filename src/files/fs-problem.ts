/** Why a file or folder could not be used, in words (never a bare "EACCES"). */
export function describeFsProblem(err: unknown): string {
  switch ((err as NodeJS.ErrnoException | null)?.code) {
    case 'ENOENT':
      return 'it does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'it is not a folder';
    case 'ELOOP':
      return 'it is a link that points back to itself';
    case 'EIO':
      return 'the disk reported an input/output error';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many files are open; try again';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
