"""Profiles: load, validate and look up shipped or user YAML files."""

from pipeval.profile.loader import SHIPPED, load_profile
from pipeval.profile.model import Profile

__all__ = ["SHIPPED", "Profile", "load_profile"]
