/**
 * A GPU engine that hands over to the CPU when its adapter fails mid-job (device lost, out of
 * memory, a driver error): the failed call is answered by the CPU engine, and every later one
 * too. A failed call produced nothing, so no image is computed twice.
 */
import { ModelError, errorMessage } from '../errors.ts';
import type { Engine, EngineOutputs } from './types.ts';

export interface FallbackEvent {
  from: Engine['name'];
  reason: string;
}

export function withCpuFallback(
  gpu: Engine,
  startCpu: () => Promise<Engine>,
  onFallback: (e: FallbackEvent) => void = () => {},
): Engine {
  let current: Engine = gpu;
  let switching: Promise<Engine> | null = null;

  const switchToCpu = (err: unknown): Promise<Engine> => {
    switching ??= (async () => {
      const reason = `${gpu.label} failed (${errorMessage(err)}); continuing on the CPU`;
      try {
        await gpu.dispose();
      } catch {
        // A lost device may refuse to release; the CPU takes over all the same.
      }
      current = await startCpu();
      onFallback({ from: gpu.name, reason });
      return current;
    })();
    return switching;
  };

  const guarded =
    <T>(call: (e: Engine) => Promise<T>) =>
    async (): Promise<T> => {
      const engine = current;
      if (engine !== gpu) return call(engine);
      try {
        return await call(engine);
      } catch (err) {
        // Bad input is the caller's fault, not the adapter's: the CPU would refuse it too.
        if (err instanceof ModelError && err.code === 'bad_input') throw err;
        return call(await switchToCpu(err));
      }
    };

  return {
    get name() {
      return current.name;
    },
    get label() {
      return current.label;
    },
    featureSize: gpu.featureSize,
    numClasses: gpu.numClasses,
    ...(gpu.batchSize !== undefined ? { batchSize: gpu.batchSize } : {}),
    features: (input, n) => guarded((e) => e.features(input, n))(),
    probabilities: (input, n) => guarded((e) => e.probabilities(input, n))(),
    infer: (input, n): Promise<EngineOutputs> => guarded((e) => e.infer(input, n))(),
    dispose: () => current.dispose(),
  };
}
