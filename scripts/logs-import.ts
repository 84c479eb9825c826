/**
 * Posts Amazon Bedrock model invocation log files to the running service (`POST /invocation-logs`).
 *
 *   npm run logs:import -- FILE|DIR ...
 *
 * Reads the gzipped JSON lines Bedrock delivers to S3 (`.json.gz`, or plain JSON lines) and
 * CloudWatch Logs subscription payloads (decoded JSON, or `{"awslogs": {"data": base64(gzip)}}`
 * as a subscribed function receives them). A directory is read recursively. Records go out in
 * batches of at most 500 (and under the body limit); a file or record that cannot be read is
 * counted and reported, never fatal. `API_URL` (default http://127.0.0.1:3000/api/cost-management)
 * and `API_KEY` (default local-dev-key) name the service.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  isSubscriptionPayload,
  recordsFromJsonLines,
  recordsFromSubscription,
  type SplitRecords,
} from '@cost-management/core';
import { runMain } from './run-main.js';

export const MAX_RECORDS_PER_POST = 500;
/** Stay under the API's 256 KiB body limit with room for the envelope. */
export const MAX_BODY_BYTES = 240 * 1024;

export interface ImportTotals {
  files: number;
  records: number;
  recorded: number;
  duplicates: number;
  unattributed: number;
  skipped: number;
  rejected: number;
  /** Files, lines or log events that were not readable records (not JSON, not gzip, too large…). */
  unreadable: number;
  problems: string[];
}

export interface ImportOptions {
  apiUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

/** Every file under the given paths, in a stable order. */
export function listFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) walk(join(path, name));
    } else if (stat.isFile()) files.push(path);
  };
  for (const path of paths) walk(path);
  return files;
}

const isGzip = (bytes: Buffer) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

function parseWhole(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** The records of one file's bytes, whichever of the delivery shapes it has. Throws only on unreadable bytes. */
export function recordsOfFile(bytes: Buffer): SplitRecords {
  const text = (isGzip(bytes) ? gunzipSync(bytes) : bytes).toString('utf8');
  const whole = parseWhole(text.trim());
  if (whole.ok) {
    let value = whole.value;
    const data = (value as { awslogs?: { data?: unknown } } | null)?.awslogs?.data;
    if (typeof data === 'string') {
      value = JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8'));
    }
    if (isSubscriptionPayload(value)) return recordsFromSubscription(value);
    if (Array.isArray(value)) return { records: value, errors: [] };
  }
  return recordsFromJsonLines(text);
}

/** Batches of records: at most 500 each and under the body limit; a record too large alone is returned apart. */
export function batchesOf(records: readonly unknown[]): { batches: unknown[][]; tooLarge: number[] } {
  const batches: unknown[][] = [];
  const tooLarge: number[] = [];
  let current: unknown[] = [];
  let size = 20;
  records.forEach((record, index) => {
    const bytes = Buffer.byteLength(JSON.stringify(record)) + 1;
    if (bytes + 20 > MAX_BODY_BYTES) {
      tooLarge.push(index);
      return;
    }
    if (current.length >= MAX_RECORDS_PER_POST || size + bytes > MAX_BODY_BYTES) {
      batches.push(current);
      current = [];
      size = 20;
    }
    current.push(record);
    size += bytes;
  });
  if (current.length > 0) batches.push(current);
  return { batches, tooLarge };
}

interface PostAnswer {
  recorded: number;
  duplicates: number;
  unattributed: number;
  rejected: { index: number; message: string }[];
  skipped: { index: number; reason: string }[];
}

/** Reads the files and posts their records; the service's answers are summed. Throws only when the service fails. */
export async function importLogFiles(
  paths: readonly string[],
  options: ImportOptions,
): Promise<ImportTotals> {
  const send = options.fetch ?? fetch;
  const log = options.log ?? (() => {});
  const totals: ImportTotals = {
    files: 0,
    records: 0,
    recorded: 0,
    duplicates: 0,
    unattributed: 0,
    skipped: 0,
    rejected: 0,
    unreadable: 0,
    problems: [],
  };
  const problem = (text: string) => {
    totals.problems.push(text);
    log(text);
  };
  for (const file of listFiles(paths)) {
    totals.files += 1;
    let split: SplitRecords;
    try {
      split = recordsOfFile(readFileSync(file));
    } catch (error) {
      totals.unreadable += 1;
      problem(`${file}: unreadable (${(error as Error).message})`);
      continue;
    }
    for (const error of split.errors) {
      totals.unreadable += 1;
      problem(`${file}@${error.position}: ${error.message}`);
    }
    totals.records += split.records.length;
    const { batches, tooLarge } = batchesOf(split.records);
    for (const index of tooLarge) {
      totals.unreadable += 1;
      problem(`${file} record ${index}: larger than one request may carry`);
    }
    let offset = 0;
    for (const batch of batches) {
      const response = await send(`${options.apiUrl.replace(/\/$/, '')}/invocation-logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': options.apiKey },
        body: JSON.stringify({ records: batch }),
      });
      const body = await response.text();
      if (response.status !== 200) {
        throw new Error(`${file}: the service answered ${response.status}: ${body.slice(0, 500)}`);
      }
      const answer = JSON.parse(body) as PostAnswer;
      totals.recorded += answer.recorded;
      totals.duplicates += answer.duplicates;
      totals.unattributed += answer.unattributed;
      totals.skipped += answer.skipped.length;
      totals.rejected += answer.rejected.length;
      for (const r of answer.rejected) problem(`${file} record ${offset + r.index}: rejected: ${r.message}`);
      offset += batch.length;
    }
  }
  return totals;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) {
    console.error('usage: npm run logs:import -- FILE|DIR ...');
    return 2;
  }
  const totals = await importLogFiles(
    argv.map((p) => resolve(p)),
    {
      apiUrl: process.env.API_URL ?? 'http://127.0.0.1:3000/api/cost-management',
      apiKey: process.env.API_KEY ?? 'local-dev-key',
      log: (line) => console.error(line),
    },
  );
  const { problems: _p, ...counts } = totals;
  console.log(
    Object.entries(counts)
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
  );
  return 0;
}

runMain(import.meta.url, main);
