"""重大执法决定法制审核 (issue 4): scope, reviewers, submissions, checklist, opinions, the decision gate."""
