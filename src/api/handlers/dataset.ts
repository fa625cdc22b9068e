import type { Core } from '../../core.ts';
import { DatasetService } from '../../services/dataset.ts';
import type { Handlers } from '../dispatch.ts';

type DatasetMethods =
  | 'classes.list'
  | 'classes.create'
  | 'classes.update'
  | 'classes.reorder'
  | 'classes.merge'
  | 'classes.delete'
  | 'images.query'
  | 'images.get'
  | 'images.counts'
  | 'labels.set'
  | 'labels.undo'
  | 'labels.redo'
  | 'labels.history'
  | 'dataset.importCsv'
  | 'dataset.export';

export function datasetHandlers(core: Core): Pick<Handlers, DatasetMethods> {
  const dataset = new DatasetService(core);
  return {
    'classes.list': () => dataset.listClasses(),
    'classes.create': (a) => dataset.createClass(a),
    'classes.update': (a) => dataset.updateClass(a),
    'classes.reorder': ({ ids }) => dataset.reorderClasses(ids),
    'classes.merge': ({ sourceIds, targetId }) => dataset.mergeClasses(sourceIds, targetId),
    'classes.delete': ({ id, confirm }) => dataset.deleteClass(id, confirm),

    'images.query': (q) => dataset.queryImages(q),
    'images.get': ({ id }) => dataset.getImage(id),
    'images.counts': () => dataset.counts(),

    'labels.set': ({ imageIds, classId, source }) => dataset.setLabels(imageIds, classId, source),
    'labels.undo': () => dataset.undo(),
    'labels.redo': () => dataset.redo(),
    'labels.history': () => dataset.history(),

    'dataset.importCsv': ({ file, createClasses }) => dataset.importCsv(file, createClasses),
    'dataset.export': ({ format, out, mode }) => dataset.startExport(format, out, mode),
  };
}
