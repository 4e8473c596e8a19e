// Where the pixels of a detector's sensors lie, and the maps that follow from it: the
// assembled picture (every sensor placed into one 2-D image, gaps NaN) and radius bins
// around a centre in real positions. Maps are computed once per detector and run, by the
// kernels of assembly/geometry.ts; the per-shot work is a gather (assembly/image.ts) or the
// radial kernel with this bin map.
//
// see: cctbx/dxtbx src/dxtbx/format/FormatHDF5SaclaMPCCD.py (panel frames from SACLA's
//      "MPCCD octal image assembly algorithm" note) and biochem-fan/cheetah
//      source/cheetah-sacla-api2/prepare-cheetah-sacla-api2.py (write_cheetah_geom): both
//      place pixel (row r, column c) at X = X0 − c·pf·cos a + r·ps·sin a,
//      Y = Y0 + c·pf·sin a + r·ps·cos a; tjlane/thor src/python/xray.py (from_sacla) for
//      the stage shift X0 = x + cos θ·w·L, Y0 = y + sin θ·w·L. docs/data.md, "Geometry".
import { core, WasmArray } from '../core/wasm.js';
import { stage } from '../core/input.js';
import { RadialProfiler } from './radialProfile.js';

/** One sensor's placement in the detector plane, from its `detector_info`. */
export interface SensorGeometry {
  /** Centre of the first pixel (row 0, column 0), µm: x, y, z. */
  coordinate: [number, number, number];
  /** Rotation of the sensor's axes, degrees (counter-clockwise). */
  rotation: number;
  /** The stage moves the sensor by weight × manipulator along this direction (degrees). */
  stageDirection: number;
  stageShiftWeight: number;
  manipulatorPosition: number;
  /** Pixel pitch in µm: [slow (rows), fast (columns)]. */
  pixelSize: [number, number];
}

/** A sensor of a detector: its placement and image size. */
export interface PlacedSensor {
  geometry: SensorGeometry;
  rows: number;
  cols: number;
}

/** numpy.rint: round half to even. */
export function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const radians = (degrees: number) => (degrees * Math.PI) / 180;

/** The first pixel's centre after the stage shift, and the rotation's cosine and sine. */
function frame(g: SensorGeometry) {
  const theta = radians(g.stageDirection);
  const shift = g.stageShiftWeight * g.manipulatorPosition;
  const a = radians(g.rotation);
  return {
    x0: g.coordinate[0] + Math.cos(theta) * shift,
    y0: g.coordinate[1] + Math.sin(theta) * shift,
    cos: Math.cos(a),
    sin: Math.sin(a),
    ps: g.pixelSize[0],
    pf: g.pixelSize[1],
  };
}

/** Detector-plane positions (µm) of every pixel of one sensor, row-major. */
export function sensorPositions(sensor: PlacedSensor): { x: Float64Array; y: Float64Array } {
  const { x0, y0, cos, sin, ps, pf } = frame(sensor.geometry);
  const n = sensor.rows * sensor.cols;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let r = 0; r < sensor.rows; r++) {
    for (let c = 0; c < sensor.cols; c++) {
      const i = r * sensor.cols + c;
      x[i] = x0 - c * pf * cos + r * ps * sin;
      y[i] = y0 + c * pf * sin + r * ps * cos;
    }
  }
  return { x, y };
}

/**
 * The geometry of a detector of one or more sensors, in the frame of its assembled picture:
 * column u = −X/p − uMin, row v = Y/p − vMin (p the pixel pitch), which is how Cheetah
 * displays its pixel maps; a sensor at rotation 0 assembles to its own image.
 */
export class DetectorGeometry {
  readonly sensors: PlacedSensor[];
  /** Pixel pitch (µm), the same for every sensor and both axes. */
  readonly pitch: number;
  readonly uMin: number;
  readonly vMin: number;
  /** Shape of the assembled picture [rows, cols]. */
  readonly shape: [number, number];
  /** Pixels of all sensors (the stack's length). */
  readonly size: number;
  /** Each sensor's extent in picture units (u, v before the shift by uMin, vMin). */
  #extents: { u0: number; u1: number; v0: number; v1: number }[] = [];

