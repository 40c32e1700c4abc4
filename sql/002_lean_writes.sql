-- ZWS schema, version 2: a write path light enough for fast backfills.
-- zws reads rows by block_num only (tx_blocks by key, transactions and
-- event_logs by block); what it does not read is no longer checked or
-- indexed row by row.
-- - The foreign keys to tx_blocks go: zws-ingest replaces a block by
--   deleting its rows from every table explicitly, in the transaction that
--   stores it again, so no row outlives its block.
-- - receipt, body and params become text: they keep the node's JSON byte
--   for byte but are no longer parsed on insert (nothing queries them as
--   json; cast with ::json to do so).
-- - The address indexes of transactions go (nothing looks transactions up
--   by address); transactions rows of a few KB stay inline, uncompressed.

ALTER TABLE tx_block_shards DROP CONSTRAINT IF EXISTS tx_block_shards_block_num_fkey;
ALTER TABLE transactions DROP CONSTRAINT IF EXISTS transactions_block_num_fkey;
ALTER TABLE event_logs DROP CONSTRAINT IF EXISTS event_logs_block_num_fkey;

ALTER TABLE transactions
    ALTER COLUMN receipt TYPE text,
    ALTER COLUMN body TYPE text;
ALTER TABLE event_logs ALTER COLUMN params TYPE text;

DROP INDEX IF EXISTS transactions_to_addr;
DROP INDEX IF EXISTS transactions_from_addr;

ALTER TABLE transactions SET (toast_tuple_target = 8160);

-- Hashes and addresses are hex: bytewise order is their order, and
-- comparing them bytewise keeps index inserts cheap whatever the
-- database's locale.
ALTER TABLE transactions ALTER COLUMN tx_hash TYPE text COLLATE "C";
ALTER TABLE event_logs ALTER COLUMN address TYPE text COLLATE "C";
ALTER TABLE contracts ALTER COLUMN address TYPE text COLLATE "C";
