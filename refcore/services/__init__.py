"""Use cases: what the API and the web UI do, on a SQLAlchemy Session.

Every public function takes ``session`` first and, when permissions matter, the
:class:`~refcore.services.accounts.Actor` making the request. Mutating use cases
commit their own transaction (one per call: an upload is stored completely or
not at all); they raise :class:`~refcore.errors.ServiceError` subclasses with
RefStack's messages, which the edges turn into responses. Nothing here knows
about HTTP, so ``refcore.server.pages`` can call the same functions as ``refcore.server``.

Modules: ``accounts`` (users, tokens, keys, the Actor), ``signatures``
(OpenSSH keys, RSA signatures), ``runs`` (upload), ``runs_read`` (list, detail,
roles), ``runs_edit`` (meta, verification, product association, delete),
``guidelines`` (the guideline source), ``reports`` (cached compliance reports),
``vendors``, ``products``.
"""
