// Perceptual colour maps (d3-scale-chromatic: viridis and friends) as 256-entry RGBA tables.
import { interpolateViridis, interpolateMagma, interpolateInferno, interpolateCividis, interpolateTurbo, interpolateGreys } from 'd3-scale-chromatic';

const sources: Record<string, (t: number) => string> = {
  viridis: interpolateViridis,
  magma: interpolateMagma,
  inferno: interpolateInferno,
  cividis: interpolateCividis,
  turbo: interpolateTurbo,
  greys: (t) => interpolateGreys(1 - t),
};

export const COLORMAPS = Object.keys(sources);
const cache = new Map<string, Uint8ClampedArray>();

function parse(color: string): [number, number, number] {
  if (color.startsWith('#')) {
    const n = parseInt(color.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const m = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(color);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
}

/** RGBA bytes of 256 colours from low to high. */
export function lut(name: string): Uint8ClampedArray {
  let table = cache.get(name);
  if (!table) {
    const fn = sources[name] ?? sources.viridis;
    table = new Uint8ClampedArray(256 * 4);
    for (let i = 0; i < 256; i++) {
      const [r, g, b] = parse(fn(i / 255));
      table.set([r, g, b, 255], i * 4);
    }
    cache.set(name, table);
  }
  return table;
}
