/**
 * The open project, recent projects and what the app says about itself.
 */
import type { EngineStatus } from './engines.ts';

export interface ProjectInfo {
  path: string;
  name: string;
  schemaVersion: number;
  createdAt: string;
  imageCount: number;
  classCount: number;
  /** Why the project opened read-only (browse and export work, changes are refused); null if writable. */
  readOnly: string | null;
}

export interface RecentProject {
  path: string;
  name: string;
  openedAt: string;
  exists: boolean;
}

export interface AppInfo {
  name: 'Incept';
  version: string;
  platform: string;
  arch: string;
  node: string;
  dataDir: string;
  engines: EngineStatus[];
  engineInUse: string | null;
  project: ProjectInfo | null;
}
