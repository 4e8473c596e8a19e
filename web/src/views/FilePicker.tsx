// Files from a picker (files or a folder) or a drop, handed on with their relative paths.
import { useState, type ReactNode } from 'react';
import { fromDrop, fromInput } from '../files.js';
import type { MountFile } from '../types.js';

export function FilePicker({ label, accept, onFiles, children, testid }: { label: string; accept?: string; onFiles: (files: MountFile[]) => void; children?: ReactNode; testid: string }) {
  const [over, setOver] = useState(false);
  return (
    <div
      className={`dropzone${over ? ' over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        void fromDrop(e.nativeEvent).then(onFiles);
      }}
    >
      {children}{' '}
      <label className="button">
        {label}
        <input
          type="file"
          multiple
          hidden
          accept={accept}
          data-testid={testid}
          onChange={(e) => {
            onFiles(fromInput(e.target.files));
            e.target.value = '';
          }}
        />
      </label>{' '}
      <label className="button">
        folder…
        <input
          type="file"
          multiple
          hidden
          data-testid={`${testid}-folder`}
          ref={(el) => el?.setAttribute('webkitdirectory', '')}
          onChange={(e) => {
            onFiles(fromInput(e.target.files));
            e.target.value = '';
          }}
        />
      </label>
    </div>
  );
}
