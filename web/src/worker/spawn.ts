// Starts a module worker and waits for its "ready" message: a module that awaits the wasm core
// (top-level await) only listens once it has loaded, so earlier messages could be lost.
import * as Comlink from 'comlink';

export async function spawn<T>(make: () => Worker, timeoutMs = 60_000): Promise<{ worker: Worker; api: Comlink.Remote<T> }> {
  const worker = make();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a worker did not start within a minute')), timeoutMs);
    const onMessage = (event: MessageEvent) => {
      if (event.data?.ready) {
        clearTimeout(timer);
        worker.removeEventListener('message', onMessage);
        worker.removeEventListener('error', onError);
        resolve();
      }
    };
    const onError = (event: ErrorEvent) => {
      clearTimeout(timer);
      reject(new Error(`a worker failed to start: ${event.message || 'load error'}`));
    };
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
  });
  return { worker, api: Comlink.wrap<T>(worker) };
}
