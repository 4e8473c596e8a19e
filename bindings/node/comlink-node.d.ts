// comlink ships its Node adapter without a declaration for the .mjs path; this is its type.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  interface NodeEndpoint {
    postMessage(message: any, transfer?: any): void;
    on(type: string, listener: (value: unknown) => void, options?: object): void;
    off(type: string, listener: (value: unknown) => void, options?: object): void;
    start?: () => void;
  }
  export default function nodeEndpoint(nep: NodeEndpoint): Endpoint;
}
