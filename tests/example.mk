# (fragment: examples test)
