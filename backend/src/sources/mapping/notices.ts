/** Notice texts and the bound on notices per frame, shared by the history and stream mappers. */
import type { Notice } from '@tributary/grafana-backend-sdk/frames';
import { MAPPING_LIMITS } from '../../../../src/shared/mapping';
import type { CompiledMapping } from './compile';
import type { RejectReason } from './decode';
import type { RejectCounts } from './rows';

/** Most notices one frame carries; the rest are summed up in one last notice. */
export const MAX_NOTICES_PER_FRAME = 10;

const REASON_TEXT: Record<RejectReason, string> = {
  oversize: 'larger than the payload limit',
  'invalid-utf8': 'not valid UTF-8',
  'invalid-json': 'not valid JSON',
  'not-a-number': 'not a number',
};

export function rejectReasonText(reason: RejectReason, mapping: CompiledMapping): string {
  return reason === 'oversize' ? `larger than ${mapping.maxPayloadBytes} bytes` : REASON_TEXT[reason];
}

/** "3 messages were not mapped: 2 not valid JSON, 1 larger than 1048576 bytes", or undefined. */
export function rejectedNotice(rejected: RejectCounts, mapping: CompiledMapping): Notice | undefined {
  const parts = (Object.keys(rejected) as RejectReason[]).filter((r) => rejected[r] > 0).map((r) => `${rejected[r]} ${rejectReasonText(r, mapping)}`);
  if (parts.length === 0) return undefined;
  const total = Object.values(rejected).reduce((a, b) => a + b, 0);
  return { severity: 'warning', text: `${total} message${total === 1 ? ' was' : 's were'} not mapped: ${parts.join(', ')}` };
}

export function overflowNotice(dropped: number): Notice | undefined {
  if (dropped === 0) return undefined;
  return { severity: 'warning', text: `more than ${MAPPING_LIMITS.maxSeries} topics: ${dropped} messages of further topics were dropped (narrow the topic filter)` };
}

export function timeFallbackText(topic: string, mapping: CompiledMapping, count?: number): string {
  const what = count === undefined ? 'some messages' : `${count} message${count === 1 ? '' : 's'}`;
  return `${what} on "${topic}" had no usable time in "${mapping.time?.name}" (${mapping.timeFormat}); their arrival time is used`;
}

/** At most MAX_NOTICES_PER_FRAME notices: the first ones, then a count of the rest. */
export function boundNotices(notices: Notice[]): Notice[] | undefined {
  if (notices.length === 0) return undefined;
  if (notices.length <= MAX_NOTICES_PER_FRAME) return notices;
  const kept = notices.slice(0, MAX_NOTICES_PER_FRAME - 1);
  kept.push({ severity: 'warning', text: `and ${notices.length - kept.length} more warnings` });
  return kept;
}
