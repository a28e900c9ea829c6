// Every database column that holds SecretBox ciphertexts, so `pilox keys rotate` can re-encrypt
// all of them. A module that stores an encrypted value adds ONE line here (docs/secrets.md,
// "Registering an encrypted column"); a test checks each entry exists after migrations and that
// every column named `*_enc` is listed.
export interface EncryptedColumn {
  /** SQL table name. */
  table: string;
  /** Primary-key column (unique, sortable: uuid, text or integer). */
  idColumn: string;
  /** Column holding `v1.<keyId>.…` ciphertexts (NULL values are skipped). */
  column: string;
}

export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  { table: 'secrets', idColumn: 'id', column: 'value_enc' }, // modules/secrets
  { table: 'user_mfa', idColumn: 'user_id', column: 'secret_enc' }, // modules/auth (TOTP secrets)
  { table: 'llm_providers', idColumn: 'id', column: 'api_key_enc' }, // modules/llm (provider API keys)
  // marketplace: registry tokens — add yours here.
];

export function columnLabel(c: EncryptedColumn): string {
  return `${c.table}.${c.column}`;
}
