import type { ExpiryRewriter, RetentionJob, RetentionJobStore } from '../ports/retention-job.js';

export interface RetentionJobDeps {
  jobs: RetentionJobStore;
  /** The parts of a tenant's stored data whose items expire, in the order a job rewrites them. */
  parts: readonly ExpiryRewriter[];
  /** Milliseconds since the epoch (a parameter, so tests can run a job "later"). */
  clock?: () => number;
}

export interface RetentionRunSummary {
  /** Jobs that did some work in this run. */
  jobs: number;
  completed: number;
  rewritten: number;
}

/**
 * Runs the open retention jobs whose start time has come, each page by page until it completes
 * or `deadline` (epoch ms) passes. After every page the job's position is saved on condition that
 * the job is still the one read: a crash resumes from the last saved page on the next run, a job
 * replaced by a newer change stops, and two runs at once cannot both advance one job. Pages
 * rewritten twice (a crash between rewrite and save) get the same expiry again.
 */
export async function runRetentionJobs(
  deps: RetentionJobDeps,
  now: Date,
  deadline: number,
): Promise<RetentionRunSummary> {
  const clock = deps.clock ?? Date.now;
  const summary: RetentionRunSummary = { jobs: 0, completed: 0, rewritten: 0 };
  const due = (await deps.jobs.listOpen()).filter((job) => job.startAfter <= now.toISOString());
  for (const job of due) {
    if (clock() >= deadline) break;
    summary.jobs++;
    const result = await runJob(deps, job, deadline, clock);
    summary.rewritten += result.rewritten;
    if (result.completed) summary.completed++;
  }
  return summary;
}

async function runJob(
  deps: RetentionJobDeps,
  stored: RetentionJob,
  deadline: number,
  clock: () => number,
): Promise<{ completed: boolean; rewritten: number }> {
  let job = stored;
  let rewritten = 0;
  while (clock() < deadline) {
    // A job saved by an older deployment may name a part that no longer exists: start over.
    let index = job.part === null ? 0 : deps.parts.findIndex((p) => p.part === job.part);
    if (index < 0) index = 0;
    const part = deps.parts[index];
    if (!part) break;
    const position = index === 0 && job.part !== part.part ? undefined : (job.position ?? undefined);
    const page = await part.rewritePage(job.tenantId, job.retention, position);
    rewritten += page.rewritten;
    const following = deps.parts[index + 1];
    const base = {
      ...job,
      status: 'running' as const,
      examined: job.examined + page.examined,
      rewritten: job.rewritten + page.rewritten,
      step: job.step + 1,
    };
    const next: RetentionJob = page.next
      ? { ...base, part: part.part, position: page.next }
      : following
        ? { ...base, part: following.part, position: null }
        : {
            ...base,
            status: 'completed',
            part: null,
            position: null,
            completedAt: new Date(clock()).toISOString(),
          };
    if (!(await deps.jobs.save(job, next))) return { completed: false, rewritten };
    job = next;
    if (job.status === 'completed') return { completed: true, rewritten };
  }
  return { completed: false, rewritten };
}
