// Files from a picker or a drop, with their paths relative to what was chosen (a dropped or
// picked folder keeps its inner layout, so a config's `darks/side_ccd` is found next to the run).
import type { MountFile } from './types.js';

/** Paths inside the chosen folder: "data/darks/x.npy" from folder "data" → "darks/x.npy". */
function relative(paths: MountFile[]): MountFile[] {
  const tops = new Set(paths.map((p) => (p.path.includes('/') ? p.path.split('/')[0] : '')));
  if (tops.size === 1 && !tops.has('')) {
    const [top] = tops;
    return paths.map((p) => ({ ...p, path: p.path.slice(top.length + 1) }));
  }
  return paths;
}

export function fromInput(list: FileList | null): MountFile[] {
  const files = [...(list ?? [])].map((file) => ({ path: (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name, file }));
  return relative(files);
}

function readEntries(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  return new Promise((resolve, reject) => {
    const next = () =>
      reader.readEntries((batch) => {
        if (!batch.length) resolve(all);
        else {
          all.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

async function walk(entry: FileSystemEntry, prefix: string, out: MountFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ path: prefix + entry.name, file });
  } else if (entry.isDirectory) {
    for (const child of await readEntries(entry as FileSystemDirectoryEntry)) await walk(child, `${prefix}${entry.name}/`, out);
  }
}

/** Every file of a drop, folders walked (files stay where they lie: only File handles are taken). */
export async function fromDrop(event: DragEvent): Promise<MountFile[]> {
  const items = [...(event.dataTransfer?.items ?? [])];
  const entries = items.map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (!entries.length) return [...(event.dataTransfer?.files ?? [])].map((file) => ({ path: file.name, file }));
  const out: MountFile[] = [];
  for (const e of entries) await walk(e, '', out);
  return relative(out);
}

/** Makes an element a drop target. */
export function dropTarget(el: HTMLElement, onFiles: (files: MountFile[]) => void): void {
  el.addEventListener('dragover', (e) => {
    e.preventDefault();
    el.classList.add('over');
  });
  el.addEventListener('dragleave', () => el.classList.remove('over'));
  el.addEventListener('drop', (e) => {
    e.preventDefault();
    el.classList.remove('over');
    void fromDrop(e).then(onFiles);
  });
}
