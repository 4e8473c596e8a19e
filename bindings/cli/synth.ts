import type { Command } from 'commander';
export function registerSynth(_program: Command): void {}
