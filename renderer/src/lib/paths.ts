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

function isAbsolute(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

/** Checks a typed folder or file path (import folder, export target, model file). */
export function validateAbsolutePath(raw: string, what = 'path'): string | null {
  const path = raw.trim();
  if (path === '') return `Enter a ${what}.`;
  if (!isAbsolute(path)) return `Use an absolute ${what} (it is resolved on the machine running Incept).`;
  if (/[\0]/.test(path)) return `The ${what} contains a NUL character.`;
  return null;
}

/** Checks a typed path to an .onnx model file. */
export function validateModelPath(raw: string): string | null {
  const problem = validateAbsolutePath(raw, 'file path');
  if (problem) return problem;
  if (!/\.onnx$/i.test(raw.trim())) return 'Pick an .onnx file (a GoogLeNet exported to ONNX).';
  return null;
}
