// 2 · Config: the built-in kuschel2023 or a loaded JSON file, editable, validated as it is typed
// with the command line's validator; each mistake with its path.
import { validateConfig } from '../../../bindings/analysis/config/index.js';
import builtin from '../../../configs/kuschel2023.json';
import { setList } from '../dom.js';
import { scheduleCheck } from './checking.js';
import { $, errorText, panel, updateButtons } from './state.js';

let loaded: { name: string; text: string } | null = null;

function checkConfig(): void {
  const text = $<HTMLTextAreaElement>('config-text').value;
  try {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new Error(`${panel.configOrigin}: not valid JSON: ${errorText(err)}`);
    }
    panel.config = validateConfig(raw, panel.configOrigin);
    setList($('config-errors'), []);
    $('config-errors').dataset.ok = 'true';
  } catch (err) {
    panel.config = null;
    $('config-errors').dataset.ok = 'false';
    setList($('config-errors'), errorText(err).split('\n'));
  }
  updateButtons();
  scheduleCheck();
}

function setConfigText(text: string, origin: string): void {
  $<HTMLTextAreaElement>('config-text').value = text;
  panel.configOrigin = origin;
  checkConfig();
}

export function setUpConfig(): void {
  $<HTMLSelectElement>('config-select').onchange = (e) => {
    const v = (e.target as HTMLSelectElement).value;
    if (v === 'builtin') setConfigText(JSON.stringify(builtin, null, 2), 'kuschel2023.json');
    else if (loaded) setConfigText(loaded.text, loaded.name);
  };
  $<HTMLInputElement>('config-input').onchange = async (e) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    loaded = { name: file.name, text: await file.text() };
    const sel = $<HTMLSelectElement>('config-select');
    sel.querySelector('option[value="loaded"]')?.remove();
    sel.add(new Option(`${file.name} (loaded)`, 'loaded'));
    sel.value = 'loaded';
    setConfigText(loaded.text, file.name);
  };
  $('config-text').addEventListener('input', () => checkConfig());
  setConfigText(JSON.stringify(builtin, null, 2), 'kuschel2023.json');
}
