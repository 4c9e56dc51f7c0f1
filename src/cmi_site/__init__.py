"""cmi-site: the static site generator behind the Count Me In coproduction network."""

__version__ = "0.1.0"
