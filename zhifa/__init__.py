"""zhifa: administrative law enforcement platform (行政执法三项制度)."""
