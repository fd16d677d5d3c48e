-- Which records an email address belongs to, so an inbound reply can find its lead. Addresses are
-- stored canonical (lower case, no +tag, Gmail without dots); written by the record's Durable
-- Object when the record's email properties change.
CREATE TABLE lead_addresses (
  address     TEXT NOT NULL,
  record_key  TEXT NOT NULL,
  PRIMARY KEY (address, record_key)
);
CREATE INDEX lead_addresses_by_record ON lead_addresses (record_key);
