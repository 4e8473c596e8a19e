// The beamtime's logbook: one row per held result file, the default columns of `sacla table`
// (run, start, good and total shots, photon energy, the median of every database value) and the
// columns of a column file (docs/table.md), computed in the worker by the library's RunTable;
// numbers in one format per column with units in the header; sortable; it follows the
// collection, so adding result files (or finishing an analysis) adds rows.
import { useEffect, useState } from 'react';
import { api } from '../../api.js';
import { useStore } from '../../store.js';
import { closeResult, openResultFiles, showResult } from '../../results.js';
import { FilePicker } from '../FilePicker.js';
import { download } from '../../plots/png.js';
import type { TableData } from '../../types.js';

export function TableView() {
  const results = useStore((s) => s.results);
  const [columns, setColumns] = useState<{ name: string; text: string } | null>(null);
  const [sort, setSort] = useState<{ column: string; descending: boolean } | null>(null);
  const [table, setTable] = useState<TableData | null>(null);
  // The order of the rows shown (the worker sorts: a click's order comes a moment later).
  const [shownSort, setShownSort] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [problems, setProblems] = useState<string[]>([]);

  useEffect(() => {
    let alive = true;
    api
      .table(
        results.map((r) => r.id),
        columns,
        sort,
      )
      .then((t) => alive && (setTable(t), setShownSort(sort ? `${sort.column}:${sort.descending ? 'descending' : 'ascending'}` : ''), setError(null)))
      .catch((err: Error) => alive && setError(err.message));
    return () => {
      alive = false;
    };
  }, [results, columns, sort]);

  const byId = new Map(results.map((r) => [r.id, r]));
  return (
    <div className="table-view">
      <section className="panel">
        <h3>Result files</h3>
        <FilePicker label="open result files…" accept=".h5,.hdf5" testid="table-input" onFiles={(f) => void openResultFiles(f).then((r) => setProblems(r.problems))}>
          Drop result files (<code>run_N.h5</code>) or a results folder here, or
        </FilePicker>
        <ul className="problems">
          {problems.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
        <div className="row">
          <label className="button">
            load column file…
            <input
              type="file"
              hidden
              accept=".json,application/json"
              data-testid="columns-input"
              onChange={async (e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (file) setColumns({ name: file.name, text: await file.text() });
              }}
            />
          </label>
          {columns && (
            <>
              <span data-testid="columns-name">{columns.name}</span>
              <button type="button" onClick={() => setColumns(null)}>
                default columns only
              </button>
            </>
          )}
          {table && (
            <button type="button" onClick={() => download(new Blob([table.csv], { type: 'text/csv' }), 'logbook.csv')} data-testid="table-csv">
              CSV
            </button>
          )}
        </div>
        {error && <pre className="error" data-testid="table-error">{error}</pre>}
      </section>
      {table && results.length > 0 && (
        <section className="panel">
          <table className="logbook" data-testid="logbook" data-sort={shownSort}>
            <thead>
              <tr>
                {table.columns.map((c) => (
                  <th
                    key={c.name}
                    className={c.kind}
                    title={c.expr ? `${c.expr}: click to sort` : 'click to sort'}
                    data-column={c.name}
                    aria-sort={sort?.column === c.name ? (sort.descending ? 'descending' : 'ascending') : 'none'}
                    onClick={() => setSort(sort?.column === c.name ? { column: c.name, descending: !sort.descending } : { column: c.name, descending: false })}
                  >
                    {c.header}
                    {sort?.column === c.name ? (sort.descending ? ' ▼' : ' ▲') : ''}
                  </th>
                ))}
                <th />
              </tr>
            </thead>
            <tbody>
              {table.rows.map((row) => (
                <tr key={row.id} data-run={row.run}>
                  {row.cells.map((cell, i) => (
                    <td key={table.columns[i].name} className={table.columns[i].kind} data-column={table.columns[i].name} data-value={String(row.values[i])}>
                      {cell}
                    </td>
                  ))}
                  <td className="actions">
                    <button type="button" onClick={() => showResult(byId.get(row.id)!)}>
                      view
                    </button>{' '}
                    <button type="button" title="close this result file" onClick={() => closeResult(row.id)}>
                      ✕
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {table.problems.length > 0 && (
            <ul className="problems" data-testid="table-problems">
              {table.problems.map((p, i) => (
                <li key={i}>{p}</li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}
