"""公示平台: the public portal (issue 5).

Sub-packages, each with its own files:
    prior/      事前 (and 事中) publication: jurisdiction home, bodies, officer roster, published lists, guides,
                flowcharts (SVG), post boards and certificate cards with QR codes, the certificate check
    search/     the Chinese full-text search interface (app label ``portal_search``): bigram index on SQLite FTS5
                and PostgreSQL tsvector behind one API
    annual/     行政执法统计年报 (app label ``annual``)
The app itself (label ``portal``) holds the 事后 publications: creation from decisions, redaction, approval,
withdrawal, expiry, feeds, exports, docking, the published ledger checkpoints and the 核验文书 page.
The portal reads publications and published library data; it never shows case tables directly.
"""
