"""Wire formats and transport. Nothing outside this package knows either wire format."""
