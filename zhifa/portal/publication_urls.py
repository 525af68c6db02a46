"""URLs of the 事后 publications (decisions, takedown log, feeds, exports, checkpoints, 核验文书)."""

urlpatterns: list = []
