"""The only package that imports `ee` (earthengine-api). Everything else talks to the small Protocols here."""
