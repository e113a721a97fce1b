import type { EventSeverity, WebhookDelivery } from '$lib/api/types';

const SEVERITY_WORDS: Readonly<Record<EventSeverity, string>> = {
  info: 'Info',
  warning: 'Warning',
  critical: 'Critical',
};

export function eventSeverityWords(severity: EventSeverity): string {
  return SEVERITY_WORDS[severity] ?? severity;
}

/** One line about a webhook attempt: what happened and what comes next. */
export function webhookDeliveryWords(delivery: WebhookDelivery): string {
  if (delivery.ok) {
    return `Delivered (HTTP ${delivery.status ?? '?'})`;
  }
  const why = delivery.error ?? 'it failed';
  if (delivery.kind === 'webhook.test') {
    return `The test failed: ${why}`;
  }
  return delivery.final
    ? `Failed: ${why}. Gave up on this event after ${delivery.attempt} attempts.`
    : `Failed: ${why}. Attempt ${delivery.attempt}; it will be retried.`;
}
