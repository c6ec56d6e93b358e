"""Stimuli: emotional stories and neutral dialogues that vectors are extracted from."""

from steer.stimuli.story import Story

__all__ = ["Story"]
