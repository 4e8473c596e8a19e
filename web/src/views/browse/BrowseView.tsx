// Any run or result file, explored with H5Web's own file browser (@h5web/app), reading the file
// where it lies through @h5web/h5wasm's local-file provider (in a worker, lazily): nothing is
// uploaded. Files opened in the other tabs are listed; others can be opened here.
import { useEffect, useState } from 'react';
import { App } from '@h5web/app';
import { H5WasmLocalFileProvider } from '@h5web/h5wasm';
import { api } from '../../api.js';
import { addBrowsable, update, useStore, type BrowseEntry } from '../../store.js';

/** The File of an entry: its own, or a held result's bytes from the worker. */
async function fileOf(entry: BrowseEntry): Promise<File> {
  if (entry.file) return entry.file;
  const bytes = await api.resultBytes(entry.resultId!);
  return new File([bytes as BlobPart], entry.label.replace(/ \(.*\)$/, ''), { type: 'application/x-hdf5' });
}

export function BrowseView() {
  const entries = useStore((s) => s.browsable);
  const chosen = useStore((s) => s.browse);
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!chosen) return setFile(null);
    let alive = true;
    fileOf(chosen)
      .then((f) => alive && (setFile(f), setError(null)))
      .catch((err: Error) => alive && setError(err.message));
    return () => {
      alive = false;
    };
  }, [chosen]);
  return (
    <div className="browse">
      <section className="panel browse-files">
        <h3>HDF5 files</h3>
        <label className="button">
          open an HDF5 file…
          <input
            type="file"
            hidden
            accept=".h5,.hdf5,.nxs,.nx5"
            data-testid="browse-input"
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (!f) return;
              const entry: BrowseEntry = { key: `picked:${f.name}:${f.size}:${f.lastModified}`, label: f.name, kind: 'HDF5 file', file: f };
              addBrowsable([entry]);
              update({ browse: entry });
            }}
          />
        </label>
        <ul className="browse-list" data-testid="browse-list">
          {entries.map((e) => (
            <li key={e.key} className={chosen?.key === e.key ? 'chosen' : ''}>
              <button type="button" onClick={() => update({ browse: e })}>
                {e.label}
              </button>{' '}
              <span className="muted">{e.kind}</span>
            </li>
          ))}
        </ul>
        <p className="note">Read in your browser by H5Web (silx-kit/h5web) with h5wasm, where the file lies; nothing is uploaded.</p>
        {error && <p className="error">{error}</p>}
      </section>
      <section className="panel h5web" data-testid="h5web">
        {file ? (
          <H5WasmLocalFileProvider key={`${file.name}:${file.size}:${file.lastModified}`} file={file}>
            <App sidebarOpen disableDarkMode />
          </H5WasmLocalFileProvider>
        ) : (
          <p className="placeholder">Choose a file on the left.</p>
        )}
      </section>
    </div>
  );
}
