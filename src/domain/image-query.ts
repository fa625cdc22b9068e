/**
 * Which images a page shows and in what order: the filter kinds and the images.query arguments.
 * The store reads the parsed shape; the API validates callers' input against the schemas.
 */
import { z } from 'zod';
import { SPLITS } from './splits.ts';

const Id = z.number().int().positive();

export const ImageFilter = z
  .object({
    kind: z
      .enum([
        'all',
        'unlabeled',
        'labeled',
        'class',
        'failed',
        'missing',
        'split',
        'ids',
        // The current run's predictions (an empty page while there is no run): unlabeled images
        // with a suggestion, labeled images whose out-of-fold prediction confidently disagrees,
        // and images in near-duplicate pairs. These keep their own order; `sort` does not apply.
        'suggestions',
        'mislabeled',
        'duplicates',
      ])
      .default('all'),
    classId: Id.optional(),
    split: z.enum(SPLITS).optional(),
    ids: z.array(Id).max(100_000).optional(),
    search: z.string().max(500).optional(),
    /** Suggestions only: smallest margin first (default) or most probable first. */
    order: z.enum(['uncertain', 'confident']).optional(),
    /**
     * The probability each listed image shows is at least this: the suggestion's for
     * suggestions, the out-of-fold prediction's for mislabeled (a higher bar than the rule's own
     * only narrows the list). The same meaning as in predictions.query.
     */
    minProbability: z.number().min(0).max(1).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.order !== undefined && f.kind !== 'suggestions')
      ctx.addIssue({ code: 'custom', path: ['order'], message: 'order applies to kind "suggestions" only' });
    if (f.minProbability !== undefined && f.kind !== 'suggestions' && f.kind !== 'mislabeled')
      ctx.addIssue({
        code: 'custom',
        path: ['minProbability'],
        message: 'minProbability applies to kinds "suggestions" and "mislabeled" only',
      });
    if (f.kind === 'class' && f.classId === undefined)
      ctx.addIssue({ code: 'custom', message: 'filter kind "class" needs classId' });
    if (f.kind === 'split' && f.split === undefined)
      ctx.addIssue({ code: 'custom', message: 'filter kind "split" needs split' });
    if (f.kind === 'ids' && f.ids === undefined)
      ctx.addIssue({ code: 'custom', message: 'filter kind "ids" needs ids' });
  });
export type ImageFilter = z.input<typeof ImageFilter>;

export const ImageQueryArgs = z
  .object({
    filter: ImageFilter.default({ kind: 'all' }),
    sort: z.enum(['added', 'path', 'name']).default('added'),
    order: z.enum(['asc', 'desc']).default('asc'),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(1000).default(100),
  })
  .strict();

export type ImageQuery = z.output<typeof ImageQueryArgs>;
export type ParsedImageFilter = ImageQuery['filter'];
