// The run view while an analysis runs: the images on screen, merged from the shot workers every
// few seconds (./runData.ts), drawn as plain coloured pictures with their range; the H5Web plots
// take their place when the analysis is done. Creating a plot's WebGL context and shaders would
// take a software renderer longer than a frame while the workers keep every core busy.
import { useMemo, useState } from 'react';
import { ColourImage } from '../../plots/ColourImage.js';
import { Seen } from '../../plots/Seen.js';
import { tile } from '../../plots/tiles.js';
import { fmt } from '../../plots/format.js';
import { useDatasets, type RunData } from './runData.js';
import { Summary } from './Summary.js';
import type { ImagePanel, Panels } from './panels.js';
import type { ResultMeta } from '../../types.js';

function LiveImage({ data, panel }: { data: RunData; panel: ImagePanel }) {
  const [d] = useDatasets(data, [panel.name]);
  const image = useMemo(() => d && (d.shape.length === 3 ? tile(d).image : d), [d]);
  const [[lo, hi], setRange] = useState<[number, number]>([NaN, NaN]);
  if (!image) return <p className="placeholder small">{panel.name}: waiting for the next merge…</p>;
  const shape = data.shapeOf(panel.name) ?? d!.shape;
  return (
    <figure className={`live-image${panel.perShot ? ' per-shot' : ''}`} data-dataset={panel.name}>
      <figcaption>{panel.title}</figcaption>
      <ColourImage image={image} label={panel.name} onRange={setRange} />
      <span className="range">
        {shape.join(' × ')}
        {d!.shape.join() !== shape.join() ? ` (shown averaged to ${d!.shape.join(' × ')})` : ''} · viridis from {fmt(lo)} to {fmt(hi)}
        {panel.unit ? ` ${panel.unit}` : ''}
      </span>
    </figure>
  );
}

export function LiveView({ meta, panels, data }: { meta: ResultMeta; panels: Panels; data: RunData }) {
  return (
    <>
      <Summary meta={meta} panels={panels} data={data} live />
      <section className="panel images live">
        <h3>Images (live preview: the plots, curves and traces follow when the run is done)</h3>
        <div className="grid">
          {panels.images.map((panel) => (
            <Seen key={panel.name} name={panel.name} height={240} wide={panel.perShot}>
              <LiveImage data={data} panel={panel} />
            </Seen>
          ))}
        </div>
      </section>
    </>
  );
}
