-- ZWS schema, version 3: tx_blocks rows stay inline and uncompressed.
-- A mainnet TxBlock row (its GetTxBlock JSON and the hash lists) is 3-5 KB,
-- over PostgreSQL's 2 KB default, so every insert compressed it with pglz;
-- that was the dearest step of storing a block. zws reads these rows whole
-- and at once, and the hex they hold barely compresses.
ALTER TABLE tx_blocks SET (toast_tuple_target = 8160);
