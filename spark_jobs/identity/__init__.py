"""OneID: the identity graph of every identifier the sources carry, resolved to one customer key per person.

``rules.yaml`` says which links are evidence and how much; :mod:`.edges` builds the graph from silver,
:mod:`.resolve` finds its hubs and resolves it.
"""
