// The first WebGL context of a page starts Chromium's GPU process, the first use of each of
// H5Web's shaders compiles it, and the first colour picture drawn sets up the page's GPU
// command buffer (GpuChannelHost::CreateViewCommandBuffer in Chromium's traces); with a
// software renderer (SwiftShader) each takes up to hundreds of milliseconds.
// The page pays for them once, at start-up, by drawing each kind of plot and a colour picture
// out of sight, rather than in the middle of an analysis.
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { Heatmap } from './Heatmap.js';
import { LinePlot } from './LinePlot.js';
import { ScatterPlot } from './ScatterPlot.js';
import { ColourImage } from './ColourImage.js';

const FRAMES = 3;
// At most this many more for the colour picture (it is drawn within a few).
const MAX_FRAMES = 120;

export async function warmUp(): Promise<void> {
  const host = document.createElement('div');
  host.className = 'warm-up';
  host.setAttribute('aria-hidden', 'true');
  document.body.append(host);
  const root = createRoot(host);
  const values = Float64Array.of(0, 1, 2, 3);
  // The colour picture is drawn some tasks after it mounts (in slices): its own size (its canvas
  // takes it when drawn), and waited for. Its first draw sets up the page's GPU command buffer.
  const picture = Float64Array.from({ length: 8 * 6 }, (_, i) => i);
  root.render(
    createElement(
      'div',
      null,
      createElement(Heatmap, { name: 'warm-up', title: '', data: { data: values, shape: [2, 2] } }),
      createElement(LinePlot, { name: 'warm-up', title: '', x: { label: '' }, yLabel: '', series: [{ name: 'a', values }], bins: true }),
      createElement(ScatterPlot, { name: 'warm-up', title: '', x: { label: '', values }, y: { label: '', values }, colour: { label: '', values } }),
      createElement(ColourImage, { image: { data: picture, shape: [6, 8] }, label: '' }),
    ),
  );
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  for (let i = 0; i < FRAMES; i++) await frame();
  const drawn = () => host.querySelector<HTMLCanvasElement>('canvas.colour-image')?.width === 8;
  for (let i = 0; i < MAX_FRAMES && !drawn(); i++) await frame();
  await frame();
  root.unmount();
  host.remove();
}
