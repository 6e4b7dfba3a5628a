"""Synthetic feeds in the exact formats of shared/spec/feeds.md, with an answer key."""

from dacall.generate.engine import GenerationResult, generate

__all__ = ["GenerationResult", "generate"]
