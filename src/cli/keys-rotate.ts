// `pilox keys rotate --new-key <hex>`: re-encrypts every registered encrypted column under a new
// ENCRYPTION_KEY (runbook: docs/secrets.md#key-rotation). Resumable; the old key (ENCRYPTION_KEY
// and ENCRYPTION_KEY_PREVIOUS) stays accepted for decryption until every value is rewritten.
import { loadConfig } from '../config.js';
import { openDatabaseFromConfig } from '../container.js';
import { ENCRYPTED_COLUMNS } from '../lib/crypto/encrypted-columns.js';
import { KeyRotationError, rotateEncryptedColumns } from '../lib/crypto/key-rotation.js';
import { createSecretBox, keyIdOf, splitKeyList } from '../lib/crypto/secret-box.js';
import { CliError } from './errors.js';
import { createProgressBar } from './progress.js';

/** Exit status of a run stopped by --max-batches: not an error, not finished either. */
export const EXIT_PAUSED = 3;

export interface KeysRotateOptions {
  newKey: string;
  batchSize: string;
  maxBatches?: string;
}

function positiveInt(flag: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new CliError(`${flag}: must be an integer from 1 to ${max}`);
  return n;
}

export async function keysRotateCommand(opts: KeysRotateOptions): Promise<void> {
  if (!/^[0-9a-fA-F]{64}$/.test(opts.newKey)) {
    throw new CliError('--new-key: must be exactly 64 hex characters (32 bytes); generate one with `openssl rand -hex 32`');
  }
  const batchSize = positiveInt('--batch-size', opts.batchSize, 10_000);
  const maxBatches = opts.maxBatches === undefined ? undefined : positiveInt('--max-batches', opts.maxBatches, 1_000_000_000);
  const config = loadConfig();
  if (config.generatedSecrets.includes('ENCRYPTION_KEY')) {
    throw new CliError(
      `ENCRYPTION_KEY is not set (it was generated into ${config.dataDir}/secrets.json). Set ENCRYPTION_KEY to that value first, so the servers can be given the new key afterwards.`,
    );
  }
  const newKey = opts.newKey.toLowerCase();
  const previous = [config.ENCRYPTION_KEY, ...splitKeyList(config.ENCRYPTION_KEY_PREVIOUS)].filter((k) => k !== newKey);
  const box = createSecretBox({ current: newKey, previous });
  const out = process.stdout;
  const database = await openDatabaseFromConfig(config);
  const bar = createProgressBar();
  try {
    const result = await rotateEncryptedColumns({
      db: database.db,
      box,
      columns: ENCRYPTED_COLUMNS,
      batchSize,
      maxBatches,
      onStart: ({ targetKeyId, resumed, remaining }) => {
        out.write(`${resumed ? 'resuming' : 'starting'} rotation to key ${targetKeyId} (old keys accepted: ${previous.map(keyIdOf).join(', ') || 'none'})\n`);
        for (const [column, n] of Object.entries(remaining)) out.write(`  ${column}: ${n} value(s) to re-encrypt\n`);
      },
      onProgress: (e) => bar.update(e.column, e.rewritten, e.total),
    });
    bar.finish();
    const total = Object.values(result.rewritten).reduce((a, b) => a + b, 0);
    if (result.status === 'paused') {
      out.write(`paused after ${result.batches} batch(es) (--max-batches); run the same command again to continue\n`);
      process.exitCode = EXIT_PAUSED;
      return;
    }
    out.write(`rotation complete: ${total} value(s) re-encrypted; every value is now under key ${result.targetKeyId}\n`);
    out.write('next: set ENCRYPTION_KEY to the new key on every replica and remove the old key from ENCRYPTION_KEY_PREVIOUS\n');
  } catch (err) {
    bar.finish();
    if (err instanceof KeyRotationError) throw new CliError(`key rotation stopped: ${err.message} (batches already committed stay valid; fix and run again to resume)`);
    throw err;
  } finally {
    await database.close();
  }
}
