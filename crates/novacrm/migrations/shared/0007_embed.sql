-- Origins (besides this site) allowed to frame the host's booking pages, space-separated,
-- validated and normalised by the service ("https://crm.example.com https://*.example.org").
ALTER TABLE app_user ADD COLUMN embed_origins TEXT NOT NULL DEFAULT '';
