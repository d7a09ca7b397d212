"""Samkørsel routing core: domain model, road network, matrices, solver and rules.

Pure Python domain logic: nothing here imports HTTP, database or template libraries, and nothing
reads environment variables; callers pass parameter objects.
"""
