"""Publishing system of the Guide to Important Academic Conferences."""

__version__ = "0.1.0"
