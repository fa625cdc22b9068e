/**
 * One worker thread of the TensorFlow.js self-check: loads the exported model.json with the stock
 * `loadGraphModel` and runs the batches it is sent, answering with the model's probabilities.
 * The comparison with Incept's numbers stays with the caller, which spreads batches over several
 * of these threads (tfjs-wasm runs on one thread each).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { useBestBackend, type tf as TfNamespace } from '../model/tfjs-runtime.ts';
import { graphModelFromDir } from './self-check.ts';
import type { FromTfjsCheckWorker, ToTfjsCheckWorker } from './tfjs-check-protocol.ts';

if (!parentPort) throw new Error('tfjs-check-worker runs as a worker thread only');
const port: MessagePort = parentPort;
const { dir } = workerData as { dir: string };

const send = (msg: FromTfjsCheckWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

// No top-level await: the Electron bundle is CommonJS.
async function main(): Promise<void> {
  try {
    const { tf, backend } = await useBestBackend();
    const model = await tf.loadGraphModel(graphModelFromDir(tf, dir));
    const inputName = model.inputs[0]?.name ?? '';
    port.on('message', (msg: ToTfjsCheckWorker) => {
      if (msg.type === 'close') {
        model.dispose();
        port.close();
        return;
      }
      void (async () => {
        try {
          const [n, h, w, c] = msg.shape;
          const input = tf.tensor4d(msg.input, [n, h, w, c]);
          let probs: Float32Array;
          try {
            const y = model.execute({ [inputName]: input }) as TfNamespace.Tensor;
            try {
              probs = Float32Array.from((await y.data()) as Float32Array);
            } finally {
              y.dispose();
            }
          } finally {
            input.dispose();
          }
          send({ type: 'result', id: msg.id, probs }, [probs.buffer as ArrayBuffer]);
        } catch (err) {
          send({ type: 'error', id: msg.id, message: (err as Error).message ?? String(err) });
        }
      })();
    });
    send({ type: 'ready', backend });
  } catch (err) {
    send({ type: 'error', id: null, message: (err as Error).message ?? String(err) });
  }
}

void main();
