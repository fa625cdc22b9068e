/**
 * What a class may be called. A schema rather than a type because names arrive from people, CSV
 * files and folder names alike, and each of them is checked the same way.
 */
import { z } from 'zod';

export const ClassName = z
  .string()
  .trim()
  .min(1, 'a class name is required')
  .max(100, 'a class name has at most 100 characters')
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'a class name cannot contain control characters');
