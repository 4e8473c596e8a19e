// Starts the kernels in a module Web Worker (as the web app does) and shows its answer.
// The worker's module awaits the wasm core (top-level await) before it listens, so it says
// when it is ready; a message sent earlier could be dispatched before its handler exists.
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const page = window as unknown as { result?: unknown };
worker.onmessage = (event) => {
  if (event.data?.ready) {
    worker.postMessage({ length: 1024 * 1024 });
    return;
  }
  page.result = event.data;
  document.getElementById('out')!.textContent = JSON.stringify(event.data);
};
worker.onerror = (event) => {
  page.result = { error: event.message };
};
