import { localSlot } from '../../platform/local-adapters.js';

/** Ports of the notification channels; adapters for AWS and for the local runtime. */
export interface EmailMessage {
  to: string;
  subject: string;
  html: string;
  text: string;
}

export interface EmailSender {
  send(message: EmailMessage): Promise<void>;
}

export interface SmsSender {
  send(phone: string, text: string): Promise<void>;
}

export interface WebhookSender {
  /** POSTs `body` signed with `secret`; throws unless the target answers 2xx. */
  send(url: string, secret: string, body: string): Promise<void>;
}

/** The ops topic that also receives every emergency. */
export interface TopicPublisher {
  publish(subject: string, message: string): Promise<void>;
}

/** Where a notice that failed on every attempt goes, for replay or inspection. */
export interface DeadLetterSink {
  send(entry: Record<string, unknown>): Promise<void>;
}

/** Channels the local runtime puts in place of SES, SNS and SQS (emulator inbox, SMS log, dead-letter file). */
export interface LocalChannels {
  email?: EmailSender;
  sms?: SmsSender;
  emergencyTopic?: TopicPublisher;
  deadLetter?: DeadLetterSink;
}

export const LOCAL_CHANNELS = localSlot<LocalChannels>('alerting-channels');
