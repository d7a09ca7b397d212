"""Each municipality's rules (presets for the five seed municipalities), grants per rider and
complaint deadlines: the administrative side of the scheme, as data."""
