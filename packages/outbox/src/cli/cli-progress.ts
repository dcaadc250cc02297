/** One line of send-queued progress: a bar over the emails due at the start, and the rate. */
export function formatProgress(
  report: { sent: number; failed: number; requeued: number },
  total: number,
  elapsedMs: number,
  width = 30,
): string {
  const done = report.sent + report.failed + report.requeued;
  const filled = total === 0 ? width : Math.min(width, Math.round((done / total) * width));
  const rate = elapsedMs > 0 ? Math.round((done * 1000) / elapsedMs) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}: ${report.sent} sent, ${report.failed} failed, ${report.requeued} requeued (${rate}/s)`;
}
