import type { EngineStatus } from '../domain/engines.ts';
import { probeEngines } from './engines/registry.ts';

/**
 * Which engines this machine can run, fastest first, each with the reason when it cannot and,
 * for GPU engines, the adapter. Cheap after the first call: each engine is probed once per
 * process (GPU providers in a child process with a time limit).
 */
export async function engineStatuses(): Promise<EngineStatus[]> {
  return (await probeEngines()).map((p) => ({
    name: p.name,
    label: p.label,
    available: p.available,
    ...(p.reason !== undefined ? { reason: p.reason } : {}),
    ...(p.adapter !== undefined ? { adapter: p.adapter } : {}),
    ...(p.software !== undefined ? { software: p.software } : {}),
  }));
}
