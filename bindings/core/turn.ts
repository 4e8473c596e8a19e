// A long loop (a run's shots, a dark run's frames) lets the event loop in every ~50 ms: an
// abort, a worker's progress or a live preview's question gets its turn. setTimeout(0) would do,
// but it waits at least 1 ms in Node and 4 ms in a browser once nested, a few per cent of a run.

type Resolve = () => void;

function viaMessages(): () => Promise<void> {
  const channel = new MessageChannel();
  const waiting: Resolve[] = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      channel.port2.postMessage(null);
    });
}

/** Resolves on a later turn of the event loop (setImmediate in Node, a message to itself elsewhere). */
export const nextTurn: () => Promise<void> =
  typeof setImmediate === 'function' ? () => new Promise<void>((resolve) => setImmediate(resolve)) : viaMessages();
