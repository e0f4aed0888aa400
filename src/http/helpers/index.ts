import type { HelperDelegate } from 'handlebars';
import { formatTime } from './format-time';
import { eq } from './eq';

/** Every Handlebars helper, one per file, registered by name. */
export const helpers: Record<string, HelperDelegate> = { formatTime, eq };
