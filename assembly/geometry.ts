// Where a detector's pixels lie in its assembled picture, computed once per detector and run:
// each sensor pixel's picture coordinates, the picture cell → stack pixel map, and the radius
// bin of each pixel around a centre. Kernels rather than TypeScript loops because every worker
// thread runs them once, cold, on its critical path (a cold million-pixel loop in JavaScript
// costs ~10× the compiled one).
//
// see: cctbx/dxtbx src/dxtbx/format/FormatHDF5SaclaMPCCD.py and biochem-fan/cheetah
//      source/cheetah-sacla-api2/prepare-cheetah-sacla-api2.py (write_cheetah_geom): pixel
//      (row r, column c) at X = X0 − c·pf·cos a + r·ps·sin a, Y = Y0 + c·pf·sin a + r·ps·cos a.
//      The arithmetic is in the order of bindings/image/geometry.ts's sensorPositions, so both
//      give the same doubles.

/**
 * Picture coordinates u = −X/pitch, v = Y/pitch of one sensor's rows × cols pixels (f64 ×
 * rows·cols each, row-major), and their extent: extent[0..3] = min u, max u, min v, max v.
 */
export function sensorCoordinates(u: usize, v: usize, rows: i32, cols: i32, x0: f64, y0: f64, cos: f64, sin: f64, ps: f64, pf: f64, pitch: f64, extent: usize): void {
  let u0 = Infinity;
  let u1 = -Infinity;
  let v0 = Infinity;
  let v1 = -Infinity;
  for (let r = 0; r < rows; r++) {
    const rf = <f64>r;
    const row = <usize>r * <usize>cols;
    for (let c = 0; c < cols; c++) {
      const cf = <f64>c;
      const ui = -(x0 - cf * pf * cos + rf * ps * sin) / pitch;
      const vi = (y0 + cf * pf * sin + rf * ps * cos) / pitch;
      const i = (row + <usize>c) << 3;
      store<f64>(u + i, ui);
      store<f64>(v + i, vi);
      if (ui < u0) u0 = ui;
      if (ui > u1) u1 = ui;
      if (vi < v0) v0 = vi;
      if (vi > v1) v1 = vi;
    }
  }
  store<f64>(extent, u0);
  store<f64>(extent, u1, 8);
  store<f64>(extent, v0, 16);
  store<f64>(extent, v1, 24);
}

/**
 * For the cells (rows r0..r1, columns c0..c1, inclusive) of a picture `cols` wide that no
 * earlier sensor took (map < 0): the cell's centre taken back into this sensor's frame, and
 * the nearest of its sRows × sCols pixels (stack index offset + row·sCols + col) when the
 * centre falls on the sensor.
 */
export function assemblySensor(
  map: usize,
  cols: i32,
  r0: i32,
  r1: i32,
  c0: i32,
  c1: i32,
  pitch: f64,
  uMin: f64,
  vMin: f64,
  x0: f64,
  y0: f64,
  cos: f64,
  sin: f64,
  ps: f64,
  pf: f64,
  sRows: i32,
  sCols: i32,
  offset: i32,
): void {
  const rowEnd = <f64>sRows - 0.5;
  const colEnd = <f64>sCols - 0.5;
  for (let row = r0; row <= r1; row++) {
    const y = pitch * (vMin + <f64>row);
    for (let col = c0; col <= c1; col++) {
      const cell = map + ((<usize>row * <usize>cols + <usize>col) << 2);
      if (load<i32>(cell) >= 0) continue;
      const x = -pitch * (uMin + <f64>col);
      const dx = x - x0;
      const dy = y - y0;
      const cf = (-dx * cos + dy * sin) / pf;
      const rs = (dx * sin + dy * cos) / ps;
      if (rs >= -0.5 && rs < rowEnd && cf >= -0.5 && cf < colEnd) {
        store<i32>(cell, offset + <i32>nearest(rs) * sCols + <i32>nearest(cf));
      }
    }
  }
}

/**
 * map[i] = rint(os · √((v[i] − vMin − vc)² + (u[i] − uMin − uc)²)) (round half to even, as
 * numpy.rint) for `length` pixels of picture coordinates u, v (f64).
 */
export function radialBinMapAt(map: usize, u: usize, v: usize, length: i32, uMin: f64, vMin: f64, uc: f64, vc: f64, os: f64): void {
  for (let i = 0; i < length; i++) {
    const dv = load<f64>(v + (<usize>i << 3)) - vMin - vc;
    const du = load<f64>(u + (<usize>i << 3)) - uMin - uc;
    store<i32>(map + (<usize>i << 2), <i32>nearest(os * Math.sqrt(dv * dv + du * du)));
  }
}
