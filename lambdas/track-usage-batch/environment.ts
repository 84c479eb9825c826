import { defineFunction } from '../shared/function-spec.js';
import { spec as single } from '../track-usage/environment.js';

/** The same ingest path as track-usage, for up to 25 events per request. */
export const spec = defineFunction({
  ...single,
  name: 'track-usage-batch',
  description:
    'Records up to 25 model calls in one request, each exactly once, with the same ingest path as track-usage.',
});
