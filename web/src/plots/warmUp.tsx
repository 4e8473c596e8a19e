// The first WebGL context of a page starts Chromium's GPU process, the first use of each of
// H5Web's shaders compiles it, and the first picture shown sets up its own path to the
// compositor; with a software renderer (SwiftShader) each takes up to hundreds of milliseconds.
// The page pays for them once, at start-up, by drawing each kind of plot and a colour picture
// out of sight, rather than in the middle of an analysis.
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { Heatmap } from './Heatmap.js';
import { LinePlot } from './LinePlot.js';
import { ScatterPlot } from './ScatterPlot.js';
import { ColourImage } from './ColourImage.js';

const FRAMES = 3;

export async function warmUp(): Promise<void> {
  const host = document.createElement('div');
  host.className = 'warm-up';
  host.setAttribute('aria-hidden', 'true');
  document.body.append(host);
  const root = createRoot(host);
  const values = Float64Array.of(0, 1, 2, 3);
  root.render(
    createElement(
      'div',
      null,
      createElement(Heatmap, { name: 'warm-up', title: '', data: { data: values, shape: [2, 2] } }),
      createElement(LinePlot, { name: 'warm-up', title: '', x: { label: '' }, yLabel: '', series: [{ name: 'a', values }], bins: true }),
      createElement(ScatterPlot, { name: 'warm-up', title: '', x: { label: '', values }, y: { label: '', values }, colour: { label: '', values } }),
      createElement(ColourImage, { image: { data: values, shape: [2, 2] }, label: '' }),
    ),
  );
  for (let i = 0; i < FRAMES; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
  root.unmount();
  host.remove();
}
