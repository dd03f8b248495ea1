/** Email: the transactional outbox, rendering, and SMTP delivery with retries. */
export { enqueueEmail, renderEmail, escapeHtml, extractLinks, type OutgoingEmail, type EmailContent, type RenderedEmail } from './outbox.js';
export { MailDelivery, backoffMs, messageIdFor, isPermanentFailure, DEFAULT_FROM, type MailDeliveryOptions } from './delivery.js';
