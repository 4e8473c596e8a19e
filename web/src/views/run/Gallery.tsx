// The top-k gallery: one card per kept shot, largest first, named by its tag and its good-shot
// index (the index the traces use; ./topk.ts) beside its index in the run, with the scalar
// payloads and a thumbnail of each image payload; a click opens the image at full size.
import { useEffect, useState } from 'react';
import { api } from '../../api.js';
import { Heatmap } from '../../plots/Heatmap.js';
import { ColourImage } from '../../plots/ColourImage.js';
import { tile } from '../../plots/tiles.js';
import { Seen } from '../../plots/Seen.js';
import { fmt } from '../../plots/format.js';
import { topShots } from './topk.js';
import type { TopKPanel } from './panels.js';
import type { Data, ResultMeta } from '../../types.js';

const THUMB = 220;

interface Entry {
  rank: number;
  runIndex: number;
  good: number | null;
  tag: number | null;
}

function Card({ meta, panel, entry, numbers, onOpen }: { meta: ResultMeta; panel: TopKPanel; entry: Entry; numbers: Record<string, Data | undefined>; onOpen: (image: string) => void }) {
  const [thumbs, setThumbs] = useState<Record<string, Data>>({});
  useEffect(() => {
    let alive = true;
    for (const image of panel.images) {
      void api.thumbnail(meta.id, image, entry.rank, THUMB).then((d) => alive && setThumbs((t) => ({ ...t, [image]: d })));
    }
    return () => {
      alive = false;
    };
  }, [meta.id, panel, entry.rank]);
  return (
    <div className="topk-card" data-rank={entry.rank + 1} data-tag={entry.tag ?? ''} data-good={entry.good ?? ''} data-run-index={entry.runIndex}>
      <div className="caption">
        <strong>#{entry.rank + 1}</strong> tag {entry.tag ?? '?'} · good shot {entry.good ?? '?'} · shot {entry.runIndex} of the run
        {panel.numbers.map((n) => (
          <div key={n}>
            {n} {fmt(numbers[n]?.data[entry.rank] ?? NaN)}
            {meta.units[n] ? ` ${meta.units[n]}` : ''}
          </div>
        ))}
      </div>
      {panel.images.map((image) =>
        thumbs[image] ? (
          <button key={image} type="button" className="thumbnail" title={`${image}: click to enlarge`} onClick={() => onOpen(image)}>
            <ColourImage image={thumbs[image].shape.length === 3 ? tile(thumbs[image]).image : thumbs[image]} label={`${image} #${entry.rank + 1}`} />
          </button>
        ) : (
          <div key={image} className="thumbnail waiting" />
        ),
      )}
    </div>
  );
}

function Enlarged({ meta, image, entry, onClose }: { meta: ResultMeta; image: string; entry: Entry; onClose: () => void }) {
  const [data, setData] = useState<Data | null>(null);
  useEffect(() => {
    void api.slice(meta.id, image, entry.rank).then(setData);
  }, [meta.id, image, entry.rank]);
  return (
    <div className="overlay" role="dialog" aria-label={`${image} #${entry.rank + 1}`} onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div className="overlay-body panel">
        <button type="button" className="close" onClick={onClose}>
          close
        </button>
        {data ? (
          <Heatmap
            name={`${image}#${entry.rank + 1}`}
            title={`${image} #${entry.rank + 1}: tag ${entry.tag ?? '?'}, good shot ${entry.good ?? '?'} (shot ${entry.runIndex} of the run)`}
            data={data}
            unit={meta.units[image]}
          />
        ) : (
          <p className="placeholder">loading {image}…</p>
        )}
      </div>
    </div>
  );
}

export function Gallery({ meta, panel, ranking }: { meta: ResultMeta; panel: TopKPanel; ranking: string | null }) {
  const [open, setOpen] = useState<{ image: string; entry: Entry } | null>(null);
  const index = meta.small[panel.name];
  const tag = meta.small.tag;
  if (!index) return null;
  const good = topShots(index.data, ranking ? meta.small[ranking]?.data : undefined);
  const entries: Entry[] = Array.from(index.data, (runIndex, rank) => ({ rank, runIndex, good: good?.[rank] ?? null, tag: good && tag ? tag.data[good[rank]] : null }));
  const numbers = Object.fromEntries(panel.numbers.map((n) => [n, meta.small[n]]));
  return (
    <section className="panel topk" data-topk={panel.name}>
      <h3>
        Top {entries.length} shots by {panel.name}
      </h3>
      {!good && <p className="note">The good-shot index and tag of each entry are unknown: the result has no per-shot output with the ranking&apos;s chain.</p>}
      <Seen name={panel.name} height={THUMB + 80}>
        <div className="cards">
          {entries.map((e) => (
            <Card key={e.rank} meta={meta} panel={panel} entry={e} numbers={numbers} onOpen={(image) => setOpen({ image, entry: e })} />
          ))}
        </div>
      </Seen>
      {open && <Enlarged meta={meta} image={open.image} entry={open.entry} onClose={() => setOpen(null)} />}
    </section>
  );
}
