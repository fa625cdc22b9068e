/**
 * What a person can do about an error, named rather than spelled out: the command line says
 * "add --force", the app says "tick “Overwrite files already there”". Core messages say what went
 * wrong; each surface appends its own wording of the way out (see cli/remedies.ts and the
 * renderer's lib/remedies.ts).
 */
export const REMEDIES = [
  'overwrite',
  'get-model',
  'train-first',
  'train-or-imagenet',
  'list-runs',
  'extract-features',
] as const;
export type Remedy = (typeof REMEDIES)[number];

export function remedyDetails(remedy: Remedy): { remedy: Remedy } {
  return { remedy };
}

/** The remedy an error's details name, if any. */
export function remedyOf(details: unknown): Remedy | null {
  if (typeof details !== 'object' || details === null) return null;
  const value = (details as { remedy?: unknown }).remedy;
  return typeof value === 'string' && (REMEDIES as readonly string[]).includes(value)
    ? (value as Remedy)
    : null;
}
