"""INSi téléservice (CNAM): client, local stand-in, one interface (see interface.py)."""
