"""事前/事中 public pages: who may enforce what, on which basis, by which procedure; certificates."""
