"""Publications (事后公示). See zhifa/portal/__init__.py."""
