"""The review queue's rules, the published snapshot and the `dacall review` web app."""
