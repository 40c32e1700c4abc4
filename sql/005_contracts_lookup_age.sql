-- ZWS schema, version 5: the lookup's "not a contract" answers that zws
-- caches in contracts are found by age, oldest first: zws drops those past
-- ten minutes at every save and, beyond --max-negative-cache rows, the
-- oldest (zws/io/contract_store.c). This index keeps both from sorting or
-- scanning the whole table.
CREATE INDEX IF NOT EXISTS contracts_lookup_no_by_age ON contracts (checked_at, address)
    WHERE source = 'lookup' AND NOT is_contract;
