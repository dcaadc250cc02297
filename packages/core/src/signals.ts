import type { EmailMessage } from './message.js';
import { Signal } from './signal.js';
import type { AnymailStatus } from './status.js';
import type { AnymailInboundEvent } from './inbound/inbound-event.js';
import type { AnymailTrackingEvent } from './tracking/tracking-event.js';

export interface PreSendArgs {
  message: EmailMessage;
  espName: string;
}
export interface PostSendArgs {
  message: EmailMessage;
  status: AnymailStatus;
  espName: string;
}
export interface TrackingArgs {
  event: AnymailTrackingEvent;
  espName: string;
}
export interface InboundArgs {
  event: AnymailInboundEvent;
  espName: string;
}
export interface FailoverArgs {
  message: EmailMessage;
  /** espName of the backend that failed. */
  from: string;
  /** espName of the backend tried next. */
  to: string;
  category: string;
}

/** Before each send: may edit the message, or throw AnymailCancelSend to skip it. */
export const preSend = new Signal<PreSendArgs>('preSend');
/** After each send; every receiver runs even if one throws. */
export const postSend = new Signal<PostSendArgs>('postSend');
/** One send per verified tracking-webhook event. */
export const tracking = new Signal<TrackingArgs>('tracking');
/** One send per received email, from every ESP's `inboundWebhook`. */
export const inbound = new Signal<InboundArgs>('inbound');
/** FailoverBackend moved a message from one backend to the next. */
export const failover = new Signal<FailoverArgs>('failover');
