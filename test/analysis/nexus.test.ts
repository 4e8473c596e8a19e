// Result files explain themselves (docs/config.md, "The result file"): units on the datasets, the
// tag numbers as int64, and a NeXus tree (/entry, NXentry; an NXdata group per output whose
// signal and axes are soft links to the root datasets) — read here by h5py, independently of this
// package, as H5Web, silx or a notebook would.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyseRun, defaultConfigPath, loadConfig, openResult, validateConfig, writeResult, writeSyntheticRun } from 'sacla-analysis';

const PYTHON = '/usr/bin/python3';
let dir: string;
let path: string;
let listing: Record<string, { dtype: string; shape: number[]; units: string | null }> & { __nexus: Record<string, { attrs: Record<string, unknown>; links: Record<string, string> }>; __root: Record<string, unknown> };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sacla-nexus-'));
  await writeSyntheticRun({ out: dir, run: 3, shots: 40, preset: 'small', seed: 3 });
  const base = await loadConfig(defaultConfigPath(), { dataDir: dir });
  const plain = JSON.parse(JSON.stringify({ ...base, source: undefined }));
  plain.outputs.push({ name: 'side_variance', source: 'side_ccd', sink: 'variance' });
  const config = validateConfig(plain, 'nexus.test config');
  const result = await analyseRun(config, { data: dir, run: 3 }, { workers: 1, warn: () => {} });
  path = await writeResult(join(dir, 'out'), result);
  const script = `
import h5py, json, sys, numpy as np
f = h5py.File(sys.argv[1], 'r')
out = {}
for k, v in f.items():
    if isinstance(v, h5py.Dataset):
        u = v.attrs.get('units')
        out[k] = {'dtype': str(v.dtype), 'shape': list(v.shape), 'units': u.decode() if isinstance(u, bytes) else u}
def s(x):
    if isinstance(x, bytes): return x.decode()
    if hasattr(x, 'tolist'): return [s(y) for y in x.tolist()]
    return x
nexus = {}
for k, g in f['entry'].items():
    links = {}
    for name in g:
        link = g.get(name, getlink=True)
        links[name] = link.path if isinstance(link, h5py.SoftLink) else type(link).__name__
        assert np.array_equal(g[name][()], f[name][()], equal_nan=g[name].dtype.kind == 'f'), name
    nexus[k] = {'attrs': {a: s(g.attrs[a]) for a in g.attrs}, 'links': links}
out['__nexus'] = nexus
out['__root'] = {a: s(f.attrs[a]) for a in ('NX_class', 'default')}
out['__root']['entry'] = {a: s(f['entry'].attrs[a]) for a in f['entry'].attrs}
print(json.dumps(out))
`;
  const r = spawnSync(PYTHON, ['-c', script, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`h5py could not read ${path}: ${r.stderr}`);
  listing = JSON.parse(r.stdout);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a result file as h5py sees it', () => {
  test('units: eV for images, spectra, profiles and energy axes; counts for histograms; eV^2 for a variance; none for database values', () => {
    expect(listing.side_mean.units).toBe('eV');
    expect(listing.spectrum_mean.units).toBe('eV');
    expect(listing.side_radial.units).toBe('eV');
    expect(listing.side_total.units).toBe('eV');
    expect(listing.side_median.units).toBe('eV');
    expect(listing.spectrum_axis.units).toBe('eV');
    expect(listing.side_hist_centers.units).toBe('eV');
    expect(listing.side_hist_mean.units).toBe('count');
    expect(listing.side_bright_pershot.units).toBe('count');
    expect(listing.side_variance.units).toBe('eV^2');
    expect(listing.sampleX2.units).toBeNull();
  });

  test('tag numbers are int64; the root datasets keep their names and shapes', async () => {
    expect(listing.tag.dtype).toBe('int64');
    const file = await openResult(path);
    try {
      for (const name of file.names) expect(listing[name]?.shape, name).toEqual(file.shapes[name]);
      expect(file.read('tag').data[0]).toBeGreaterThan(1e8); // read back as numbers
      expect(file.units('side_mean')).toBe('eV');
      expect(file.units('sampleX2')).toBeNull();
    } finally {
      file.close();
    }
  });

  test('the NeXus tree: the spectrum against its energy axis, histograms against their centres, per-shot lists against the tag', () => {
    expect(listing.__root).toMatchObject({ NX_class: 'NXroot', default: 'entry', entry: { NX_class: 'NXentry', default: 'spectrum_mean' } });
    const nx = listing.__nexus;
    expect(nx.spectrum_mean).toEqual({ attrs: { NX_class: 'NXdata', signal: 'spectrum_mean', axes: ['spectrum_axis'] }, links: { spectrum_mean: '/spectrum_mean', spectrum_axis: '/spectrum_axis' } });
    expect(nx.spectrum.attrs.axes).toEqual(['tag', 'spectrum_axis']);
    expect(nx.side_hist_mean.attrs.axes).toEqual(['side_hist_centers']);
    expect(nx.side_total).toEqual({ attrs: { NX_class: 'NXdata', signal: 'side_total', axes: ['tag'] }, links: { side_total: '/side_total', tag: '/tag' } });
    expect(nx.side_mean.attrs.axes).toEqual(['.', '.']);
    expect(Object.keys(nx)).toEqual(expect.arrayContaining(['side_mean', 'side_median', 'i_top_images', 'side_top_image']));
  });
});
