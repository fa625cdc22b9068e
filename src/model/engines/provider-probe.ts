/**
 * Probes an onnxruntime execution provider in a child process with a time limit: a provider that
 * cannot create a session (no adapter, the driver refuses, out of memory), crashes or hangs is
 * reported as not available with the reason, and the app carries on. Each provider is probed at
 * most once per process.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../errors.ts';
import { guessAdapter, parseHardwareDevices } from './gpu-adapter.ts';
import { PROBE_INPUT_SHAPE, probeModelBytes, probeValues } from './probe-model.ts';
import {
  PROBE_CHILD_SOURCE,
  PROBE_RESULT_MARK,
  type ProbeChildConfig,
  type ProbeChildResult,
} from './provider-probe-child.ts';

export type GpuProvider = 'webgpu' | 'dml' | 'coreml' | 'cuda';

export interface ProviderProbe {
  available: boolean;
  reason?: string;
  /** The adapter (GPU) the provider ran on, as far as it can be told. */
  adapter?: string;
  /** A software rasteriser (lavapipe, SwiftShader, WARP): never chosen automatically. */
  software?: boolean;
  /** The probe model on this provider and on the CPU provider, warm, in ms. */
  warmRunMs?: number;
  cpuWarmRunMs?: number;
}

/** Seconds a probe may take; software GPUs compile shaders slowly, real drivers take < 5 s. */
export const DEFAULT_PROBE_TIMEOUT_S = 45;
const PROBE_TOLERANCE = 1e-4;

const require = createRequire(import.meta.url);

/**
 * Dawn refuses to start without XDG_RUNTIME_DIR on Linux; desktop sessions set it, services and
 * containers often do not. A private folder under the temp dir stands in.
 */
export function ensureRuntimeDir(env: NodeJS.ProcessEnv = process.env): void {
  if (process.platform !== 'linux' || env.XDG_RUNTIME_DIR) return;
  const dir = join(tmpdir(), `incept-runtime-${process.getuid?.() ?? 'user'}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    env.XDG_RUNTIME_DIR = dir;
  } catch {
    // Dawn then says itself what it misses; the probe reports that.
  }
}

/** The last lines of a child's stderr that say something, for a reason people can act on. */
function lastWords(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^\d{4}-\d\d-\d\d .*\[[IV]:onnxruntime/.test(l));
  return lines.slice(-3).join(' ').slice(0, 400);
}

function explainFailure(provider: GpuProvider, error: string): string {
  // onnxruntime prefixes its checks with the source location and the failed condition.
  const first = error
    .split('\n')[0]!
    .replace(/^\S*onnxruntime_src\S*:\d+ .*? was false\.\s*/, '')
    .slice(0, 400);
  if (/WebGPU adapter|No supported adapters/i.test(error)) {
    return `${first} (on Linux install the GPU's Vulkan driver, e.g. mesa-vulkan-drivers)`;
  }
  if (/not (supported|available|enabled)|unknown|not found|cannot load|failed to load/i.test(error)) {
    return `the ${provider} execution provider cannot start here: ${first}`;
  }
  return `${provider} could not run the probe model: ${first}`;
}

export async function probeProvider(
  provider: GpuProvider,
  opts: { timeoutS?: number } = {},
): Promise<ProviderProbe> {
  let ortPath: string;
  try {
    ortPath = require.resolve('onnxruntime-node');
  } catch (err) {
    return { available: false, reason: `onnxruntime-node is not installed: ${errorMessage(err)}` };
  }
  ensureRuntimeDir();
  const timeoutS =
    opts.timeoutS ?? (Number(process.env.INCEPT_GPU_PROBE_TIMEOUT_S) || DEFAULT_PROBE_TIMEOUT_S);
  const dir = mkdtempSync(join(tmpdir(), 'incept-probe-'));
  try {
    const modelPath = join(dir, 'probe.onnx');
    const inputPath = join(dir, 'input.bin');
    writeFileSync(modelPath, probeModelBytes());
    const input = probeValues(
      PROBE_INPUT_SHAPE.reduce((a, b) => a * b, 1),
      99,
    );
    writeFileSync(inputPath, new Uint8Array(input.buffer));
    const config: ProbeChildConfig = {
      ortPath,
      provider,
      modelPath,
      inputPath,
      shape: [...PROBE_INPUT_SHAPE],
    };
    const run = await runChild(config, timeoutS);
    if (run.timedOut) {
      return {
        available: false,
        reason: `the ${provider} probe did not finish in ${timeoutS} s (the driver may hang); stopped it`,
      };
    }
    const result = run.result;
    if (!result) {
      const how = run.signal ? `was killed by ${run.signal}` : `exited with code ${run.code}`;
      const said = lastWords(run.stderr);
      return { available: false, reason: `the ${provider} probe ${how}${said ? `: ${said}` : ''}` };
    }
    if (!result.ok) {
      return { available: false, reason: explainFailure(provider, result.error ?? lastWords(run.stderr)) };
    }
    const { adapter, software } = guessAdapter(provider, parseHardwareDevices(run.stderr));
    const timing = {
      ...(result.warmRunMs !== undefined ? { warmRunMs: result.warmRunMs } : {}),
      ...(result.cpuWarmRunMs !== undefined ? { cpuWarmRunMs: result.cpuWarmRunMs } : {}),
    };
    if ((result.maxRelDiff ?? Infinity) > PROBE_TOLERANCE) {
      return {
        available: false,
        adapter,
        software,
        reason: `${adapter} computed wrong results on the probe model (relative error ${(result.maxRelDiff ?? NaN).toExponential(1)}): a driver bug`,
        ...timing,
      };
    }
    return { available: true, adapter, software, ...timing };
  } catch (err) {
    return { available: false, reason: `the ${provider} probe could not start: ${errorMessage(err)}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ChildRun {
  result: ProbeChildResult | null;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

const MAX_STDERR = 256 * 1024;

function runChild(config: ProbeChildConfig, timeoutS: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    // ELECTRON_RUN_AS_NODE makes Electron's binary (the compute process's execPath) act as node.
    const child = spawn(process.execPath, ['-e', PROBE_CHILD_SOURCE], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', INCEPT_PROBE_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.length > MAX_STDERR) stderr = stderr.slice(-MAX_STDERR / 2);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(PROBE_RESULT_MARK));
      let result: ProbeChildResult | null = null;
      if (line) {
        try {
          result = JSON.parse(line.slice(PROBE_RESULT_MARK.length)) as ProbeChildResult;
        } catch {
          result = null;
        }
      }
      resolve({ result, stderr, code, signal, timedOut });
    });
  });
}
