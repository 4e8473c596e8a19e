#!/usr/bin/python3
"""The default analysis as the original beamtime ran it, in NumPy + h5py: the baseline that
`npm run bench` (bench/analyse.ts) runs beside `analyseRun` with configs/kuschel2023.json on the
same run file.

Shot by shot, as the original analyse.py did: filter the run (motor step on sampleX2, then the
shutter), then for every good shot read each detector's images with h5py, correct them
((raw - dark) * eV/ADU per sensor, float32), and feed the original's accumulators: the mean
spectrum and the list of spectra, the means of the noise-cut side and forward images, the side
maximum, the mean histograms, the per-shot bright counts and totals, the top-5 forward shots with
their images, and the per-pixel P^2 median of the side images (vectorised over the pixels). After
the run: the pictures assembled by the sensors' geometry, the radial profile of the side mean.

The pieces that are not the per-shot loop come from the analysis fixtures' NumPy reference
(test/fixtures/analysis/make_analysis_fixtures.py, importable without side effects): the
original's exp_config.py (ORIGINAL), the closest dark, the calibrations, the motor-step filter,
the detector lookup by detector_name and the geometry rules; the P^2 estimator is its
P2Vector (test/fixtures/make_fixtures.py).

Usage:  /usr/bin/python3 bench/numpy/original_analysis.py RUN_FILE [--out RESULT.h5]

Darks are looked up in the run file's folder (darks/side_ccd, darks/forward_ccd). Prints one JSON
object: `seconds` for the whole run (opening, darks, filters, every good shot, the outputs; not
the interpreter start, the imports or writing --out), `shots_in_run`, `good_shots`, and the
seconds of each phase. `--out` writes every dataset of the result, named as analyseRun names
them, with h5py.
"""

import argparse
import json
import os
import sys
import time

import h5py
import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ beside the fixtures
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures')
sys.path[:0] = [os.path.join(FIXTURES, 'analysis'), FIXTURES, os.path.join(FIXTURES, 'sacla')]
from make_analysis_fixtures import ORIGINAL, calibrate, closest_dark, motor_step  # noqa: E402
from make_fixtures import P2Vector  # noqa: E402
from sacla_layout import assemble, find_detector, geometry, radial_profile, read_sensor_geometry, scalar  # noqa: E402

F32 = np.float32
F64 = np.float64


class Phases:
    """Seconds spent per phase of the analysis."""

    def __init__(self):
        self.seconds = {}
        self._name = None
        self._start = None

    def __call__(self, name):
        now = time.perf_counter()
        if self._name is not None:
            self.seconds[self._name] = self.seconds.get(self._name, 0.0) + now - self._start
        self._name, self._start = name, now


class Detector:
    """One detector of a run: its sensor groups (found by detector_name), dark and eV/ADU per sensor."""

    def __init__(self, run_group, det_id, first_tag, dark_path):
        parts, self.stacked = find_detector(run_group, det_id)
        self.groups = [run_group[p] for p in parts]
        first = self.groups[0][f'tag_{first_tag}/detector_data']
        rows, cols = first.shape
        # float64 stored images stay float64, as the fixtures' reference keeps them
        self.dtype = F64 if first.dtype == F64 else F32
        gains = [scalar(g['detector_info/absolute_gain']) for g in self.groups]
        ev = np.array([self.dtype(gain * 3.65) for gain in gains], dtype=self.dtype)
        self.ev = ev[:, None, None] if self.stacked else ev[0]
        sensors = [read_sensor_geometry(g['detector_info']) for g in self.groups]
        self.geometry = geometry(None if all(s is None for s in sensors) else sensors, rows, cols)
        self.dark = np.load(dark_path).astype(self.dtype) if dark_path else None

    def raw(self, tag):
        key = f'tag_{tag}/detector_data'
        return np.stack([g[key][()] for g in self.groups]) if self.stacked else self.groups[0][key][()]

    def correct(self, raw):
        img = raw.astype(self.dtype)
        if self.dark is not None:
            img -= self.dark
        img *= self.ev
        return img


class Mean:
    """The original's Mean: mean += x/n - mean/n, in float64."""

    def __init__(self):
        self.n = 0
        self.value = None

    def accumulate(self, x):
        x = np.asarray(x, dtype=F64)
        self.n += 1
        if self.value is None:
            self.value = np.zeros_like(x)
        self.value += x / self.n - self.value / self.n


class Maximum:
    """The original's Maximum: the first image as is, then np.maximum (NaN propagates)."""

    def __init__(self):
        self.value = None

    def accumulate(self, x):
        if self.value is None:
            self.value = x.copy()
        else:
            np.maximum(self.value, x, out=self.value)


class TopK:
    """The k largest values with their payloads, largest first; a tie keeps the earlier shot."""

    def __init__(self, k):
        self.k = k
        self.entries = []  # (value, shot, payload)

    def add(self, value, shot, payload):
        if len(self.entries) == self.k and not value > self.entries[-1][0]:
            return
        at = next((j for j, e in enumerate(self.entries) if value > e[0]), len(self.entries))
        self.entries.insert(at, (value, shot, payload))
        del self.entries[self.k:]