  constructor(sensors: PlacedSensor[]) {
    if (sensors.length === 0) throw new RangeError('DetectorGeometry: no sensors');
    const pitch = sensors[0].geometry.pixelSize[0];
    for (const [k, s] of sensors.entries()) {
      const [ps, pf] = s.geometry.pixelSize;
      if (!(ps > 0 && Number.isFinite(ps)) || ps !== pitch || pf !== pitch) {
        throw new RangeError(
          `sensor ${k + 1}: pixel size [${s.geometry.pixelSize}] µm; assembling needs square pixels of one size for all sensors (sensor 1: ${pitch} µm)`,
        );
      }
      for (const [name, v] of Object.entries({ ...s.geometry, x: s.geometry.coordinate[0], y: s.geometry.coordinate[1] })) {
        if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError(`sensor ${k + 1}: geometry ${name} is ${v}`);
      }
    }
    this.sensors = sensors.map((s) => ({ ...s, geometry: { ...s.geometry } }));
    this.pitch = pitch;
    this.size = sensors.reduce((a, s) => a + s.rows * s.cols, 0);
    // The positions are not kept: a map that needs them computes them again in wasm memory
    // (#positions, ~2 ms per 10⁶ pixels), which is cheaper than copying 16 MB out per run.
    let uMin = Infinity;
    let vMin = Infinity;
    let uMax = -Infinity;
    let vMax = -Infinity;
    const { u, v } = this.#positions((extent) => {
      this.#extents.push(extent);
      uMin = Math.min(uMin, extent.u0);
      uMax = Math.max(uMax, extent.u1);
      vMin = Math.min(vMin, extent.v0);
      vMax = Math.max(vMax, extent.v1);
    });
    u.dispose();
    v.dispose();
    this.uMin = uMin;
    this.vMin = vMin;
    this.shape = [rint(vMax - vMin) + 1, rint(uMax - uMin) + 1];
  }

  /**
   * Every stack pixel's position in picture units (u = −X/p, v = Y/p, before the shift by
   * uMin, vMin), in wasm arrays the caller disposes, one kernel pass per sensor
   * (assembly/geometry.ts); `extent` receives each sensor's extent.
   */
  #positions(extent?: (e: { u0: number; u1: number; v0: number; v1: number }) => void): { u: WasmArray<'f64'>; v: WasmArray<'f64'> } {
    const u = new WasmArray('f64', this.size);
    const v = new WasmArray('f64', this.size);
    const extentOut = new WasmArray('f64', 4);
    try {
      let offset = 0;
      for (const s of this.sensors) {
        const { x0, y0, cos, sin, ps, pf } = frame(s.geometry);
        core.sensorCoordinates(u.ptr + offset * 8, v.ptr + offset * 8, s.rows, s.cols, x0, y0, cos, sin, ps, pf, this.pitch, extentOut.ptr);
        const [u0, u1, v0, v1] = extentOut.view();
        extent?.({ u0, u1, v0, v1 });
        offset += s.rows * s.cols;
      }
    } catch (err) {
      u.dispose();
      v.dispose();
      throw err;
    } finally {
      extentOut.dispose();
    }
    return { u, v };
  }

  /** Continuous picture coordinates (rows v, columns u) of every stack pixel. */
  coordinates(): { u: Float64Array; v: Float64Array } {
    const { u, v } = this.#positions();
    try {
      return { u: u.view().map((x) => x - this.uMin), v: v.view().map((x) => x - this.vMin) };
    } finally {
      u.dispose();
      v.dispose();
    }
  }

  /**
   * For every cell of the assembled picture, the stack index of the pixel it shows, or −1:
   * the cell's centre is taken back into each sensor's frame (in sensor order; the first
   * that covers it wins) and the nearest pixel is taken. Computed once (every assembled output
   * asks for it); the array is shared: do not change it.
   */
  assemblyMap(): Int32Array {
    this.#assembly ??= this.#assemble();
    return this.#assembly;
  }

  #assembly: Int32Array | null = null;

  #assemble(): Int32Array {
    const [rows, cols] = this.shape;
    const map = new WasmArray('i32', rows * cols).fill(-1);
    try {
      let offset = 0;
      const { pitch, uMin, vMin } = this;
      for (const [k, s] of this.sensors.entries()) {
        const { x0, y0, cos, sin, ps, pf } = frame(s.geometry);
        // Only the cells near the sensor's own pixels can take one of them.
        const box = this.#box(k);
        const [r0, r1] = [Math.max(0, box.v0 - 1), Math.min(rows - 1, box.v1 + 1)];
        const [c0, c1] = [Math.max(0, box.u0 - 1), Math.min(cols - 1, box.u1 + 1)];
        core.assemblySensor(map.ptr, cols, r0, r1, c0, c1, pitch, uMin, vMin, x0, y0, cos, sin, ps, pf, s.rows, s.cols, offset);
        offset += s.rows * s.cols;
      }
      return map.copy();
    } finally {
      map.dispose();
    }
  }

  /** The cells (rows v0..v1, columns u0..u1) spanned by the pixel centres of sensor k. */
  #box(k: number): { v0: number; v1: number; u0: number; u1: number } {
    const e = this.#extents[k];
    return {
      v0: Math.floor(e.v0 - this.vMin),
      v1: Math.ceil(e.v1 - this.vMin),
      u0: Math.floor(e.u0 - this.uMin),
      u1: Math.ceil(e.u1 - this.uMin),
    };
  }

  /**
   * The centre in picture coordinates [row, col]: `center` as given (pixels of the assembled
   * picture), or `centerUm` ([X, Y] in the detector plane, µm), or the picture's shape // 2.
   */
  center(center?: ArrayLike<number> | null, centerUm?: ArrayLike<number> | null): [number, number] {
    if (center && centerUm) throw new RangeError('give the centre in pixels (center) or in µm (centerUm), not both');
    if (centerUm) {
      if (centerUm.length !== 2) throw new RangeError(`centerUm must be [X, Y] in µm, got ${centerUm.length} value(s)`);
      return [centerUm[1] / this.pitch - this.vMin, -centerUm[0] / this.pitch - this.uMin];
    }
    if (center) {
      if (center.length !== 2) throw new RangeError(`center must be [row, col] of the assembled picture, got ${center.length} value(s)`);
      return [center[0], center[1]];
    }
    return [Math.floor(this.shape[0] / 2), Math.floor(this.shape[1] / 2)];
  }

  /**
   * A radial profiler over the stack's pixels in their real positions: `center` [row, col] of
   * the assembled picture, or `centerUm` [X, Y] in µm (default: the picture's shape // 2).
   */
  radialProfiler({ center = null, centerUm = null, os = 1 }: { center?: number[] | null; centerUm?: number[] | null; os?: number } = {}): RadialProfiler {
    const [first] = this.sensors;
    const shape = this.sensors.length > 1 ? [this.sensors.length, first.rows, first.cols] : [first.rows, first.cols];
    return RadialProfiler.fromBinMap(this.radialBinMap(this.center(center, centerUm), os), shape);
  }

  /**
   * r = rint(os · distance from the centre) of every stack pixel, in picture pixels. Kept for
   * the last centre asked for (a run's check and its result ask for the same); shared: do not
   * change it.
   */
  radialBinMap(centre: [number, number], os = 1): Int32Array {
    const [vc, uc] = centre;
    const key = `${vc},${uc},${os}`;
    if (this.#radial?.key === key) return this.#radial.map;
    const { u, v } = this.#positions();
    const out = new WasmArray('i32', this.size);
    let map: Int32Array;
    try {
      core.radialBinMapAt(out.ptr, u.ptr, v.ptr, this.size, this.uMin, this.vMin, uc, vc, os);
      map = out.copy();
    } finally {
      out.dispose();
      u.dispose();
      v.dispose();
    }
    this.#radial = { key, map };
    return map;
  }

  #radial: { key: string; map: Int32Array } | null = null;
}

/**
 * The sensors' pixels placed into one 2-D picture (NaN where no sensor is), from a stack in
 * the detector's sensor order (a typed array of `geometry.size` values, or `{data, shape}`).
 */
export function assemble(data: unknown, geometry: DetectorGeometry): { data: Float32Array | Float64Array; shape: [number, number] } {
  const input = stage(data, 'assemble');
  if (input.length !== geometry.size) throw new RangeError(`assemble: the detector has ${geometry.size} pixels, the data ${input.length}`);
  const map = new WasmArray('i32', geometry.shape[0] * geometry.shape[1]).set(geometry.assemblyMap());
  const out = input.dtype === 'f64' ? new WasmArray('f64', map.length) : new WasmArray('f32', map.length);
  try {
    (input.dtype === 'f64' ? core.gatherF64 : core.gather)(input.ptr, map.ptr, out.ptr, map.length);
    return { data: out.copy(), shape: [...geometry.shape] };
  } finally {
    map.dispose();
    out.dispose();
  }
}
