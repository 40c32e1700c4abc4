-- ZWS schema, version 4: event_logs.event_name holds the name as the
-- contents of a JSON string, escapes kept (without the quotes), so what
-- the node sent survives: a name with a NUL ("Evil\u0000Name"), which a
-- PostgreSQL text value cannot hold, is stored as Evil\u0000Name and zws
-- sends those bytes back between quotes. A name without a quote, a
-- backslash or a control character (every Scilla identifier) is stored as
-- before; names stored earlier that have one are escaped here.
UPDATE event_logs
SET event_name = substr(to_json(event_name)::text, 2, length(to_json(event_name)::text) - 2)
WHERE event_name ~ '[\x01-\x1f"\\]';
