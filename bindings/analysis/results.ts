// The result file format (design.md, "Results"): plain root datasets and attributes, readable
// by h5py without this package. This part only needs an h5wasm File, so it runs in Node and in
// the browser; resultsOnDisk.ts writes and finds the files in Node.
import type { Dataset as H5Dataset, File as H5File } from 'h5wasm';
import { DataError } from '../cli/errors.js';
import type { AnalysisResult, Dataset } from './pipeline.js';

export const resultName = (run: number) => `run_${run}.h5`;

export type ResultContent = Pick<AnalysisResult, 'run' | 'outputs' | 'attrs'>;

/** The datasets and attributes of a result into an open, writable h5wasm file. */
export function fillResultFile(file: H5File, result: ResultContent): void {
  for (const [name, { data, shape }] of Object.entries(result.outputs)) file.create_dataset({ name, data, shape });
  for (const [name, value] of Object.entries(result.attrs)) file.create_attribute(name, value);
}

/** One result file, opened for reading. */
export class ResultFile {
  readonly path: string;
  readonly run: number;
  readonly attrs: Record<string, unknown>;
  readonly names: string[];
  #file: H5File;
  #cache = new Map<string, Dataset>();

  constructor(path: string, file: H5File) {
    this.path = path;
    this.#file = file;
    this.attrs = Object.fromEntries(Object.entries(file.attrs).map(([k, a]) => [k, a.value]));
    this.names = file.keys();
    this.run = Number(this.attrs.run);
  }

  /** One dataset as {data, shape}. */
  read(name: string): Dataset {
    let dataset = this.#cache.get(name);
    if (!dataset) {
      const entry = this.#file.get(name) as H5Dataset | null;
      if (!entry || entry.type !== 'Dataset') throw new DataError(`${this.path}: no dataset "${name}" (has: ${this.names.join(', ')})`);
      const value = entry.value as unknown;
      const data = typeof value === 'number' ? Float64Array.of(value) : (value as Dataset['data']);
      dataset = { data, shape: entry.shape ?? [] };
      this.#cache.set(name, dataset);
    }
    return dataset;
  }

  /** Every dataset (read on first access). */
  get datasets(): Record<string, Dataset> {
    return Object.fromEntries(this.names.map((name) => [name, this.read(name)]));
  }

  /** The config the file was made with. */
  get config(): unknown {
    return typeof this.attrs.config === 'string' ? JSON.parse(this.attrs.config) : null;
  }

  close(): void {
    this.#file.close();
  }
}

