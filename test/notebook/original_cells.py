#!/usr/bin/python3
"""The original notebook's result-reading, per-run plot and scan cells, run on our result files.

    /usr/bin/python3 test/notebook/original_cells.py RESULTS_DIR OUTDIR [--runs A-B]

We do not have the original notebook: these cells are written from its description
(/work/shared/docs/seed-semantics.md, "The per-run analysis" and the paragraph after it), in its
style: NumPy, h5py, matplotlib, scipy.optimize.curve_fit. The one change from the original is
the one the project promises: `np.load(path)` became `h5py.File(path, 'r')`, every root dataset
read into a dict of arrays per run, as the original's `np.load(...)` dict was.

Cells (`# %% cell: ...`, as in a jupytext / VS Code notebook):
  setup             arguments, Agg backend
  result reading    glob run_*.h5, file-name run number as a pre-filter, runNR checked, dict per run
  per-run plots     mean images with colour bars, spectrum on its axis, histograms (log y),
                    bright counts per shot, the brightest forward image: PNGs in OUTDIR
  focus scan        median sampleZ1 per run against the mean of a masked region of side_mean,
                    Gaussian + background fit with curve_fit, fitted centre printed
  attenuator scan   median attenuator_eh_5_Si_m per run against the median side_total, log y
  summary           OUTDIR/summary.json (runs, dataset names and shapes, plots, fit)

The scan cells need at least 3 runs (2 runs are no scan); the focus fit also needs at least 4
distinct motor positions (the model has 4 parameters); otherwise a cell says it skipped and
why, and summary.json records the reason. Any exception ends the script with a non-zero exit
code (Python's own traceback); curve_fit's OptimizeWarning (no covariance) is an error too.
"""

# %% cell: setup
import argparse
import glob
import json
import os
import re
import sys
import warnings

import h5py
import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

warnings.simplefilter('error', OptimizeWarning)

parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
parser.add_argument('results_dir')
parser.add_argument('outdir')
parser.add_argument('--runs', default=None, help='A-B: the run range to read (default: every result file)')
args = parser.parse_args()

if args.runs:
    first, _, last = args.runs.partition('-')
    run_min, run_max = int(first), int(last or first)
else:
    run_min, run_max = -np.inf, np.inf
os.makedirs(args.outdir, exist_ok=True)
summary = {'results_dir': os.path.abspath(args.results_dir), 'run_range': [None if np.isinf(run_min) else run_min, None if np.isinf(run_max) else run_max], 'notes': []}


def note(text):
    print(f'  note: {text}')
    summary['notes'].append(text)


# %% cell: result reading
# Originally: data[run] = np.load(f'{folder}/run_{run}.npy', allow_pickle=True).item()
files = sorted(glob.glob(os.path.join(args.results_dir, 'run_*.h5')))
data = {}
for path in files:
    m = re.fullmatch(r'run_(-?\d+)\.h5', os.path.basename(path))
    if m is None:
        continue
    run = int(m.group(1))
    if not (run_min <= run <= run_max):  # quick pre-filter on the file name
        continue
    with h5py.File(path, 'r') as f:  # was: np.load(path)
        # Root datasets only: groups (e.g. a NeXus tree of links) are not arrays.
        d = {k: f[k][()] for k in f.keys() if isinstance(f[k], h5py.Dataset)}
    stored = int(d['runNR'])
    if stored != run:
        note(f'{path}: the file name says run {run} but runNR is {stored}')
        if not (run_min <= stored <= run_max):
            continue
        run = stored
    data[run] = d
runs = sorted(data)
if not runs:
    raise SystemExit(f'no result files run_*.h5 for runs {args.runs or "(any)"} in {args.results_dir}')
summary['runs'] = runs
summary['datasets'] = {str(r): {k: list(np.shape(v)) for k, v in sorted(data[r].items())} for r in runs}
summary['dtypes'] = {str(r): {k: str(np.asarray(v).dtype) for k, v in sorted(data[r].items())} for r in runs}
print(f'cell result reading: {len(runs)} runs ({runs[0]}..{runs[-1]}) from {len(files)} files in {args.results_dir}, '
      f'{len(data[runs[0]])} datasets each')

