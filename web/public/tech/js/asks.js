// The taps that need a few words first: each asks in a bottom sheet, then queues its action.

import { ask } from './ui.js';

const HOUR = 3_600_000;

/** act(name, variables, label) queues an action; now() gives { me, fmt } at the time of the tap. */
export function questions(act, now) {
  return {
    async complete(job) {
      const got = await ask('Complete the job', [
        { name: 'sold', label: 'Sold amount ($, 0 if no sale)', type: 'number', min: 0, max: 1000000, step: '0.01', value: '0', inputmode: 'decimal' },
        { name: 'note', label: 'Note for the office (optional)', type: 'textarea', required: false },
      ], 'Complete');
      const sold = Number(got?.sold) || 0;
      const note = got?.note || null;
      if (got) act('CompleteJob', { jobId: job.id, soldAmount: sold, note }, `Completed ($${sold.toFixed(2)})`);
    },
    async decline(job) {
      const got = await ask('Decline this job', [{ name: 'reason', label: 'Why? Dispatch sees this.', type: 'textarea' }], 'Decline');
      if (got) act('DeclineJob', { jobId: job.id, reason: got.reason }, 'Declined');
    },
    async late(job) {
      const got = await ask('Running late', [
        { name: 'minutes', label: 'Late by (minutes)', type: 'number', min: 1, max: 600, value: '15', inputmode: 'numeric' },
        { name: 'reason', label: 'Why?', type: 'textarea' },
      ]);
      const minutes = Math.round(Number(got?.minutes));
      if (got) act('ReportRunningLate', { jobId: job.id, minutes, reason: got.reason }, `Running late ${minutes} min`);
    },
    async lateCall(job) {
      const got = await ask('Flag a late call', [{ name: 'reason', label: 'What is the problem with this call?', type: 'textarea' }], 'Flag');
      if (got) act('FlagLateCall', { jobId: job.id, reason: got.reason }, 'Late call flagged');
    },
    async vent() {
      const got = await ask('Message dispatch', [{ name: 'text', label: 'Say what you need to say', type: 'textarea' }]);
      if (got) act('Vent', { text: got.text }, 'Message to dispatch');
    },
    async overtime() {
      const { me, fmt } = now();
      // From the shift's end (or now), in whole hours, within the server's 8-hour limit.
      const from = Math.max(Date.now(), Date.parse(me?.shiftEndsAt ?? '') || 0);
      const limit = Date.now() + 8 * HOUR - 60_000;
      const asked = Date.parse(me?.overtimeAskedUntil ?? '');
      const hours = [1, 2, 3, 4].map((n) => Math.min(from + n * HOUR, limit));
      // What dispatch asked for comes first; the whole hours after the shift follow.
      const choices = [...new Set(asked > Date.now() ? [asked, ...hours] : hours)].map((t) => new Date(t));
      const got = await ask('Accept overtime', [
        { name: 'until', label: 'Work until', type: 'select', options: choices.map((d) => [d.toISOString(), fmt.format(d)]) },
      ], 'Accept');
      if (got) act('AcceptOvertime', { until: got.until }, `Overtime until ${fmt.format(new Date(got.until))}`);
    },
  };
}
