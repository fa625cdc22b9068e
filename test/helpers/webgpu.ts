import { probeProvider } from '../../src/model/engines/provider-probe.ts';

let probe: Promise<string | null> | null = null;

/**
 * Why the WebGPU tests cannot run here (no Vulkan driver, no adapter), or null when they can.
 * CI installs Mesa's lavapipe; a machine without it skips these tests with the probe's reason.
 */
export function webgpuSkipReason(): Promise<string | null> {
  probe ??= probeProvider('webgpu').then((p) =>
    p.available ? null : `WebGPU is not available here: ${p.reason ?? 'no reason given'}`,
  );
  return probe;
}