# %% cell: per-run plots
plots = []


def save(fig, name, kind, finite):
    path = os.path.join(args.outdir, name)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    plots.append({'file': name, 'kind': kind, 'finite': int(finite), 'bytes': os.path.getsize(path)})


def show_image(ax, image, title):
    # The pictures have NaN between the sensors (and at bad pixels): nan-aware colour limits.
    vmin, vmax = np.nanpercentile(image, [1, 99.5])
    im = ax.imshow(image, vmin=vmin, vmax=vmax, origin='lower', interpolation='nearest')
    plt.colorbar(im, ax=ax, label='eV / pixel')
    ax.set_title(title)
    return np.isfinite(image).sum()


axis_mismatch = []
for run in runs:
    d = data[run]

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    n = show_image(axes[0], d['side_mean'], f'run {run}: side_mean')
    n += show_image(axes[1], d['forward_mean'], f'run {run}: forward_mean')
    save(fig, f'run_{run}_mean_images.png', 'image', n)

    fig, ax = plt.subplots()
    spectrum, axis = d['spectrum_mean'], d['spectrum_axis']
    if len(axis) == len(spectrum):
        ax.plot(axis, spectrum)
        ax.set_xlabel('photon energy (eV)')
    else:
        # The original's plt.plot(axis, spectrum) raises here: noted below, plotted against pixels.
        axis_mismatch.append((run, len(axis), len(spectrum)))
        ax.plot(np.arange(len(spectrum)), spectrum)
        ax.set_xlabel('spectrometer pixel (spectrum_axis does not fit)')
    ax.set_ylabel('mean intensity (ADU)')
    ax.set_title(f'run {run}: spectrum_mean')
    save(fig, f'run_{run}_spectrum.png', 'lines', np.isfinite(spectrum).sum())

    fig, ax = plt.subplots()
    ax.plot(d['side_hist_centers'], d['side_hist_mean'], label='side')
    ax.plot(d['forward_hist_centers'], d['forward_hist_mean'], label='forward')
    ax.set_yscale('log')
    ax.set_xlabel('pixel value (eV)')
    ax.set_ylabel('pixels per shot')
    ax.legend()
    ax.set_title(f'run {run}: mean histograms')
    save(fig, f'run_{run}_histograms.png', 'lines', (d['side_hist_mean'] > 0).sum() + (d['forward_hist_mean'] > 0).sum())

    fig, ax = plt.subplots()
    ax.plot(d['side_bright_pershot'], '.-')
    ax.set_xlabel('good shot')
    ax.set_ylabel('side pixels > 40')
    ax.set_title(f'run {run}: side_bright_pershot')
    save(fig, f'run_{run}_bright.png', 'lines', np.isfinite(d['side_bright_pershot']).sum())

    fig, ax = plt.subplots(figsize=(6, 4.5))
    n = show_image(ax, d['forward_top_images'][0], f'run {run}: forward_top_images[0] (shot {int(d["i_top_images"][0])})')
    save(fig, f'run_{run}_top_image.png', 'image', n)

if axis_mismatch:
    lengths = sorted({(a, s) for _, a, s in axis_mismatch})
    note(f'runs {[r for r, _, _ in axis_mismatch]}: spectrum_axis and spectrum_mean differ in length '
         f'({", ".join(f"{a} vs {s}" for a, s in lengths)}); those spectra are plotted against the pixel index')
summary['spectrum_axis_mismatch'] = [r for r, _, _ in axis_mismatch]
print(f'cell per-run plots: {len(plots)} PNGs for {len(runs)} runs in {args.outdir}')

# %% cell: focus scan


def gauss(x, a, c, sigma, bg):
    return np.abs(a) * np.exp(-(x - c) ** 2 / (2 * sigma ** 2)) + bg


if len(runs) < 3:
    summary['focus_scan'] = {'skipped': f'{len(runs)} run(s): a scan needs at least 3'}
    print(f'cell focus scan: skipped ({summary["focus_scan"]["skipped"]})')
