/**
 * Which GPU adapter an onnxruntime GPU provider runs on, and whether it is a software one.
 *
 * onnxruntime-node 1.30 exposes no adapter information to JavaScript, and its WebGPU provider
 * does not log Dawn's adapter info. Two sources remain that need no extra tool:
 * - onnxruntime's hardware discovery, which it logs at info level ("Discovered OrtHardwareDevice
 *   {vendor_id:…, device_id:…, vendor:…, type:…, metadata: […]}"; type 1 is a GPU), and
 * - on Linux, the Vulkan loader's driver manifests (the same files Dawn's Vulkan backend reads),
 *   which name the driver library: lavapipe and SwiftShader are software rasterisers.
 * The probe's own timings back this up: an adapter slower than the CPU is never chosen by 'auto'.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';

export interface HardwareDevice {
  vendorId: string;
  deviceId: string;
  vendor: string;
  type: 'cpu' | 'gpu' | 'npu' | 'unknown';
  description?: string;
}

const DEVICE_LINE =
  /Discovered OrtHardwareDevice \{vendor_id:(0x[0-9a-f]+), device_id:(0x[0-9a-f]+), vendor:([^,]*), type:(\d+), metadata: \[(.*)\]\}/i;

/** The devices onnxruntime reported in its log text (unparsable lines are ignored). */
export function parseHardwareDevices(log: string): HardwareDevice[] {
  const devices: HardwareDevice[] = [];
  for (const line of log.split('\n')) {
    const m = DEVICE_LINE.exec(line);
    if (!m) continue;
    const type = (['cpu', 'gpu', 'npu'] as const)[Number(m[4])] ?? 'unknown';
    const description = /Description\s*[=:]\s*([^,\]]+)/i.exec(m[5] ?? '')?.[1]?.trim();
    devices.push({
      vendorId: m[1]!.toLowerCase(),
      deviceId: m[2]!.toLowerCase(),
      vendor: m[3]!.trim(),
      type,
      ...(description ? { description } : {}),
    });
  }
  return devices;
}

export interface VulkanDriver {
  /** e.g. "lavapipe (Mesa, software)". */
  name: string;
  library: string;
  software: boolean;
}

const KNOWN_DRIVERS: [RegExp, string, boolean][] = [
  [/vulkan_lvp/, 'llvmpipe (Mesa lavapipe)', true],
  [/swiftshader/i, 'SwiftShader', true],
  [/vulkan_radeon/, 'AMD (Mesa RADV)', false],
  [/amdvlk/i, 'AMD (AMDVLK)', false],
  [/vulkan_intel/, 'Intel (Mesa ANV)', false],
  [/nvidia/i, 'NVIDIA', false],
  [/vulkan_nouveau/, 'NVIDIA (Mesa NVK)', false],
  [/vulkan_freedreno/, 'Qualcomm Adreno (Mesa Turnip)', false],
  [/vulkan_panfrost/, 'Arm Mali (Mesa PanVK)', false],
  [/vulkan_broadcom/, 'Broadcom VideoCore (Mesa V3DV)', false],
  [/vulkan_virtio/, 'virtual GPU (Mesa Venus)', false],
  [/vulkan_dzn/, 'Direct3D 12 (Mesa Dozen)', false],
];

function describeDriver(library: string): VulkanDriver {
  for (const [pattern, name, software] of KNOWN_DRIVERS) {
    if (pattern.test(library)) return { name, library, software };
  }
  return { name: basename(library), library, software: false };
}

/** The manifest files the Vulkan loader would read, honouring its override variables. */
function manifestFiles(env: NodeJS.ProcessEnv): string[] {
  const override = env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES;
  const entries = override
    ? override.split(':').filter(Boolean)
    : [
        join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'vulkan', 'icd.d'),
        '/etc/xdg/vulkan/icd.d',
        '/etc/vulkan/icd.d',
        join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'vulkan', 'icd.d'),
        '/usr/local/share/vulkan/icd.d',
        '/usr/share/vulkan/icd.d',
      ];
  const files: string[] = [];
  for (const entry of entries) {
    try {
      if (!existsSync(entry)) continue;
      if (statSync(entry).isDirectory()) {
        for (const f of readdirSync(entry).sort()) if (f.endsWith('.json')) files.push(join(entry, f));
      } else {
        files.push(entry);
      }
    } catch {
      // An unreadable folder is a folder the loader cannot use either.
    }
  }
  return files;
}

/** The Vulkan drivers installed for this machine (Linux), one per driver library. */
export function vulkanDrivers(env: NodeJS.ProcessEnv = process.env): VulkanDriver[] {
  const byLibrary = new Map<string, VulkanDriver>();
  for (const file of manifestFiles(env)) {
    try {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { ICD?: { library_path?: unknown } };
      const lib = manifest.ICD?.library_path;
      if (typeof lib !== 'string' || lib === '') continue;
      const key = basename(lib);
      if (!byLibrary.has(key)) byLibrary.set(key, describeDriver(key));
    } catch {
      // Not a manifest the loader could use.
    }
  }
  return [...byLibrary.values()];
}

/** Names that only software rasterisers carry. */
export function isSoftwareAdapterName(name: string): boolean {
  return /llvmpipe|lavapipe|swiftshader|\bwarp\b|basic render driver|softpipe/i.test(name);
}

function hasGpuDeviceFile(): boolean {
  try {
    if (existsSync('/dev/nvidiactl')) return true;
    return readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    return false;
  }
}

export interface AdapterGuess {
  adapter: string;
  software: boolean;
}

/**
 * The adapter a provider that just worked most likely used. Dawn (WebGPU) and DirectML prefer a
 * hardware GPU when one has a driver; only without one do they fall back to a software adapter.
 */
export function guessAdapter(
  provider: string,
  devices: HardwareDevice[],
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): AdapterGuess {
  const gpus = devices.filter((d) => d.type === 'gpu');
  const gpuName = gpus
    .map((g) => g.description ?? `${g.vendor || 'GPU'} (PCI ${g.vendorId}:${g.deviceId})`)
    .join(', ');
  if (provider === 'coreml')
    return { adapter: gpuName || 'Apple GPU / Neural Engine (Core ML)', software: false };
  if (provider === 'cuda') return { adapter: gpuName || 'NVIDIA GPU (CUDA)', software: false };
  if (platform === 'darwin') return { adapter: `${gpuName || 'Apple GPU'} (Metal)`, software: false };
  if (platform === 'win32') {
    const api = provider === 'dml' ? 'DirectML' : 'Direct3D 12';
    if (gpus.length === 0 || isSoftwareAdapterName(gpuName)) {
      return { adapter: `Microsoft Basic Render Driver (WARP, software; ${api})`, software: true };
    }
    return { adapter: `${gpuName} (${api})`, software: false };
  }
  // Mesa installs manifests for every driver it builds, so a manifest proves nothing: a hardware
  // Vulkan device needs a GPU that onnxruntime found, or at least a DRM render node or an NVIDIA
  // device file. Without one, Dawn's only adapter is a software one.
  const software = vulkanDrivers(env).filter((d) => d.software);
  if (gpus.length === 0 && !hasGpuDeviceFile()) {
    const names = [...new Set(software.map((d) => d.name))].join(', ');
    return { adapter: `${names || 'a software rasteriser'} (Vulkan, software)`, software: true };
  }
  return { adapter: `${gpuName || 'the GPU'} (Vulkan)`, software: false };
}
