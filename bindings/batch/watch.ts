// Following a beamtime: poll the data folder; when a run file is complete (its size and time
// unchanged for `settleMs`), analyse it here (one `sacla analyse` process at a time, its output
// in OUT/logs/run_<N>.log) or submit it to the scheduler and report how its job ended. What is
// done, under way or failed is read from the result files and OUT/jobs/submissions.json, so a
// restart skips it.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { resultName, storedConfigHash } from '../analysis/results.js';
import { ConfigError } from '../core/errors.js';
import { listRunFiles, summariseRuns } from '../data/runfile.js';
import { addSubmission, logPath, logsDir, markInterrupted } from './record.js';
import type { Scheduler } from './scripts.js';
import { batchStatus, failureCause, failureLine, tailLines } from './status.js';
import { cliEntry, describeConfig, describeConflict, planBatch, submitBatch } from './submit.js';

export interface WatchOptions {
  data: string;
  out: string;
  config: string;
  configHash: string;
  scheduler: Scheduler | 'local';
  /** Only runs ≥ since. */
  since?: number;
  /** Only these runs. */
  runs?: { has(run: number): boolean };
  /** Replace results made with another config (otherwise such runs are skipped, with why). */
  force?: boolean;
  intervalMs: number;
  settleMs: number;
  /** Scheduler jobs: the shortest time between two looks at the queue for the runs submitted. */
  queueIntervalMs: number;
  /** Local analyses: worker threads. */
  workers: number;
  /** Scheduler jobs. */
  job: { chunk: number; cpus: number; jobName: string; partition?: string; time?: string; mem?: string };
  signal: AbortSignal;
  say: (line: string) => void;
  cli?: [string, string];
}

/** Runs one local analysis; resolves with its exit code (130: interrupted). */
async function analyseLocally(opts: WatchOptions, run: number): Promise<number> {
  const out = resolve(opts.out);
  const logs = logsDir(out);
  mkdirSync(logs, { recursive: true });
  const jobId = `local-${process.pid}-${run}`;
  addSubmission(out, {
    scheduler: 'local',
    jobId,
    runs: [run],
    data: resolve(opts.data),
    config: resolve(opts.config),
    configHash: opts.configHash,
    out,
    logs,
    submitted: new Date().toISOString(),
    pid: process.pid,
  });
  const log = logPath(logs, run);
  // The name may be a job's link to its own log (sacla batch): writing through it would
  // overwrite that log.
  rmSync(log, { force: true });
  const fd = openSync(log, 'w');
  writeSync(fd, `sacla batch: run ${run}, job ${jobId} on ${hostname()} at ${new Date().toISOString()}\n`);
  const [node, cli] = opts.cli ?? cliEntry();
  const args = [cli, 'analyse', '--data', resolve(opts.data), '--run', String(run), '--config', resolve(opts.config), '--out', out, '--workers', String(opts.workers)];
  if (opts.force) args.push('--force');
  const child = spawn(node, args, { stdio: ['ignore', fd, fd] });
  const onAbort = () => child.kill('SIGINT');
  opts.signal.addEventListener('abort', onAbort, { once: true });
  const code = await new Promise<number>((done) => {
    child.on('error', (err) => {
      writeSync(fd, `sacla batch: error: could not start ${node} ${cli}: ${err.message}\n`);
      done(127);
    });
    child.on('exit', (c, sig) => done(c ?? (sig === 'SIGINT' ? 130 : 128)));
  });
  opts.signal.removeEventListener('abort', onAbort);
  if (code === 130 || opts.signal.aborted) {
    writeSync(fd, `sacla watch: run ${run} interrupted at ${new Date().toISOString()}\n`);
    closeSync(fd);
    markInterrupted(out, jobId, run);
    return 130;
  }
  writeSync(fd, `sacla batch: run ${run} finished with exit code ${code} at ${new Date().toISOString()}\n`);
  closeSync(fd);
  return code;
}

/** Polls until `signal` aborts. */
export async function watch(opts: WatchOptions): Promise<void> {
  const state: WatchState = { seen: new Map(), handled: new Set(), following: new Set(), lastQueueLook: -Infinity };
  const out = resolve(opts.out);
  let first = true;
  while (!opts.signal.aborted) {
    try {
      await cycle(opts, out, state);
    } catch (err) {
      // A usage mistake, or a problem on the first look (no data folder), stops the watch;
      // later trouble (a scheduler command failing once) is reported and tried again.
      if (first || err instanceof ConfigError) throw err;
      opts.say(`sacla watch: ${(err as Error).message}; trying again in ${opts.intervalMs / 1000} s`);
    }
    first = false;
    try {
      await sleep(opts.intervalMs, undefined, { signal: opts.signal });
    } catch {
      break; // aborted
    }
  }
}

