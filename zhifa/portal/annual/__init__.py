"""行政执法统计年报: per body and per jurisdiction, from case data, counting rules of domain.md §5."""
