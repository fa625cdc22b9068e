/**
 * The portable GPU benchmark's entry (bundled by bench/bundle.ts): the embed benchmark with the
 * WebGPU engine forced next to onnxruntime's CPU provider, as JSON (--images=N, --batch=N,
 * --engines=a,b to choose others). It says plainly when the
 * machine has no Vulkan driver (then only the CPU figures come out).
 */
import { benchEmbed, type BenchEmbedResult } from './embed.ts';
import { probeEngines } from '../src/model/engines/registry.ts';
import type { EngineName } from '../src/model/engines/types.ts';

async function main(): Promise<void> {
  const arg = (name: string): string | undefined =>
    process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const images = Number(arg('images') ?? 64);
  const probes = await probeEngines();
  const webgpu = probes.find((p) => p.name === 'onnxruntime-webgpu');
  const gpu = webgpu?.available
    ? `WebGPU runs on ${webgpu.adapter ?? 'an unnamed adapter'}${webgpu.software ? ' (a software renderer: expect it to be slower than the CPU)' : ''}`
    : `No usable GPU: ${webgpu?.reason ?? 'the WebGPU engine is not part of this build'}. Is the GPU's Vulkan driver installed (e.g. the NVIDIA driver's Vulkan ICD, or mesa-vulkan-drivers)?`;
  const only = arg('engines')?.split(',') as EngineName[] | undefined;
  const engines: BenchEmbedResult = await benchEmbed({
    images,
    engines: only ?? ['onnxruntime-webgpu', 'onnxruntime'],
    ...(arg('batch') ? { batchSize: Number(arg('batch')) } : {}),
  });
  console.log(JSON.stringify({ gpu, engines, probes }, null, 2));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