interface WatchState {
  seen: Map<string, { size: number; mtimeMs: number; since: number }>;
  /** Runs this watch is done with (analysed, submitted, skipped). */
  handled: Set<number>;
  /** Runs submitted to the scheduler whose end has not been reported yet. */
  following: Set<number>;
  lastQueueLook: number;
}

async function cycle(opts: WatchOptions, out: string, state: WatchState): Promise<void> {
  const { seen, handled, following } = state;
  const now = Date.now();
  const complete: number[] = [];
  for (const entry of await listRunFiles(opts.data)) {
    if ((opts.since !== undefined && entry.run < opts.since) || (opts.runs && !opts.runs.has(entry.run)) || handled.has(entry.run)) continue;
    let st;
    try {
      st = statSync(entry.path);
    } catch {
      continue; // gone meanwhile
    }
    const key = `${entry.path}#${entry.run}`;
    const prev = seen.get(key);
    if (!prev && (await storedConfigHash(join(out, resultName(entry.run)))) === opts.configHash) {
      // Done before (a restart): no need to wait for the file.
      handled.add(entry.run);
      opts.say(`run ${entry.run}: skipped, done with this config`);
      continue;
    }
    if (!prev || prev.size !== st.size || prev.mtimeMs !== st.mtimeMs) {
      if (!prev) opts.say(`run ${entry.run}: found ${entry.path}, waiting until its size is stable`);
      seen.set(key, { size: st.size, mtimeMs: st.mtimeMs, since: now });
      continue;
    }
    if (now - prev.since >= opts.settleMs) complete.push(entry.run);
  }
  if (complete.length && !opts.signal.aborted) {
    const plan = await planBatch({ data: opts.data, out, runs: { ranges: [], has: (r) => complete.includes(r) }, configHash: opts.configHash, force: opts.force });
    for (const s of plan.skipped) {
      handled.add(s.run);
      if (s.status?.state === 'pending' || s.status?.state === 'running') following.add(s.run);
      opts.say(`run ${s.run}: skipped, ${s.reason}`);
    }
    for (const c of plan.conflicts) {
      if (opts.force) {
        opts.say(`run ${c.run}: replacing ${c.path} (${describeConfig(c.configHash, c.configFile)}): --force`);
        continue;
      }
      handled.add(c.run);
      opts.say(`run ${c.run}: skipped, ${describeConflict(c, opts.configHash, resolve(opts.config))}: --force to replace it`);
    }
    if (opts.scheduler === 'local') {
      for (const run of plan.submit) {
        if (opts.signal.aborted) break;
        const log = logPath(logsDir(out), run);
        opts.say(`run ${run}: analysing (log: ${log})`);
        const code = await analyseLocally(opts, run);
        if (code === 130) break;
        handled.add(run);
        if (code === 0) opts.say(`run ${run}: done → ${join(out, resultName(run))}`);
        else opts.say(failureLine({ run, detail: `exit code ${code}`, cause: failureCause(tailLines(log, 400)) ?? undefined, log }));
      }
    } else if (plan.submit.length) {
      const scheduler = opts.scheduler;
      await submitBatch({ scheduler, runs: plan.submit, data: opts.data, config: opts.config, configHash: opts.configHash, out, ...opts.job, force: opts.force, cli: opts.cli }, (job) => {
        for (const run of job.runs) {
          handled.add(run);
          following.add(run);
        }
        opts.say(`submitted run${job.runs.length === 1 ? '' : 's'} ${summariseRuns(job.runs)}: ${scheduler === 'slurm' ? 'Slurm' : 'PBS'} job ${job.jobId}`);
      });
    }
  }
  if (following.size && Date.now() - state.lastQueueLook >= opts.queueIntervalMs && !opts.signal.aborted) {
    state.lastQueueLook = Date.now();
    for (const s of await batchStatus({ out, configHash: opts.configHash, runs: following })) {
      if (s.state === 'done') opts.say(`run ${s.run}: done → ${s.result}`);
      else if (s.state === 'failed') opts.say(failureLine(s));
      else if (s.state === 'not submitted') opts.say(`run ${s.run}: no longer followed (${s.detail ?? 'not submitted'})`);
      else continue;
      following.delete(s.run);
    }
  }
}
