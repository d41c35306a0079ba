-- Version 18, continued: nothing on SQLite.
SELECT 1;
