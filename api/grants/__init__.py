"""Grants per rider, municipality rules and complaints (klage)."""
