// Plots are mounted once they come on screen, one at a time, and at most MOUNTED of them stay
// mounted. Each H5Web plot creates a WebGL context and compiles its shaders, which in a
// software renderer (SwiftShader) takes tens of milliseconds: one mount per task keeps every
// task short, and Chromium keeps only 16 WebGL contexts per page (the one seen longest ago goes
// first; it comes back when scrolled to).
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';

const MOUNTED = 10;
interface Entry {
  group: string;
  visible: boolean;
  seen: number;
  mount: () => void;
  unmount: () => void;
}

/** The plots of one view (a result shown), released together by `release`. */
export const SeenGroup = createContext('');
const mounted = new Set<Entry>();
const waiting: Entry[] = [];
let clock = 0;
let busy = false;

function evict(): void {
  while (mounted.size > MOUNTED) {
    const oldest = [...mounted].filter((e) => !e.visible).sort((a, b) => a.seen - b.seen)[0];
    if (!oldest) return;
    mounted.delete(oldest);
    oldest.unmount();
  }
}

/** Mounts the next waiting plot, then lets a frame be drawn before the one after. */
function next(): void {
  const entry = waiting.shift();
  if (!entry) {
    busy = false;
    return;
  }
  busy = true;
  if (entry.visible && !mounted.has(entry)) {
    mounted.add(entry);
    entry.mount();
    evict();
  }
  requestAnimationFrame(() => setTimeout(next, 0));
}

/**
 * Unmounts the mounted plots of a group one per task (a WebGL context's teardown is a long
 * call of its own in a software renderer); resolves when none is left.
 */
export function release(group: string): Promise<void> {
  return new Promise((resolve) => {
    const step = () => {
      for (let k = waiting.length - 1; k >= 0; k--) if (waiting[k].group === group) waiting.splice(k, 1);
      const entry = [...mounted].find((e) => e.group === group);
      if (!entry) return resolve();
      mounted.delete(entry);
      entry.unmount();
      requestAnimationFrame(() => setTimeout(step, 0));
    };
    step();
  });
}

function request(entry: Entry): void {
  if (!waiting.includes(entry)) waiting.push(entry);
  if (!busy) next();
}

/**
 * Renders `children` once mounted; `height` holds the place before and after; `name` names the
 * place (`data-panel`); `wide`: the whole width of a grid.
 */
export function Seen({ name, height, wide = false, children }: { name: string; height: number; wide?: boolean; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const group = useContext(SeenGroup);
  const [shown, setShown] = useState(false);
  useEffect(() => {
    const entry: Entry = { group, visible: false, seen: 0, mount: () => setShown(true), unmount: () => setShown(false) };
    const io = new IntersectionObserver(
      ([e]) => {
        entry.visible = e.isIntersecting;
        if (!e.isIntersecting) return;
        entry.seen = ++clock;
        if (!mounted.has(entry)) request(entry);
      },
      { rootMargin: '100px' },
    );
    io.observe(ref.current!);
    return () => {
      io.disconnect();
      mounted.delete(entry);
      const k = waiting.indexOf(entry);
      if (k >= 0) waiting.splice(k, 1);
    };
  }, [group]);
  return (
    <div ref={ref} className={wide ? 'seen wide' : 'seen'} style={{ minHeight: height }} data-panel={name}>
      {shown ? children : null}
    </div>
  );
}