else:
    z = []
    signal = []
    for run in runs:
        d = data[run]
        side = d['side_mean']
        rows, cols = side.shape
        mask = np.zeros(side.shape, dtype=bool)
        mask[rows // 4: 3 * rows // 4, : cols // 3] = True  # middle rows, the sample side's columns
        z.append(np.nanmedian(d['sampleZ1']) * 1e3)  # m -> mm
        signal.append(np.nanmean(side[mask]))
    z = np.array(z)
    signal = np.array(signal)
    scan = {'runs': runs, 'z_mm': z.tolist(), 'signal': signal.tolist(),
            'mask': {'rows': [rows // 4, 3 * rows // 4], 'cols': [0, cols // 3]}}
    fig, ax = plt.subplots()
    ax.plot(z, signal, 'o', label='runs')
    if len(np.unique(z)) < 4:
        scan['fit'] = None
        scan['skipped_fit'] = f'{len(np.unique(z))} distinct positions: the fit has 4 parameters'
        msg = f'no fit ({scan["skipped_fit"]})'
    else:
        p0 = [signal.max() - signal.min(), z[np.argmax(signal)], (z.max() - z.min()) / 4, signal.min()]
        popt, pcov = curve_fit(gauss, z, signal, p0=p0, maxfev=10000)
        perr = np.sqrt(np.diag(pcov))
        fine = np.linspace(z.min(), z.max(), 400)
        ax.plot(fine, gauss(fine, *popt), '-', label=f'fit: centre {popt[1]:.3f} mm')
        scan['fit'] = {'a': float(abs(popt[0])), 'centre_mm': float(popt[1]), 'sigma_mm': float(abs(popt[2])),
                       'bg': float(popt[3]), 'centre_err_mm': float(perr[1]), 'p0': [float(p) for p in p0]}
        msg = f'focus at sampleZ1 = {popt[1]:.3f} ± {perr[1]:.3f} mm (sigma {abs(popt[2]):.3f} mm)'
    ax.set_xlabel('sampleZ1 (mm, median per run)')
    ax.set_ylabel('side_mean, masked mean (eV / pixel)')
    ax.legend()
    ax.set_title(f'focus scan, runs {runs[0]}..{runs[-1]}')
    save(fig, 'focus_scan.png', 'lines', np.isfinite(signal).sum())
    summary['focus_scan'] = scan
    print(f'cell focus scan: {len(runs)} runs, {msg}')

# %% cell: attenuator scan
if len(runs) < 3:
    summary['attenuator_scan'] = {'skipped': f'{len(runs)} run(s): a scan needs at least 3'}
    print(f'cell attenuator scan: skipped ({summary["attenuator_scan"]["skipped"]})')
else:
    # nanmedian: the facility's attenuator value can be NaN on single shots.
    attenuator = np.array([np.nanmedian(data[r]['attenuator_eh_5_Si_m']) for r in runs])
    total = np.array([np.median(data[r]['side_total']) for r in runs])
    fig, ax = plt.subplots()
    ax.plot(attenuator * 1e3, total, 'o')
    ax.set_yscale('log')
    ax.set_xlabel('attenuator_eh_5_Si_m (mm Si, median per run)')
    ax.set_ylabel('side_total (eV, median per run)')
    ax.set_title(f'attenuator scan, runs {runs[0]}..{runs[-1]}')
    save(fig, 'attenuator_scan.png', 'lines', (np.isfinite(total) & (total > 0)).sum())
    summary['attenuator_scan'] = {'runs': runs, 'attenuator_m': attenuator.tolist(), 'side_total_median': total.tolist()}
    print(f'cell attenuator scan: {len(runs)} runs, {len(np.unique(attenuator))} attenuator settings, '
          f'side_total {total.min():.4g}..{total.max():.4g} eV')

# %% cell: summary
summary['plots'] = plots
with open(os.path.join(args.outdir, 'summary.json'), 'w') as out:
    json.dump(summary, out, indent=1)
print(f'cell summary: {os.path.join(args.outdir, "summary.json")} ({len(plots)} plots, {len(summary["notes"])} notes)')
sys.exit(0)
