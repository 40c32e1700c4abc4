-- ZWS schema, version 1: everything zws-ingest stores of the chain and
-- everything zws reads back. Applied by zws-ingest at start inside one
-- transaction; re-running it is harmless.

CREATE TABLE IF NOT EXISTS schema_version (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per TxBlock. tx_block is the lookup node's GetTxBlock result and
-- tx_hashes its GetTransactionsForTxBlock result ([] for an empty block),
-- both as compact JSON with the node's key order, so zws sends them back
-- exactly as the node answered.
CREATE TABLE IF NOT EXISTS tx_blocks (
    block_num    bigint PRIMARY KEY,
    block_hash   text NOT NULL,
    num_txns     integer NOT NULL,
    timestamp_us bigint,
    tx_block     json NOT NULL,
    tx_hashes    json NOT NULL,
    ingested_at  timestamptz NOT NULL DEFAULT now()
);

-- Per-shard transaction hash lists (one row per microblock list, in the
-- order the node returned them).
CREATE TABLE IF NOT EXISTS tx_block_shards (
    block_num  bigint NOT NULL REFERENCES tx_blocks ON DELETE CASCADE,
    shard      integer NOT NULL,
    tx_hashes  text[] NOT NULL,
    PRIMARY KEY (block_num, shard)
);

-- Transactions with their receipts. position is the order of the body in
-- GetTxnBodiesForTxBlock. Hashes and addresses: lowercase hex, no 0x.
CREATE TABLE IF NOT EXISTS transactions (
    tx_hash        text PRIMARY KEY,
    block_num      bigint NOT NULL REFERENCES tx_blocks ON DELETE CASCADE,
    position       integer NOT NULL,
    from_addr      text NOT NULL,
    to_addr        text NOT NULL,
    amount         numeric NOT NULL,
    nonce          bigint,
    gas_price      numeric,
    gas_limit      numeric,
    success        boolean NOT NULL,
    is_deploy      boolean NOT NULL DEFAULT false,
    contract_addr  text,
    receipt        json NOT NULL,
    body           json NOT NULL,
    UNIQUE (block_num, position)
);
CREATE INDEX IF NOT EXISTS transactions_to_addr ON transactions (to_addr, block_num);
CREATE INDEX IF NOT EXISTS transactions_from_addr ON transactions (from_addr, block_num);

-- Event logs in block order: (tx_position, log_index). address is the
-- emitting contract as lowercase 0x hex; params the log's params array.
CREATE TABLE IF NOT EXISTS event_logs (
    block_num    bigint NOT NULL REFERENCES tx_blocks ON DELETE CASCADE,
    tx_position  integer NOT NULL,
    log_index    integer NOT NULL,
    tx_hash      text NOT NULL,
    address      text NOT NULL,
    event_name   text NOT NULL,
    params       json NOT NULL,
    success      boolean NOT NULL,
    PRIMARY KEY (block_num, tx_position, log_index)
);
CREATE INDEX IF NOT EXISTS event_logs_address ON event_logs (address, block_num);

-- What is known about an address being a contract. source: 'deploy' (seen
-- deployed), 'event' (emitted an event), 'lookup' (GetSmartContractInit).
-- address: lowercase 0x hex.
CREATE TABLE IF NOT EXISTS contracts (
    address     text PRIMARY KEY,
    is_contract boolean NOT NULL,
    source      text NOT NULL,
    block_num   bigint,
    checked_at  timestamptz NOT NULL DEFAULT now()
);

-- Where ingest stands: the last committed block. One row.
CREATE TABLE IF NOT EXISTS ingest_cursor (
    id          integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    block_num   bigint NOT NULL,
    head        bigint,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
