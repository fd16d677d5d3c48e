-- A person's consents are written to Salesforce by one effect consumer at a time: two writing at
-- once could each make an Individual for the same person, leaving one consent on an Individual
-- nobody links to. A hold lapses at held_until, so a consumer that dies holding one delays the
-- person's next consent by that long and never stops it.
CREATE TABLE consent_write_holds (
  person      TEXT PRIMARY KEY,
  holder      TEXT NOT NULL,
  held_until  TEXT NOT NULL
);
