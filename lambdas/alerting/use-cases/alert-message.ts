import { nanoToDecimalString, toUsd } from '@cost-management/core';
import type { Breach } from '../ports/alerting-store.js';

export type NoticeKind = 'breach' | 'escalation' | 'resolution';

export interface DailySpend {
  date: string;
  costNano: number;
}

const LEVEL_TITLE = { warning: 'Warning', critical: 'Critical', emergency: 'Emergency' } as const;

/** Dollars with cents, and the exact figure below one dollar ($0.0075, not a rounded $0.01). */
const usd = (n: number): string =>
  Math.abs(n) >= 1_000_000_000 ? `$${toUsd(n).toFixed(2)}` : `$${nanoToDecimalString(n)}`;

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/**
 * The breach in the web console: its user's page with the breach highlighted,
 * `<console URL>#/users/<userId>?breach=<breachId>` (any fragment of the configured URL replaced).
 */
export function breachLink(consoleUrl: string, breach: Pick<Breach, 'userId' | 'breachId'>): string {
  const base = consoleUrl.split('#')[0] as string;
  return `${base}#/users/${encodeURIComponent(breach.userId)}?breach=${encodeURIComponent(breach.breachId)}`;
}

export function noticeTitle(breach: Breach, kind: NoticeKind): string {
  if (kind === 'resolution') return 'Resolved';
  const level = LEVEL_TITLE[breach.level];
  return kind === 'escalation' ? `Escalation: ${level}` : level;
}

/** `[Cost alert] Critical: alice spent $101.00 of $100.00 (monthly cap, 2026-11)` */
export function noticeSubject(breach: Breach, kind: NoticeKind): string {
  return `[Cost alert] ${noticeTitle(breach, kind)}: ${breach.userId} spent ${usd(breach.spendNano)} of ${usd(
    breach.limitNano,
  )} (${breach.thresholdName}, ${breach.periodKey})`;
}

function summary(breach: Breach, kind: NoticeKind): string {
  if (kind === 'resolution') {
    return `Spend of ${breach.userId} is back under the ${breach.level} level of "${breach.thresholdName}", or its period ended.`;
  }
  const measure = breach.thresholdType === 'forecast' ? 'is projected to reach' : 'has reached';
  return `${breach.userId} ${measure} ${usd(breach.spendNano)} against a limit of ${usd(breach.limitNano)} (${
    breach.level
  } level of "${breach.thresholdName}", ${breach.thresholdType}, period ${breach.periodKey}).`;
}

/** A small bar chart of the period's daily spend, in inline-styled HTML (mail clients drop scripts and CSS files). */
export function spendChartHtml(days: readonly DailySpend[], limitNano: number): string {
  if (days.length === 0) return '';
  const max = Math.max(1, ...days.map((d) => d.costNano));
  const rows = days
    .map((d) => {
      const width = Math.max(1, Math.round((d.costNano / max) * 240));
      return `<tr><td style="font:12px monospace;padding-right:8px">${d.date}</td><td><div style="background:#d9534f;height:10px;width:${width}px"></div></td><td style="font:12px monospace;padding-left:8px">${usd(d.costNano)}</td></tr>`;
    })
    .join('');
  return `<table role="presentation" style="border-collapse:collapse;margin:12px 0"><caption style="font:bold 12px sans-serif;text-align:left">Daily spend this period (limit ${usd(limitNano)})</caption>${rows}</table>`;
}

export function noticeText(
  breach: Breach,
  kind: NoticeKind,
  days: readonly DailySpend[],
  link?: string,
): string {
  const lines = days.map((d) => `  ${d.date}  ${usd(d.costNano)}`);
  return [
    noticeSubject(breach, kind),
    '',
    summary(breach, kind),
    '',
    ...(lines.length > 0 ? ['Daily spend this period:', ...lines, ''] : []),
    ...(link ? [`Open in the console: ${link}`, ''] : []),
    `Breach: ${breach.breachId}`,
    `Period: ${breach.periodStart} to ${breach.periodEnd} (${breach.timezone})`,
  ].join('\n');
}

export function noticeHtml(
  breach: Breach,
  kind: NoticeKind,
  days: readonly DailySpend[],
  link?: string,
): string {
  const color = kind === 'resolution' ? '#5cb85c' : breach.level === 'warning' ? '#f0ad4e' : '#d9534f';
  return `<!doctype html><html><body style="font-family:sans-serif">
<h2 style="color:${color}">${escapeHtml(noticeTitle(breach, kind))}: ${escapeHtml(breach.userId)}</h2>
<p>${escapeHtml(summary(breach, kind))}</p>
${spendChartHtml(days, breach.limitNano)}
${link ? `<p><a href="${escapeHtml(link)}">Open the breach in the cost console</a></p>\n` : ''}<p style="font-size:12px;color:#666">Breach ${escapeHtml(breach.breachId)} · period ${escapeHtml(
    breach.periodStart,
  )} to ${escapeHtml(breach.periodEnd)} (${escapeHtml(breach.timezone)})</p>
</body></html>`;
}

/** Short SMS text (one segment where possible). */
export function noticeSms(breach: Breach, kind: NoticeKind): string {
  return `${noticeTitle(breach, kind)}: ${breach.userId} ${usd(breach.spendNano)} of ${usd(breach.limitNano)} (${breach.thresholdName})`;
}

/** The webhook's JSON body; `breach.consoleUrl` links to the breach in the console (null without one). */
export function noticeWebhookBody(breach: Breach, kind: NoticeKind, sentAt: string, link?: string): string {
  return JSON.stringify({
    type:
      kind === 'resolution'
        ? 'threshold.resolved'
        : kind === 'escalation'
          ? 'threshold.escalated'
          : 'threshold.breached',
    sentAt,
    breach: {
      breachId: breach.breachId,
      thresholdId: breach.thresholdId,
      thresholdName: breach.thresholdName,
      userId: breach.userId,
      level: breach.level,
      status: breach.status,
      periodKey: breach.periodKey,
      periodStart: breach.periodStart,
      spendUsd: toUsd(breach.spendNano),
      limitUsd: toUsd(breach.limitNano),
      detectedAt: breach.detectedAt,
      resolvedAt: breach.resolvedAt ?? null,
      consoleUrl: link ?? null,
    },
  });
}
