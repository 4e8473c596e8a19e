// A plot as a PNG file: H5Web draws the data on a WebGL canvas (kept: preserveDrawingBuffer)
// and the axes as SVG; both are painted, where they are on screen, onto one canvas. The SVG
// takes the computed styles of what it shows (its CSS comes from class names, which a
// serialised copy would lose).
const STYLED = ['fill', 'stroke', 'stroke-width', 'stroke-opacity', 'fill-opacity', 'opacity', 'font-family', 'font-size', 'font-weight', 'text-anchor', 'dominant-baseline', 'visibility', 'display'];

function styledCopy(svg: SVGSVGElement): SVGSVGElement {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const from = [svg, ...svg.querySelectorAll('*')];
  const to = [copy, ...copy.querySelectorAll('*')];
  from.forEach((el, i) => {
    const style = getComputedStyle(el);
    const target = to[i] as SVGElement;
    for (const p of STYLED) target.style.setProperty(p, style.getPropertyValue(p));
  });
  const box = svg.getBoundingClientRect();
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(box.width));
  copy.setAttribute('height', String(box.height));
  return copy;
}

async function svgImage(svg: SVGSVGElement): Promise<HTMLImageElement> {
  const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(styledCopy(svg))], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The canvases and SVG layers under `root`, painted over white in document order. */
export async function plotPng(root: HTMLElement): Promise<Blob> {
  const box = root.getBoundingClientRect();
  const scale = window.devicePixelRatio || 1;
  const out = document.createElement('canvas');
  out.width = Math.round(box.width * scale);
  out.height = Math.round(box.height * scale);
  const ctx = out.getContext('2d')!;
  ctx.scale(scale, scale);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, box.width, box.height);
  for (const el of root.querySelectorAll<HTMLCanvasElement | SVGSVGElement>('canvas, svg')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || el.parentElement?.closest('svg')) continue;
    const image = el instanceof HTMLCanvasElement ? el : await svgImage(el);
    ctx.drawImage(image, r.left - box.left, r.top - box.top, r.width, r.height);
  }
  return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('the plot could not be painted'))), 'image/png'));
}

/** Offers a Blob as a download named `name`. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
