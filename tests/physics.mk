# (fragment owned by the corresponding work)
