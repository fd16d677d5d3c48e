-- One counter row, written by POST /bench/floor (only when ENABLE_BENCH_ROUTES is true): the
-- least a form's answer must write, so `npm run bench:intake` can measure what the intake route
-- could reach at best on the same thread. Nothing reads it.
CREATE TABLE bench_floor (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  writes  INTEGER NOT NULL
);
