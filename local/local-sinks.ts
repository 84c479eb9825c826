import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeadLetterSink, SmsSender, TopicPublisher } from '../lambdas/alerting/ports/senders.js';

/** Appends one JSON line per entry to a file a person can read (`tail -f`). */
export class JsonLinesFile {
  constructor(readonly path: string) {}

  async append(entry: Record<string, unknown>): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, `${JSON.stringify(entry)}\n`, 'utf8');
  }

  async read(): Promise<Record<string, unknown>[]> {
    const text = await readFile(this.path, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

/** Local SMS: written to the SMS log instead of a phone. */
export class FileSmsSender implements SmsSender {
  constructor(private readonly file: JsonLinesFile) {}

  async send(phone: string, text: string): Promise<void> {
    await this.file.append({ at: new Date().toISOString(), to: phone, text });
  }
}

/** Local ops topic: emergencies go to the same readable log, addressed to the topic. */
export class FileTopicPublisher implements TopicPublisher {
  constructor(private readonly file: JsonLinesFile) {}

  async publish(subject: string, message: string): Promise<void> {
    await this.file.append({ at: new Date().toISOString(), to: 'emergency-topic', subject, text: message });
  }
}

export class FileDeadLetterSink implements DeadLetterSink {
  constructor(private readonly file: JsonLinesFile) {}

  async send(entry: Record<string, unknown>): Promise<void> {
    await this.file.append({ at: new Date().toISOString(), ...entry });
  }
}
