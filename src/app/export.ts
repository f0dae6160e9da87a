// `cvctl export`: this scope's rows of the database as files of the format. Read-only on the
// database; writes the files (--out) or returns the documents for stdout.
import * as path from 'node:path';
import type { Context } from './context';
import type * as ExportModule from '../export/export';
import type * as EmitModule from '../export/emit';
import type * as RoutingModule from '../export/routing';
import { bundledCatalog } from '../catalog/catalog';
import { readState } from '../state/read-state';
import { readRouting } from '../state/read-routing';
import { inSnapshot } from '../state/snapshot';
import { openDb } from './resources';

// Loaded when export runs: its YAML writer costs ~60 ms of every other command's start-up.
const exporter = (): typeof ExportModule => require('../export/export') as typeof ExportModule;
const emitter = (): typeof EmitModule => require('../export/emit') as typeof EmitModule;

export interface ExportOptions {
  /** `--out DIR`: one file per provider there, and models/<model>.yaml per model; null: every document for stdout. */
  outDir: string | null;
  includeUnmanaged: boolean;
  /** Overwrite existing files in outDir. */
  force: boolean;
}

export interface ExportOutcome {
  documents: number;
  /** Every document as one YAML stream (without outDir). */
  text: string | null;
  /** The files written, relative to the working directory (with outDir). */
  written: string[] | null;
  /** Where the export is not exact, one line each. */
  notes: string[];
  /** Which variables the files' `from: env` references name ('' when none). */
  variablesMessage: string;
}

export async function exportRows(ctx: Context, o: ExportOptions): Promise<ExportOutcome> {
  const db = await openDb(ctx, { purpose: 'export' });
  let read;
  try {
    // One snapshot: a backend exported must name a provider model the same export sees.
    read = await inSnapshot(db, async (tx) => ({ current: await readState(tx), routing: await readRouting(tx) }));
  } finally {
    await db.close();
  }
  const { current, routing } = read;
  const outDir = o.outDir !== null ? path.resolve(ctx.cwd, o.outDir) : ctx.cwd;
  const { exportDocuments, exportRoutingDocuments, joinDocuments, selectRows, variablesMessage, writeDocuments } = exporter();
  const { schemaRefFor } = emitter();
  const { selectRouting } = require('../export/routing') as typeof RoutingModule;
  const selected = selectRows(current, ctx.opts.scope, o.includeUnmanaged);
  const result = exportDocuments(selected, bundledCatalog(), schemaRefFor(outDir, ctx.cwd));
  // On stdout every document is in one stream read from the working directory: one schema path.
  const modelsDir = o.outDir !== null ? path.join(outDir, 'models') : outDir;
  const routingDocs = exportRoutingDocuments(selectRouting(routing, ctx.opts.scope, o.includeUnmanaged), schemaRefFor(modelsDir, ctx.cwd));
  const documents = [...result.documents, ...routingDocs.documents];
  const none = documents.length === 0;
  return {
    documents: documents.length,
    text: none || o.outDir !== null ? null : joinDocuments(documents),
    written: none || o.outDir === null ? null : writeDocuments(outDir, documents, o.force, (p) => ctx.rel(p)),
    notes: [...result.notes, ...routingDocs.notes],
    variablesMessage: variablesMessage(result.variables),
  };
}
