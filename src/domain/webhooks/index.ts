export { listWebhookDeliveries, requestRedelivery, type WebhookDelivery } from './deliveries.ts';
export { WebhookDispatcher, type WebhookDispatcherOptions } from './dispatcher.ts';
export {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookEndpoints,
  type NewWebhookInput,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type WebhookChanges,
  type WebhookEndpoint,
  type WebhookNetwork,
  type WebhookStatus,
} from './endpoints.ts';
export { signDelivery } from './signing.ts';
