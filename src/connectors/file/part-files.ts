/**
 * Part-file naming and low-level file operations of the {@link FileSink}: the hidden in-progress and
 * pending names, the visible committed name, parsing names back to (subtask, counter), and synchronous
 * fsync'ed writes and renames (the Sink SPI calls writers synchronously).
 */
import { closeSync, fsyncSync, openSync, readdirSync, constants as fsc } from 'node:fs';

/** How part files are named: `<prefix>-<subtask>-<n><suffix>` once committed. */
export interface OutputFileConfig {
  /** Default `part`. */
  readonly partPrefix: string;
  /** Default `''` (e.g. `.jsonl`). */
  readonly partSuffix: string;
}

export type PartStage = 'inprogress' | 'pending' | 'committed';

/** A part file found in the output directory. */
export interface PartFile {
  name: string;
  subtask: number;
  counter: number;
  stage: PartStage;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Names of one part file in each stage. */
export function partName(cfg: OutputFileConfig, subtask: number, counter: number, stage: PartStage): string {
  const base = `${cfg.partPrefix}-${subtask}-${counter}${cfg.partSuffix}`;
  return stage === 'committed' ? base : `.${base}.${stage}`;
}

/** Parses a file name written by {@link partName}; undefined for other files. */
export function parsePartName(cfg: OutputFileConfig, name: string): PartFile | undefined {
  const re = new RegExp(`^(\\.)?${escapeRe(cfg.partPrefix)}-(\\d+)-(\\d+)${escapeRe(cfg.partSuffix)}(?:\\.(inprogress|pending))?$`);
  const m = re.exec(name);
  if (!m) return undefined;
  const hidden = m[1] === '.';
  const stage = m[4] as PartStage | undefined;
  if (hidden !== (stage !== undefined)) return undefined;
  return { name, subtask: Number(m[2]), counter: Number(m[3]), stage: stage ?? 'committed' };
}

/** Part files of `dir` (all subtasks); [] when the directory does not exist. */
export function listPartFiles(cfg: OutputFileConfig, dir: string): PartFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: PartFile[] = [];
  for (const n of names) {
    const p = parsePartName(cfg, n);
    if (p) out.push(p);
  }
  return out;
}

/** fsyncs a file or directory by path. */
export function fsyncPathSync(path: string, dir = false): void {
  const fd = openSync(path, dir ? fsc.O_RDONLY | (fsc.O_DIRECTORY ?? 0) : 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
