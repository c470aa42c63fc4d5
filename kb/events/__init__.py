"""Events: what every delivery response served, recorded off the request path with a receipt,
and the feedback customers and operators give on it (issue 16).

`served` describes a response, `recorder` queues it and writes batches from a thread of its own,
`store` reads and purges the rows, `redaction` takes what identifies a customer out of their
words before anything is kept. Built on `kb.store`; knows nothing of HTTP.
"""
