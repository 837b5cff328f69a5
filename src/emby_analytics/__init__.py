"""Emby Analytics: self-hosted analytics and live monitoring for Emby."""

__version__ = "0.1.0"
