/** Checks a typed project path before it goes to the backend; null when it looks usable. */
export function validateProjectPath(raw: string): string | null {
  const path = raw.trim();
  if (path === '') return 'Enter a path.';
  const absolute = path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
  if (!absolute) return 'Use an absolute path (it is resolved on the machine running Incept).';
  if (/[\0]/.test(path)) return 'The path contains a NUL character.';
  if (/[\\/]$/.test(path)) return 'That is a folder; add a file name such as my-project.incept.';
  return null;
}
