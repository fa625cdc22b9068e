/** Argument schemas of the desktop IPC channels (main side; the preload needs none of zod). */
import { z } from 'zod';
import { DESKTOP_CHANNELS, type DesktopInvokeChannel } from './desktop-api.ts';

const FilePath = z.string().min(1).max(4096);

export const desktopArgs = {
  [DESKTOP_CHANNELS.openProject]: z.object({}).strict(),
  [DESKTOP_CHANNELS.newProject]: z.object({ defaultName: z.string().max(200).optional() }).strict(),
  [DESKTOP_CHANNELS.chooseFolder]: z
    .object({
      purpose: z.enum(['import', 'export']).default('import'),
      title: z.string().max(200).optional(),
    })
    .strict(),
  [DESKTOP_CHANNELS.chooseFile]: z
    .object({
      title: z.string().max(200).optional(),
      extensions: z
        .array(z.string().regex(/^[A-Za-z0-9]{1,16}$/, 'an extension is letters and digits, without the dot'))
        .max(20)
        .optional(),
    })
    .strict(),
  [DESKTOP_CHANNELS.reveal]: z.object({ path: FilePath }).strict(),
} as const satisfies Record<DesktopInvokeChannel, z.ZodType>;

export type DesktopArgs<C extends DesktopInvokeChannel> = z.output<(typeof desktopArgs)[C]>;
