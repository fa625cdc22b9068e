import type { EngineStatus } from '../api/contract.ts';
import { probeEngines } from './engines/registry.ts';

/**
 * Which engines this machine can run, fastest first, each with the reason when it cannot.
 * Cheap after the first call: probes load packages once and build no model.
 */
export async function engineStatuses(): Promise<EngineStatus[]> {
  return (await probeEngines()).map((p) => ({
    name: p.name,
    label: p.label,
    available: p.available,
    ...(p.reason !== undefined ? { reason: p.reason } : {}),
  }));
}