def open_run(path):
    """Tags, calibrated values, the good shots and the three detectors of the run in `path`."""
    f = h5py.File(path, 'r')
    run = int(f['file_info/run_number_list'][0])
    g = f[f'run_{run}']
    tags = g['event_info/tag_number_list'][()].astype(np.int64)
    stamps = g['event_info/time_stamp'][()]
    middle = (stamps[0] + stamps[-1]) / 2
    values = {}
    for name, (key, cal) in ORIGINAL['values'].items():
        where = next(p for p in ('daq_info/' + key, 'event_info/' + key) if p in g)
        values[name] = calibrate(g[where][()], cal)
    good, _ = motor_step(np.arange(tags.size), values['sampleX2'])
    good = good[values['shutter_open'][good] > 0]
    data_dir = os.path.dirname(os.path.abspath(path))
    detectors = {}
    for name, det_id in ORIGINAL['detectors'].items():
        folder = ORIGINAL['darks'].get(name)
        dark = closest_dark(os.path.join(data_dir, folder), middle) if folder else None
        detectors[name] = Detector(g, det_id, tags[0], dark)
    return f, run, tags, values, good, detectors


def analyse(path):
    phases = Phases()
    phases('open')
    f, run, tags, values, good, dets = open_run(path)
    spec_det, side_det, fwd_det = dets['spectrometer'], dets['side_ccd'], dets['forward_ccd']
    cut = ORIGINAL['noise_cut']
    bins, lo, hi = ORIGINAL['hist']
    bright_above = side_det.dtype(ORIGINAL['bright_above'])

    spectrum_mean, spectra = Mean(), []
    side_mean, forward_mean, side_max = Mean(), Mean(), Maximum()
    side_hist, forward_hist = Mean(), Mean()
    bright, side_totals, forward_totals = [], [], []
    top = TopK(ORIGINAL['top_k'])
    median = None

    def noise_cut(img):
        t = img.dtype.type
        return np.where(img < t(cut), t(0), img)  # NaN < cut is False: NaN stays

    for i in good:
        tag = int(tags[i])
        phases('read')
        raws = [d.raw(tag) for d in (spec_det, side_det, fwd_det)]
        phases('correct')
        spec, side, fwd = (d.correct(r) for d, r in zip((spec_det, side_det, fwd_det), raws))
        phases('accumulate')
        spectrum = spec.mean(axis=1, dtype=F64).astype(spec.dtype)
        spectrum_mean.accumulate(spectrum)
        spectra.append(spectrum)
        side_nc, fwd_nc = noise_cut(side), noise_cut(fwd)
        side_mean.accumulate(side_nc)
        forward_mean.accumulate(fwd_nc)
        side_max.accumulate(side)
        side_hist.accumulate(np.histogram(side, bins, (lo, hi))[0])
        forward_hist.accumulate(np.histogram(fwd, bins, (lo, hi))[0])
        bright.append(np.count_nonzero(side > bright_above))
        side_total = np.nansum(side_nc, dtype=F64)
        forward_total = np.nansum(fwd_nc, dtype=F64)
        side_totals.append(side_total)
        forward_totals.append(forward_total)
        top.add(forward_total, int(i), (fwd_nc, side_nc, side_total))
        phases('p2')
        if median is None:
            median = P2Vector(ORIGINAL['p2_markers'], side.size)
        median.add(side.ravel())

    phases('finish')
    gs, gf = side_det.geometry, fwd_det.geometry
    edges = np.linspace(lo, hi, bins + 1)
    centers = (edges[:-1] + edges[1:]) / 2
    out = {name: v[good] for name, v in values.items()}
    out.update(
        tag=tags[good],
        runNR=np.array(run, dtype=np.int32),
        spectrum_mean=spectrum_mean.value,
        spectrum=np.stack(spectra),
        side_mean=assemble(side_mean.value, gs),
        forward_mean=assemble(forward_mean.value, gf),
        side_max=assemble(side_max.value, gs),
        side_hist_mean=side_hist.value,
        forward_hist_mean=forward_hist.value,
        side_hist_centers=centers,
        forward_hist_centers=centers,
        side_bright_pershot=np.array(bright, dtype=F64),
        side_total=np.array(side_totals),
        forward_total=np.array(forward_totals),
        i_top_images=np.array([e[1] for e in top.entries], dtype=np.int32),
        forward_top_images=np.stack([assemble(e[2][0], gf) for e in top.entries]),
        side_top_image=np.stack([assemble(e[2][1], gs) for e in top.entries]),
        forward_top_image_sum=np.array([e[0] for e in top.entries]),
        side_top_image_sum=np.array([e[2][2] for e in top.entries]),
        side_radial=radial_profile(side_mean.value, gs),
        side_median=assemble(median.h[2].reshape(side.shape), gs),
    )
    for name, (length, i0, c0, d) in ORIGINAL['axes'].items():
        out[name] = (np.arange(length, dtype=F64) - i0) * d + c0
    f.close()
    phases(None)
    summary = dict(seconds=sum(phases.seconds.values()), shots_in_run=int(tags.size), good_shots=int(good.size),
                   phases=phases.seconds, numpy=np.__version__, h5py=h5py.__version__)
    return summary, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('run_file')
    ap.add_argument('--out', help='write every dataset of the result here (HDF5)')
    args = ap.parse_args()
    summary, out = analyse(args.run_file)
    if args.out:
        with h5py.File(args.out, 'w') as f:
            for name, v in out.items():
                f.create_dataset(name, data=v)
    print(json.dumps(summary))


if __name__ == '__main__':
    main()
